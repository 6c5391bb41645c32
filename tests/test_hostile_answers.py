"""Answers an attacker or a broken network could send: each maps to a result or a typed error, within
the call's deadline and the answer cap, with no secret in anything the caller can reach."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from sae_job import (
    AsyncSaeJobClient,
    AuthenticationError,
    Credentials,
    JobRequest,
    Launch,
    RetryPolicy,
    SaeJobClient,
    SaeJobError,
    TransportError,
    UnexpectedResponseError,
)
from sae_job.transport import MAX_ANSWER_BYTES
from tests.conftest import SECRET, STS_KEY, TOKEN

ONE_TRY = RetryPolicy(max_attempts=1)
GOOD = json.dumps({"RequestId": "R", "Success": True, "Code": "200", "Data": {"Data": "manual-1"}}).encode()
Handler = Callable[[socket.socket], None]


def head(status: str = "200 OK", extra: str = "") -> bytes:
    # Connection: close: the server closes after each answer, so no client reuses a closed connection
    return f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\n{extra}".encode()


def answer(body: bytes, status: str = "200 OK", extra: str = "") -> Handler:
    def handle(conn: socket.socket) -> None:
        conn.sendall(head(status, extra) + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    return handle


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], str]]:
    """A loopback server that reads each request's head and lets ``handler`` write what it likes."""
    listeners: list[socket.socket] = []
    stop = threading.Event()

    def start(handler: Handler) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.2)
        listeners.append(listener)

        def run() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except OSError:
                    continue
                threading.Thread(target=one, args=(conn,), daemon=True).start()

        def one(conn: socket.socket) -> None:
            with conn:
                conn.settimeout(10)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                with contextlib.suppress(OSError):  # the client gave up: what these tests want
                    handler(conn)

        threading.Thread(target=run, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    stop.set()
    for listener in listeners:
        listener.close()


def client(url: str, **options: Any) -> SaeJobClient:
    options.setdefault("retry", ONE_TRY)
    return SaeJobClient(endpoint=url, credentials=options.pop("credentials", STS_KEY), **options)


def raised(url: str, **options: Any) -> SaeJobError:
    with client(url, **options) as sync, pytest.raises(SaeJobError) as caught:
        sync.exec_job("app", command="echo")
    return caught.value


async def araised(url: str, **options: Any) -> SaeJobError:
    options.setdefault("retry", ONE_TRY)
    async with AsyncSaeJobClient(endpoint=url, credentials=STS_KEY, **options) as async_client:
        with pytest.raises(SaeJobError) as caught:
            await async_client.exec_job("app", command="echo")
    return caught.value


# --- the deadline -----------------------------------------------------------------------------------


def drip(conn: socket.socket) -> None:
    conn.sendall(head() + b"Content-Length: 100000\r\n\r\n")
    for _ in range(60):
        conn.sendall(b" ")
        time.sleep(0.2)


def interim_forever(conn: socket.socket) -> None:
    for _ in range(300):
        conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n")
        time.sleep(0.05)


@pytest.mark.parametrize("handler", [drip, interim_forever], ids=["slow drip", "endless 103"])
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_no_server_holds_a_call_past_its_deadline(
    serve: Callable[[Handler], str], handler: Handler, flavour: str
) -> None:
    url = serve(handler)
    deadline = 0.8  # several drips and many 103s in: each read is quick, the call as a whole is not
    started = time.monotonic()
    if flavour == "sync":
        error = raised(url, timeout=30, deadline=deadline)
    else:
        error = asyncio.run(araised(url, timeout=30, deadline=deadline))
    elapsed = time.monotonic() - started
    assert isinstance(error, TransportError) and "deadline" in str(error)
    assert deadline - 0.1 <= elapsed < deadline + 0.5, elapsed


def test_no_retry_is_begun_that_would_end_past_the_deadline(serve: Callable[[Handler], str]) -> None:
    url = serve(answer(b'{"Code": "ServiceUnavailable", "Message": "m", "RequestId": "R"}', "503 x"))
    slow = RetryPolicy(max_attempts=5, base_delay=5, max_delay=5, jitter=lambda cap: cap)
    started = time.monotonic()
    error = raised(url, retry=slow, deadline=2)
    assert time.monotonic() - started < 1 and error.code == "ServiceUnavailable"  # type: ignore[attr-defined]


def hang_up(conn: socket.socket) -> None:
    conn.close()  # the request arrived; no answer


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_transport_error_says_whether_anything_may_have_reached_the_server(
    serve: Callable[[Handler], str], flavour: str
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: a connection is refused
        refused = f"http://127.0.0.1:{closed.getsockname()[1]}"
        reached = serve(hang_up)
        two_tries = RetryPolicy(max_attempts=2, base_delay=0.0)
        for url, sent in [(refused, False), (reached, True)]:
            if flavour == "sync":
                error = raised(url, retry=two_tries)
            else:
                error = asyncio.run(araised(url, retry=two_tries))
            assert isinstance(error, TransportError) and (error.sent, error.attempts) == (sent, 2), url


@pytest.mark.parametrize(
    ("setting", "value"),
    [("timeout", float("inf")), ("timeout", float("nan")), ("deadline", float("inf")), ("deadline", 0)],
)
def test_settings_that_are_not_positive_and_finite_are_refused_naming_them(
    setting: str, value: float
) -> None:
    with pytest.raises(ValueError, match=setting):
        SaeJobClient(endpoint="http://127.0.0.1:9", credentials=STS_KEY, **{setting: value})


@pytest.mark.parametrize("name", ["base_delay", "max_delay", "max_retry_after"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1])
def test_a_retry_policy_that_is_not_finite_is_refused_naming_the_setting(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=name):
        RetryPolicy(**{name: value})


# --- the cap ----------------------------------------------------------------------------------------


def endless_chunks(conn: socket.socket) -> None:
    conn.sendall(head(extra="Transfer-Encoding: chunked\r\n") + b"\r\n")
    chunk = b"a" * 65536
    for _ in range(200):  # 13 MB, far past the cap: the client stops reading long before
        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))


