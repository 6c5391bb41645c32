"""The names users import from sae_job: all there, all lazy."""

from __future__ import annotations

import subprocess
import sys

import sae_job


def test_every_exported_name_resolves() -> None:
    assert set(sae_job.__all__) == set(sae_job._EXPORTS) | {"__version__"}
    for name in sae_job.__all__:
        assert getattr(sae_job, name) is not None, name


def test_importing_the_package_loads_no_http_stack() -> None:
    heavy = "('httpx', 'asyncio', 'sae_job.client')"
    probe = f"import sys, sae_job; print(sorted(m for m in {heavy} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
