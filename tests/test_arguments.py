"""Python values into ExecJob's wire form; bad input refused with the parameter named."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from sae_job import ConfigMapEnv, Env
from sae_job.arguments import exec_job_params
from tests.conftest import BAD_ARGUMENTS, PATH


def test_a_command_list_is_command_and_command_args() -> None:
    wire = exec_job_params("app", command=["echo", "abc", ">", "file0"])
    assert wire == {"app_id": "app", "command": "echo", "command_args": '["abc",">","file0"]'}


def test_command_with_args() -> None:
    wire = exec_job_params("app", command="echo", args=["abc"])
    assert (wire["command"], json.loads(wire["command_args"])) == ("echo", ["abc"])


def test_a_lone_command_sends_no_command_args() -> None:
    assert "command_args" not in exec_job_params("app", command=["echo"])
    assert "command_args" not in exec_job_params("app", command="echo")


def test_args_alone_and_an_explicit_empty_args_list() -> None:
    assert exec_job_params("app", args=["--flag"])["command_args"] == '["--flag"]'
    assert exec_job_params("app", command="echo", args=[])["command_args"] == "[]"


def test_non_ascii_stays_utf8_in_the_json() -> None:
    wire = exec_job_params("app", command=["echo", "héllo 世界"], envs={"GREETING": "你好"})
    assert wire["command_args"] == '["héllo 世界"]'
    assert '"你好"' in wire["envs"]


def test_envs_from_a_mapping_and_from_objects() -> None:
    assert json.loads(exec_job_params("app", envs={"envtmp": "0"})["envs"]) == [
        {"name": "envtmp", "value": "0"}
    ]
    envs = [Env("A", "1"), ConfigMapEnv("DB_HOST", 123, "db_host"), ConfigMapEnv.all("test1", 124)]
    assert json.loads(exec_job_params("app", envs=envs)["envs"]) == [
        {"name": "A", "value": "1"},
        {"name": "DB_HOST", "valueFrom": {"configMapRef": {"configMapId": 123, "key": "db_host"}}},
        {
            "name": "sae-sys-configmap-all-test1",
            "valueFrom": {"configMapRef": {"configMapId": 124, "key": ""}},
        },
    ]


def test_an_empty_envs_list_is_sent_as_an_empty_array() -> None:
    assert exec_job_params("app", envs=[])["envs"] == "[]"


def test_time_is_utc_seconds_with_z() -> None:
    shanghai = timezone(timedelta(hours=8))
    wire = exec_job_params("app", time=datetime(2026, 12, 1, 16, 0, 5, 999_999, tzinfo=shanghai))
    assert wire["time"] == "2026-12-01T08:00:05Z"


@pytest.mark.usefixtures("shanghai_time")
@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC),
        datetime(2026, 12, 1, 3, 0, 5, tzinfo=timezone(-timedelta(hours=5))),
    ],
)
def test_time_is_utc_whatever_the_local_time_zone(when: datetime) -> None:
    # Rule: Time is converted to UTC, never to the machine's local time (here UTC+8).
    assert exec_job_params("app", time=when)["time"] == "2026-12-01T08:00:05Z"


def test_time_keeps_four_year_digits_and_microseconds_go() -> None:
    # Found by tests/test_fuzz.py: strftime wrote year 999 as "999", which the gateway's pattern refuses.
    assert exec_job_params("app", time=datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC))["time"] == (
        "0999-01-02T03:04:05Z"
    )


def test_replicas_and_options() -> None:
    wire = exec_job_params(
        "app",
        replicas=3,
        jar_start_options="-Xms4G -Xmx4G",
        jar_start_args="custom-args",
        war_start_options='CATALINA_OPTS="$CATALINA_OPTS $Options" catalina.sh run',
        event_id="evt-1",
    )
    assert wire["replicas"] == "3"
    assert wire["event_id"] == "evt-1"
    assert wire["jar_start_options"] == "-Xms4G -Xmx4G"


# Every character no ID may hold: it would change how the URL or a log line reads.
ID_FORBIDDEN = [*"#%\\\"'<>/?&", "\x00", "\x7f", "\x01", "\x1f", "\t", "\n", "\r", " ", "\x0b", "\x0c"]


@pytest.mark.parametrize("name", ["app_id", "event_id"])
@pytest.mark.parametrize("character", ID_FORBIDDEN, ids=[f"{ord(c):#04x}" for c in ID_FORBIDDEN])
def test_no_id_holds_a_character_that_changes_how_a_url_reads(name: str, character: str) -> None:
    ids = {"app_id": "app", "event_id": "evt"}
    ids[name] = f"a{character}b"
    app_id = ids.pop("app_id")
    with pytest.raises(ValueError, match=f"{name} .* contains {re.escape(repr(character))}, which no ID has"):
        exec_job_params(app_id, **ids)


@pytest.mark.parametrize("name", ["app_id", "event_id"])
def test_an_id_of_the_other_printable_characters_is_accepted(name: str) -> None:
    value = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in ID_FORBIDDEN) + "é世"
    ids = {"app_id": "app", "event_id": "evt", name: value}
    assert exec_job_params(ids.pop("app_id"), **ids)[name] == value


def test_an_env_name_with_a_space_is_refused() -> None:
    # Rule: an environment variable name is letters, digits, '-', '.', '_': a space is none of them.
    with pytest.raises(ValueError, match="not a valid environment variable name"):
        exec_job_params("app", envs={"A B": "x"})
    with pytest.raises(ValueError, match="not a valid environment variable name"):
        exec_job_params("app", envs={"A ": "x"})


@pytest.mark.parametrize(
    ("replicas", "accepted"), [(0, False), (1, True), (999_999_999, True), (1_000_000_000, False)]
)
def test_replicas_run_from_1_to_nine_digits(replicas: int, accepted: bool) -> None:
    # Rule: the spec's pattern allows one to nine digits, and no job runs on zero instances.
    if accepted:
        assert exec_job_params("app", replicas=replicas)["replicas"] == str(replicas)
    else:
        with pytest.raises(
            ValueError, match=f"replicas must be a positive number of instances, got {replicas}"
        ):
            exec_job_params("app", replicas=replicas)


@pytest.mark.parametrize(
    ("app_id", "kwargs", "error", "says"), BAD_ARGUMENTS, ids=[b[3] for b in BAD_ARGUMENTS]
)
def test_bad_input_is_refused_naming_the_parameter(
    app_id: str, kwargs: dict[str, Any], error: type[Exception], says: str
) -> None:
    with pytest.raises(error) as caught:
        exec_job_params(app_id, **kwargs)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("make", "error", "says"),
    [
        (lambda: Env("", "x"), ValueError, "Env.name is empty"),
        (lambda: Env("A", 1), TypeError, "Env.value"),
        (lambda: ConfigMapEnv("A", 0, "k"), ValueError, "config_map_id must be a positive"),
        (lambda: ConfigMapEnv("A", "12", "k"), TypeError, "config_map_id must be an int"),
        (lambda: ConfigMapEnv("A", True, "k"), TypeError, "config_map_id must be an int"),
        (lambda: ConfigMapEnv("A", 12, ""), ValueError, "ConfigMapEnv.all"),
        (lambda: ConfigMapEnv.all("", 12), ValueError, "config_map_name"),
    ],
)
def test_env_objects_check_themselves(make: Any, error: type[Exception], says: str) -> None:
    with pytest.raises(error, match=says.replace("(", r"\(")):
        make()


def test_a_url_the_gateway_would_not_read_is_refused_naming_the_parameter() -> None:
    from sae_job.arguments import MAX_REQUEST_TARGET, check_request_size

    path = PATH
    check_request_size(path, {"AppId": "app", "Envs": "x" * 4000})
    with pytest.raises(ValueError) as caught:
        check_request_size(path, {"AppId": "app", "Command": "echo", "Envs": '["' + "é" * 3000 + '"]'})
    message = str(caught.value)
    assert "Envs alone takes" in message and str(MAX_REQUEST_TARGET) in message


def test_a_url_exactly_at_the_gateway_limit_is_accepted_and_one_byte_more_is_refused() -> None:
    # Rule: the gateway reads "GET <target> HTTP/1.1\r\n" into 8 KiB: a target of MAX_REQUEST_TARGET fits.
    from sae_job.arguments import MAX_REQUEST_TARGET, check_request_size

    room = MAX_REQUEST_TARGET - len(PATH) - len("?AppId=")
    assert len(f"{PATH}?AppId={'a' * room}") == MAX_REQUEST_TARGET
    assert len(f"GET {PATH}?AppId={'a' * room} HTTP/1.1\r\n") == 8 * 1024
    check_request_size(PATH, {"AppId": "a" * room})
    with pytest.raises(ValueError, match=f"would be {MAX_REQUEST_TARGET + 1} bytes of URL"):
        check_request_size(PATH, {"AppId": "a" * (room + 1)})


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"command": ["echo", "\udc80"]}, "command[1]"),
        ({"args": ["\udcff"]}, "args[0]"),
        ({"envs": {"A": "\udc80"}}, "envs['A']"),
        ({"event_id": "e\udc80"}, "event_id"),
    ],
)
def test_text_utf8_cannot_carry_is_refused_naming_where(kwargs: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match="UTF-8 cannot carry") as caught:
        exec_job_params("app", **kwargs)
    assert says in str(caught.value)


def test_env_objects_refuse_text_utf8_cannot_carry() -> None:
    with pytest.raises(ValueError, match=r"ConfigMapEnv\.key holds"):
        ConfigMapEnv("B", 1, "\udc80")
    with pytest.raises(ValueError, match=r"Env\.value of 'A' holds"):
        Env("A", "\udc80")
