"""One attempt on the wire, for both clients: no server can hold it past the call's deadline (each
socket operation is bounded by the time left; async, ``asyncio.timeout``), and the answer is read raw and
decoded here, at most :data:`MAX_ANSWER_BYTES` before and after: a huge answer is an error, not memory.
"""

from __future__ import annotations

import contextvars
import time
import zlib
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from sae_job.errors import UnexpectedResponseError

__all__ = [
    "MAX_ANSWER_BYTES",
    "Answer",
    "bound_by_deadline",
    "bound_client_by_deadline",
    "send_async",
    "send_sync",
]

MAX_ANSWER_BYTES = 1 << 20
"""The largest answer read, before and after decoding: SAE's job answers are a few kilobytes."""

Answer = httpx.Response | httpx.TransportError | UnexpectedResponseError
"""What one attempt got: the answer, the transport error that stood in for it, or an answer refused
unread (too large, or in an encoding that cannot be read)."""

# The monotonic time the attempt running in this thread (or task) must end by.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("sae_job_deadline", default=None)


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("no answer by the deadline")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        stream = self._stream.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(stream)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, left, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bound_by_deadline(transport: object) -> bool:
    """Bound every socket operation of an ``httpx.HTTPTransport`` by the attempt's deadline (replacing its
    httpcore pool's backend, a private slot a test pins); False for a transport without one."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, _DeadlineBackend):
        return True
    if not isinstance(backend, httpcore.NetworkBackend):
        return False
    pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]
    return True


def bound_client_by_deadline(http: httpx.Client) -> None:
    """:func:`bound_by_deadline` for the client's transport and its proxies' (from the environment)."""
    for transport in (http._transport, *http._mounts.values()):
        bound_by_deadline(transport)


def _too_large(response: httpx.Response, what: str) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        f"HTTP {response.status_code} answer larger than {MAX_ANSWER_BYTES} bytes {what}: not read further",
        status_code=response.status_code,
        body=b"",
    )


def _already_read(response: httpx.Response) -> bytes | UnexpectedResponseError | None:
    # A transport may hand back an answer it has read already (httpx.MockTransport does).
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return None
    return _too_large(response, "on the wire") if len(content) > MAX_ANSWER_BYTES else content


def _read(response: httpx.Response) -> bytes | UnexpectedResponseError:
    read = _already_read(response)
    if read is not None:
        return read
    body = bytearray()
    for chunk in response.iter_raw():
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            return _too_large(response, "on the wire")
    return bytes(body)


async def _aread(response: httpx.Response) -> bytes | UnexpectedResponseError:
    read = _already_read(response)
    if read is not None:
        return read
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            return _too_large(response, "on the wire")
    return bytes(body)


def _declared_plain_size(response: httpx.Response) -> int | None:
    """The body's declared size when the answer is not encoded (then it needs no copy); else None. One
    pass over the raw headers, where each ``Headers.get`` walks them all."""
    length = None
    for name, value in response.headers.raw:
        lowered = name.lower()
        if lowered == b"content-length":
            length = value
        elif lowered == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
            return None
    return int(length) if length is not None and length.isdigit() else None


def _decoded(response: httpx.Response, raw: bytes | UnexpectedResponseError) -> Answer:
    """The answer with its body decoded, as httpx would give it, or the error that stands for it."""
    if isinstance(raw, UnexpectedResponseError):
        return raw
    encoding = response.headers.get("content-encoding", "").strip().lower()
    headers = response.headers
    if encoding not in ("", "identity"):
        wbits = {"gzip": 31, "x-gzip": 31, "deflate": 47}.get(encoding)  # 47: a zlib or a gzip header
        if wbits is None:
            return UnexpectedResponseError(
                f"HTTP {response.status_code} answer in Content-Encoding {encoding!r:.40}, "
                "which was not asked for and cannot be read",
                status_code=response.status_code,
                body=b"",
            )
        decoder = zlib.decompressobj(wbits)
        try:
            content = decoder.decompress(raw, MAX_ANSWER_BYTES + 1)
        except zlib.error as exc:
            return UnexpectedResponseError(
                f"HTTP {response.status_code} answer whose {encoding} encoding is broken ({exc})",
                status_code=response.status_code,
                body=raw,
            )
        if len(content) > MAX_ANSWER_BYTES:
            return _too_large(response, "once decoded")
        raw = content
        headers = httpx.Headers([(k, v) for k, v in headers.multi_items() if k.lower() != "content-encoding"])
    return httpx.Response(response.status_code, headers=headers, content=raw, request=response.request)


def _late(request: httpx.Request) -> httpx.TransportError:
    return httpx.ReadTimeout("no answer by the deadline", request=request)


def _signed(
    http: httpx.Client | httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth
) -> httpx.Request:
    """``request`` as the client's send would hand it to its transport: with its timeouts, signed."""
    request.extensions["timeout"] = http.timeout.as_dict()
    return next(auth.sync_auth_flow(request))


def send_sync(
    http: httpx.Client,
    request: httpx.Request,
    deadline: float,
    direct: tuple[httpx.BaseTransport, httpx.Auth] | None = None,
) -> Answer:
    """Send ``request`` once through ``http``, by ``deadline`` (monotonic), reading at most the cap.
    ``direct``: as for :func:`send_async`."""
    if time.monotonic() >= deadline:
        return _late(request)
    token = _DEADLINE.set(deadline)
    try:
        if direct is None or http.is_closed:  # closed: httpx's send raises as it should
            response = http.send(request, stream=True)
        else:
            transport, auth = direct
            signed = _signed(http, request, auth)
            response = transport.handle_request(signed)
            response.request = signed
        try:
            size = _declared_plain_size(response)
            if size is not None:  # the common answer: read as httpx would, in place
                if size > MAX_ANSWER_BYTES:
                    return _too_large(response, "on the wire")
                response.read()
                return response
            raw = _read(response)
        finally:
            response.close()
    except httpx.TransportError as exc:
        return _late(request) if time.monotonic() >= deadline else exc
    finally:
        _DEADLINE.reset(token)
    return _decoded(response, raw)


async def send_async(
    http: httpx.AsyncClient,
    request: httpx.Request,
    deadline: float,
    direct: tuple[httpx.AsyncBaseTransport, httpx.Auth] | None = None,
) -> Answer:
    """Send ``request`` once through ``http``, by ``deadline`` (monotonic), reading at most the cap.
    ``direct``: a transport with no proxy to pick (none is set, or it honours the environment's itself),
    and the signer, to sign and send past the client's machinery (redirects, cookies, hooks, its INFO
    log line), which these calls never use."""
    import asyncio  # here, not at the top: the sync client and the CLI never load it

    left = deadline - time.monotonic()
    if left <= 0:
        return _late(request)
    try:
        async with asyncio.timeout(left):
            if direct is None or http.is_closed:  # closed: httpx's send raises as it should
                response = await http.send(request, stream=True)
            else:
                transport, auth = direct
                signed = _signed(http, request, auth)
                response = await transport.handle_async_request(signed)
                response.request = signed
            try:
                size = _declared_plain_size(response)
                if size is not None:  # the common answer: read as httpx would, in place
                    if size > MAX_ANSWER_BYTES:
                        return _too_large(response, "on the wire")
                    await response.aread()
                    return response
                raw = await _aread(response)
            finally:
                await response.aclose()
    except httpx.TransportError as exc:
        return _late(request) if time.monotonic() >= deadline else exc
    except TimeoutError:
        return _late(request)
    return _decoded(response, raw)
