"""The emulator's handler (sae_job.emulator.Emulator.handle): routing, the spec's parameters enforced,
job semantics, introspection, and the configuration that drives them.

Requests are signed by the client's own signers and handed to ``Emulator.handle`` directly: no sockets.
The HTTP harnesses are tested in test_emulator_server.py, the client against it in test_contract.py.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sae_job.credentials import Credentials
from sae_job.emulator import (
    ConfigError,
    Emulator,
    EmulatorConfig,
    Request,
    Response,
    Template,
    default_config,
    load_config,
)
from sae_job.emulator.config import parse_config
from sae_job.signing import AcsV3Auth, RoaV2Auth
from tests.conftest import KEY, PATH, SECRET, STS_KEY, TOKEN

START = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
HOST = "sae.cn-hangzhou.aliyuncs.com"
JOB_ID = re.compile(r"manual-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
REQUEST_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}")

ALLOW = Template("app-allow")
FORBID = Template("app-forbid", concurrency_policy="Forbid", run_seconds=30)
REPLACE = Template("app-replace", concurrency_policy="Replace", run_seconds=30)
SUSPENDED = Template("app-suspended", suspended=True)


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def config(*templates: Template, in_debt: bool = False) -> EmulatorConfig:
    return EmulatorConfig((KEY, STS_KEY), templates or (ALLOW, FORBID, REPLACE, SUSPENDED), in_debt)


@dataclass
class Rig:
    """An emulator with a hand-moved clock, and a way to send it signed requests."""

    emulator: Emulator
    clock: Clock
    nonces: itertools.count[int] = field(default_factory=itertools.count)

    def send(
        self,
        params: Mapping[str, str] | list[tuple[str, str]] | None = None,
        *,
        version: str = "v3",
        credentials: Credentials = KEY,
        method: str = "GET",
        path: str = PATH,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        return self.emulator.handle(
            signed_request(
                params or {},
                version=version,
                credentials=credentials,
                method=method,
                path=path,
                headers=headers,
                clock=self.clock,
                nonce=lambda: f"nonce-{next(self.nonces)}",
            )
        )

    def exec_job(self, app_id: str = ALLOW.app_id, **params: str) -> Response:
        return self.send({"AppId": app_id, **params})


def signed_request(
    params: Mapping[str, str] | list[tuple[str, str]],
    *,
    version: str = "v3",
    credentials: Credentials = KEY,
    method: str = "GET",
    path: str = PATH,
    headers: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] = lambda: START,
    nonce: Callable[[], str] | None = None,
    host: str = HOST,
) -> Request:
    """An emulator Request signed as SaeJobClient's signer signs it."""
    signer_class = AcsV3Auth if version == "v3" else RoaV2Auth
    extra: dict[str, Any] = {"nonce": nonce} if nonce is not None else {}
    signer = signer_class(credentials, action="ExecJob", version="2019-05-06", clock=clock, **extra)
    request = httpx.Request(method, f"https://{host}{path}", params=params, headers=headers)
    return to_emulator(next(signer.auth_flow(request)))


def to_emulator(request: httpx.Request) -> Request:
    target = request.url.raw_path.decode("ascii")
    return Request.from_target(request.method, target, request.headers.multi_items(), request.content)


@pytest.fixture
def rig() -> Rig:
    clock = Clock()
    return Rig(Emulator(config(), clock=clock), clock)


def error_of(response: Response) -> tuple[int, str]:
    body = response.json()
    assert body["Success"] is False
    assert REQUEST_ID.fullmatch(body["RequestId"])
    assert response.header("x-acs-request-id") == body["RequestId"]
    return response.status, body["Code"]


# --- the answer to a good request ------------------------------------------------------------------


