"""The pytest plugin (sae_job.pytest_plugin): registered through pytest11, cheap to load, and the
``sae_emulator`` fixture as a user's own suite sees it (run with pytester in a subprocess)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from sae_job import JobForbidPolicyError, UserInDebtError
from sae_job.emulator import RunningEmulator, Template
from tests.conftest import README

pytest_plugins = ["pytester"]


def readme_example() -> str:
    """The README's first example test of the fixture: the first python block that uses ``sae_emulator``
    (tests/test_readme.py runs every one as a user's suite)."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    return next(block for block in blocks if "def test_" in block and "sae_emulator" in block)


def test_the_plugin_is_registered_through_pytest11() -> None:
    [entry] = [e for e in entry_points(group="pytest11") if e.name == "sae_job"]
    assert entry.value == "sae_job.pytest_plugin"


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    # Every pytest run where sae-job is installed loads the plugin: it must not pull in httpx or the emulator.
    script = (
        "import sys, json, pytest; before = set(sys.modules); import sae_job.pytest_plugin; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(done.stdout)
    assert "sae_job.pytest_plugin" in loaded
    heavy = [m for m in loaded if m.split(".")[0] in ("httpx", "sae_job_api", "werkzeug") or "emulator" in m]
    assert heavy == []


def test_a_users_suite_with_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_readme=readme_example(),
        test_marked="""
import pytest
from sae_job import JobForbidPolicyError, UserInDebtError

@pytest.mark.sae_emulator(templates=[{"app_id": "nightly", "concurrency_policy": "Forbid"}, "other"])
def test_forbid(sae_emulator):
    assert sae_emulator.app_id == "nightly"
    sae_emulator.client.exec_job("nightly")
    with pytest.raises(JobForbidPolicyError):
        sae_emulator.client.exec_job("nightly")
    sae_emulator.client.exec_job("other")

@pytest.mark.sae_emulator(in_debt=True)
def test_debt(sae_emulator):
    with pytest.raises(UserInDebtError):
        sae_emulator.client.exec_job(sae_emulator.app_id)

def test_fresh_for_each_test(sae_emulator):
    assert sae_emulator.emulator.jobs() == []

@pytest.mark.sae_emulator(template=["typo"])
def test_bad_marker(sae_emulator):
    pass
""",
    )
    override = pytester.mkpydir("override")
    (override / "conftest.py").write_text(
        """
import pytest
from sae_job import Credentials
from sae_job.emulator import EmulatorConfig, Template

@pytest.fixture
def sae_emulator_config():
    return EmulatorConfig([Credentials("STS.MINE", "my-secret", "my-token")], [Template("mine")])
"""
    )
    (override / "test_override.py").write_text(
        """
def test_override(sae_emulator):
    assert sae_emulator.credentials.security_token == "my-token"
    assert sae_emulator.client.exec_job("mine").job_id.startswith("manual-")
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines(
        ["E*TypeError: @pytest.mark.sae_emulator takes templates, in_debt, *and faults, not template"]
    )


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.sae_emulator(templates=*"])


# --- the fixture in this very suite, loaded through the same entry point --------------------------------


def test_the_fixture_here(sae_emulator: RunningEmulator) -> None:
    launch = sae_emulator.client.exec_job(sae_emulator.app_id, command=["echo", "hi"])
    assert [job.job_id for job in sae_emulator.emulator.jobs()] == [launch.job_id]
    sae_emulator.emulator.reset()
    assert sae_emulator.emulator.jobs() == []


@pytest.mark.sae_emulator(templates=[Template("a", concurrency_policy="Forbid")], in_debt=False)
def test_the_marker_here(sae_emulator: RunningEmulator) -> None:
    with sae_emulator.new_client(signature_version="v2") as client:
        client.exec_job("a")
        with pytest.raises(JobForbidPolicyError):
            client.exec_job("a")


@pytest.mark.sae_emulator(in_debt=True)
def test_debt_here(sae_emulator: RunningEmulator) -> None:
    with pytest.raises(UserInDebtError):
        sae_emulator.client.exec_job(sae_emulator.app_id)
