"""Arbitrary values in every argument of ``exec_job``: the client either sends a request the emulator
verifies and stores exactly, or raises ``ValueError``/``TypeError`` naming the parameter before sending
anything; never another exception.

Each example gets a fresh emulator over HTTP whose one template is the drawn ``app_id`` (when a template
can have it), so an accepted call must come back as a job holding exactly what was passed. 100 examples in
``make test`` (about 1 s), 3,000 under ``make soak``. It found the ``time=`` bugs fixed in bbd21b7.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sae_job import ConfigMapEnv, Credentials, Env, RetryPolicy
from sae_job.emulator import Emulator, EmulatorConfig, RunningEmulator, Template, serve
from tests.conftest import size

SECRET = "CANARY-SECRET-fuzz-0123456789"
KEY = Credentials("AKID-FUZZ", SECRET)
FALLBACK = Template("app-fuzz")
# Where a message may point: the argument names, the wire names of the size check, the Env objects.
NAMES = (
    "app_id",
    "command",
    "args",
    "envs",
    "event_id",
    "replicas",
    "time",
    "jar_start_options",
    "jar_start_args",
    "war_start_options",
    "Env.",
    "ConfigMapEnv.",
    "AppId",
    "Command",
    "CommandArgs",
    "Envs",
    "EventId",
    "JarStartOptions",
    "JarStartArgs",
    "WarStartOptions",
)

text = (
    st.text(max_size=12)
    | st.text(st.characters(codec="utf-8"), max_size=6)
    | st.sampled_from(["", " ", "a b", "é", "\n", "\x00", "\udc80", "+", "%41", "&=?#/", "é" * 1400])
)
junk = st.integers() | st.binary(max_size=4) | st.booleans() | st.none() | st.floats(allow_nan=True)
zones = st.just(UTC) | st.builds(
    timezone,
    st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)),
)


def utf8(value: str) -> bool:
    """Whether UTF-8 can carry ``value`` (no lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def arguments(
    text: st.SearchStrategy[str], junk: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    """exec_job's keyword arguments, each left out or drawn from ``text`` (or ``junk``: another type)."""

    def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return strategy | junk

    env_name = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True)
    return st.fixed_dictionaries(
        {},
        optional={
            "command": maybe(text | st.lists(text | junk, min_size=1, max_size=4)),
            "args": maybe(st.lists(text | junk, max_size=4)),
            "envs": maybe(
                st.dictionaries(env_name | text, text | junk, max_size=3)
                | st.lists(
                    # Env refuses a value as it is made (no UTF-8, a NUL): only values it takes are drawn
                    st.builds(Env, env_name, text.filter(lambda value: utf8(value) and "\x00" not in value))
                    | st.builds(
                        ConfigMapEnv, env_name, st.integers(1, 10**6), st.text(min_size=1, max_size=8)
                    ),
                    max_size=3,
                    unique_by=lambda env: env.name,
                )
            ),
            "event_id": maybe(ids | text),
            "replicas": maybe(st.integers(-2, 2**31)),
            "time": maybe(st.datetimes(timezones=st.none() | zones)),
            "jar_start_options": maybe(text),
            "jar_start_args": maybe(text),
            "war_start_options": maybe(text),
        },
    )


ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:~+*!-]{0,30}", fullmatch=True)
# Any Unicode but NUL and lone surrogates, and not blank: what a caller may mean to send.
sendable = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12).filter(
    str.strip
)
env_name = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True)
# Arguments a caller may mean to send: the right types and forms, any text in them.
plausible = st.fixed_dictionaries(
    {},
    optional={
        "command": sendable | st.lists(sendable, min_size=1, max_size=4),
        "envs": st.dictionaries(
            env_name, text.filter(lambda t: "\x00" not in t and len(t) < 100), max_size=3
        ),
        "event_id": ids,
        "replicas": st.integers(1, 999_999_999),
        "time": st.datetimes(timezones=zones),
        "jar_start_options": sendable,
        "jar_start_args": sendable,
        "war_start_options": sendable,
    },
).map(lambda kwargs: kwargs if isinstance(kwargs.get("command"), list) else {**kwargs, "args": ["a b", "é"]})
# A third of the examples plausible, a third any text in any field, a third now and then a value of
# another type.
any_arguments = plausible | arguments(text, st.nothing()) | arguments(text, junk)