def test_a_job_starts_and_the_answer_has_the_spec_example_shape(rig: Rig, spec: dict[str, Any]) -> None:
    response = rig.exec_job()
    assert response.status == 200
    assert response.header("content-type") == "application/json;charset=utf-8"
    body = response.json()
    example = spec["paths"][PATH]["get"]["responses"]["200"]["content"]["application/json"]["example"]

    def shape(value: Any) -> Any:
        return {k: shape(v) for k, v in value.items()} if isinstance(value, dict) else type(value)

    assert shape(body) == shape(example)
    assert JOB_ID.fullmatch(body["Data"]["Data"])
    assert REQUEST_ID.fullmatch(body["RequestId"])
    assert re.fullmatch(r"[0-9a-f]{30}", body["TraceId"])
    assert {k: body[k] for k in ("Message", "ErrorCode", "Code", "Success")} == {
        k: example[k] for k in ("Message", "ErrorCode", "Code", "Success")
    }
    assert body["Data"] | {"Data": "x"} == example["Data"] | {"Data": "x"}
    assert response.header("x-acs-request-id") == body["RequestId"]


def test_every_parameter_is_recorded_decoded(rig: Rig) -> None:
    envs = [
        {"name": "envtmp", "value": "0"},
        {
            "name": "DB_HOST",
            "valueFrom": {"configMapRef": {"configMapId": 123, "key": "db_host"}},
        },
        {
            "name": "sae-sys-configmap-all-test1",
            "valueFrom": {"configMapRef": {"configMapId": 124, "key": ""}},
        },
    ]
    params = {
        "AppId": ALLOW.app_id,
        "EventId": "evt 1+2",
        "Command": "echo",
        "CommandArgs": json.dumps(["abc", ">", "file0", "é\n&=%#?"], ensure_ascii=False),
        "Envs": json.dumps(envs),
        "JarStartOptions": "-Xms4G -Xmx4G",
        "JarStartArgs": "custom-args",
        "WarStartOptions": 'CATALINA_OPTS="$CATALINA_OPTS $Options" catalina.sh run',
        "Time": "2023-09-14T14:25:02Z",
        "Replicas": "3",
    }
    response = rig.send(params, version="v2", credentials=STS_KEY)
    assert response.status == 200, response.json()
    [job] = rig.emulator.jobs()
    assert job.to_dict() == {
        "job_id": response.json()["Data"]["Data"],
        "app_id": ALLOW.app_id,
        "event_id": "evt 1+2",
        "command": "echo",
        "command_args": ["abc", ">", "file0", "é\n&=%#?"],
        "envs": envs,
        "replicas": 3,
        "time": "2023-09-14T14:25:02Z",
        "jar_start_options": "-Xms4G -Xmx4G",
        "jar_start_args": "custom-args",
        "war_start_options": 'CATALINA_OPTS="$CATALINA_OPTS $Options" catalina.sh run',
        "created_at": "2024-05-01T08:00:00Z",
        "status": "Running",
        "message": "",
        "access_key_id": STS_KEY.access_key_id,
        "signature_version": "v2",
    }


def test_jobs_gives_copies(rig: Rig) -> None:
    rig.exec_job(CommandArgs='["a"]')
    job = rig.emulator.jobs()[0]
    assert job.command_args is not None
    job.command_args.append("changed")
    assert rig.emulator.jobs()[0].command_args == ["a"]


# --- the spec's parameters, enforced -----------------------------------------------------------------


