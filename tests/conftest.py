"""What the tests share, in one place: the repository's paths, the spec, the canary keys, the running
emulator, the soak sizes and Hypothesis profiles, a standalone emulator process, a local time zone.

Test modules import the constants and helpers from here (``from tests.conftest import KEY``) and never
from one another; the fixtures need no import.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import settings

from sae_job import Credentials, Env
from sae_job.emulator import Emulator, EmulatorConfig, RunningEmulator, Template, serve
from sae_job.operations import EXEC_JOB, LIST_JOBS, Operation
from sae_job.retries import Answer, call_sync
from sae_job.transport import SaeTransport
from sae_job_api import Client as ApiClient

# --- paths -----------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "sae-job.yaml"
README = ROOT / "README.md"
PATH = "/pop/v1/sam/job/execJob"  # ExecJob's path on the gateway

# --- keys: canaries, so that a test can look for them wherever they must not show -----------------

SECRET = "CANARY-SECRET-tests-0123456789"
TOKEN = "CANARY-TOKEN-tests-CAIS+/=="  # '+', '/' and '=' need encoding wherever the token travels
KEY = Credentials("AKID-TESTS", SECRET)
STS_KEY = Credentials("STS.TESTS", SECRET + "-sts", TOKEN)

# --- the running emulator ----------------------------------------------------------------------------

APP = Template("app-tests", run_seconds=0)
CONFIG = EmulatorConfig([KEY, STS_KEY], [APP])


@pytest.fixture
def running(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    """A fresh emulator on a free loopback port for this test, serving the test module's ``CONFIG``
    when it has one, else the ``CONFIG`` above; stopped with its connections after the test."""
    config: EmulatorConfig = getattr(request.module, "CONFIG", CONFIG)
    with serve(Emulator(config)) as served:
        yield served


class StandaloneEmulator:
    """``python -m sae_job.emulator ARGS`` in a subprocess, its first stdout lines read as they come."""

    def __init__(self, *args: str, open_files: int | None = None) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "0"}  # the line must arrive because it is flushed
        command = ["-m", "sae_job.emulator"]
        if open_files is not None:  # at most this many file descriptors
            limit = f"import resource as r; r.setrlimit(r.RLIMIT_NOFILE, ({open_files}, {open_files}))"
            command = [
                "-c",
                f"{limit}; import runpy; runpy.run_module('sae_job.emulator', run_name='__main__')",
            ]
        self.popen = subprocess.Popen(
            [sys.executable, *command, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []

    def read_lines(self, count: int) -> list[str]:
        """The first ``count`` lines of stdout; fails if they do not come within 20 seconds."""
        stdout = self.popen.stdout
        assert stdout is not None
        reader = threading.Thread(target=lambda: self.lines.extend(stdout.readline() for _ in range(count)))
        reader.start()
        reader.join(timeout=20)
        assert not reader.is_alive(), "the emulator printed nothing"
        return self.lines

    def stop(self, signum: int) -> tuple[int, str, str]:
        """Send ``signum``; the exit code, all of stdout and stderr."""
        self.popen.send_signal(signum)
        out, err = self.popen.communicate(timeout=20)
        return self.popen.returncode, "".join(self.lines) + out, err


# --- the spec ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The ExecJob spec as the installed sae_job_api package carries it (openapi.json)."""
    text = resources.files("sae_job_api").joinpath("openapi.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def operation(spec: dict[str, Any]) -> dict[str, Any]:
    """ExecJob's operation object in ``spec``."""
    op: dict[str, Any] = spec["paths"][PATH]["get"]
    return op


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with its ``$ref`` chain followed inside ``spec``."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def error_examples(spec: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every error example in the spec: code -> (HTTP status, example body)."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for status, response in operation(spec)["responses"].items():
        if status == "200":
            continue
        media = resolve(spec, response)["content"]["application/json"]
        bodies = (
            [media["example"]] if "example" in media else [e["value"] for e in media["examples"].values()]
        )
        for body in bodies:
            found.setdefault(body["Code"], (status, body))
    return found


# --- arguments the client refuses before sending: (app_id, kwargs, error, what the message says) ----

BAD_ARGUMENTS: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("", {}, ValueError, "app_id is empty"),
    ("   ", {}, ValueError, "app_id is empty"),
    ("a/b", {}, ValueError, "app_id"),
    ("a?b", {}, ValueError, "app_id"),
    ("a\nb", {}, ValueError, "app_id"),
    ("a b", {}, ValueError, "app_id"),
    (123, {}, TypeError, "app_id must be a str"),  # type: ignore[list-item]
    ("app", {"command": []}, ValueError, "command is an empty list"),
    ("app", {"command": [""]}, ValueError, "command[0]"),
    ("app", {"command": ""}, ValueError, "command is empty"),
    ("app", {"command": ["echo", 1]}, TypeError, "command[1] must be a str"),
    ("app", {"command": ["echo", None]}, TypeError, "command[1]"),
    ("app", {"command": 5}, TypeError, "command must be a str or a list"),
    ("app", {"command": ["echo", "a"], "args": ["b"]}, ValueError, "not both"),
    ("app", {"command": "echo", "args": "abc"}, TypeError, "args must be a list"),
    ("app", {"command": "echo", "args": [b"abc"]}, TypeError, "args[0] must be a str"),
    ("app", {"command": "echo", "args": {"a": 1}}, TypeError, "args must be a list"),
    ("app", {"envs": {"": "x"}}, ValueError, "envs key is empty"),
    ("app", {"envs": {"A=B": "x"}}, ValueError, "contains '='"),
    ("app", {"envs": {"1A": "x"}}, ValueError, "not a valid environment variable name"),
    ("app", {"envs": {"A": 1}}, TypeError, "envs['A'] must be a str"),
    ("app", {"envs": {"A": None}}, TypeError, "envs['A'] must be a str"),
    ("app", {"envs": [Env("A", "1"), Env("A", "2")]}, ValueError, "envs names 'A' twice"),
    ("app", {"envs": [("A", "1")]}, TypeError, "envs[0] must be an Env"),
    ("app", {"envs": "A=1"}, TypeError, "envs must be a mapping"),
    ("app", {"replicas": 0}, ValueError, "replicas must be a positive"),
    ("app", {"replicas": -1}, ValueError, "replicas must be a positive"),
    ("app", {"replicas": True}, TypeError, "replicas must be an int"),
    ("app", {"replicas": "3"}, TypeError, "replicas must be an int"),
    ("app", {"replicas": 2.0}, TypeError, "replicas must be an int"),
    ("app", {"time": datetime(2026, 12, 1, 8, 0)}, ValueError, "naive datetime"),
    ("app", {"time": "2026-12-01T08:00:00Z"}, TypeError, "time must be a timezone-aware datetime"),
    # Found by tests/test_fuzz.py: an OverflowError escaped, not a ValueError naming the parameter.
    ("app", {"time": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))}, ValueError, "time 0001-01-01"),
    (
        "app",
        {"time": datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=5)))},
        ValueError,
        "out of range once in UTC",
    ),
    ("app", {"event_id": ""}, ValueError, "event_id is empty"),
    ("app", {"event_id": "a&b"}, ValueError, "event_id"),
    ("app", {"jar_start_options": ""}, ValueError, "jar_start_options is empty"),
    ("app", {"war_start_options": 3}, TypeError, "war_start_options must be a str"),
    ("app", {"jar_start_args": "a\x00b"}, ValueError, "NUL"),
]

