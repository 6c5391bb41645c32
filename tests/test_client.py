"""SaeJobClient and AsyncSaeJobClient against pytest-httpserver: the wire, signatures, errors, retries."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sae_job import (
    ApplicationNotFoundError,
    AsyncSaeJobClient,
    AuthenticationError,
    ConfigMapEnv,
    Credentials,
    CredentialsNotFoundError,
    Env,
    InvalidParameterError,
    JobForbidPolicyError,
    JobRefusedError,
    JobSuspendError,
    Launch,
    RetryPolicy,
    SaeError,
    SaeJobClient,
    ServerError,
    ThrottlingError,
    TransportError,
    UnexpectedResponseError,
    UserInDebtError,
)
from sae_job.emulator.auth import AuthFailure, NonceCache
from sae_job.emulator.werkzeug_harness import verify_werkzeug
from tests.conftest import PATH

SECRET = "CANARY-SECRET-7f3a"
TOKEN = "CANARY-TOKEN-91bd"
KEY_ID = "LTAI-test-key"
NO_TOKEN = Credentials(KEY_ID, SECRET)
WITH_TOKEN = Credentials(KEY_ID, SECRET, TOKEN)
FAST = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0)


def ok_body(
    job_id: str = "manual-3db7a8fa-5d40-4edc-92e4-49d50eab0001",
) -> dict[str, Any]:
    return {
        "RequestId": "67DD9A98-9CCC-5BE8-8C9E-B45E72F40001",
        "Message": "success",
        "TraceId": "0b87b7e716575071334387401e0001",
        "Data": {"Data": job_id, "Msg": "success", "Success": "true", "Code": "200"},
        "ErrorCode": "",
        "Code": "200",
        "Success": True,
    }


def error_body(code: str, message: str = "it failed") -> dict[str, Any]:
    return {
        "RequestId": "REQ-ERR-1",
        "Code": code,
        "Message": message,
        "HostId": "sae",
        "Success": False,
    }


class Recorder:
    """A pytest-httpserver handler: verifies each request's signature, then answers from a script."""

    def __init__(
        self,
        credentials: Credentials,
        answers: list[Callable[[Request], Response]] | None = None,
    ):
        self.credentials = credentials
        self.answers = answers or []
        self.requests: list[Request] = []
        self.nonces = NonceCache()

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        try:
            verify_werkzeug(
                request,
                {self.credentials.access_key_id: self.credentials},
                nonces=self.nonces,
            )
        except AuthFailure as failure:
            return Response(json.dumps(error_body(failure.code, failure.message)), failure.status)
        answer = self.answers.pop(0) if self.answers else json_answer(ok_body())
        return answer(request)

    def params(self, index: int = -1) -> dict[str, str]:
        return dict(parse_qsl(self.requests[index].query_string.decode(), keep_blank_values=True))