def test_a_missing_app_id(rig: Rig) -> None:
    response = rig.send({"Command": "echo"})
    assert error_of(response) == (400, "MissingAppId")
    body = response.json()
    assert body["Message"] == "AppId is mandatory for this action."
    assert body["Recommend"] == "https://api.aliyun.com/troubleshoot?q=MissingAppId&product=sae"
    assert body["HostId"] == HOST


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("AppId", "", "at least 1 character"),
        ("Replicas", "0", "pattern"),
        ("Replicas", "-1", "pattern"),
        ("Replicas", "1.5", "pattern"),
        ("Replicas", "three", "pattern"),
        ("Replicas", "1234567890", "pattern"),
        ("Replicas", "3\n", "pattern"),
        (
            "Replicas",
            "\u0663",
            "pattern",
        ),  # ARABIC-INDIC DIGIT THREE: no digit in the spec's sense
        ("Time", "2023-09-14 14:25:02", "pattern"),
        ("Time", "2023-09-14T14:25:02+08:00", "pattern"),
        ("Time", "2023-13-14T14:25:02Z", "pattern"),
        ("Time", "60", "pattern"),
        ("CommandArgs", "abc", "not valid JSON"),
        ("CommandArgs", '"abc"', "type array"),
        ("CommandArgs", '["a", 1]', "[1] must be of type string"),
        ("CommandArgs", '{"a": "b"}', "type array"),
        ("Envs", '{"name": "a", "value": "b"}', "type array"),
        ("Envs", '[{"name": "a"}]', "none of the allowed forms"),
        ("Envs", '[{"name": "", "value": "b"}]', "at least 1 character"),
        ("Envs", '[{"name": "a", "value": 1}]', "value must be of type string"),
        ("Envs", '[{"name": "a", "value": "b", "extra": 1}]', "'extra'"),
        (
            "Envs",
            '[{"name": "a", "value": "b", "valueFrom": {}}]',
            "none of the allowed forms",
        ),
        (
            "Envs",
            '[{"name": "a", "valueFrom": {"configMapRef": {"configMapId": "1", "key": "k"}}}]',
            "integer",
        ),
        (
            "Envs",
            '[{"name": "a", "valueFrom": {"configMapRef": {"configMapId": 0, "key": "k"}}}]',
            "at least 1",
        ),
        (
            "Envs",
            '[{"name": "a", "valueFrom": {"configMapRef": {"configMapId": 1, "key": 2}}}]',
            "key must be of type string",
        ),
        ("Envs", "[", "not valid JSON"),
    ],
)
def test_a_value_the_spec_refuses_is_an_invalid_parameter_naming_it(
    rig: Rig, name: str, value: str, reason: str
) -> None:
    response = rig.send({"AppId": ALLOW.app_id, name: value} if name != "AppId" else {"AppId": value})
    assert error_of(response) == (400, "InvalidParameter")
    message = response.json()["Message"]
    assert message.startswith(f"The parameter {name} is invalid: ")
    assert reason in message
    assert rig.emulator.jobs() == []


def test_the_message_names_where_in_the_json_the_fault_is(rig: Rig) -> None:
    envs = json.dumps(
        [
            {"name": "a", "value": "b"},
            {
                "name": "c",
                "valueFrom": {"configMapRef": {"configMapId": "x", "key": "k"}},
            },
        ]
    )
    message = rig.exec_job(Envs=envs).json()["Message"]
    assert "[1]" in message and "valueFrom.configMapRef.configMapId must be of type integer" in message


def test_a_float_with_no_fraction_is_an_integer_as_json_schema_says(rig: Rig) -> None:
    envs = '[{"name": "a", "valueFrom": {"configMapRef": {"configMapId": 7.0, "key": "k"}}}]'
    assert rig.exec_job(Envs=envs).status == 200


def test_a_parameter_given_twice_is_refused(rig: Rig) -> None:
    response = rig.send([("AppId", ALLOW.app_id), ("Replicas", "1"), ("Replicas", "2")])
    assert error_of(response) == (400, "InvalidParameter")
    assert "Replicas" in response.json()["Message"]


def test_parameters_the_spec_does_not_name_are_ignored(rig: Rig) -> None:
    assert rig.exec_job(RegionId="cn-hangzhou").status == 200


def test_empty_command_args_and_envs_arrays_are_fine(rig: Rig) -> None:
    assert rig.exec_job(CommandArgs="[]", Envs="[]").status == 200
    assert rig.emulator.jobs()[0].command_args == []


# --- routing and the gateway ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/pop/v1/sam/job/execjob"),
        ("POST", PATH),
        ("DELETE", PATH),
        ("GET", PATH + "/"),
    ],
)
def test_anything_but_get_exec_job_is_not_found(rig: Rig, method: str, path: str) -> None:
    response = rig.send({"AppId": ALLOW.app_id}, method=method, path=path)
    assert error_of(response) == (404, "InvalidAction.NotFound")
    assert "Recommend" in response.json()


