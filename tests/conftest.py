"""Shared test helpers: the repository's paths and the spec, loaded once."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "sae-job.yaml"


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The ExecJob spec as the installed sae_job_api package carries it (openapi.json)."""
    text = resources.files("sae_job_api").joinpath("openapi.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "soak: long runs (load, soak, fuzz); reduced in `make test`, in full under `make soak` "
        "(SAE_JOB_SOAK=full)",
    )
