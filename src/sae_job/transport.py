"""What cuts across every call, as httpx transports: no server holds an attempt past its deadline (each
socket operation is bounded by the time left; async, ``asyncio.timeout``), the answer is read raw and
decoded here, at most :data:`MAX_ANSWER_BYTES` before and after, no cookie is kept, and proxies come
from the environment for the one endpoint a client talks to. Built on httpcore's public API, so no
private name of httpx's.
"""

from __future__ import annotations

import contextvars
import time
import urllib.request
import zlib
from collections.abc import AsyncIterable, Callable, Iterable, MutableMapping
from typing import Any

import httpcore
import httpx

from sae_job.errors import UnexpectedResponseError

__all__ = [
    "DEADLINE",
    "MAX_ANSWER_BYTES",
    "AsyncSaeTransport",
    "SaeTransport",
    "attempt",
    "attempted",
    "environment_proxy",
    "last_response",
]

MAX_ANSWER_BYTES = 1 << 20
"""The largest answer read, before and after decoding: SAE's job answers are a few kilobytes."""

DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("sae_job_deadline", default=None)
"""The monotonic time the attempt running in this thread (or task) must end by; None: no deadline."""

# The last answer a transport read in this thread (or task): what the caller reads when the generated
# parser cannot (a body that is not the spec's JSON).
_LAST: contextvars.ContextVar[httpx.Response | None] = contextvars.ContextVar("sae_job_answer", default=None)

_KEEP_ALIVE = {"max_connections": 100, "max_keepalive_connections": 20, "keepalive_expiry": 5.0}  # httpx's


def attempt(deadline: float) -> contextvars.Token[float | None]:
    """Begin one attempt in this thread (or task): its sockets bounded by ``deadline`` (monotonic), no
    answer read yet. Pass what it returns to :func:`attempted` when the attempt is over."""
    _LAST.set(None)
    return DEADLINE.set(deadline)


def attempted(token: contextvars.Token[float | None]) -> None:
    """End the attempt :func:`attempt` began."""
    DEADLINE.reset(token)


def last_response() -> httpx.Response | None:
    """The answer the current attempt's transport read, or None."""
    return _LAST.get()


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = DEADLINE.get()
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
    ) -> httpcore.NetworkStream:
        stream = self._stream.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(stream)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

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


def environment_proxy(url: httpx.URL) -> httpx.URL | None:
    """The proxy ``HTTPS_PROXY``/``ALL_PROXY`` (``NO_PROXY`` aside) names for ``url``; never one for
    plain ``http://``, which only a loopback endpoint uses (:func:`~sae_job.endpoints.find_endpoint`)."""
    if url.scheme != "https":
        return None
    proxies = urllib.request.getproxies_environment()
    if urllib.request.proxy_bypass(url.host):  # NO_PROXY, as urllib reads it
        return None
    proxy = proxies.get("https") or proxies.get("all")
    return httpx.URL(proxy) if proxy else None


def _core_url(url: httpx.URL) -> httpcore.URL:
    return httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)


def _core_request(request: httpx.Request) -> httpcore.Request:
    return httpcore.Request(
        request.method,
        _core_url(request.url),
        headers=request.headers.raw,
        content=request.stream,
        extensions=request.extensions,
    )


# Every error httpcore raises: mapped to httpx's of the same name, as httpx's own transport does.
_CORE_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)


def _pool(endpoint: str, trust_env: bool, kinds: tuple[type[Any], type[Any]], **options: Any) -> Any:
    """httpcore's pool (``kinds[0]``) to ``endpoint``, or its proxy (``kinds[1]``) when the environment
    names one, with httpx's keep-alive limits."""
    url = httpx.URL(endpoint)
    proxy = environment_proxy(url) if trust_env else None
    options.update(_KEEP_ALIVE)
    if url.scheme == "https":  # certifi's CAs, loaded only for TLS; verification is always on
        options["ssl_context"] = httpx.create_ssl_context()
    if proxy is None:
        return kinds[0](**options)
    options["proxy_url"] = _core_url(proxy)
    if proxy.username or proxy.password:
        options["proxy_auth"] = (proxy.username, proxy.password)
    return kinds[1](**options)


def _as_httpx_error(exc: Exception, request: httpx.Request) -> httpx.TransportError:
    # httpx names each httpcore error alike: the most specific match, as its own transport maps them.
    for cls in type(exc).__mro__:
        mapped = getattr(httpx, cls.__name__, None)
        if isinstance(mapped, type) and issubclass(mapped, httpx.TransportError):
            return mapped(str(exc), request=request)
    return httpx.TransportError(str(exc), request=request)  # pragma: no cover (each has its name)


def _late(request: httpx.Request) -> httpx.TransportError:
    return httpx.ReadTimeout("no answer by the deadline", request=request)


def _too_large(status: int, what: str) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        f"HTTP {status} answer larger than {MAX_ANSWER_BYTES} bytes {what}: not read further",
        status_code=status,
        body=b"",
    )


