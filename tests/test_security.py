"""Secrets never shown, forgeries and replays refused, signatures compared in constant time, TLS verified.

A canary AccessKey secret and STS token go through every path with DEBUG logging on (the root logger,
httpx, httpcore, sae_job, the emulator): success, each error type, retries, ``sae-job exec --dry-run``
and ``--verbose``, and the ``repr`` of every public object. Neither value, nor its percent-encoded,
base64 or hex form, nor a long slice of it, may appear in anything printed, logged or raised (str, repr
and args of an exception and of its whole cause chain; a log record's message, args and traceback).
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import inspect
import json
import logging
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

import sae_job
from sae_job import (
    AsyncSaeJobClient,
    ConfigMapEnv,
    Credentials,
    CredentialsError,
    Env,
    JobRequest,
    JobSuspendError,
    RetryPolicy,
    SaeJobClient,
    SaeJobError,
    TransportError,
    UnexpectedResponseError,
)
from sae_job.credentials import CredentialClientProvider
from sae_job.emulator import (
    EmulatorConfig,
    Faults,
    NonceCache,
    Request,
    RunningEmulator,
    Template,
    serve,
    verify_request,
)
from sae_job.signing import AcsV3Auth, RoaV2Auth
from tests.conftest import ROOT

SECRET = "CANARYsecretQ7w3Ez9Rt1Yu5Io8Pa2S"
TOKEN = "CANARYtokenCAIS+/=Lk4Jh6Gf0Ds3Az7X"
AK = Credentials("AKID-SECURITY", SECRET)
STS = Credentials("STS.SECURITY", SECRET, TOKEN)
OTHER = Credentials("AKID-OTHER", "another-secret-0123456789")
ALLOW = Template("app-allow", run_seconds=0)
FORBID = Template("app-forbid", concurrency_policy="Forbid", run_seconds=3600)
SUSPENDED = Template("app-suspended", suspended=True)
CONFIG = EmulatorConfig([AK, STS, OTHER], [ALLOW, FORBID, SUSPENDED])  # what `running` serves here
FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002, max_retry_after=1)


def forms(value: str) -> list[str]:
    """The ways a value could leak: as is, percent-encoded, base64, hex, or a 16-character slice."""
    raw = value.encode()
    return [
        value,
        quote(value, safe=""),
        base64.b64encode(raw).decode(),
        raw.hex(),
        value[6:22],
    ]


CANARIES = forms(SECRET) + forms(TOKEN)


class Watch:
    """Everything shown: texts added by hand, exceptions with their causes, log records."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def show(self, *objects: object) -> None:
        for obj in objects:
            self.texts += [repr(obj), str(obj)]

    def exception(self, error: BaseException) -> None:
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            self.texts += [str(current), repr(current), repr(current.args), repr(vars(current))]
            current = current.__cause__ or current.__context__

    def records(self, records: list[logging.LogRecord]) -> None:
        formatter = logging.Formatter()
        for record in records:
            self.texts += [record.getMessage(), repr(record.args)]
            if record.exc_info:
                self.texts.append(formatter.formatException(record.exc_info))

    def assert_clean(self) -> None:
        assert self.texts, "nothing was watched"
        for text in self.texts:
            for canary in CANARIES:
                assert canary not in text, f"{canary!r} shown in: {text[:500]}"


