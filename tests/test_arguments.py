"""Python values into ExecJob's wire form; bad input refused with the parameter named."""

from __future__ import annotations

import json
import pickle
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sae_job import ConfigMapEnv, Env, JobRequest, JobState
from sae_job.arguments import (
    ArgumentError,
    describe_job_history_params,
    describe_job_status_params,
    exec_job_params,
    job_state,
)
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
        (lambda: Env("A", "x\x00y"), ValueError, "Env.value of 'A' contains a NUL character"),
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
    with pytest.raises(ValueError, match=f"making the request {MAX_REQUEST_TARGET + 1} bytes of URL"):
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


# --- what a refusal reads: the whole message, with the type that was given ------------------------------

ALL_ARGUMENTS = (
    "args, command, envs, event_id, jar_start_args, jar_start_options, replicas, time, war_start_options"
)
NOT_A_NAME = (
    "is not a valid environment variable name: use letters, digits, '-', '.', '_', not starting with a digit"
)


@pytest.mark.parametrize(
    ("app_id", "kwargs", "error", "message"),
    [
        (123, {}, TypeError, "app_id must be a str, not int"),
        ("app", {"cmd": "x"}, TypeError, f"unexpected keyword argument 'cmd'; ExecJob takes {ALL_ARGUMENTS}"),
        ("app", {"zz": 1, "aa": 1}, TypeError,
         f"unexpected keyword argument 'aa'; ExecJob takes {ALL_ARGUMENTS}"),
        ("app", {"command": ""}, ValueError, "command is empty"),
        ("app", {"command": "echo\x00"}, ValueError, "command contains a NUL character"),
        ("app", {"command": 5}, TypeError, "command must be a str or a list of str, not int"),
        ("app", {"command": []}, ValueError,
         "command is an empty list: give at least the executable, e.g. ['echo', 'abc']"),
        ("app", {"command": ["echo", "a"], "args": ["b"]}, ValueError,
         "args cannot go with a command list: give the arguments in one of them, not both"),
        ("app", {"command": [" "]}, ValueError, "command[0] (the executable) is empty"),
        ("app", {"command": ["echo", 1]}, TypeError, "command[1] must be a str, not int"),
        ("app", {"command": "echo", "args": "abc"}, TypeError, "args must be a list of str, not str"),
        ("app", {"envs": {"1A": "x"}}, ValueError, f"envs key '1A' {NOT_A_NAME}"),
        ("app", {"envs": {"A": 1}}, TypeError, "envs['A'] must be a str, not int"),
        ("app", {"envs": {"A": "x\x00y"}}, ValueError, "envs['A'] contains a NUL character"),
        ("app", {"envs": [("A", "1")]}, TypeError, "envs[0] must be an Env or a ConfigMapEnv, not tuple"),
        ("app", {"envs": "A=1"}, TypeError,
         "envs must be a mapping of names to values or a list of Env/ConfigMapEnv, not str"),
        ("app", {"replicas": "3"}, TypeError, "replicas must be an int, not str"),
        ("app", {"time": "2026-12-01T08:00:00Z"}, TypeError,
         "time must be a timezone-aware datetime, not str"),
        ("app", {"time": datetime(2026, 12, 1, 8, 0)}, ValueError,
         "time is a naive datetime, which is ambiguous: give it a timezone, "
         "e.g. datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)"),
        ("app", {"event_id": "e\udc80"}, ValueError,
         "event_id holds '\\udc80' at position 1, which UTF-8 cannot carry "
         "(a lone surrogate, usually from text decoded with errors='surrogateescape')"),
    ],
)  # fmt: skip
def test_a_refusal_reads_in_full(
    app_id: Any, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    # Rule: the message names the parameter, what was wrong (the type given, for a TypeError) and, where
    # there is one, the way to mend it.
    with pytest.raises(error) as caught:
        exec_job_params(app_id, **kwargs)
    assert str(caught.value) == message
    refused = caught.value
    if not message.startswith("unexpected keyword argument"):  # Python's own TypeError, as for any call
        # Rule: every other refusal is structured: the parameter as the caller wrote it, and the problem.
        assert isinstance(refused, ArgumentError) and isinstance(refused, error)
        assert message == f"{refused.parameter} {refused.problem}" and message.startswith(refused.parameter)
        assert refused.parameter.split("[")[0] in {
            "app_id",
            "command",
            "args",
            "envs",
            "envs key",
            "Env.name",
            "replicas",
            "time",
            "event_id",
            "jar_start_options",
            "jar_start_args",
            "war_start_options",
            "Env.value",
        }
        copy = pickle.loads(pickle.dumps(refused))
        assert (type(copy), copy.parameter, copy.problem, str(copy)) == (
            type(refused),
            refused.parameter,
            refused.problem,
            message,
        )


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Env(5, "x"), TypeError, "Env.name must be a str, not int"),
        (lambda: Env("A", 1), TypeError, "Env.value of 'A' must be a str, not int"),
        (lambda: ConfigMapEnv("1A", 1, "k"), ValueError, f"ConfigMapEnv.name '1A' {NOT_A_NAME}"),
        (lambda: ConfigMapEnv("A", "12", "k"), TypeError,
         "ConfigMapEnv.config_map_id must be an int, not str"),
        (lambda: ConfigMapEnv("A", 1, 5), TypeError, "ConfigMapEnv.key must be a str, not int"),
        (lambda: ConfigMapEnv("A", 12, ""), ValueError,
         "ConfigMapEnv.key is empty for 'A': name a key, or use "
         "ConfigMapEnv.all(config_map_name, config_map_id) to take every key"),
        (lambda: ConfigMapEnv.all("", 12), ValueError,
         "config_map_name must be the ConfigMap's non-empty name"),
    ],
)  # fmt: skip
def test_an_env_object_s_refusal_reads_in_full(make: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        make()
    assert str(caught.value) == message


def test_a_url_over_the_limit_names_its_size_the_limit_and_the_longest_parameter() -> None:
    from sae_job.arguments import MAX_REQUEST_TARGET, check_request_size

    # the longest is not the last by name: the message names the one that takes the most bytes
    wire = {"AppId": "app", "Command": "x" * MAX_REQUEST_TARGET, "Envs": "[]"}
    size = len(f"{PATH}?AppId=app&Command={'x' * MAX_REQUEST_TARGET}&Envs=%5B%5D")
    with pytest.raises(ValueError) as caught:
        check_request_size(PATH, wire)
    assert str(caught.value) == (
        f"Command alone takes {MAX_REQUEST_TARGET + 8} bytes once encoded, making the request {size} bytes "
        f"of URL, over the gateway's limit of {MAX_REQUEST_TARGET}; shorten it "
        "(put large data in a ConfigMap or the image instead)"
    )
    assert (caught.value.parameter, caught.value.problem.split()[0]) == ("Command", "alone")


def test_the_request_target_joins_the_encoded_pairs_with_ampersands() -> None:
    from sae_job.arguments import request_target

    target = request_target(PATH, {"AppId": "app", "Command": "a b&c"})
    assert target == f"{PATH}?AppId=app&Command=a+b%26c"
    assert request_target(PATH, {"app_id": "app", "command_args": '["x y"]'}) == (
        f"{PATH}?AppId=app&CommandArgs=%5B%22x+y%22%5D"
    )


@given(st.dictionaries(st.sampled_from(["app_id", "command", "envs"]), st.text(max_size=900), min_size=1))
def test_the_size_is_checked_exactly_whether_or_not_it_is_counted(wire: dict[str, str]) -> None:
    # Rule: the shortcut (no character takes more than 12 bytes) never lets a URL over the limit through.
    from sae_job.arguments import MAX_REQUEST_TARGET, check_request_size, request_target

    fits = len(request_target(PATH, wire)) <= MAX_REQUEST_TARGET
    try:
        check_request_size(PATH, wire)
    except ArgumentError:
        assert not fits
    else:
        assert fits


class NoOffset(tzinfo):
    """A zone that does not know its offset: a datetime in it is naive, though its tzinfo is set."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_time_whose_zone_gives_no_offset_is_naive() -> None:
    with pytest.raises(ValueError, match="time is a naive datetime"):
        exec_job_params("app", time=datetime(2026, 12, 1, 8, 0, tzinfo=NoOffset()))


def test_an_event_id_is_a_fresh_uuid4() -> None:
    from sae_job.arguments import new_event_id

    first, second = new_event_id(), new_event_id()
    assert first != second and uuid.UUID(first).version == 4 and str(uuid.UUID(first)) == first


# --- JobRequest: exec_job's arguments held for exec_jobs ------------------------------------------------


def test_a_job_request_holds_its_arguments_and_reads_the_others_as_none() -> None:
    request = JobRequest("app", command=["echo", "x"], replicas=2, envs=None)
    assert (request.app_id, request.command, request.replicas, request.envs, request.time) == (
        "app",
        ["echo", "x"],
        2,
        None,
        None,
    )
    assert repr(request) == "JobRequest('app', command=['echo', 'x'], replicas=2)"
    with pytest.raises(AttributeError) as caught:
        request.cmd  # noqa: B018
    assert str(caught.value) == "'JobRequest' object has no attribute 'cmd'"
    with pytest.raises(TypeError, match=f"unexpected keyword argument 'cmd'; ExecJob takes {ALL_ARGUMENTS}"):
        JobRequest("app", cmd="x")  # type: ignore[call-arg]


def test_job_requests_are_equal_when_their_app_and_given_arguments_are() -> None:
    # Rule: an argument given as None is the same as one left out.
    assert JobRequest("app", command="echo", envs=None) == JobRequest("app", command="echo")
    assert JobRequest("app", command="echo") != JobRequest("app", command="date")
    assert JobRequest("app", command="echo") != JobRequest("other", command="echo")
    assert JobRequest("app") != "app"


# --- DescribeJobStatus and DescribeJobHistory ------------------------------------------------------------


def test_describe_job_status_takes_the_app_and_maybe_the_job() -> None:
    assert describe_job_status_params("app") == {"app_id": "app"}
    assert describe_job_status_params("app", job_id=None) == {"app_id": "app"}
    assert describe_job_status_params("app", job_id="manual-1") == {"app_id": "app", "job_id": "manual-1"}
    with pytest.raises(ValueError, match=r"^job_id 'a/b' contains '/', which no ID has$"):
        describe_job_status_params("app", job_id="a/b")
    with pytest.raises(ValueError, match=r"^app_id is empty$"):
        describe_job_status_params(" ", job_id="manual-1")


@pytest.mark.parametrize(
    ("given", "state"),
    [(JobState.FAILED, JobState.FAILED), ("failed", JobState.FAILED), ("Running", JobState.RUNNING),
     ("PENDING", JobState.PENDING), ("succeeded", JobState.SUCCEEDED)],
)  # fmt: skip
def test_a_state_to_filter_by_is_a_job_state_or_its_name_in_any_case(given: Any, state: JobState) -> None:
    assert job_state(given) is state


@pytest.mark.parametrize("given", [JobState.UNKNOWN, "unknown", "done", 2, "2"])
def test_a_state_that_is_not_one_to_filter_by_is_refused_listing_those(given: Any) -> None:
    with pytest.raises(ValueError) as caught:
        job_state(given)
    assert str(caught.value) == f"state must be one of pending, running, succeeded, failed, got {given!r}"


def test_describe_job_history_takes_a_page_a_state_and_a_page_size() -> None:
    assert describe_job_history_params("app", 3) == {"app_id": "app", "current_page": 3}
    assert describe_job_history_params("app", 1, state="failed", page_size=50) == {
        "app_id": "app",
        "current_page": 1,
        "state": "2",
        "page_size": 50,
    }
    with pytest.raises(ValueError, match=r"^app_id is empty$"):
        describe_job_history_params("", 1)


@pytest.mark.parametrize(("page_size", "accepted"), [(1, True), (10_000, True), (0, False), (10_001, False)])
def test_a_history_page_holds_1_to_10000_jobs(page_size: int, accepted: bool) -> None:
    if accepted:
        assert describe_job_history_params("app", 1, page_size=page_size)["page_size"] == page_size
    else:
        with pytest.raises(ValueError) as caught:
            describe_job_history_params("app", 1, page_size=page_size)
        assert str(caught.value) == f"page_size must be from 1 to 10000, got {page_size}"


@pytest.mark.parametrize(("page_size", "kind"), [(True, "bool"), (1.5, "float"), ("5", "str")])
def test_a_history_page_size_must_be_an_int(page_size: Any, kind: str) -> None:
    with pytest.raises(TypeError) as caught:
        describe_job_history_params("app", 1, page_size=page_size)
    assert str(caught.value) == f"page_size must be an int, not {kind}"


# --- ListJobs: job templates by name ----------------------------------------------------------------


def test_list_jobs_asks_for_job_templates_only_and_matches_the_name_as_app_name() -> None:
    from sae_job.arguments import list_jobs_params

    assert list_jobs_params(1) == {"current_page": 1, "workload": "job"}
    assert list_jobs_params(3, name="nightly", namespace_id="cn-hangzhou:dev", page_size=200) == {
        "current_page": 3,
        "workload": "job",
        "field_type": "appName",
        "field_value": "nightly",
        "namespace_id": "cn-hangzhou:dev",
        "page_size": 200,
    }
    assert list_jobs_params(1, name=None, namespace_id=None, page_size=None) == {
        "current_page": 1,
        "workload": "job",
    }
    assert list_jobs_params(1, page_size=1)["page_size"] == 1


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"page_size": 0}, ValueError, "page_size must be from 1 to 200, got 0"),
        ({"page_size": 201}, ValueError, "page_size must be from 1 to 200, got 201"),
        ({"page_size": True}, TypeError, "page_size must be an int, not bool"),
        ({"page_size": "5"}, TypeError, "page_size must be an int, not str"),
        ({"name": ""}, ValueError, "name is empty: give the job template's name, e.g. 'nightly-report'"),
        ({"name": "   "}, ValueError, "name is empty"),
        ({"name": 7}, TypeError, "name must be a str, not int"),
        ({"name": "a\x00b"}, ValueError, "name contains a NUL character"),
        ({"namespace_id": "cn-hangzhou/dev"}, ValueError, "namespace_id 'cn-hangzhou/dev' contains '/'"),
        ({"namespace_id": ""}, ValueError, "namespace_id is empty"),
    ],
)
def test_list_jobs_refuses_what_no_template_has_naming_the_argument(
    arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    from sae_job.arguments import list_jobs_params

    with pytest.raises(error) as caught:
        list_jobs_params(1, **arguments)
    assert str(caught.value).startswith(message)


def test_a_template_name_is_kept_exactly_as_given() -> None:
    from sae_job.arguments import template_name

    assert template_name(" nightly report ") == " nightly report "
