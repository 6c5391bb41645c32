"""One distribution, sae-job, that installs both import packages, typed, with only the run-time deps.

The install into a new venv is marked ``soak``: ``make soak`` lets pip resolve the dependencies from the
index; ``make test`` installs the same wheel without pip in the venv (see the test).
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import attrs
import httpx
import pytest

from tests.conftest import ROOT, SOAK


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("sae_job-*.whl")
    return built


def test_the_wheel_carries_both_packages_typed_and_the_spec(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in [
        "sae_job/__init__.py",
        "sae_job/py.typed",
        "sae_job_api/__init__.py",
        "sae_job_api/api/default/exec_job.py",
        "sae_job_api/py.typed",
        "sae_job_api/openapi.json",
    ]:
        assert required in names, required
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)


def test_the_wheel_metadata(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = Parser().parsestr(archive.read(info).decode())
    assert metadata["Name"] == "sae-job"
    assert metadata["Requires-Python"] == ">=3.11"
    runtime = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert sorted(r.split(">")[0].split("<")[0].split("=")[0].strip() for r in runtime) == ["attrs", "httpx"]
    entry_points = archive.read(
        next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
    ).decode()
    assert "sae-job = sae_job.cli:run" in entry_points


@pytest.mark.soak
def test_pip_install_in_a_new_venv_gives_both_imports(wheel: Path, tmp_path: Path) -> None:
    # make soak: a venv with its own pip, and pip resolves the run-time dependencies as a user's would.
    # make test: a venv without pip (ensurepip takes seconds); the test's pip installs the wheel alone,
    # and the dependencies are borrowed from the test's venv, after the new venv's own site-packages.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=SOAK).create(env_dir)
    python = env_dir / "bin" / "python"
    quiet = ["--quiet", "--disable-pip-version-check"]
    if SOAK:
        install = [str(python), "-m", "pip", "install", *quiet, str(wheel)]
    else:
        install = [sys.executable, "-m", "pip", "--python", str(python), "install", *quiet, "--no-deps"]
        install += ["--no-index", str(wheel)]
        [site_packages] = env_dir.glob("lib/python*/site-packages")
        dependencies = {Path(httpx.__file__).parent.parent, Path(attrs.__file__).parent.parent}
        (site_packages / "dependencies.pth").write_text("".join(f"{d}\n" for d in dependencies))
    subprocess.run(install, check=True, capture_output=True, timeout=300)
    probe = (
        "import sae_job, sae_job_api.api.default.exec_job as op; "
        "print(sae_job.__version__, sae_job.__file__, op.__file__)"
    )
    result = subprocess.run(
        [str(python), "-I", "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    version, *files = result.stdout.split()
    assert version == "0.1.0"
    assert all(Path(file).is_relative_to(env_dir) for file in files), files  # the wheel's, not the source's
    cli = subprocess.run([str(env_dir / "bin" / "sae-job"), "--version"], capture_output=True, text=True)
    assert cli.returncode == 0 and "sae-job 0.1.0" in cli.stdout