def test_an_unauthenticated_request_gets_the_gateways_error(rig: Rig) -> None:
    response = rig.emulator.handle(Request("GET", PATH, "AppId=" + ALLOW.app_id, (("host", HOST),)))
    assert error_of(response) == (400, "IncompleteSignature")
    assert response.json()["Recommend"].endswith("q=IncompleteSignature&product=sae")
    assert rig.emulator.jobs() == []


def test_an_unknown_key_is_a_404(rig: Rig) -> None:
    response = rig.send({"AppId": ALLOW.app_id}, credentials=Credentials("AKID-NOBODY", SECRET))
    assert error_of(response) == (404, "InvalidAccessKeyId.NotFound")


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_bad_signature_answer_carries_the_string_to_sign_and_no_secret(rig: Rig, version: str) -> None:
    response = rig.send(
        {"AppId": "x"},
        version=version,
        credentials=Credentials(STS_KEY.access_key_id, "bad", TOKEN),
    )
    assert error_of(response) == (400, "SignatureDoesNotMatch")
    text = response.body.decode()
    assert "server string to sign is:" in text
    for secret in (SECRET, STS_KEY.access_key_secret, TOKEN, 'bad"'):
        assert secret not in text


def test_a_replayed_request_is_refused_and_reset_forgets_nonces(rig: Rig) -> None:
    request = signed_request({"AppId": ALLOW.app_id}, clock=rig.clock)
    assert rig.emulator.handle(request).status == 200
    assert error_of(rig.emulator.handle(request)) == (400, "SignatureNonceUsed")
    rig.emulator.reset()
    assert rig.emulator.handle(request).status == 200


def test_the_clock_drives_the_signature_window(rig: Rig) -> None:
    request = signed_request({"AppId": ALLOW.app_id}, clock=rig.clock)
    rig.clock.advance(16 * 60)
    assert error_of(rig.emulator.handle(request)) == (400, "InvalidTimeStamp.Expired")


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_another_api_version_is_refused(rig: Rig, version: str) -> None:
    signer_class = AcsV3Auth if version == "v3" else RoaV2Auth
    signer = signer_class(KEY, action="ExecJob", version="2017-12-01", clock=rig.clock)
    request = httpx.Request("GET", f"https://{HOST}{PATH}", params={"AppId": ALLOW.app_id})
    response = rig.emulator.handle(to_emulator(next(signer.auth_flow(request))))
    assert error_of(response) == (400, "InvalidVersion")


def test_another_v3_action_is_not_found(rig: Rig) -> None:
    signer = AcsV3Auth(KEY, action="DescribeApplicationStatus", version="2019-05-06", clock=rig.clock)
    request = httpx.Request("GET", f"https://{HOST}{PATH}", params={"AppId": ALLOW.app_id})
    response = rig.emulator.handle(to_emulator(next(signer.auth_flow(request))))
    assert error_of(response) == (404, "InvalidAction.NotFound")


