"""One distribution, sae-job, that installs both import packages, typed, with only the run-time deps."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.conftest import ROOT


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
    assert "sae-job = sae_job.cli:main" in entry_points


def test_pip_install_in_a_new_venv_gives_both_imports(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = "import sae_job, sae_job_api.api.default.exec_job; print(sae_job.__version__)"
    result = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert result.stdout.strip() == "0.1.0"
    cli = subprocess.run([str(env_dir / "bin" / "sae-job"), "--version"], capture_output=True, text=True)
    assert cli.returncode == 0 and "sae-job 0.1.0" in cli.stdout
