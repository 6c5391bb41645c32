"""Cold start of the generated package: an operation imports the models it names and no others."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import sae_job_api.models
from tests.conftest import ROOT

OPERATIONS = sorted((ROOT / "generated" / "sae_job_api" / "api" / "default").glob("[!_]*.py"))


def referenced_models(module: Path) -> set[str]:
    """The sae_job_api.models.* modules that module's source imports, at any level."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return {
        f"sae_job_api.models.{node.module.removeprefix('models.')}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 3 and (node.module or "").startswith("models.")
    }


def loaded_models(statement: str) -> set[str]:
    """The sae_job_api.models.* modules a fresh interpreter holds after running statement."""
    listing = "sorted(m for m in sys.modules if m.startswith('sae_job_api.models.'))"
    probe = f"{statement}; import sys; print({listing})"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(ast.literal_eval(result.stdout))


def test_every_operation_is_checked() -> None:
    assert {path.stem for path in OPERATIONS} >= {"exec_job", "describe_job_status"}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda path: path.stem)
def test_importing_an_operation_imports_only_the_models_it_references(operation: Path) -> None:
    expected = referenced_models(operation)
    assert "sae_job_api.models.error" in expected  # the parse found the operation's imports
    assert loaded_models(f"import sae_job_api.api.default.{operation.stem}") == expected


def test_importing_one_model_by_name_imports_only_that_model() -> None:
    statement = "from sae_job_api.models import ExecJobResponse"
    assert loaded_models(statement) == {"sae_job_api.models.exec_job_response"}


def test_every_model_name_resolves_and_is_listed() -> None:
    for name in sae_job_api.models.__all__:
        assert getattr(sae_job_api.models, name).__name__ == name
    assert set(sae_job_api.models.__all__) <= set(dir(sae_job_api.models))
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchModel'"):
        _ = sae_job_api.models.NoSuchModel  # type: ignore[attr-defined]
