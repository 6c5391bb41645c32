"""Regenerate generated/sae_job_api from openapi/sae-job.yaml, or check that it is up to date.

    python generator/generate.py            # rewrite generated/sae_job_api
    python generator/generate.py --check    # regenerate into a temporary folder, diff, exit 1 if stale

The generator always writes into an empty temporary folder which then replaces the committed package
whole: openapi-python-client's --overwrite replaces only models/ and api/, so files it no longer writes
would otherwise survive. Besides the generator's output the package gets `py.typed` and `openapi.json`
(the spec as JSON, read at run time by the emulator, which has no YAML parser).

generator/templates/ holds the few templates that replace the generator's built-in ones of the same name
(--custom-template-path): models_init.py.jinja makes `sae_job_api.models` import a model's module only when
its name is first used, so that importing one operation does not import every model.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "sae-job.yaml"
CONFIG = ROOT / "generator" / "config.yaml"
TEMPLATES = ROOT / "generator" / "templates"
PACKAGE = "sae_job_api"
TARGET = ROOT / "generated" / PACKAGE
IGNORED = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def generate_into(folder: Path, spec_path: Path = SPEC) -> Path:
    """Generate the package from spec_path into folder/sae_job_api and return that path."""
    out = folder / PACKAGE
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    command = [
        str(Path(bin_dir) / "openapi-python-client"),
        "generate",
        "--path",
        str(spec_path),
        "--config",
        str(CONFIG),
        "--custom-template-path",
        str(TEMPLATES),
        "--meta",
        "none",
        "--fail-on-warning",
        "--output-path",
        str(out),
    ]
    result = subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"openapi-python-client failed on {spec_path}")
    (out / "py.typed").write_text("")
    spec = YAML(typ="safe").load(spec_path.read_text(encoding="utf-8"))
    (out / "openapi.json").write_text(
        json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out


def files(folder: Path) -> dict[str, Path]:
    """Every file below folder, by its relative path, caches left out."""
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not IGNORED.intersection(path.relative_to(folder).parts)
    }


def drift(committed: Path, fresh: Path) -> list[str]:
    """A unified diff, one text per differing file, of committed against fresh."""
    old, new = files(committed) if committed.exists() else {}, files(fresh)
    out: list[str] = []
    for name in sorted(old.keys() | new.keys()):
        a = old[name].read_text(encoding="utf-8").splitlines(keepends=True) if name in old else []
        b = new[name].read_text(encoding="utf-8").splitlines(keepends=True) if name in new else []
        if a != b or (name in old) != (name in new):
            label = f"generated/{PACKAGE}/{name}"
            if name not in new:
                out.append(f"{label}: stale file, no longer generated from the spec\n")
            elif name not in old:
                out.append(f"{label}: missing, the spec now generates it\n")
            else:
                out.append("".join(difflib.unified_diff(a, b, f"a/{label}", f"b/{label}")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail with a diff when generated/ is stale")
    # --spec and --target exist for the generator's own tests; make uses the defaults.
    parser.add_argument("--spec", type=Path, default=SPEC, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, default=TARGET, help=argparse.SUPPRESS)
    args = parser.parse_args()
    target: Path = args.target
    with tempfile.TemporaryDirectory(prefix="sae-job-generate-") as tmp:
        fresh = generate_into(Path(tmp), args.spec.resolve())
        if args.check:
            diffs = drift(target, fresh)
            if diffs:
                sys.stdout.write("".join(diffs))
                sys.stdout.write(
                    f"\ngenerated/{PACKAGE} is stale against openapi/sae-job.yaml: "
                    "run `make generate` and commit generated/ with the spec change.\n"
                )
                return 1
            print(f"generated/{PACKAGE} is up to date with openapi/sae-job.yaml")
            return 0
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(fresh, target)
        print(f"wrote generated/{PACKAGE} from openapi/sae-job.yaml")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