def _answer(
    request: httpx.Request,
    status: int,
    headers: list[tuple[bytes, bytes]],
    raw: bytes,
    extensions: MutableMapping[str, Any],
) -> httpx.Response:
    """The answer with its body decoded (``gzip``, ``deflate``), as httpx would give it; the last answer
    of this thread or task. ``UnexpectedResponseError`` for an encoding that cannot be read or too large."""
    # A signed API keeps no cookies: a Set-Cookie (a gateway's, a proxy's) never reaches a cookie jar.
    headers = [(name, value) for name, value in headers if name.lower() != b"set-cookie"]
    coded = [value for name, value in headers if name.lower() == b"content-encoding"]
    encoding = coded[-1].decode("latin-1").strip().lower() if coded else ""
    if encoding not in ("", "identity"):
        wbits = {"gzip": 31, "x-gzip": 31, "deflate": 47}.get(encoding)  # 47: a zlib or a gzip header
        if wbits is None:
            raise UnexpectedResponseError(
                f"HTTP {status} answer in Content-Encoding {encoding!r:.40}, "
                "which was not asked for and cannot be read",
                status_code=status,
                body=b"",
            )
        try:
            raw = zlib.decompressobj(wbits).decompress(raw, MAX_ANSWER_BYTES + 1)
        except zlib.error as exc:
            raise UnexpectedResponseError(
                f"HTTP {status} answer whose {encoding} encoding is broken ({exc})",
                status_code=status,
                body=raw,
            ) from None
        if len(raw) > MAX_ANSWER_BYTES:
            raise _too_large(status, "once decoded")
        headers = [(name, value) for name, value in headers if name.lower() != b"content-encoding"]
    response = httpx.Response(
        status, headers=headers, stream=httpx.ByteStream(raw), request=request, extensions=extensions
    )
    _LAST.set(response)  # read by httpx's send before anyone asks for it
    return response


def _read(status: int, chunks: Iterable[bytes]) -> bytes:
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise _too_large(status, "on the wire")
    return bytes(body)


class SaeTransport(httpx.BaseTransport):
    """The sync client's transport: to ``endpoint`` directly or through the environment's proxy (with
    ``trust_env``), or through ``inner`` as given (then only its answers are capped and timed)."""

    def __init__(
        self, endpoint: str, *, inner: httpx.BaseTransport | None = None, trust_env: bool = True
    ) -> None:
        self._inner = inner
        self._pool: httpcore.ConnectionPool | None = None
        if inner is None:
            kinds = (httpcore.ConnectionPool, httpcore.HTTPProxy)
            self._pool = _pool(endpoint, trust_env, kinds, network_backend=_DeadlineBackend())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = DEADLINE.get()
        if deadline is not None and time.monotonic() >= deadline:
            raise _late(request)
        try:
            try:
                if self._pool is not None:
                    sent = self._pool.handle_request(_core_request(request))
                    status, headers, extensions = sent.status, sent.headers, sent.extensions
                    stream: Iterable[bytes] = sent.stream  # type: ignore[assignment]
                    close: Callable[[], None] = sent.close
                else:
                    assert self._inner is not None
                    answer = self._inner.handle_request(request)
                    status, headers, extensions = answer.status_code, answer.headers.raw, answer.extensions
                    stream, close = answer.stream, answer.close  # type: ignore[assignment]
                try:
                    body = _read(status, stream)
                finally:
                    close()
            except _CORE_ERRORS as exc:
                raise _as_httpx_error(exc, request) from exc
        except httpx.TransportError:
            if deadline is not None and time.monotonic() >= deadline:
                raise _late(request) from None
            raise
        return _answer(request, status, headers, body, extensions)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        elif self._inner is not None:
            self._inner.close()


class AsyncSaeTransport(httpx.AsyncBaseTransport):
    """The async client's transport: ``inner`` (aiohttp's, or one given), else httpcore's to ``endpoint``
    or the environment's proxy; every attempt under ``asyncio.timeout`` until its deadline."""

    def __init__(
        self, endpoint: str, *, inner: httpx.AsyncBaseTransport | None = None, trust_env: bool = True
    ) -> None:
        self._inner = inner
        self._pool: httpcore.AsyncConnectionPool | None = None
        if inner is None:
            self._pool = _pool(endpoint, trust_env, (httpcore.AsyncConnectionPool, httpcore.AsyncHTTPProxy))

    @property
    def inner(self) -> httpx.AsyncBaseTransport | None:
        """The transport sent through, when not httpcore's own."""
        return self._inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import asyncio  # here, not at the top: the sync client and the CLI never load it

        deadline = DEADLINE.get()
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise _late(request)
        try:
            async with asyncio.timeout(left):
                status, headers, raw, extensions = await self._send(request)
        except TimeoutError:
            raise _late(request) from None
        except httpx.TransportError:
            if deadline is not None and time.monotonic() >= deadline:
                raise _late(request) from None
            raise
        return _answer(request, status, headers, raw, extensions)

    async def _send(self, request: httpx.Request) -> tuple[int, Any, bytes, MutableMapping[str, Any]]:
        try:
            if self._pool is not None:
                sent = await self._pool.handle_async_request(_core_request(request))
                status, headers, extensions = sent.status, sent.headers, sent.extensions
                stream: AsyncIterable[bytes] = sent.stream  # type: ignore[assignment]
                close: Callable[[], Any] = sent.aclose
            else:
                assert self._inner is not None
                answer = await self._inner.handle_async_request(request)
                status, headers, extensions = answer.status_code, answer.headers.raw, answer.extensions
                stream, close = answer.stream, answer.aclose  # type: ignore[assignment]
            try:
                body = bytearray()
                async for chunk in stream:
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise _too_large(status, "on the wire")
            finally:
                await close()
        except _CORE_ERRORS as exc:
            raise _as_httpx_error(exc, request) from exc
        return status, headers, bytes(body), extensions

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
        elif self._inner is not None:
            await self._inner.aclose()
