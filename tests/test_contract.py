"""Contract tests: SaeJobClient, the emulator and openapi/sae-job.yaml agree.

- Every request the client sends, for every argument shape, in both signature versions, with and
  without an STS token, conforms to the spec (checked here with ``jsonschema``, independently of the
  emulator's own validator), its signature verifies, and the emulator records exactly what was passed.
- Every example answer in the spec, served as is, is parsed by the client into the right result or
  exception.
- Requests generated from the spec's parameter schemas get answers that conform to the spec, never 5xx,
  and the emulator accepts exactly those the independent check accepts.
- Job semantics and gateway errors reach the client as the right exceptions; identical racing requests
  start one job.

pytest-httpserver is the fake server, backed by the emulator's handler (``werkzeug_harness``).
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request as WerkzeugRequest
from werkzeug import Response as WerkzeugResponse

from sae_job import (
    ApplicationNotFoundError,
    AsyncSaeJobClient,
    AuthenticationError,
    ConfigMapEnv,
    Credentials,
    Env,
    InvalidParameterError,
    JobForbidPolicyError,
    JobSuspendError,
    Launch,
    NamespaceNotFoundError,
    RetryPolicy,
    SaeError,
    SaeJobClient,
    ServerError,
    ThrottlingError,
    UserInDebtError,
)
from sae_job.emulator import Caller, Emulator, EmulatorConfig, Request, Template
from sae_job.emulator.auth import AuthFailure
from sae_job.emulator.werkzeug_harness import raw_target, verify_werkzeug, werkzeug_handler
from sae_job.signing import AcsV3Auth, RoaV2Auth
from tests.conftest import KEY, PATH, STS_KEY, TOKEN, size

ALLOW = Template("app-allow")
FORBID = Template("app-forbid", concurrency_policy="Forbid", run_seconds=3600)
REPLACE = Template("app-replace", concurrency_policy="Replace", run_seconds=3600)
SUSPENDED = Template("app-suspended", suspended=True)
CONFIG = EmulatorConfig((KEY, STS_KEY), (ALLOW, FORBID, REPLACE, SUSPENDED))
VERSIONS = ["v3", "v2"]
KEYS = pytest.mark.parametrize("credentials", [KEY, STS_KEY], ids=["ak", "sts"])
NO_WAIT = RetryPolicy(max_attempts=3, base_delay=0, max_delay=0)
JOB_ID = re.compile(r"manual-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


# --- the spec, checked with jsonschema ------------------------------------------------------------


def ecma_pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    """``pattern`` as JSON Schema defines it (ECMA-262), where jsonschema uses Python's ``re`` as is:
    ``\\d`` is ASCII only, and a pattern ending in ``$`` cannot match before a final newline (none of
    the spec's patterns lets a value end in one)."""
    if not isinstance(instance, str):
        return
    if not re.search(pattern, instance, re.ASCII) or (pattern.endswith("$") and instance.endswith("\n")):
        yield jsonschema.ValidationError(f"does not match {pattern!r} (ECMA-262)")


EcmaValidator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": ecma_pattern})


class SpecChecker:
    """What the spec says of a request and of an answer, checked with ``jsonschema`` (not the emulator's
    validator), for the ExecJob operation."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.operation = spec["paths"][PATH]["get"]
        self.parameters = {p["name"]: p for p in self.operation["parameters"]}

    def validator(self, schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
        # The spec's components ride along so that "#/components/..." resolves.
        return EcmaValidator({**schema, "components": self.spec["components"]})

    def parameter_problems(self, pairs: list[tuple[str, str]]) -> list[str]:
        problems = []
        names = [name for name, _ in pairs]
        for name, value in pairs:
            parameter = self.parameters.get(name)
            if parameter is None:
                problems.append(f"{name} is not a parameter of ExecJob")
                continue
            if names.count(name) > 1:
                problems.append(f"{name} is sent more than once")
            schema = parameter["schema"]
            problems += [f"{name}: {e.message}" for e in self.validator(schema).iter_errors(value)]
            if schema.get("contentMediaType") == "application/json":
                try:
                    decoded = json.loads(value)
                except ValueError:
                    problems.append(f"{name} is not JSON")
                    continue
                content = self.validator(schema["contentSchema"])
                problems += [f"{name}: {e.message}" for e in content.iter_errors(decoded)]
        for name, parameter in self.parameters.items():
            if parameter.get("required") and name not in names:
                problems.append(f"{name} is required")
        return problems

    def request_problems(self, method: str, path: str, query: str, headers: Mapping[str, str]) -> list[str]:
        problems = [] if (method, path) == ("GET", PATH) else [f"{method} {path} is not in the spec"]
        if headers.get("x-acs-version") != self.spec["info"]["version"]:
            problems.append("x-acs-version is not the spec's version")
        return problems + self.parameter_problems(parse_qsl(query, keep_blank_values=True))

    def response_problems(self, status: int, body: bytes, content_type: str | None) -> list[str]:
        responses = self.operation["responses"]
        if str(status) not in responses:
            return [f"status {status} is not in the spec"]
        response = responses[str(status)]
        if "$ref" in response:
            response = self.spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        if not (content_type or "").startswith("application/json"):
            return [f"content type {content_type!r} is not application/json"]
        schema = response["content"]["application/json"]["schema"]
        return [e.message for e in self.validator(schema).iter_errors(json.loads(body))]


@pytest.fixture(scope="module")
def checker(spec: dict[str, Any]) -> SpecChecker:
    return SpecChecker(spec)


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def transport() -> httpx.HTTPTransport:
    # One TLS context for every client: the tests make hundreds, over plain HTTP.
    return httpx.HTTPTransport(verify=_tls())


def async_transport() -> httpx.AsyncHTTPTransport:
    return httpx.AsyncHTTPTransport(verify=_tls())


class Contract:
    """A pytest-httpserver handler: checks each request against the spec and its signature, lets the
    emulator answer, and checks the answer against the spec. Problems are collected, not raised, since
    they happen on the server's thread."""

    def __init__(self, emulator: Emulator, checker: SpecChecker) -> None:
        self.emulator = emulator
        self.checker = checker
        self.inner = werkzeug_handler(emulator)
        self.problems: list[str] = []
        self.callers: list[Caller | str] = []
        self.statuses: list[int] = []

    def __call__(self, request: WerkzeugRequest) -> WerkzeugResponse:
        path, query = raw_target(request)
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.problems += self.checker.request_problems(request.method, path, query, headers)
        keys = {c.access_key_id: c for c in self.emulator.config.credentials}
        try:
            self.callers.append(verify_werkzeug(request, keys))  # the emulator verifies again, with nonces
        except AuthFailure as failure:
            self.callers.append(failure.code)
        response = self.inner(request)
        self.statuses.append(response.status_code)
        self.problems += [
            f"answer {response.status_code}: {p}"
            for p in self.checker.response_problems(
                response.status_code, response.get_data(), response.headers.get("content-type")
            )
        ]
        return response


@pytest.fixture
def contract(httpserver: HTTPServer, checker: SpecChecker) -> Iterator[Contract]:
    handler = Contract(Emulator(CONFIG), checker)
    httpserver.expect_request(re.compile(".*")).respond_with_handler(handler)
    yield handler
    assert handler.problems == []


def client_for(
    httpserver: HTTPServer, credentials: Credentials, version: str, **options: Any
) -> SaeJobClient:
    options.setdefault("transport", transport())
    return SaeJobClient(
        endpoint=httpserver.url_for("/").rstrip("/"),
        credentials=credentials,
        signature_version=version,  # type: ignore[arg-type]
        **options,
    )


def async_client_for(httpserver: HTTPServer, credentials: Credentials, version: str) -> AsyncSaeJobClient:
    return AsyncSaeJobClient(
        endpoint=httpserver.url_for("/").rstrip("/"),
        credentials=credentials,
        signature_version=version,  # type: ignore[arg-type]
        transport=async_transport(),
    )


# --- every request the client sends ----------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """exec_job keyword arguments and the job fields the emulator must record for them."""

    name: str
    arguments: dict[str, Any]
    recorded: dict[str, Any]


SPECIALS = "+ * ~ & = % # ? / ' \" \\"
PLUS8 = timezone(timedelta(hours=8))
SHAPES = [
    Shape(
        "app id only",
        {},
        {"command": None, "command_args": None, "envs": None, "replicas": None, "time": None},
    ),
    Shape(
        "command list",
        {"command": ["echo", "abc", ">", "file0"]},
        {"command": "echo", "command_args": ["abc", ">", "file0"]},
    ),
    Shape("command list of one", {"command": ["true"]}, {"command": "true", "command_args": None}),
    Shape(
        "command and args",
        {"command": "sh", "args": ["-c", "echo $HOME && exit 0"]},
        {"command": "sh", "command_args": ["-c", "echo $HOME && exit 0"]},
    ),
    Shape("args alone", {"args": ["x"]}, {"command": None, "command_args": ["x"]}),
    Shape("empty args", {"command": "true", "args": []}, {"command": "true", "command_args": []}),
    Shape(
        "special characters",
        {"command": ["printf", "a b", SPECIALS, "é中文", "line1\nline2", ""]},
        {"command": "printf", "command_args": ["a b", SPECIALS, "é中文", "line1\nline2", ""]},
    ),
    Shape(
        "control and separator characters",
        {
            "command": ["x", "\t x \t", "a\r\nb", "\x7f\x1b", "\u2028", "%41+%2B"],
            "jar_start_args": "\t%41+\r\n",
        },
        {
            "command_args": ["\t x \t", "a\r\nb", "\x7f\x1b", "\u2028", "%41+%2B"],
            "jar_start_args": "\t%41+\r\n",
        },
    ),
    Shape(
        "envs mapping",
        {"envs": {"envtmp": "0", "SPACES": "a b+c", "UNI": "é\n" + SPECIALS}},
        {
            "envs": [
                {"name": "envtmp", "value": "0"},
                {"name": "SPACES", "value": "a b+c"},
                {"name": "UNI", "value": "é\n" + SPECIALS},
            ]
        },
    ),
    Shape(
        "envs of every kind",
        {
            "envs": [
                Env("envtmp", "0"),
                ConfigMapEnv("DB_HOST", 123, "db_host"),
                ConfigMapEnv.all("test1", 124),
            ]
        },
        {
            "envs": [
                {"name": "envtmp", "value": "0"},
                {"name": "DB_HOST", "valueFrom": {"configMapRef": {"configMapId": 123, "key": "db_host"}}},
                {
                    "name": "sae-sys-configmap-all-test1",
                    "valueFrom": {"configMapRef": {"configMapId": 124, "key": ""}},
                },
            ]
        },
    ),
    Shape("no envs", {"envs": {}}, {"envs": []}),
    Shape("event id", {"event_id": "my-event_1.2~x+y*z"}, {"event_id": "my-event_1.2~x+y*z"}),
    Shape("one replica", {"replicas": 1}, {"replicas": 1}),
    Shape("most replicas", {"replicas": 999_999_999}, {"replicas": 999_999_999}),
    Shape("time", {"time": datetime(2026, 12, 1, 16, 0, 5, tzinfo=PLUS8)}, {"time": "2026-12-01T08:00:05Z"}),
    Shape(
        "jar and war options",
        {
            "jar_start_options": "-Xms4G -Xmx4G -Dk=v&x",
            "jar_start_args": "--a=b c " + SPECIALS,
            "war_start_options": 'CATALINA_OPTS="$CATALINA_OPTS $Options" catalina.sh run',
        },
        {
            "jar_start_options": "-Xms4G -Xmx4G -Dk=v&x",
            "jar_start_args": "--a=b c " + SPECIALS,
            "war_start_options": 'CATALINA_OPTS="$CATALINA_OPTS $Options" catalina.sh run',
        },
    ),
    Shape(
        "everything",
        {
            "command": ["python", "-m", "job"],
            "envs": [Env("K", "v"), ConfigMapEnv("C", 7, "k")],
            "event_id": "evt-all",
            "replicas": 3,
            "time": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "jar_start_options": "-Xmx1G",
            "jar_start_args": "a",
            "war_start_options": "run",
        },
        {
            "command": "python",
            "command_args": ["-m", "job"],
            "envs": [
                {"name": "K", "value": "v"},
                {"name": "C", "valueFrom": {"configMapRef": {"configMapId": 7, "key": "k"}}},
            ],
            "event_id": "evt-all",
            "replicas": 3,
            "time": "2026-01-02T03:04:05Z",
        },
    ),
]


def assert_recorded(
    emulator: Emulator, launch: Launch, shape: Shape, credentials: Credentials, version: str
) -> None:
    [job] = emulator.jobs()
    assert job.job_id == launch.job_id and JOB_ID.fullmatch(launch.job_id)
    assert job.event_id == launch.event_id
    assert (job.app_id, job.access_key_id, job.signature_version) == (
        ALLOW.app_id,
        credentials.access_key_id,
        version,
    )
    assert {name: getattr(job, name) for name in shape.recorded} == shape.recorded


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
@pytest.mark.parametrize("version", VERSIONS)
@KEYS
def test_every_request_conforms_verifies_and_arrives_exactly(
    contract: Contract, httpserver: HTTPServer, shape: Shape, version: str, credentials: Credentials
) -> None:
    with client_for(httpserver, credentials, version) as client:
        launch = client.exec_job(ALLOW.app_id, **shape.arguments)
    assert contract.callers == [Caller(credentials.access_key_id, version, credentials.security_token)]  # type: ignore[arg-type]
    assert contract.statuses == [200]
    assert_recorded(contract.emulator, launch, shape, credentials, version)


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
@pytest.mark.parametrize("version", VERSIONS)
@KEYS
def test_the_async_client_sends_the_same(
    contract: Contract, httpserver: HTTPServer, shape: Shape, version: str, credentials: Credentials
) -> None:
    async def call() -> Launch:
        async with async_client_for(httpserver, credentials, version) as client:
            return await client.exec_job(ALLOW.app_id, **shape.arguments)

    launch = asyncio.run(call())
    assert contract.callers == [Caller(credentials.access_key_id, version, credentials.security_token)]  # type: ignore[arg-type]
    assert_recorded(contract.emulator, launch, shape, credentials, version)


# Found here first: a lone surrogate cannot be sent as UTF-8; the client must name the parameter.
@pytest.mark.parametrize(
    ("argument", "value"),
    [("args", ["\udc80"]), ("envs", {"K": "\udc80"}), ("command", "\udc80"), ("jar_start_options", "\udc80")],
)
def test_a_value_utf8_cannot_carry_is_refused_naming_the_parameter(
    contract: Contract, httpserver: HTTPServer, argument: str, value: Any
) -> None:
    with client_for(httpserver, KEY, "v3") as client, pytest.raises((ValueError, TypeError), match=argument):
        client.exec_job(ALLOW.app_id, **{argument: value})
    assert contract.statuses == []  # nothing was sent


# --- every example answer in the spec ---------------------------------------------------------------

# What the client must make of each code the spec shows: written here, not taken from the client.
EXPECTED_ERRORS: dict[str, type[SaeError]] = {
    "InvalidApplication.NotFound": ApplicationNotFoundError,
    "InvalidAppId.NotFound": ApplicationNotFoundError,
    "InvalidNamespaceId.NotFound": NamespaceNotFoundError,
    "InvalidJob.NotFound": SaeError,  # DescribeJobStatus's; the client has no class of its own for it yet
    "JobForbidPolicy": JobForbidPolicyError,
    "JobSuspend": JobSuspendError,
    "user.indebt": UserInDebtError,
    "MissingAppId": InvalidParameterError,
    "InvalidParameter": InvalidParameterError,
    "SignatureDoesNotMatch": AuthenticationError,
    "IncompleteSignature": AuthenticationError,
    "InvalidTimeStamp.Expired": AuthenticationError,
    "SignatureNonceUsed": AuthenticationError,
    "InvalidSecurityToken.Expired": AuthenticationError,
    "InvalidSecurityToken.MismatchWithAccessKey": AuthenticationError,
    "InvalidSecurityToken.Malformed": AuthenticationError,
    "InvalidAccessKeyId.NotFound": AuthenticationError,
    "InvalidAction.NotFound": SaeError,  # no operation at this method and path
    "MalformedRequest": SaeError,  # not readable as HTTP; by its status, as unknown codes (505: ServerError)
    "Forbidden.RAM": AuthenticationError,
    "Throttling": ThrottlingError,
    "Throttling.User": ThrottlingError,
    "Throttling.Api": ThrottlingError,
    "InternalError": ServerError,
    "ServiceUnavailable": ServerError,
}


def spec_examples(spec: dict[str, Any]) -> list[tuple[int, str, dict[str, Any], bool]]:
    """(status, example name, body, whether the status declares x-acs-retry-after) for every example."""
    out = []
    for status, response in spec["paths"][PATH]["get"]["responses"].items():
        if "$ref" in response:
            response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        retry_after = "x-acs-retry-after" in response.get("headers", {})
        media = response["content"]["application/json"]
        if "example" in media:
            out.append((int(status), f"{status}", media["example"], retry_after))
        for name, example in media.get("examples", {}).items():
            out.append((int(status), f"{status} {name}", example["value"], retry_after))
    return out


def _load_spec() -> dict[str, Any]:
    from importlib import resources

    loaded: dict[str, Any] = json.loads(resources.files("sae_job_api").joinpath("openapi.json").read_text())
    return loaded


EXAMPLES = spec_examples(_load_spec())


def test_the_table_covers_every_error_example_in_the_spec() -> None:
    codes = {body["Code"] for status, _, body, _ in EXAMPLES if status != 200}
    assert codes == set(EXPECTED_ERRORS)
    assert len([e for e in EXAMPLES if e[0] == 200]) == 1


@pytest.mark.parametrize(("status", "name", "body", "retry_after"), EXAMPLES, ids=[e[1] for e in EXAMPLES])
def test_every_example_answer_is_parsed(
    httpserver: HTTPServer,
    checker: SpecChecker,
    status: int,
    name: str,
    body: dict[str, Any],
    retry_after: bool,
) -> None:
    assert checker.response_problems(status, json.dumps(body).encode(), "application/json") == []
    headers = {"x-acs-retry-after": "3000"} if retry_after else None
    httpserver.expect_oneshot_request(PATH).respond_with_json(body, status=status, headers=headers)
    with client_for(httpserver, KEY, "v3", max_attempts=1) as client:
        if status == 200:
            launch = client.exec_job(ALLOW.app_id, event_id="evt")
            assert (launch.job_id, launch.request_id, launch.trace_id, launch.event_id) == (
                body["Data"]["Data"],
                body["RequestId"],
                body["TraceId"],
                "evt",
            )
            return
        with pytest.raises(SaeError) as caught:
            client.exec_job(ALLOW.app_id, event_id="evt")
    error = caught.value
    unreadable_5xx = body["Code"] == "MalformedRequest" and status >= 500
    assert type(error) is (ServerError if unreadable_5xx else EXPECTED_ERRORS[body["Code"]])
    assert (error.code, error.message, error.request_id, error.status_code) == (
        body["Code"],
        body["Message"],
        body["RequestId"],
        status,
    )
    assert (error.recommend, error.host_id, error.event_id) == (
        body.get("Recommend"),
        body.get("HostId"),
        "evt",
    )
    if retry_after:
        assert error.retry_after == 3.0


# --- job semantics and gateway errors through the client ---------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@KEYS
def test_job_semantics_reach_the_client(
    contract: Contract, httpserver: HTTPServer, version: str, credentials: Credentials
) -> None:
    with client_for(httpserver, credentials, version, retry=NO_WAIT) as client:
        with pytest.raises(ApplicationNotFoundError):
            client.exec_job("app-unknown")
        with pytest.raises(JobSuspendError):
            client.exec_job(SUSPENDED.app_id)
        running = client.exec_job(FORBID.app_id, event_id="forbid-1")
        with pytest.raises(JobForbidPolicyError):
            client.exec_job(FORBID.app_id)
        assert client.exec_job(FORBID.app_id, event_id="forbid-1").job_id == running.job_id  # a retry
        first = client.exec_job(REPLACE.app_id)
        second = client.exec_job(REPLACE.app_id)
        a, b = client.exec_job(ALLOW.app_id), client.exec_job(ALLOW.app_id)
    statuses = {job.job_id: job.status for job in contract.emulator.jobs()}
    assert statuses == {
        running.job_id: "Running",
        first.job_id: "Failed",
        second.job_id: "Running",
        a.job_id: "Running",
        b.job_id: "Running",
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_an_account_in_debt_reaches_the_client(
    httpserver: HTTPServer, checker: SpecChecker, version: str
) -> None:
    contract = Contract(Emulator(CONFIG.with_templates(ALLOW, in_debt=True)), checker)
    httpserver.expect_request(re.compile(".*")).respond_with_handler(contract)
    with client_for(httpserver, STS_KEY, version) as client, pytest.raises(UserInDebtError):
        client.exec_job(ALLOW.app_id)
    assert contract.problems == []


def auth_error(client: SaeJobClient) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        client.exec_job(ALLOW.app_id)
    return caught.value


@pytest.mark.parametrize("version", VERSIONS)
@KEYS
def test_gateway_errors_reach_the_client(
    contract: Contract, httpserver: HTTPServer, version: str, credentials: Credentials
) -> None:
    key_id, secret, token = (
        credentials.access_key_id,
        credentials.access_key_secret,
        credentials.security_token,
    )
    cases = [
        (Credentials(key_id, "not-the-secret", token), "SignatureDoesNotMatch", 400),
        (Credentials("AKID-NOBODY", secret, token), "InvalidAccessKeyId.NotFound", 404),
        (Credentials(key_id, secret, None if token else TOKEN), None, 400),
        (
            Credentials(key_id, secret, (token or TOKEN) + "-other"),
            "InvalidSecurityToken.MismatchWithAccessKey",
            400,
        ),
    ]
    for wrong, code, status in cases:
        with client_for(httpserver, wrong, version, retry=NO_WAIT) as client:
            error = auth_error(client)
        expected = code or (
            "InvalidSecurityToken.Malformed" if token else "InvalidSecurityToken.MismatchWithAccessKey"
        )
        assert (error.code, error.status_code) == (expected, status)
        if code == "SignatureDoesNotMatch":
            assert "server string to sign is:" in error.message
            assert secret not in error.message and TOKEN not in error.message
    assert contract.emulator.jobs() == []


@pytest.mark.parametrize("version", VERSIONS)
@KEYS
def test_clock_and_nonce_errors_are_retried_signed_afresh(
    contract: Contract, httpserver: HTTPServer, version: str, credentials: Credentials
) -> None:
    skewed = datetime.now(UTC) - timedelta(minutes=20)
    with client_for(httpserver, credentials, version, retry=NO_WAIT, clock=lambda: skewed) as client:
        error = auth_error(client)
    assert error.code == "InvalidTimeStamp.Expired"
    assert contract.statuses == [400, 400, 400]  # re-signed and retried up to max_attempts

    nonces = iter(["n-1", "n-1", "n-2"])  # the second call reuses the first call's nonce once
    with client_for(httpserver, credentials, version, retry=NO_WAIT, nonce=lambda: next(nonces)) as client:
        client.exec_job(ALLOW.app_id)
        launch = client.exec_job(ALLOW.app_id)
    assert launch.attempts == 2
    assert contract.statuses[-3:] == [200, 400, 200]


# --- racing identical requests -------------------------------------------------------------------------


@pytest.fixture
def threaded_server(checker: SpecChecker) -> Iterator[tuple[HTTPServer, Contract]]:
    server = HTTPServer(threaded=True)
    contract = Contract(Emulator(CONFIG), checker)
    server.expect_request(re.compile(".*")).respond_with_handler(contract)
    server.start()
    try:
        yield server, contract
    finally:
        server.stop()
    assert contract.problems == []


@pytest.mark.parametrize("version", VERSIONS)
def test_50_identical_racing_requests_start_one_job(
    threaded_server: tuple[HTTPServer, Contract], version: str
) -> None:
    server, contract = threaded_server
    clients = [client_for(server, STS_KEY, version) for _ in range(50)]
    barrier = threading.Barrier(50)
    job_ids: list[str] = []

    def race(client: SaeJobClient) -> None:
        barrier.wait()
        job_ids.append(client.exec_job(FORBID.app_id, command="true", event_id="race-1").job_id)

    threads = [threading.Thread(target=race, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert len(job_ids) == 50 and len(set(job_ids)) == 1
    assert [job.job_id for job in contract.emulator.jobs()] == job_ids[:1]


def test_50_identical_racing_async_requests_start_one_job(
    threaded_server: tuple[HTTPServer, Contract],
) -> None:
    server, contract = threaded_server

    async def race() -> list[str]:
        async with async_client_for(server, KEY, "v3") as client:
            calls = [client.exec_job(FORBID.app_id, event_id="race-async") for _ in range(50)]
            return [launch.job_id for launch in await asyncio.gather(*calls)]

    job_ids = asyncio.run(race())
    assert len(set(job_ids)) == 1
    assert [job.job_id for job in contract.emulator.jobs()] == job_ids[:1]


# --- generated requests ----------------------------------------------------------------------------------


def from_schema(schema: Mapping[str, Any], spec: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid against ``schema``, for the JSON Schema subset the spec uses."""
    if "$ref" in schema:
        return from_schema(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]], spec)
    if "oneOf" in schema:
        return st.one_of([from_schema(choice, spec) for choice in schema["oneOf"]])
    kind = schema.get("type")
    if kind == "string":
        if "contentSchema" in schema:
            content = from_schema(schema["contentSchema"], spec)
            return content.map(lambda value: json.dumps(value, ensure_ascii=False))
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: not s.endswith("\n"))
        return st.text(min_size=schema.get("minLength", 0), max_size=12)
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum", 2**31))
    if kind == "array":
        return st.lists(from_schema(schema["items"], spec), max_size=3)
    if kind == "object":
        properties = {name: from_schema(sub, spec) for name, sub in schema.get("properties", {}).items()}
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {n: s for n, s in properties.items() if n in required},
            optional={n: s for n, s in properties.items() if n not in required},
        )
    raise AssertionError(f"from_schema does not know {schema!r}")


junk_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["name", "value", "valueFrom"]), inner)
    ),
    max_leaves=6,
).map(json.dumps)


@cache
def generated_query(spec_json: str, *, valid: bool) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Queries from the spec's parameters: each one left out or valid for its schema, and unless
    ``valid``, sometimes not."""
    spec = json.loads(spec_json)
    fields = []
    for parameter in spec["paths"][PATH]["get"]["parameters"]:
        schema = parameter["schema"]
        value = from_schema(schema, spec)
        if not valid:
            value |= st.text(max_size=12) | (junk_json if "contentSchema" in schema else st.nothing())
        if parameter["name"] == "AppId":
            value = st.sampled_from([ALLOW.app_id, ALLOW.app_id, SUSPENDED.app_id, "app-unknown"]) | value
        field = value.map(lambda v, n=parameter["name"]: (n, v))
        fields.append(field if parameter.get("required") and valid else st.none() | field)
    return st.tuples(*fields).map(lambda pairs: [p for p in pairs if p is not None])


@pytest.mark.soak
@settings(max_examples=size(100, 400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), version=st.sampled_from(VERSIONS), sts=st.booleans())
def test_generated_requests_get_answers_in_the_spec_and_no_5xx(
    spec: dict[str, Any], checker: SpecChecker, data: st.DataObject, version: str, sts: bool
) -> None:
    pairs = data.draw(generated_query(json.dumps(spec), valid=data.draw(st.booleans())))
    credentials = STS_KEY if sts else KEY
    signer = (AcsV3Auth if version == "v3" else RoaV2Auth)(
        credentials, action="ExecJob", version="2019-05-06"
    )
    sent = next(
        signer.auth_flow(httpx.Request("GET", "https://sae.cn-hangzhou.aliyuncs.com" + PATH, params=pairs))
    )
    emulator = Emulator(CONFIG)
    response = emulator.handle(
        Request.from_target(
            "GET", sent.url.raw_path.decode("ascii"), sent.headers.multi_items(), sent.content
        )
    )
    assert response.status < 500
    assert checker.response_problems(response.status, response.body, response.header("content-type")) == []
    code = response.json().get("Code")
    event(f"{response.status} {code}")  # shown by --hypothesis-show-statistics: every branch is reached
    problems = checker.parameter_problems(pairs)
    app_id = dict(pairs).get("AppId")
    if problems:
        assert response.status == 400 and (code == "InvalidParameter" or code.startswith("Missing")), problems
    elif app_id == ALLOW.app_id:
        assert response.status == 200 and JOB_ID.fullmatch(response.json()["Data"]["Data"])
    else:
        expected = "JobSuspend" if app_id == SUSPENDED.app_id else "InvalidApplication.NotFound"
        assert (response.status, code) == (400, expected)


raw_queries = st.lists(
    st.tuples(
        st.text(alphabet="AppIdEvntCmanrgsTiRpl%+=&;#~*!$'()[]-_.09aZ\u00e9", max_size=8),
        st.text(alphabet='abc%2B0Fzé+=&[]{}":,\\', max_size=12),
    ),
    max_size=6,
).map(lambda pairs: "&".join(f"{n}={v}" for n, v in pairs))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=raw_queries | st.sampled_from(["AppId=app-allow", "AppId=app-allow&Replicas=%FF", "AppId", "&&=&"])
)
def test_raw_queries_over_http_never_get_a_5xx(
    httpserver: HTTPServer, checker: SpecChecker, raw: str
) -> None:
    handler = Contract(Emulator(CONFIG), checker)
    httpserver.clear()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(handler)
    signer = AcsV3Auth(KEY, action="ExecJob", version="2019-05-06")
    try:
        request = httpx.Request("GET", httpserver.url_for(PATH) + "?" + raw)
    except httpx.InvalidURL:
        return  # not a URL httpx will send
    with httpx.Client(transport=transport()) as client:
        answer = client.send(next(signer.auth_flow(request)))
    assert answer.status_code < 500
    assert (
        checker.response_problems(answer.status_code, answer.content, answer.headers.get("content-type"))
        == []
    )
    assert [p for p in handler.problems if p.startswith("answer")] == []