@pytest.mark.parametrize(
    "handler",
    [
        answer(b'{"RequestId": "' + b"x" * (MAX_ANSWER_BYTES + 10) + b'"}'),
        endless_chunks,
        answer(gzip.compress(b" " * 50_000_000), extra="Content-Encoding: gzip\r\n"),
    ],
    ids=["one large answer", "endless chunks", "gzip bomb"],
)
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_an_answer_past_the_cap_is_an_error_and_memory_stays_near_the_cap(
    serve: Callable[[Handler], str], handler: Handler, flavour: str
) -> None:
    url = serve(handler)
    # A first call imports what the client loads lazily (the async one aiohttp: megabytes, traced); warm
    # up untraced, so that the peak is the answer's whatever ran before (alone, or on an xdist worker).
    refused = serve(answer(b'{"Code": "ServiceUnavailable", "Message": "m", "RequestId": "R"}', "503 x"))
    raised(refused) if flavour == "sync" else asyncio.run(araised(refused))
    tracemalloc.start()
    try:
        error = raised(url, timeout=10) if flavour == "sync" else asyncio.run(araised(url, timeout=10))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, UnexpectedResponseError) and f"larger than {MAX_ANSWER_BYTES}" in str(error)
    assert peak < 6 * MAX_ANSWER_BYTES, peak


def test_a_gzipped_answer_within_the_cap_is_read(serve: Callable[[Handler], str]) -> None:
    url = serve(answer(gzip.compress(GOOD), extra="Content-Encoding: gzip\r\n"))
    with client(url) as sync:
        assert sync.exec_job("app").job_id == "manual-1"


@pytest.mark.parametrize(
    ("extra", "body", "says"),
    [
        ("Content-Encoding: gzip\r\n", b"not gzip at all", "gzip encoding is broken"),
        ("Content-Encoding: br\r\n", GOOD, "'br'"),
    ],
)
def test_an_answer_in_an_encoding_that_cannot_be_read_is_an_error(
    serve: Callable[[Handler], str], extra: str, body: bytes, says: str
) -> None:
    error = raised(serve(answer(body, extra=extra)))
    assert isinstance(error, UnexpectedResponseError) and says in str(error)


# --- any bytes, any JSON, any types ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "200 OK", "does not describe"),
        (b'{"Code": 42, "Message": "m", "RequestId": "R"}', "400 Bad", "Code is int"),
        (b'{"RequestId": "R", "Success": true, "Data": {"Data": 12345}}', "200 OK", "Data.Data is int"),
        (b'{"RequestId": "R", "Success": "false", "Data": {"Data": "manual-1"}}', "200 OK", "Success is str"),
        (b'{"RequestId": 7, "Success": true, "Data": {"Data": "manual-1"}}', "200 OK", "RequestId is int"),
        (b"\xff\xfe not json", "200 OK", "does not describe"),
    ],
    ids=[
        "nested 100k deep",
        "Code a number",
        "Data.Data a number",
        "Success a string",
        "RequestId a number",
        "not UTF-8",
    ],
)
def test_an_answer_of_the_wrong_shape_is_an_error_naming_what_is_wrong(
    serve: Callable[[Handler], str], body: bytes, status: str, says: str
) -> None:
    error = raised(serve(answer(body, status)))
    assert isinstance(error, UnexpectedResponseError) and says in str(error), str(error)


def test_an_error_answer_with_a_null_code_is_named_by_its_status(serve: Callable[[Handler], str]) -> None:
    error = raised(serve(answer(b'{"Code": null, "Message": "m", "RequestId": "R"}', "400 Bad Request")))
    assert (type(error).__name__, error.code, error.message) == ("SaeError", "BadRequest", "m")  # type: ignore[attr-defined]


