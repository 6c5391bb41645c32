"""sae_job.aiohttp_transport: what goes out is what was signed, and aiohttp's failures read as httpx's."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
import time

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

pytest.importorskip("aiohttp")

from sae_job import AsyncSaeJobClient, Credentials, TransportError
from sae_job.aiohttp_transport import AiohttpTransport
from sae_job.client import default_async_transport

ANSWER = {
    "RequestId": "r",
    "Success": True,
    "Data": {"Code": "200", "Data": "manual-1", "Msg": "success", "Success": "true"},
}


def send(request: httpx.Request, transport: AiohttpTransport | None = None) -> httpx.Response:
    async def main() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport or AiohttpTransport()) as client:
            return await client.send(request)

    return asyncio.run(main())


def test_it_is_the_async_default_when_aiohttp_is_installed() -> None:
    assert isinstance(default_async_transport(), AiohttpTransport)


def test_the_query_goes_out_byte_for_byte_as_httpx_encoded_it(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_data("ok")
    url = httpx.URL(httpserver.url_for("/p"), params={"a": "x y*~'()!&=é", "b": ""})
    response = send(httpx.Request("GET", url, headers={"X-Acs-Thing": "v"}))
    [(received, _)] = httpserver.log
    assert response.text == "ok"
    assert received.query_string == url.query  # never re-quoted: the signature covers these bytes
    assert received.headers["X-Acs-Thing"] == "v"


def test_a_gzip_answer_is_decoded_as_httpx_would(httpserver: HTTPServer) -> None:
    body = gzip.compress(json.dumps(ANSWER).encode())
    httpserver.expect_request("/p").respond_with_response(
        Response(body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    )
    assert send(httpx.Request("GET", httpserver.url_for("/p"))).json() == ANSWER


def test_a_refused_connection_is_httpx_connect_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpx.ConnectError):
        send(httpx.Request("GET", f"http://127.0.0.1:{port}/p"))


def test_a_slow_answer_is_httpx_read_timeout(httpserver: HTTPServer) -> None:
    answered = threading.Event()

    def slow(_: Request) -> Response:
        time.sleep(0.5)
        answered.set()
        return Response("late")

    httpserver.expect_request("/p").respond_with_handler(slow)
    request = httpx.Request("GET", httpserver.url_for("/p"), extensions={"timeout": {"read": 0.1}})
    with pytest.raises(httpx.ReadTimeout):
        send(request)
    assert answered.wait(5)  # the server is done with it: nothing of this test lands in the next one's log
    time.sleep(0.05)


def test_it_never_resends_on_its_own() -> None:
    async def main() -> bool:
        transport = AiohttpTransport()
        session = transport._open()
        try:
            return bool(session._retry_connection)
        finally:
            await session.close()

    assert asyncio.run(main()) is False  # a resend would reuse the signature's nonce


def test_the_client_on_it_retries_a_refused_connection_as_a_transport_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> None:
        async with AsyncSaeJobClient(
            endpoint=f"http://127.0.0.1:{port}", credentials=Credentials("AKID", "secret"), max_attempts=2
        ) as client:
            await client.exec_job("app")

    with pytest.raises(TransportError) as raised:
        asyncio.run(main())
    assert raised.value.attempts == 2
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
