"""sae-job's pytest plugin: a local SAE ExecJob emulator as a fixture, ``sae_emulator``.

Loaded wherever sae-job is installed (``pytest11``): it imports the emulator only when a test asks.

    def test_the_nightly_report_starts_one_job(sae_emulator):
        launch = sae_emulator.client.exec_job(sae_emulator.app_id, command=["python", "report.py"])
        [job] = sae_emulator.emulator.jobs()
        assert job.job_id == launch.job_id
        assert job.command_args == ["report.py"]

``sae_emulator`` is a fresh :class:`~sae_job.emulator.RunningEmulator` on a loopback port per test
(``url``, ``credentials``, ``app_id``, ``client``, ``new_client(...)``, ``emulator``), serving the demo
configuration unless the test is marked ``@pytest.mark.sae_emulator(...)`` (see :data:`_MARKER_HELP`) or
overrides the ``sae_emulator_config`` fixture to return an :class:`~sae_job.emulator.EmulatorConfig`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sae_job.emulator import EmulatorConfig, Faults, RunningEmulator, Template

__all__ = ["sae_emulator", "sae_emulator_config"]

MARKER = "sae_emulator"
_MARKER_HELP = (
    f"{MARKER}(templates=[...], in_debt=False, credentials=[...], faults={{...}}): what the sae_emulator "
    "fixture serves in this test; a template is an app ID, a mapping of Template fields, or a "
    "sae_job.emulator.Template; faults a mapping of sae_job.emulator.Faults fields, or a Faults"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER_HELP)


def _template(value: object) -> Template:
    from sae_job.emulator import Template

    if isinstance(value, Template):
        return value
    if isinstance(value, str):
        return Template(value)
    if isinstance(value, Mapping):
        return Template(**value)
    raise TypeError(f"a template is an app ID, a mapping or a Template, not {type(value).__name__}")


def _faults(value: object) -> Faults:
    from sae_job.emulator import Faults

    if isinstance(value, Faults):
        return value
    if isinstance(value, Mapping):
        return Faults.from_mapping(value)
    raise TypeError(f"faults= takes a mapping of Faults fields or a Faults, not {type(value).__name__}")


def _from_marker(config: EmulatorConfig, options: Mapping[str, Any]) -> EmulatorConfig:
    from sae_job.emulator import EmulatorConfig

    unknown = sorted(set(options) - {"templates", "in_debt", "credentials", "faults"})
    if unknown:
        raise TypeError(
            f"@pytest.mark.{MARKER} takes templates, in_debt, credentials and faults, "
            f"not {', '.join(unknown)}"
        )
    return EmulatorConfig(
        tuple(options.get("credentials", config.credentials)),
        tuple(_template(t) for t in options["templates"]) if "templates" in options else config.templates,
        bool(options.get("in_debt", config.in_debt)),
        _faults(options["faults"]) if "faults" in options else config.faults,
        source=f"@pytest.mark.{MARKER}",
    )


@pytest.fixture
def sae_emulator_config(request: pytest.FixtureRequest) -> EmulatorConfig:
    """The :class:`~sae_job.emulator.EmulatorConfig` that ``sae_emulator`` serves: the embedded demo
    configuration, changed by the test's ``sae_emulator`` marker. Override it to configure a whole
    module or suite. A malformed marker raises ``TypeError``/``ValueError`` at setup."""
    try:
        from sae_job.emulator import default_config
    except ImportError as exc:
        raise pytest.UsageError(
            f"the sae_emulator fixture needs the emulator's dependencies ({exc}): "
            "pip install 'sae-job[emulator]'"
        ) from None
    config = default_config()
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if marker.args:
            raise TypeError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        config = _from_marker(config, marker.kwargs)
    return config


@pytest.fixture
def sae_emulator(sae_emulator_config: EmulatorConfig) -> Iterator[RunningEmulator]:
    """A fresh emulator serving ``sae_emulator_config`` on a free loopback port for this test, with a
    ready ``client``; stopped, with its client and connections closed, after the test."""
    from sae_job.emulator import Emulator, serve

    with serve(Emulator(sae_emulator_config)) as running:
        yield running