@pytest.fixture
def watch(caplog: pytest.LogCaptureFixture) -> Iterator[Watch]:
    """DEBUG on for every logger that could see a request; the records are checked at the end."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "sae_job", "sae_job.signing", "sae_job.emulator"):
        caplog.set_level(logging.DEBUG, logger=name)
    watched = Watch()
    yield watched
    records = caplog.get_records("setup") + caplog.get_records("call")
    watched.records(records)
    assert any("string to sign" in record.getMessage() for record in records)
    watched.assert_clean()


def raised(watch: Watch, call: Any, *args: Any, **kwargs: Any) -> BaseException:
    try:
        call(*args, **kwargs)
    except BaseException as error:  # every error is watched, whatever its type
        watch.exception(error)
        return error
    raise AssertionError("the call should have failed")


# --- the client: success, every error, retries, repr ---------------------------------------------


@pytest.mark.parametrize("version", ["v3", "v2"])
@pytest.mark.parametrize("credentials", [AK, STS], ids=["ak", "sts"])
def test_no_secret_on_any_path_of_the_sync_client(
    running: RunningEmulator, watch: Watch, version: str, credentials: Credentials
) -> None:
    arguments: dict[str, Any] = {
        "command": ["echo", "a b"],
        "envs": [Env("K", "v"), ConfigMapEnv("C", 7, "k")],
        "replicas": 2,
        "time": datetime(2026, 1, 2, tzinfo=UTC),
    }
    with running.new_client(credentials=credentials, signature_version=version, retry=FAST) as client:
        launch = client.exec_job(ALLOW.app_id, **arguments)
        dry = client.explain_exec_job(ALLOW.app_id, **arguments)
        watch.show(client, client.auth, client.retry, credentials, launch, dry, *vars_of(dry))
        watch.show(
            client.auth.explain(
                httpx.Request("GET", running.url + "/pop/v1/sam/job/describeJobStatus?AppId=x")
            )
        )  # type: ignore[attr-defined]
        # Each error the emulator can answer, and the client's own.
        client.exec_job(FORBID.app_id)
        kinds = [
            raised(watch, client.exec_job, "app-absent"),  # ApplicationNotFoundError
            raised(watch, client.exec_job, FORBID.app_id),  # JobForbidPolicyError
            raised(watch, client.exec_job, SUSPENDED.app_id),  # JobSuspendError
        ]
        for faults in (
            Faults(error_503=1.0),
            Faults(throttle=1.0, retry_after=0.001),
            Faults(drop_after_commit=1),
        ):
            running.emulator.set_faults(
                faults
            )  # ServerError, ThrottlingError, TransportError, each after retries
            kinds.append(raised(watch, client.exec_job, ALLOW.app_id))
        running.emulator.set_faults(
            Faults(drop_after_commit=0.3, error_503=0.2, throttle=0.2, retry_after=0.001)
        )
        for _ in range(10):  # retries that end well or not: the INFO retry log
            try:
                watch.show(client.exec_job(ALLOW.app_id))
            except SaeJobError as error:
                watch.exception(error)
        running.emulator.set_faults(None)
        results = client.exec_jobs([JobRequest(ALLOW.app_id, envs={"A": "1"}), JobRequest("app-absent")])
        watch.show(*results, JobRequest(ALLOW.app_id))
    wrong = Credentials(credentials.access_key_id, "not-" + SECRET[::-1], credentials.security_token)
    with running.new_client(credentials=wrong, signature_version=version, max_attempts=1) as client:
        kinds.append(raised(watch, client.exec_job, ALLOW.app_id))  # SignatureDoesNotMatch
    with running.new_client(credentials=Credentials("AKID-NONE", SECRET, TOKEN), max_attempts=1) as client:
        kinds.append(raised(watch, client.exec_job, ALLOW.app_id))  # InvalidAccessKeyId.NotFound
    if credentials.security_token:
        forged = Credentials(STS.access_key_id, SECRET, TOKEN[::-1])
        with running.new_client(credentials=forged, signature_version=version, max_attempts=1) as client:
            kinds.append(raised(watch, client.exec_job, ALLOW.app_id))  # InvalidSecurityToken.Mismatch...
    assert {type(error).__name__ for error in kinds} >= {
        "ApplicationNotFoundError",
        "JobForbidPolicyError",
        "JobSuspendError",
        "ServerError",
        "ThrottlingError",
        "TransportError",
        "AuthenticationError",
    }


def vars_of(obj: Any) -> list[Any]:
    return [getattr(obj, name) for name in getattr(obj, "__slots__", ())]


def test_no_secret_on_the_async_client(running: RunningEmulator, watch: Watch) -> None:
    async def main() -> None:
        async with AsyncSaeJobClient(
            endpoint=running.url, credentials=STS, signature_version="v2", retry=FAST
        ) as client:
            watch.show(client, client.auth, await client.exec_job(ALLOW.app_id, envs={"A": "1"}))
            with pytest.raises(JobSuspendError) as suspended:
                await client.exec_job(SUSPENDED.app_id)
            watch.exception(suspended.value)
            running.emulator.set_faults(Faults(drop_after_commit=1.0))  # every answer lost: retries run out
            with pytest.raises(TransportError) as lost:
                await client.exec_job(ALLOW.app_id)
            watch.exception(lost.value)
            running.emulator.set_faults(None)

    asyncio.run(main())


class CredentialClient:
    """A third-party credential client (as alibabacloud_credentials'), here handing out bad values."""

    def __init__(self, secret: str, token: str | None) -> None:
        self.secret, self.token = secret, token

    def get_credential(self) -> Any:
        return type(
            "Model",
            (),
            {"access_key_id": "AKID-X", "access_key_secret": self.secret, "security_token": self.token},
        )()

    def __repr__(self) -> str:  # a careless third party: its repr shows its secret
        return f"CredentialClient(secret={self.secret!r})"


def test_no_secret_from_errors_the_client_raises_itself(watch: Watch) -> None:
    provider = CredentialClientProvider(CredentialClient(SECRET + "\n", TOKEN))
    watch.show(provider)
    with SaeJobClient(
        endpoint="http://127.0.0.1:9", credentials=CredentialClient(SECRET + " ", TOKEN)
    ) as client:
        watch.show(client, client.auth)
        error = raised(watch, client.exec_job, "app")
    assert isinstance(error, CredentialsError)
    answers = httpx.MockTransport(lambda request: httpx.Response(502, text="<html>Bad Gateway</html>"))
    with SaeJobClient(
        endpoint="https://sae.example", credentials=STS, transport=answers, retry=FAST
    ) as client:
        watch.show(client.explain_exec_job("app"))
        error = raised(watch, client.exec_job, "app")
    answers = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>proxy</html>"))
    with SaeJobClient(endpoint="https://sae.example", credentials=STS, transport=answers) as client:
        assert isinstance(raised(watch, client.exec_job, "app"), UnexpectedResponseError)
    for bad in (SECRET + "\n", " " + SECRET, SECRET.replace("Q", "\t")):
        raised(watch, Credentials, "AKID", bad)
        raised(watch, Credentials, "AKID", SECRET, bad.replace(SECRET, TOKEN))
    logging.getLogger("sae_job.signing").debug("string to sign")  # the fixture wants one, even here


def test_the_repr_of_every_public_object(running: RunningEmulator, watch: Watch) -> None:
    with running.new_client(credentials=STS) as client:
        launch = client.exec_job(ALLOW.app_id)
        request = next(
            client.auth.auth_flow(httpx.Request("GET", running.url + "/pop/v1/sam/job/execJob?AppId=a"))
        )
    emulator_request = Request.from_target(
        request.method, request.url.raw_path.decode(), request.headers.multi_items(), request.content
    )
    caller = verify_request(
        method=emulator_request.method,
        path=emulator_request.path,
        query=emulator_request.query,
        headers=emulator_request.headers,
        body=b"",
        credentials={STS.access_key_id: STS},
        now=datetime.now(UTC),
    )
    objects: list[Any] = [
        STS,
        AK,
        AcsV3Auth(STS, action="ExecJob", version="v"),
        RoaV2Auth(STS, action="ExecJob", version="v"),
        CredentialClientProvider(CredentialClient(SECRET, TOKEN)),
        FAST,
        launch,
        CONFIG,
        CONFIG.with_faults(Faults(throttle=0.5)),
        running,
        running.emulator,
        running.emulator.faults,
        running.emulator.stats(),
        running.emulator.jobs(),
        NonceCache(),
        caller,
        emulator_request,
        JobRequest(ALLOW.app_id, envs={"A": "1"}),
    ]
    with SaeJobClient(endpoint=running.url, credentials=STS) as client:
        objects += [client, client.auth, client.explain_exec_job(ALLOW.app_id)]
    objects.append(asyncio.run(async_client_repr(running)))
    errors = [getattr(sae_job, name) for name in sae_job.__all__ if name.endswith("Error")]
    for cls in errors:
        objects.append(make_error(cls))
    watch.show(*objects)
    assert TOKEN in str(request.headers)  # the canary is live: the signed request does carry it
    logging.getLogger("sae_job.signing").debug("string to sign")


async def async_client_repr(running: RunningEmulator) -> str:
    async with AsyncSaeJobClient(endpoint=running.url, credentials=STS) as client:
        return f"{client!r} {client.auth!r}"


def make_error(cls: type[BaseException]) -> BaseException:
    parameters = inspect.signature(cls.__init__).parameters
    if "code" in parameters:
        return cls("Code", "message", request_id="R")  # type: ignore[call-arg]
    if "status_code" in parameters:
        return cls("message", status_code=500, body=b"body")  # type: ignore[call-arg]
    if "problem" in parameters:
        return cls("parameter", "problem")  # type: ignore[call-arg]
    return cls("message")


# --- the command line ------------------------------------------------------------------------------


def sae_job_exec(
    running: RunningEmulator, *args: str, token: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("ALIBABA_CLOUD_")}
    credentials = STS if token else AK
    env.update(
        ALIBABA_CLOUD_ACCESS_KEY_ID=credentials.access_key_id,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET,
        HOME=str(ROOT / "tests"),  # no aliyun CLI profile to fall back on
    )
    if token:
        env["ALIBABA_CLOUD_SECURITY_TOKEN"] = TOKEN
    return subprocess.run(
        [sys.executable, "-m", "sae_job.cli", "exec", "--endpoint", running.url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_no_secret_from_the_command_line(running: RunningEmulator, version: str) -> None:
    runs = [
        sae_job_exec(running, ALLOW.app_id, "--dry-run", "--signature-version", version, "--", "echo", "hi"),
        sae_job_exec(running, ALLOW.app_id, "--verbose", "--signature-version", version, "--env", "A=1"),
        sae_job_exec(running, ALLOW.app_id, "--json", "--signature-version", version),
        sae_job_exec(running, SUSPENDED.app_id, "--verbose", "--signature-version", version),
        sae_job_exec(running, "app-absent", "--signature-version", version, token=False),
    ]
    running.emulator.set_faults(Faults(drop_after_commit=1.0))
    runs.append(sae_job_exec(running, ALLOW.app_id, "--verbose", "--max-attempts", "2"))
    running.emulator.set_faults(Faults(throttle=0.5, error_503=0.3, retry_after=0, seed=1))
    runs.append(sae_job_exec(running, ALLOW.app_id, "--verbose", "--max-attempts", "6"))
    assert [run.returncode for run in runs[:5]] == [0, 0, 0, 3, 3]
    assert runs[5].returncode == 6 and "Traceback" in runs[5].stderr  # --verbose shows the traceback
    assert "string to sign" in runs[0].stdout and "<redacted>" in runs[0].stdout  # the token, redacted
    assert "DEBUG" in runs[1].stderr and "string to sign" in runs[1].stderr
    assert "retrying" in runs[6].stderr
    watched = Watch()
    for run in runs:
        watched.texts += [run.stdout, run.stderr]
    watched.assert_clean()


# --- the emulator: forgeries, replays, stale dates, over HTTP ---------------------------------------


def signed(url: str, *, credentials: Credentials = STS, clock: datetime | None = None) -> httpx.Request:
    signer = AcsV3Auth(
        credentials,
        action="ExecJob",
        version="2019-05-06",
        **({"clock": lambda: clock} if clock is not None else {}),
    )
    params = {"AppId": ALLOW.app_id, "EventId": "evt-forged", "Command": "echo"}
    return next(signer.auth_flow(httpx.Request("GET", url + "/pop/v1/sam/job/execJob", params=params)))


def send(request: httpx.Request, *, method: str | None = None, target: str | None = None) -> httpx.Response:
    """Send ``request`` as it is (no signing), with its method or request target changed if asked."""
    with httpx.Client() as client:
        raw = httpx.Request(
            method or request.method,
            request.url.copy_with(raw_path=target.encode()) if target else request.url,
            headers=request.headers,
        )
        return client.send(raw)


def test_forgeries_over_http_are_refused_and_start_nothing(running: RunningEmulator) -> None:
    # The one-character property is tested on the verifier (test_emulator_auth.py); here, over the wire.
    request = signed(running.url)
    target = request.url.raw_path.decode()
    forgeries = [
        send(request, method="PUT"),
        send(request, target=target.replace("execJob", "execJoB")),
        send(request, target=target.replace("Command=echo", "Command=echp")),
        send(request, target=target.replace("AppId=", "AppID=")),
        send(request, target=target + "&Replicas=2"),
    ]
    header = next(n for n in ("x-acs-action", "x-acs-signature-nonce") if n in request.headers)
    changed = httpx.Request(
        request.method, request.url, headers={**request.headers, header: request.headers[header] + "x"}
    )
    forgeries.append(send(changed))
    codes = [answer.json()["Code"] for answer in forgeries]
    assert codes[0] == "InvalidAction.NotFound" and codes[1] == "InvalidAction.NotFound"  # routed first
    assert codes[2:] == ["SignatureDoesNotMatch"] * 4, codes
    assert running.emulator.jobs() == []
    assert send(request).status_code == 200  # the original still verifies: no forgery used up its nonce


def test_a_replay_and_a_stale_date_over_http_are_refused(running: RunningEmulator) -> None:
    request = signed(running.url)
    assert send(request).status_code == 200
    replay = send(request)
    assert (replay.status_code, replay.json()["Code"]) == (400, "SignatureNonceUsed")
    stale = send(signed(running.url, clock=datetime.now(UTC) - timedelta(minutes=16)))
    assert stale.json()["Code"] == "InvalidTimeStamp.Expired"
    future = send(signed(running.url, clock=datetime.now(UTC) + timedelta(minutes=16)))
    assert future.json()["Code"] == "InvalidTimeStamp.Expired"
    assert len(running.emulator.jobs()) == 1


def test_the_emulator_listens_on_loopback_by_default() -> None:
    from sae_job.emulator.cli import add_arguments

    parser = __import__("argparse").ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).host == "127.0.0.1"
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


# --- constant-time comparison ------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_signatures_and_tokens_are_compared_with_hmac_compare_digest(
    version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    signer = (AcsV3Auth if version == "v3" else RoaV2Auth)(STS, action="ExecJob", version="2019-05-06")
    request = next(
        signer.auth_flow(httpx.Request("GET", "https://sae.example/pop/v1/sam/job/execJob?AppId=a"))
    )
    fields = {
        "method": "GET",
        "path": request.url.path,
        "query": request.url.query.decode(),
        "headers": request.headers.multi_items(),
        "body": b"",
        "credentials": {STS.access_key_id: STS},
        "now": datetime.now(UTC),
    }
    verify_request(**fields)
    signature = request.headers["authorization"].rsplit("Signature=" if version == "v3" else ":", 1)[1]
    assert (TOKEN.encode(), TOKEN.encode()) in compared  # the token
    assert any(signature.encode() in pair for pair in compared)  # the signature
    # The verdict is compare_digest's: when it says no, a correct signature is refused.
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: False)
    with pytest.raises(Exception, match=r"InvalidSecurityToken|SignatureDoesNotMatch"):
        verify_request(**fields)


# --- TLS -------------------------------------------------------------------------------------------


def test_tls_verification_is_on_and_no_setting_turns_it_off() -> None:
    for cls in (SaeJobClient, AsyncSaeJobClient):
        names = set(inspect.signature(cls.__init__).parameters)
        assert not names & {"verify", "insecure", "ssl", "tls", "verify_ssl", "cert", "ssl_context"}, names
        with pytest.raises(TypeError):
            cls(region="cn-hangzhou", credentials=AK, verify=False)  # type: ignore[call-arg]
    with SaeJobClient(region="cn-hangzhou", credentials=AK) as client:
        context = client._http._transport._pool._ssl_context  # type: ignore[attr-defined]
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname

    async def async_transport() -> Any:
        async with AsyncSaeJobClient(region="cn-hangzhou", credentials=AK) as client:
            return client._http._transport

    transport = asyncio.run(async_transport())
    if transport.inner is None:  # httpcore's own pool
        context = transport._pool._ssl_context
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    else:  # sae-job[aiohttp]'s transport: verifying with httpx's default context unless given another
        assert transport.inner._verify is True


@pytest.fixture
def untrusted_tls_server(tmp_path: Path) -> Iterator[tuple[str, list[bytes]]]:
    """A TLS server on loopback with a self-signed certificate; what it received after a handshake."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(5)
                try:
                    with context.wrap_socket(connection, server_side=True) as tls:
                        received.append(tls.recv(65536))
                except (ssl.SSLError, OSError):
                    pass  # the client refused our certificate

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}", received
    stop.set()
    thread.join(timeout=5)
    listener.close()


def test_a_server_with_an_untrusted_certificate_gets_nothing(
    untrusted_tls_server: tuple[str, list[bytes]],
) -> None:
    url, received = untrusted_tls_server
    with (
        SaeJobClient(endpoint=url, credentials=STS, max_attempts=1) as client,
        pytest.raises(SaeJobError) as caught,
    ):
        client.exec_job(ALLOW.app_id)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)

    async def call() -> None:
        async with AsyncSaeJobClient(endpoint=url, credentials=STS, max_attempts=1) as client:
            await client.exec_job(ALLOW.app_id)

    with pytest.raises(SaeJobError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        asyncio.run(call())
    assert received == []  # no request, so no signature, token or parameter, went to it


def test_json_of_the_cli_is_the_launch_and_no_more(running: RunningEmulator) -> None:
    run = sae_job_exec(running, ALLOW.app_id, "--json")
    launch = {"job_id", "request_id", "trace_id", "event_id", "app_id", "trigger_time"}
    assert set(json.loads(run.stdout)) == launch
