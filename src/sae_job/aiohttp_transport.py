"""An httpx async transport that sends through aiohttp: AsyncSaeJobClient's default with sae-job[aiohttp]
(why: bench/LIMITS.md). Made for small signed calls: the URL goes out byte for byte as signed (never
re-quoted), the answer is read up to ``max_answer_bytes`` and one more, proxies come from the environment
with ``trust_env``, and there are no cookies, redirects or resends of its own (a resend would reuse the
signature's nonce); aiohttp's errors become httpx's. One instance serves one event loop."""

from __future__ import annotations

import asyncio
import ssl

import aiohttp
import httpx
import yarl
from multidict import CIMultiDict

from sae_job.transport import MAX_ANSWER_BYTES

__all__ = ["AiohttpTransport"]

# First match wins: aiohttp's timeouts are also asyncio's TimeoutError, and its connector errors OSErrors.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (asyncio.TimeoutError, httpx.TimeoutException),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.ReadError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientConnectionError, httpx.NetworkError),
    (aiohttp.ClientError, httpx.TransportError),
)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests with one aiohttp session (opened on the first request, closed by ``aclose``).
    ``verify``: an ``ssl.SSLContext``, or True for httpx's default context (certifi's CAs, made when the
    session opens), or False for no verification. ``max_connections``: aiohttp's connection limit
    (httpx's default is 100 too). ``trust_env``: honour ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` (and
    ``~/.netrc``), as httpx's own transport does."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        max_connections: int = 100,
        trust_env: bool = True,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self._verify = verify
        self._max_answer_bytes = max_answer_bytes
        self._trust_env = trust_env
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        ssl_context = httpx.create_ssl_context(verify=self._verify) if self._verify is True else self._verify
        connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=ssl_context)
        session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=self._trust_env
        )
        # aiohttp resends a GET whose kept-alive connection dropped, with the same signature and nonce
        # (a SignatureNonceUsed if the first one arrived): the client's retries sign afresh instead.
        # No public switch; aiohttp's own test client sets the same attribute.
        if hasattr(session, "_retry_connection"):
            session._retry_connection = False
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session
        if session is None:
            session = self._session = self._open()
        encoding = request.headers.encoding  # as httpx's own transport would write them
        headers = CIMultiDict(
            (name.decode(encoding), value.decode(encoding)) for name, value in request.headers.raw
        )
        body = await request.aread()
        given = request.extensions.get("timeout", {})  # httpx's connect / read / pool timeouts
        timeout = aiohttp.ClientTimeout(
            sock_connect=given.get("connect"), sock_read=given.get("read"), connect=given.get("pool")
        )
        try:
            async with session.request(
                request.method,
                yarl.URL(str(request.url), encoded=True),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                auto_decompress=False,  # httpx decodes Content-Encoding itself, as on its own transport
                timeout=timeout,
            ) as answer:
                length = answer.content_length
                if length is not None and length <= self._max_answer_bytes:
                    content = await answer.read()  # the common answer: a declared, small length
                else:
                    content = await self._read_capped(answer)
        except Exception as exc:
            for aiohttp_error, httpx_error in _ERRORS:
                if isinstance(exc, aiohttp_error):
                    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                    raise httpx_error(message, request=request) from exc
            raise
        return httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            stream=httpx.ByteStream(content),  # raw: the client decodes, to its cap
            request=request,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (answer.reason or "").encode("latin-1"),
            },
        )

    async def _read_capped(self, answer: aiohttp.ClientResponse) -> bytes:
        content = bytearray()
        async for chunk in answer.content.iter_any():
            content += chunk
            if len(content) > self._max_answer_bytes:
                break  # the one byte too many tells the client; the rest is never read
        return bytes(content)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
