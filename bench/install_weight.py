"""Install weight: what a plain ``pip install`` of each brings into a fresh venv, packages and megabytes.

Each install goes into its own throwaway venv under a temporary folder; what is counted is what the
install added to site-packages (distributions, and every file with its compiled bytecode), not pip and
setuptools that the venv started with. ``sae-job`` is installed from a wheel built from this tree, its
dependencies from the package index, as a user would get them.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT

QUIET = ["--quiet", "--disable-pip-version-check"]


def _size(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def _site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def _measure(spec: str, workdir: Path, name: str) -> dict[str, object]:
    venv = workdir / name
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = _site_packages(venv)
    before = set(site.iterdir())
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", *QUIET, spec],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    added = [p for p in site.iterdir() if p not in before]
    distributions = sorted(p.name.removesuffix(".dist-info") for p in added if p.name.endswith(".dist-info"))
    return {
        "spec": spec if not spec.endswith(".whl") else spec.rsplit("/", 1)[-1],
        "packages": len(distributions),
        "megabytes": round(sum(_size(p) for p in added) / 1e6, 2),
        "distributions": distributions,
    }


def run(extras: list[str]) -> dict[str, dict[str, object]]:
    """Name -> {packages, megabytes, distributions}; ``extras`` are sae-job extras to weigh too."""
    with tempfile.TemporaryDirectory(prefix="sae-job-weight-") as tmp:
        workdir = Path(tmp)
        wheels = workdir / "wheels"
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", *QUIET, "--no-deps", "-w", str(wheels), str(ROOT)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wheel = str(next(wheels.glob("sae_job-*.whl")))
        specs = {"sae-job": wheel}
        specs.update({f"sae-job[{extra}]": f"sae-job[{extra}] @ file://{wheel}" for extra in extras})
        specs["official SDK"] = "alibabacloud-sae20190506"
        results = {}
        for index, (name, spec) in enumerate(specs.items()):
            print(f"  install weight: {name}", file=sys.stderr, flush=True)
            results[name] = _measure(spec, workdir, f"venv{index}")
        return results