def json_answer(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Any:
    return lambda _request: Response(
        json.dumps(body), status, headers=headers, content_type="application/json"
    )


@pytest.fixture
def serve(httpserver: HTTPServer) -> Callable[..., Recorder]:
    def start(credentials: Credentials = NO_TOKEN, answers: list[Any] | None = None) -> Recorder:
        recorder = Recorder(credentials, answers)
        httpserver.expect_request(PATH, method="GET").respond_with_handler(recorder)
        return recorder

    return start


@pytest.fixture
def client(httpserver: HTTPServer) -> Iterator[SaeJobClient]:
    with SaeJobClient(endpoint=httpserver.url_for("/"), credentials=NO_TOKEN, retry=FAST) as made:
        yield made


SPECIALS = "a b+c*d~e&f=g%h#i?j/k'l\"m\\n é世\nnew line"


@pytest.mark.parametrize("version", ["v3", "v2"])
@pytest.mark.parametrize("credentials", [NO_TOKEN, WITH_TOKEN], ids=["ak", "sts"])
def test_every_parameter_arrives_decoded_exactly_and_the_signature_verifies(
    httpserver: HTTPServer,
    serve: Callable[..., Recorder],
    version: str,
    credentials: Credentials,
) -> None:
    recorder = serve(credentials)
    with SaeJobClient(
        endpoint=httpserver.url_for("/"),
        credentials=credentials,
        signature_version=version,
    ) as c:
        launch = c.exec_job(
            "ee1a7a07-abcb-4652-a1d3-2d57f4150001",
            command=["echo", SPECIALS, ">", "file0"],
            envs=[
                Env("PLAIN", SPECIALS),
                ConfigMapEnv("DB", 123, "db host"),
                ConfigMapEnv.all("cm", 9),
            ],
            event_id="evt-" + version,
            replicas=3,
            jar_start_options="-Xms4G -Xmx4G",
            jar_start_args=SPECIALS,
            war_start_options='CATALINA_OPTS="$CATALINA_OPTS $Options" catalina.sh run',
        )
    assert launch == Launch(
        "manual-3db7a8fa-5d40-4edc-92e4-49d50eab0001",
        "67DD9A98-9CCC-5BE8-8C9E-B45E72F40001",
        "0b87b7e716575071334387401e0001",
        "evt-" + version,
        "ee1a7a07-abcb-4652-a1d3-2d57f4150001",
        1,
    )
    sent = recorder.params()
    assert sent["Command"] == "echo"
    assert json.loads(sent["CommandArgs"]) == [SPECIALS, ">", "file0"]
    assert json.loads(sent["Envs"])[0] == {"name": "PLAIN", "value": SPECIALS}
    assert sent["JarStartArgs"] == SPECIALS
    assert sent["Replicas"] == "3"
    headers = recorder.requests[0].headers
    assert (headers.get("x-acs-security-token") == TOKEN) is (credentials.security_token is not None)
    auth = headers["Authorization"]
    assert auth.startswith("ACS3-HMAC-SHA256 Credential=" if version == "v3" else f"acs {KEY_ID}:")


def test_a_space_goes_out_as_plus_and_is_signed_as_a_space(
    client: SaeJobClient, serve: Callable[..., Recorder]
) -> None:
    recorder = serve()
    client.exec_job("app", command="echo", args=["a b"])
    assert b"a+b" in recorder.requests[0].query_string  # httpx's form; the verifier above accepted it


def test_a_tampered_request_is_refused_by_the_verifier(
    httpserver: HTTPServer, serve: Callable[..., Recorder]
) -> None:
    serve(Credentials(KEY_ID, "another-secret"))
    with (
        SaeJobClient(endpoint=httpserver.url_for("/"), credentials=NO_TOKEN) as c,
        pytest.raises(AuthenticationError) as caught,
    ):
        c.exec_job("app")
    assert caught.value.code == "SignatureDoesNotMatch"
    assert caught.value.request_id == "REQ-ERR-1"


ERRORS: list[tuple[str, int, type[SaeError]]] = [
    ("InvalidApplication.NotFound", 400, ApplicationNotFoundError),
    ("JobForbidPolicy", 400, JobForbidPolicyError),
    ("JobSuspend", 400, JobSuspendError),
    ("user.indebt", 400, UserInDebtError),
    ("SignatureDoesNotMatch", 400, AuthenticationError),
    ("IncompleteSignature", 400, AuthenticationError),
    ("InvalidAccessKeyId.NotFound", 404, AuthenticationError),
    ("InvalidSecurityToken.Expired", 400, AuthenticationError),
    ("Forbidden.RAM", 403, AuthenticationError),
    ("MissingAppId", 400, InvalidParameterError),
    ("InvalidParameter", 400, InvalidParameterError),
    ("Throttling.User", 400, ThrottlingError),
    ("Throttling.Api", 429, ThrottlingError),
    ("ServiceUnavailable", 503, ServerError),
    ("InternalError", 500, ServerError),
    ("Some.NewCode", 400, SaeError),
]


@pytest.mark.parametrize(("code", "status", "cls"), ERRORS, ids=[e[0] for e in ERRORS])
def test_each_error_code_raises_its_type(
    client: SaeJobClient,
    serve: Callable[..., Recorder],
    code: str,
    status: int,
    cls: type[SaeError],
) -> None:
    serve(answers=[json_answer(error_body(code, "The message."), status)] * 3)
    with pytest.raises(SaeError) as caught:
        client.exec_job("app")
    error = caught.value
    assert type(error) is cls
    assert (error.code, error.message, error.request_id, error.status_code) == (
        code,
        "The message.",
        "REQ-ERR-1",
        status,
    )
    assert str(error) == f"{code}: The message. (request REQ-ERR-1)"
    assert error.event_id is not None


def test_the_four_documented_refusals_share_a_base() -> None:
    for cls in (
        ApplicationNotFoundError,
        JobForbidPolicyError,
        JobSuspendError,
        UserInDebtError,
    ):
        assert issubclass(cls, JobRefusedError)


def test_a_200_whose_data_success_is_false_is_an_error(
    client: SaeJobClient, serve: Callable[..., Recorder]
) -> None:
    body = ok_body()
    body["Data"] = {
        "Data": "",
        "Msg": "template is suspended",
        "Success": "false",
        "Code": "JobSuspend",
    }
    serve(answers=[json_answer(body)])
    with pytest.raises(JobSuspendError, match="template is suspended"):
        client.exec_job("app")


@pytest.mark.parametrize("body", [b"<html>proxy error</html>", b'{"no": "request id"}', b"[]"])
def test_an_answer_outside_the_spec_is_unexpected_not_a_crash(
    client: SaeJobClient, serve: Callable[..., Recorder], body: bytes
) -> None:
    serve(answers=[lambda _r: Response(body, 200, content_type="application/json")])
    with pytest.raises(UnexpectedResponseError) as caught:
        client.exec_job("app", event_id="evt-9")
    assert caught.value.status_code == 200 and caught.value.event_id == "evt-9"


def test_a_503_then_a_200_retries_with_the_same_event_id_and_a_new_nonce(
    client: SaeJobClient, serve: Callable[..., Recorder]
) -> None:
    recorder = serve(answers=[json_answer(error_body("ServiceUnavailable"), 503)])
    launch = client.exec_job("app")
    assert launch.attempts == 2
    first, second = recorder.requests
    assert recorder.params(0)["EventId"] == recorder.params(1)["EventId"] == launch.event_id
    assert first.headers["x-acs-signature-nonce"] != second.headers["x-acs-signature-nonce"]


def test_a_400_is_never_retried(client: SaeJobClient, serve: Callable[..., Recorder]) -> None:
    recorder = serve(answers=[json_answer(error_body("JobSuspend"), 400)] * 3)
    with pytest.raises(JobSuspendError):
        client.exec_job("app")
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("code", ["SignatureNonceUsed", "InvalidTimeStamp.Expired"])
def test_nonce_and_clock_errors_are_signed_afresh_and_retried(
    client: SaeJobClient, serve: Callable[..., Recorder], code: str
) -> None:
    recorder = serve(answers=[json_answer(error_body(code), 400)])
    assert client.exec_job("app").attempts == 2
    assert len({r.headers["x-acs-signature-nonce"] for r in recorder.requests}) == 2


def test_throttling_waits_at_least_retry_after(
    httpserver: HTTPServer, serve: Callable[..., Recorder]
) -> None:
    serve(answers=[json_answer(error_body("Throttling.User"), 400, {"x-acs-retry-after": "2000"})])
    waits: list[float] = []
    with SaeJobClient(
        endpoint=httpserver.url_for("/"),
        credentials=NO_TOKEN,
        retry=FAST,
        sleep=waits.append,
    ) as c:
        assert c.exec_job("app").attempts == 2
    assert waits == [2.0]


def test_a_retry_after_beyond_the_policy_is_raised_not_waited(
    client: SaeJobClient, serve: Callable[..., Recorder]
) -> None:
    recorder = serve(
        answers=[json_answer(error_body("Throttling.User"), 400, {"x-acs-retry-after": "3600000"})]
    )
    with pytest.raises(ThrottlingError) as caught:
        client.exec_job("app")
    assert caught.value.retry_after == 3600.0
    assert len(recorder.requests) == 1


def test_retries_stop_at_max_attempts_and_raise_the_last_error(
    client: SaeJobClient, serve: Callable[..., Recorder]
) -> None:
    recorder = serve(answers=[json_answer(error_body("InternalError"), 500)] * 5)
    with pytest.raises(ServerError):
        client.exec_job("app")
    assert len(recorder.requests) == 3


def test_backoff_is_exponential_with_full_jitter() -> None:
    caps: list[float] = []
    policy = RetryPolicy(
        max_attempts=5,
        base_delay=0.5,
        max_delay=3.0,
        jitter=lambda cap: caps.append(cap) or cap,
    )
    error = ServerError("ServiceUnavailable", "down")
    assert [policy.delay_before(n, error) for n in (1, 2, 3, 4, 5)] == [
        0.5,
        1.0,
        2.0,
        3.0,
        None,
    ]
    assert caps == [0.5, 1.0, 2.0, 3.0]
    assert policy.delay_before(1, JobSuspendError("JobSuspend", "x")) is None


class DropFirstAnswer(httpx.BaseTransport):
    """Sends every request, but loses the first answer, as a connection reset after the server acted."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.dropped = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not self.dropped:
            self.dropped = True
            response.read()
            response.close()
            raise httpx.ReadError("connection reset by peer")
        return response


def test_a_dropped_answer_then_a_200_returns_the_first_job(
    httpserver: HTTPServer, serve: Callable[..., Recorder]
) -> None:
    jobs: dict[str, str] = {}

    def idempotent(request: Request) -> Response:
        event = dict(parse_qsl(request.query_string.decode()))["EventId"]
        job = jobs.setdefault(event, f"manual-{len(jobs) + 1}")
        return Response(json.dumps(ok_body(job)), 200, content_type="application/json")

    recorder = serve(answers=[idempotent, idempotent])
    transport = DropFirstAnswer()
    with SaeJobClient(
        endpoint=httpserver.url_for("/"),
        credentials=NO_TOKEN,
        retry=FAST,
        transport=transport,
    ) as c:
        launch = c.exec_job("app")
    assert launch.job_id == "manual-1" and launch.attempts == 2
    assert len(recorder.requests) == 2 and len(jobs) == 1


def test_no_answer_at_all_raises_transport_error_with_the_cause() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with (
        SaeJobClient(
            endpoint="http://127.0.0.1:9",
            credentials=NO_TOKEN,
            retry=FAST,
            transport=httpx.MockTransport(refuse),
        ) as c,
        pytest.raises(TransportError) as caught,
    ):
        c.exec_job("app", event_id="evt-lost")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.event_id == "evt-lost" and caught.value.attempts == 3
    assert "evt-lost" in str(caught.value)


def test_bad_arguments_send_nothing(client: SaeJobClient, serve: Callable[..., Recorder]) -> None:
    recorder = serve()
    for kwargs in (
        {"command": []},
        {"replicas": 0},
        {"envs": {"A=B": "1"}},
        {"envs": {"BIG": "x" * 9000}},
    ):
        with pytest.raises((TypeError, ValueError)):
            client.exec_job("app", **kwargs)
    with pytest.raises(ValueError):
        client.exec_job("")
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"endpoint": "not a url"}, "not an http(s) URL"),
        ({"endpoint": "ftp://127.0.0.1"}, "not an http(s) URL"),
        ({"endpoint": "http://sae.cn-hangzhou.aliyuncs.com"}, "plain http"),
        ({"endpoint": "http://10.0.0.8:8080"}, "plain http"),
        ({"endpoint": "https://user:pw@example.com"}, "user info"),
        ({"endpoint": "http://127.0.0.1:8080?"}, "query"),  # httpx would send the '?' and a second one
        ({"endpoint": "http://127.0.0.1:8080/#"}, "fragment"),
        ({"endpoint": "http://127.0.0.1:99999"}, "port 99999"),
        ({"region": "cn-hangzhou", "timeout": float("inf")}, "timeout"),
        ({"region": "cn-hangzhou", "deadline": float("nan")}, "deadline"),
        ({"region": "Hangzhou"}, "not a region ID"),
        ({"region": "cn-hangzhou", "signature_version": "v4"}, "signature_version"),
        ({"region": "cn-hangzhou", "timeout": 0}, "timeout"),
        ({"region": "cn-hangzhou", "max_attempts": 0}, "max_attempts"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace(")", r"\)")):
        SaeJobClient(credentials=NO_TOKEN, **settings)


def test_a_wait_argument_wait_for_job_does_not_take_is_refused_before_anything_is_sent(
    client: SaeJobClient,
) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'timout'"):
        client.wait_for_job("app", "manual-1", timout=5)  # type: ignore[call-arg]


def test_endpoints() -> None:
    def endpoint(**kwargs: Any) -> str:
        return SaeJobClient(credentials=NO_TOKEN, **kwargs).endpoint

    assert endpoint(region="cn-hangzhou") == "https://sae.cn-hangzhou.aliyuncs.com"
    assert endpoint(region="cn-shanghai", vpc=True) == "https://sae-vpc.cn-shanghai.aliyuncs.com"
    assert endpoint(region="cn-hangzhou", endpoint="http://[::1]:8080/") == "http://[::1]:8080"
    assert endpoint(endpoint="http://localhost:1") == "http://localhost:1"


def test_region_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "cn-beijing")
    assert SaeJobClient(credentials=NO_TOKEN).endpoint == "https://sae.cn-beijing.aliyuncs.com"
    monkeypatch.delenv("ALIBABA_CLOUD_REGION_ID")
    with pytest.raises(ValueError, match="no region"):
        SaeJobClient(credentials=NO_TOKEN)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        "ALIBABA_CLOUD_PROFILE",
        "ALIBABA_CLOUD_CONFIG_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_default_chain_from_the_environment(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    serve: Callable[..., Recorder],
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN)
    serve(WITH_TOKEN)
    with SaeJobClient(endpoint=httpserver.url_for("/")) as c:
        assert c.exec_job("app").job_id.startswith("manual-")


def test_default_chain_from_the_cli_config_file(
    clean_env: Path, httpserver: HTTPServer, serve: Callable[..., Recorder]
) -> None:
    config = {
        "current": "default",
        "profiles": [
            {
                "name": "default",
                "mode": "AK",
                "access_key_id": "other",
                "access_key_secret": "other-secret",
            },
            {
                "name": "ci",
                "mode": "StsToken",
                "access_key_id": KEY_ID,
                "access_key_secret": SECRET,
                "sts_token": TOKEN,
            },
        ],
    }
    (clean_env / ".aliyun").mkdir()
    (clean_env / ".aliyun" / "config.json").write_text(json.dumps(config))
    serve(WITH_TOKEN)
    with SaeJobClient(endpoint=httpserver.url_for("/"), profile="ci") as c:
        assert c.exec_job("app").job_id.startswith("manual-")


def test_no_credentials_anywhere_says_what_was_tried(clean_env: Path) -> None:
    with pytest.raises(CredentialsNotFoundError) as caught:
        SaeJobClient(region="cn-hangzhou")
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in str(caught.value)
    assert "config.json" in str(caught.value)


def test_secrets_appear_in_nothing_printed_logged_or_raised(
    httpserver: HTTPServer,
    serve: Callable[..., Recorder],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = [
        json_answer(error_body("ServiceUnavailable"), 503),
        json_answer(ok_body()),
        json_answer(error_body("JobSuspend"), 400),
    ]
    serve(WITH_TOKEN, answers)
    shown: list[str] = []
    with SaeJobClient(endpoint=httpserver.url_for("/"), credentials=WITH_TOKEN, retry=FAST) as c:
        shown += [
            repr(c),
            str(c),
            repr(c.auth),
            repr(WITH_TOKEN),
            str(WITH_TOKEN),
            repr(c.retry),
        ]
        launch = c.exec_job("app", command=["echo", "hi"])
        shown += [repr(launch)]
        with pytest.raises(SaeError) as caught:
            c.exec_job("app")
        shown += [str(caught.value), repr(caught.value), repr(caught.value.__dict__)]
    shown += [record.getMessage() for record in caplog.records]
    assert any("string to sign" in line for line in shown), "DEBUG signing logs expected"
    assert any("retrying" in line for line in shown), "a retry log expected"
    for text in shown:
        assert SECRET not in text and TOKEN not in text, text


def test_the_async_client_behaves_the_same(httpserver: HTTPServer, serve: Callable[..., Recorder]) -> None:
    recorder = serve(
        WITH_TOKEN,
        [
            json_answer(error_body("ServiceUnavailable"), 503),
            json_answer(ok_body()),
            json_answer(error_body("JobSuspend"), 400),
        ],
    )

    async def main() -> tuple[Launch, BaseException]:
        async with AsyncSaeJobClient(
            endpoint=httpserver.url_for("/"),
            credentials=WITH_TOKEN,
            signature_version="v2",
            retry=FAST,
        ) as c:
            launch = await c.exec_job("app", command=["echo", SPECIALS], envs={"A": "1"}, replicas=2)
            try:
                await c.exec_job("app")
            except SaeError as error:
                return launch, error
        raise AssertionError("the second call should have failed")

    launch, error = asyncio.run(main())
    assert launch.attempts == 2
    assert recorder.params(0)["EventId"] == recorder.params(1)["EventId"] == launch.event_id
    assert json.loads(recorder.params(1)["CommandArgs"]) == [SPECIALS]
    assert isinstance(error, JobSuspendError)
    assert len(recorder.requests) == 3
