"""The drift check: generated/ must be exactly what the pinned generator makes of the spec."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, SPEC_PATH

GENERATOR_PY = ROOT / ".venv-generator" / "bin" / "python"
SCRIPT = ROOT / "generator" / "generate.py"
COMMITTED = ROOT / "generated" / "sae_job_api"

pytestmark = pytest.mark.skipif(
    not GENERATOR_PY.exists(),
    reason="the generator's venv is made by `make check-generated` (part of make test)",
)


def check(spec: Path, target: Path) -> subprocess.CompletedProcess[str]:
    command = [str(GENERATOR_PY), str(SCRIPT), "--check", "--spec", str(spec), "--target", str(target)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture
def copy_of_generated(tmp_path: Path) -> Path:
    target = tmp_path / "sae_job_api"
    shutil.copytree(COMMITTED, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_a_spec_edit_without_regeneration_fails_with_a_diff(tmp_path: Path, copy_of_generated: Path) -> None:
    edited = tmp_path / "sae-job.yaml"
    text = SPEC_PATH.read_text(encoding="utf-8")
    assert "description: The ID of the job template." in text
    edited.write_text(text.replace("description: The ID of the job template.", "description: The template."))
    result = check(edited, copy_of_generated)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "--- a/generated/sae_job_api/openapi.json" in result.stdout
    added = [line for line in result.stdout.splitlines() if line.startswith("+") and "The template." in line]
    assert added, result.stdout
    assert "run `make generate`" in result.stdout


def test_a_stale_file_that_overwrite_would_leave_behind_is_caught(copy_of_generated: Path) -> None:
    (copy_of_generated / "models" / "old_model.py").write_text("class OldModel: ...\n")
    result = check(SPEC_PATH, copy_of_generated)
    assert result.returncode == 1
    assert "generated/sae_job_api/models/old_model.py: stale file" in result.stdout


def test_a_hand_edit_of_generated_code_is_caught(copy_of_generated: Path) -> None:
    client = copy_of_generated / "client.py"
    client.write_text(client.read_text() + "# edited by hand\n")
    result = check(SPEC_PATH, copy_of_generated)
    assert result.returncode == 1
    assert "-# edited by hand" in result.stdout


def test_the_committed_package_is_up_to_date(copy_of_generated: Path) -> None:
    result = check(SPEC_PATH, copy_of_generated)
    assert result.returncode == 0, result.stdout + result.stderr