def test_an_emulator_fault_still_answers_in_the_spec_error_form(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(rig.emulator.backend, "exec_job", broken)
    response = rig.exec_job()
    assert error_of(response) == (500, "InternalError")
    assert "Recommend" not in response.json()
    assert "a bug" not in response.body.decode()


# --- job semantics --------------------------------------------------------------------------------


def job_id(response: Response) -> str:
    assert response.status == 200, response.json()
    value: str = response.json()["Data"]["Data"]
    return value


@pytest.mark.parametrize(
    ("app_id", "code", "message"),
    [
        (
            "app-unknown",
            "InvalidApplication.NotFound",
            "The current application does not exist.",
        ),
        (SUSPENDED.app_id, "JobSuspend", "The job template is suspended."),
    ],
)
def test_documented_job_errors(rig: Rig, app_id: str, code: str, message: str) -> None:
    response = rig.exec_job(app_id)
    assert error_of(response) == (400, code)
    assert response.json()["Message"] == message
    assert "Recommend" not in response.json()  # SAE's own errors, not the gateway's


def test_an_account_in_debt_starts_nothing() -> None:
    emulator = Emulator(config(in_debt=True), clock=Clock())
    response = emulator.handle(signed_request({"AppId": ALLOW.app_id}))
    assert error_of(response) == (400, "user.indebt")
    assert response.json()["Message"] == "The user has an overdue payment."
    assert emulator.jobs() == []


def test_allow_runs_jobs_side_by_side(rig: Rig) -> None:
    first, second = job_id(rig.exec_job()), job_id(rig.exec_job())
    assert first != second
    assert [j.status for j in rig.emulator.jobs()] == ["Running", "Running"]


def test_forbid_refuses_while_a_job_runs_then_allows(rig: Rig) -> None:
    job_id(rig.exec_job(FORBID.app_id))
    rig.clock.advance(29)
    response = rig.exec_job(FORBID.app_id)
    assert error_of(response) == (400, "JobForbidPolicy")
    assert response.json()["Message"] == (
        "The concurrency policy of the job template is Forbid and a job is still running."
    )
    rig.clock.advance(1)  # run_seconds have passed: the first job is done
    job_id(rig.exec_job(FORBID.app_id))
    assert [j.status for j in rig.emulator.jobs()] == ["Succeeded", "Running"]


def test_forbid_is_per_template(rig: Rig) -> None:
    job_id(rig.exec_job(FORBID.app_id))
    job_id(rig.exec_job(ALLOW.app_id))


def test_replace_stops_the_running_job(rig: Rig) -> None:
    first = job_id(rig.exec_job(REPLACE.app_id))
    rig.clock.advance(5)
    second = job_id(rig.exec_job(REPLACE.app_id))
    statuses = {j.job_id: j.status for j in rig.emulator.jobs()}
    assert statuses == {first: "Failed", second: "Running"}
    rig.clock.advance(60)
    assert {j.job_id: j.status for j in rig.emulator.jobs()} == {
        first: "Failed",
        second: "Succeeded",
    }


def test_the_same_event_returns_the_first_job_and_starts_nothing(rig: Rig) -> None:
    first = job_id(rig.exec_job(EventId="evt-1", Command="a"))
    again = job_id(rig.exec_job(EventId="evt-1", Command="b"))
    assert again == first
    assert [j.command for j in rig.emulator.jobs()] == ["a"]
    other = job_id(rig.exec_job(EventId="evt-2"))
    elsewhere = job_id(rig.exec_job(FORBID.app_id, EventId="evt-1"))
    assert len({first, other, elsewhere}) == 3


def test_the_same_event_wins_over_forbid(rig: Rig) -> None:
    # A retry of a call whose answer was lost must learn its job, whatever happened since.
    first = job_id(rig.exec_job(FORBID.app_id, EventId="evt-1"))
    assert job_id(rig.exec_job(FORBID.app_id, EventId="evt-1")) == first


def test_an_empty_event_id_makes_nothing_idempotent(rig: Rig) -> None:
    assert job_id(rig.exec_job(EventId="")) != job_id(rig.exec_job(EventId=""))
    assert [j.event_id for j in rig.emulator.jobs()] == [None, None]


def test_racing_identical_requests_start_one_job(rig: Rig) -> None:
    barrier = threading.Barrier(50)
    requests = [
        signed_request({"AppId": FORBID.app_id, "EventId": "race"}, clock=rig.clock) for _ in range(50)
    ]
    answers: list[Response] = []

    def send(request: Request) -> None:
        barrier.wait()
        answers.append(rig.emulator.handle(request))

    threads = [threading.Thread(target=send, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({job_id(a) for a in answers}) == 1
    assert len(rig.emulator.jobs()) == 1


def test_reset_forgets_jobs_and_event_ids(rig: Rig) -> None:
    first = job_id(rig.exec_job(FORBID.app_id, EventId="evt"))
    rig.emulator.reset()
    assert rig.emulator.jobs() == []
    assert job_id(rig.exec_job(FORBID.app_id, EventId="evt")) != first


def test_the_oldest_jobs_are_forgotten_past_max_jobs() -> None:
    emulator = Emulator(config(), clock=Clock(), max_jobs=3)
    ids = [
        job_id(emulator.handle(signed_request({"AppId": ALLOW.app_id, "EventId": f"e{i}"}))) for i in range(5)
    ]
    assert [j.job_id for j in emulator.jobs()] == ids[2:]
    # e0 was forgotten with its job: it starts a new one
    assert job_id(emulator.handle(signed_request({"AppId": ALLOW.app_id, "EventId": "e0"}))) not in ids


# --- introspection ------------------------------------------------------------------------------------


def test_introspection_lists_jobs_and_resets(rig: Rig) -> None:
    started = job_id(rig.exec_job(CommandArgs='["x"]'))
    listed = rig.emulator.handle(Request("GET", "/_emulator/jobs"))
    assert listed.status == 200
    [job] = listed.json()["jobs"]
    assert job["job_id"] == started and job["command_args"] == ["x"]
    assert set(job) >= {
        "job_id", "app_id", "event_id", "command", "command_args", "envs", "replicas", "time", "created_at"
    }  # fmt: skip
    reset = rig.emulator.handle(Request("POST", "/_emulator/reset"))
    assert (reset.status, reset.json()) == (200, {"reset": True})
    assert rig.emulator.handle(Request("GET", "/_emulator/jobs")).json() == {"jobs": []}


# --- configuration --------------------------------------------------------------------------------


def test_the_embedded_configuration_is_one_demo_key_and_template() -> None:
    embedded = default_config()
    [key] = embedded.credentials
    [template] = embedded.templates
    assert key.access_key_id == "emulator-demo-key-id" and key.security_token is None
    assert template == Template(
        "ee1a7a07-abcb-4652-a1d3-2d57f4150001",
        "Allow",
        False,
        30,
        name="nightly-report",
        description=(
            "The demo template: its jobs run 30 s, then succeed "
            "(sae-job emulator --run-seconds N --outcome failed changes both)."
        ),
    )
    assert embedded.in_debt is False
    assert Emulator().config == embedded


FULL = """
[[credentials]]
access_key_id = "AKID-1"
access_key_secret = "CANARY-SECRET-config"

[[credentials]]
access_key_id = "STS.AKID-2"
access_key_secret = "CANARY-SECRET-config-2"
security_token = "CANARY-TOKEN-config"

[[templates]]
app_id = "app-1"
concurrency_policy = "Forbid"
suspended = true
run_seconds = 2.5

[[templates]]
app_id = "app-2"

[account]
in_debt = true
"""


def test_a_full_configuration_file(tmp_path: Path) -> None:
    path = tmp_path / "emulator.toml"
    path.write_text(FULL, encoding="utf-8")
    loaded = load_config(path)
    assert loaded.credentials == (
        Credentials("AKID-1", "CANARY-SECRET-config"),
        Credentials("STS.AKID-2", "CANARY-SECRET-config-2", "CANARY-TOKEN-config"),
    )
    assert loaded.templates == (
        Template("app-1", "Forbid", True, 2.5),
        Template("app-2"),
    )
    assert loaded.in_debt is True
    assert loaded.source == str(path)
    assert "CANARY" not in repr(loaded) and "CANARY" not in repr(Emulator(loaded))


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        (
            "[[credentials]]\naccess_key_id = 'a'\n",
            "credentials[0] lacks the required property 'access_key_secret'",
        ),
        (
            "[[credentials]]\naccess_key_secret = 'CANARY-SECRET-x'\n",
            "credentials[0] lacks the required property 'access_key_id'",
        ),
        (
            "[[credentials]]\naccess_key_id = 'a'\naccess_key_secret = ' CANARY-SECRET-x'\n",
            "credentials[0]",
        ),
        (
            "[[credentials]]\naccess_key_id = 'a'\naccess_key_secret = 'CANARY-SECRET-x'\nsecret = 1\n",
            "credentials[0] has the property 'secret', which is not allowed",
        ),
        (
            "[[credentials]]\naccess_key_id = 'a'\naccess_key_secret = ['CANARY-SECRET-x']\n",
            "credentials[0].access_key_secret must be of type string, not array",
        ),
        (
            "[[credentials]]\naccess_key_id = 'a'\naccess_key_secret = 'CANARY-SECRET-x'\n" * 2,
            "configured twice",
        ),
        ("[[templates]]\napp_id = 'x'\n", "no credentials"),
        ("credentials = 'CANARY-SECRET-x'\n", "credentials must be of type array, not string"),
        ("[[credentials]]\naccess_key_id = 'CANARY-SECRET-x\n", "not valid TOML"),
        ("[extra]\n", "has the property 'extra', which is not allowed"),
    ],
)
def test_a_bad_configuration_names_the_fault_and_no_secret(text: str, fault: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="my.toml")
    assert fault in str(caught.value)
    assert str(caught.value).startswith("my.toml")
    assert "CANARY-SECRET" not in str(caught.value)


KEYS = "[[credentials]]\naccess_key_id = 'a'\naccess_key_secret = 'b'\n"


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        (
            "[[templates]]\nconcurrency_policy = 'Allow'\n",
            "templates[0] lacks the required property 'app_id'",
        ),
        (
            "[[templates]]\napp_id = 'x'\nconcurrency_policy = 'Sometimes'\n",
            'templates[0].concurrency_policy must be one of ["Allow", "Forbid", "Replace"]',
        ),
        ("[[templates]]\napp_id = 'x'\nsuspended = 'no'\n", "templates[0].suspended must be of type boolean"),
        # "or null" would be no help: TOML has no null, and None means the key left out
        ("[[templates]]\napp_id = 'x'\nname = 5\n", "templates[0].name must be of type string, not integer"),
        ("[[templates]]\napp_id = 'x'\nrun_seconds = -1\n", "templates[0].run_seconds must be at least 0"),
        (
            "[[templates]]\napp_id = 'x'\nrun_seconds = '30'\n",
            "templates[0].run_seconds must be of type number",
        ),
        ("[[templates]]\napp_id = ' '\n", "templates[0].app_id must match the pattern"),
        (
            "[[templates]]\napp_id = 'x'\n[[templates]]\napp_id = 'x'\n",
            "configured twice",
        ),
        (
            "[[templates]]\napp_id = 'x'\npolicy = 'Allow'\n",
            "templates[0] has the property 'policy', which is not allowed here (allowed: app_id, "
            "concurrency_policy,",  # the allowed keys are listed: the typo's fix is among them
        ),
        ("[account]\nin_debt = 'yes'\n", "account.in_debt must be of type boolean, not string"),
        ("[account]\ndebt = true\n", "account has the property 'debt', which is not allowed"),
        ("account = 1\n", "account must be of type object, not integer"),
    ],
)
def test_bad_templates_and_account(text: str, fault: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(fault)):
        parse_config(text + KEYS)


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"app_id": ""}, "template.app_id must match the pattern"),
        ({"app_id": None}, "template.app_id must be of type string, not null"),
        ({"app_id": "a", "tags": None}, "template.tags must be of type object, not null"),
        ({"app_id": "a", "tags": {1: "x"}}, "template.tags must be of type string, not integer"),
        (
            {"app_id": "a", "run_seconds": float("nan")},
            "template.run_seconds must be of type number, not nan",
        ),
        ({"app_id": "a", "run_seconds": 86_401}, "template.run_seconds must be at most 86400"),
        ({"app_id": "a", "suspended": 1}, "template.suspended must be of type boolean, not integer"),
        ({"app_id": "a", "outcome": "maybe"}, 'template.outcome must be one of ["succeeded", "failed"]'),
        ({"app_id": "a", "name": " "}, "template.name must match the pattern"),
        ({"app_id": "a", "description": None}, "template.description must be of type string, not null"),
    ],
)
def test_a_template_made_in_python_refuses_a_bad_value(fields: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        Template(**fields)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_a_config_in_python_takes_lists_and_swaps_templates() -> None:
    made = EmulatorConfig([KEY], [ALLOW])
    assert made.credentials == (KEY,) and made.templates == (ALLOW,)
    swapped = made.with_templates(FORBID, in_debt=True)
    assert swapped.templates == (FORBID,) and swapped.in_debt and swapped.credentials == (KEY,)
    with pytest.raises(ValueError):
        EmulatorConfig([])