def expected_job(app_id: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """What the emulator must record for an accepted call, worked out from the arguments alone."""
    command, args = kwargs.get("command"), kwargs.get("args")
    if isinstance(command, list):
        recorded_command, rest = command[0], (command[1:] or None)
    else:
        recorded_command, rest = command, (list(args) if args is not None else None)
    envs = kwargs.get("envs")
    if isinstance(envs, dict):
        wire_envs: list[dict[str, Any]] | None = [{"name": k, "value": v} for k, v in envs.items()]
    else:
        wire_envs = [env.to_wire() for env in envs] if envs is not None else None
    time = kwargs.get("time")
    return {
        "app_id": app_id,
        "command": recorded_command,
        "command_args": rest,
        "envs": wire_envs,
        "replicas": kwargs.get("replicas"),
        "time": f"{time.astimezone(UTC):%Y}".zfill(4) + f"{time.astimezone(UTC):-%m-%dT%H:%M:%SZ}"
        if time is not None
        else None,
        "jar_start_options": kwargs.get("jar_start_options"),
        "jar_start_args": kwargs.get("jar_start_args"),
        "war_start_options": kwargs.get("war_start_options"),
    }


def serving(app_id: object) -> Iterator[RunningEmulator]:
    try:
        template = Template(app_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        template = FALLBACK  # no template can have this ID; the client must refuse it anyway
    with serve(Emulator(EmulatorConfig([KEY], [template]))) as running:
        yield running


@pytest.mark.soak  # make soak: 3,000 examples
@settings(
    max_examples=size(100, 3000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(app_id=ids | text | junk, kwargs=any_arguments, version=st.sampled_from(["v3", "v2"]))
def test_arbitrary_arguments_are_stored_exactly_or_refused_naming_the_parameter(
    app_id: Any, kwargs: dict[str, Any], version: str
) -> None:
    kwargs = {name: value for name, value in kwargs.items() if value is not None}
    for running in serving(app_id):
        with running.new_client(signature_version=version, retry=RetryPolicy(max_attempts=1)) as client:
            try:
                launch = client.exec_job(app_id, **kwargs)
            except (TypeError, ValueError) as refused:
                message = str(refused)
                assert any(name in message for name in NAMES), message
                event(f"refused: {type(refused).__name__}")
                assert SECRET not in message
                assert running.emulator.stats()["requests"] == 0  # nothing was sent
                return
        event("accepted and stored")  # --hypothesis-show-statistics: how often each way is taken
        [job] = running.emulator.jobs()  # verified (any other answer raised) and stored once
        assert job.job_id == launch.job_id
        assert job.event_id == launch.event_id == kwargs.get("event_id", launch.event_id)
        assert job.signature_version == version
        recorded = {name: getattr(job, name) for name in expected_job(app_id, kwargs)}
        assert recorded == expected_job(app_id, kwargs)


@pytest.mark.parametrize(
    ("app_id", "kwargs"),
    [
        ("é-app", {"command": ["echo", "\n\t", "%41", "+"], "envs": {"A": "\x01"}}),
        ("app", {"args": [], "jar_start_args": "-Dk=v&x=%20"}),
        ("app", {"time": datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-23, minutes=-59)))}),
        ("app", {"time": datetime(999, 1, 1, tzinfo=UTC)}),  # once sent as "999-01-01T00:00:00Z"
    ],
)
def test_edge_values_found_or_feared(app_id: str, kwargs: dict[str, Any]) -> None:
    for running in serving(app_id):
        with running.new_client() as client:
            client.exec_job(app_id, **kwargs)
        [job] = running.emulator.jobs()
        assert {name: getattr(job, name) for name in expected_job(app_id, kwargs)} == expected_job(
            app_id, kwargs
        )