def test_a_batch_keeps_every_other_result_when_one_answer_is_hostile(serve: Callable[[Handler], str]) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    calls = {"n": 0}
    lock = threading.Lock()

    def alternate(conn: socket.socket) -> None:
        with lock:
            calls["n"] += 1
            hostile = calls["n"] == 2
        answer(deep if hostile else GOOD)(conn)

    url = serve(alternate)
    with client(url) as sync:
        results = sync.exec_jobs([JobRequest("app") for _ in range(4)], concurrency=1)
    assert [type(result) for result in results].count(Launch) == 3
    assert [type(result) for result in results].count(UnexpectedResponseError) == 1


# --- no secret anywhere -----------------------------------------------------------------------------


def everything_reachable(error: BaseException) -> str:
    """Every text a caller can reach from an error: str, repr, attributes, the cause and context chain."""
    seen: list[str] = []
    while error is not None:
        seen += [str(error), repr(error), repr(vars(error))]
        request = getattr(error, "_request", None)
        if request is not None:
            seen.append(repr(request.headers.multi_items()))
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return "\n".join(seen)


def test_a_token_the_server_quotes_back_reaches_no_error(serve: Callable[[Handler], str]) -> None:
    quoted = (
        "Specified signature is not matched with our calculation. server string to sign is:GET\n"
        "application/json\n\n\nThu, 27 Nov 2026 10:00:00 GMT\n"
        f"x-acs-security-token:{TOKEN}\n/pop/v1/sam/job/execJob"
    )
    mismatch = json.dumps({"Code": "SignatureDoesNotMatch", "Message": quoted, "RequestId": "R"}).encode()
    echo = json.dumps({"headers": {"x-acs-security-token": TOKEN}}).encode()
    for body, status in ((mismatch, "400 Bad"), (echo, "418 Teapot")):
        url = serve(answer(body, status))
        for version in ("v2", "v3"):
            error = raised(url, signature_version=version)
            text = everything_reachable(error) + repr(getattr(error, "body", b""))
            assert TOKEN not in text and SECRET not in text
            assert "<redacted>" in text
            if status == "400 Bad":
                assert isinstance(error, AuthenticationError)


def test_a_transport_errors_cause_does_not_carry_the_signed_request() -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    error = raised(f"http://127.0.0.1:{port}")
    assert isinstance(error, TransportError) and isinstance(error.__cause__, httpx.ConnectError)
    with pytest.raises(RuntimeError):
        error.__cause__.request  # noqa: B018  (the request, and its token header, are not kept)
    assert TOKEN not in everything_reachable(error)


# --- proxies ----------------------------------------------------------------------------------------


@pytest.fixture
def proxy() -> Iterator[list[bytes]]:
    """A proxy that records what it is asked and refuses the tunnel."""
    seen: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    seen.append(conn.recv(4096))
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    threading.Thread(target=run, daemon=True).start()
    seen.append(f"http://127.0.0.1:{listener.getsockname()[1]}".encode())
    yield seen
    stop.set()
    listener.close()


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_both_clients_honour_the_proxy_variables(
    proxy: list[bytes], monkeypatch: pytest.MonkeyPatch, flavour: str
) -> None:
    proxy_url = proxy.pop(0).decode()
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", proxy_url)
    endpoint = "https://sae.cn-hangzhou.aliyuncs.com"  # never reached: the proxy refuses the tunnel
    with pytest.raises(TransportError):
        if flavour == "sync":
            with SaeJobClient(endpoint=endpoint, credentials=STS_KEY, retry=ONE_TRY) as sync:
                sync.exec_job("app")
        else:

            async def go() -> None:
                async with AsyncSaeJobClient(endpoint=endpoint, credentials=STS_KEY, retry=ONE_TRY) as a:
                    await a.exec_job("app")

            asyncio.run(go())
    assert proxy and proxy[0].startswith(b"CONNECT sae.cn-hangzhou.aliyuncs.com:443 ")
    assert TOKEN.encode() not in b"".join(proxy)


def test_a_loopback_endpoint_is_never_sent_through_a_proxy(
    proxy: list[bytes], monkeypatch: pytest.MonkeyPatch, serve: Callable[[Handler], str]
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.pop(0).decode())
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    url = serve(answer(GOOD))
    with client(url) as sync:
        assert sync.exec_job("app").job_id == "manual-1"

    async def go() -> str:
        async with AsyncSaeJobClient(endpoint=url, credentials=STS_KEY, retry=ONE_TRY) as a:
            return (await a.exec_job("app")).job_id

    assert asyncio.run(go()) == "manual-1"
    assert proxy == []


def test_the_credentials_in_a_test_are_not_real() -> None:
    assert isinstance(STS_KEY, Credentials) and STS_KEY.security_token == TOKEN
