"""scripts/test-pythons.sh, make test's pass under each other supported CPython: which interpreter it
finds for a version, what it prints, and that one version's failure fails make test. The interpreters
here are fakes (shell scripts answering as python does), so no venv is made and no suite is run."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "test-pythons.sh"
MAIN = "3.96.4 (.venv; also a year ahead under faketime)"  # what the fake main interpreter is said to be


def fake_python(path: Path, version: str | None, pytest_exit: int = 0) -> Path:
    """An executable at ``path`` that says it is CPython ``version`` (None: a pyenv shim with no version
    selected, which runs nothing), makes a "venv" by copying itself and "runs pytest" with ``pytest_exit``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if version is None:
        path.write_text('#!/bin/sh\necho "pyenv: $(basename "$0"): command not found" >&2\nexit 127\n')
    else:
        path.write_text(
            "#!/bin/sh\n"
            # The script's own options must not reach pip or the tests (pip reads PIP_QUIET as --quiet).
            'env | grep -E "^(PIP_|PYTEST_|TEST_)" && exit 3\n'
            'case "$1 $2" in\n'
            f'  "-c "*) echo {version} ;;\n'
            '  "-m venv") mkdir -p "$3/bin" && cp "$0" "$3/bin/python" ;;\n'
            '  "-m pip") ;;\n'
            f'  "-m pytest") echo "pytest under {version}"; exit {pytest_exit} ;;\n'
            "  *) exit 2 ;;\n"
            "esac\n"
        )
    path.chmod(0o755)
    return path


def run(tmp_path: Path, *versions: str) -> subprocess.CompletedProcess[str]:
    if not (tmp_path / "pyproject.toml").exists():  # not touched again: the venvs made would be stale
        (tmp_path / "pyproject.toml").write_text("")
    return subprocess.run(
        ["bash", str(SCRIPT), str(tmp_path / "main" / "python"), *versions],
        cwd=tmp_path,
        env={
            "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin",
            "PYENV_ROOT": str(tmp_path / "pyenv"),
            "HOME": "/",
            "TEST_PIP_OPTIONS": "--quiet",
            "TEST_PYTEST_OPTIONS": "-q",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_each_version_is_found_on_path_or_in_pyenv_and_a_failing_one_fails_the_whole(tmp_path: Path) -> None:
    fake_python(tmp_path / "main" / "python", "3.96.4")
    fake_python(tmp_path / "bin" / "python3.97", None)  # the shim runs nothing: pyenv's builds are looked at
    for build in ("3.97.1", "3.97.10", "3.97.11t"):  # the newest release, not the free-threaded build
        fake_python(tmp_path / "pyenv" / "versions" / build / "bin" / "python3.97", build)
    fake_python(tmp_path / "bin" / "python3.98", "3.98.0", pytest_exit=1)
    done = run(tmp_path, "3.96", "3.97", "3.98", "3.99")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "pytest under 3.96.4" not in lines  # the main venv's version ran before, in make test itself
    assert "pytest under 3.97.10" in lines and "pytest under 3.98.0" in lines
    assert (tmp_path / ".venv-3.97" / ".installed").exists() and (
        tmp_path / ".venv-3.98" / ".installed"
    ).exists()
    assert lines[-3:] == [
        f"make test: tested on Python {MAIN}, 3.97.10 (.venv-3.97)",
        "make test: skipped Python 3.99: not on this machine",
        "make test: FAILED on Python 3.98.0 (.venv-3.98)",
    ]
    assert "Python 3.99: not found (neither python3.99 on PATH nor a pyenv build), skipped" in lines


def test_every_version_passing_is_a_pass_and_a_made_venv_is_kept(tmp_path: Path) -> None:
    fake_python(tmp_path / "main" / "python", "3.96.4")
    fake_python(tmp_path / "bin" / "python3.97", "3.97.2")
    assert run(tmp_path, "3.96", "3.97").returncode == 0
    done = run(tmp_path, "3.96", "3.97")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ".venv-3.97: a virtual environment" not in done.stdout  # made by the first run, up to date
    assert done.stdout.splitlines()[-2:] == [
        f"make test: tested on Python {MAIN}, 3.97.2 (.venv-3.97)",
        "make test: skipped none of Python 3.96, 3.97",
    ]