# --- sizes: reduced in `make test`, in full under `make soak` (SAE_JOB_SOAK=full) --------------------

SOAK = os.environ.get("SAE_JOB_SOAK") == "full"
Size = TypeVar("Size", int, float)


def size(reduced: Size, full: Size) -> Size:
    """``full`` under ``make soak`` (``SAE_JOB_SOAK=full``), else ``reduced``.

    A test sized this way is marked ``soak``, so that ``make soak`` (``-m soak``) runs it in full.
    """
    return full if SOAK else reduced


# Hypothesis: `make test` draws few examples on a loaded machine with no deadline to trip on; under
# `make soak` every property test without its own size draws ten times Hypothesis's default.
settings.register_profile("make-test", max_examples=50, deadline=None)
settings.register_profile("soak", max_examples=1000, deadline=None)
settings.load_profile("soak" if SOAK else "make-test")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "soak: long runs (load, soak, fuzz, packaging, many examples); reduced in `make test`, in full "
        "under `make soak` (SAE_JOB_SOAK=full)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked ``real_clock_only`` (pyproject.toml) says why: the faketime pass leaves it out."""
    for item in items:
        for mark in item.iter_markers("real_clock_only"):
            if not str(mark.kwargs.get("reason", "")).strip():
                raise pytest.UsageError(f'{item.nodeid}: real_clock_only needs reason="..."')


# --- a local time zone other than UTC -----------------------------------------------------------------


@pytest.fixture
def shanghai_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time is Asia/Shanghai (UTC+8, no DST) for this test, then as before: code that
    turned a time into local time instead of UTC would be 8 hours off."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    assert time.timezone == -8 * 3600, "the Asia/Shanghai zone is not installed"
    yield
    monkeypatch.undo()
    time.tzset()


def generated_answer(response: httpx.Response, operation: Operation = EXEC_JOB) -> Answer:
    """``response`` as an attempt of the clients gets it: the operation's generated ``sync_detailed``
    answered by it through the client's transport (parsed by the spec, or not when it cannot be)."""
    answers = SaeTransport("https://sae.example", inner=httpx.MockTransport(lambda request: response))
    client = ApiClient(base_url="https://sae.example", httpx_args={"transport": answers})
    module = importlib.import_module(operation.module)
    required = {"app_id": "app-1"} if operation is not LIST_JOBS else {}
    return call_sync(lambda: module.sync_detailed(client=client, **required), time.monotonic() + 60)
