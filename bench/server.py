"""A canned-answer HTTP/1.1 server for the benchmarks: every request gets the same ExecJob answer.

It reads no query and checks no signature: it only has to be cheap enough that the clients, not the
server, are what the benchmarks measure. One asyncio ``Protocol`` per connection, keep-alive,
pipelining-safe, requests without a body only (ExecJob is a GET). Run it in its own process:

    python bench/server.py            # prints "PORT <n>" on stdout, serves until stdin closes or SIGTERM

``make bench`` no longer runs it: since issue 19 every section calls nginx (common.nginx_server),
which serves this module's ANSWER. It stays as the answer's source, and for trying a client by hand.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

REQUEST_ID = "67DD9A98-9CCC-5BE8-8C9E-B45E72F4BE9B"
ANSWER = json.dumps(
    {
        "RequestId": REQUEST_ID,
        "Message": "success",
        "TraceId": "0b87b7e716575071334387401e2a8f",
        "Data": {
            "Data": "manual-3db7a8fa-5d40-4edc-92e4-49d50eab6a2c",
            "Msg": "success",
            "Success": "true",
            "Code": "200",
        },
        "ErrorCode": "",
        "Code": "200",
        "Success": True,
    },
    separators=(",", ":"),
).encode()

RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: application/json;charset=utf-8\r\n"
    b"Content-Length: " + str(len(ANSWER)).encode() + b"\r\n"
    b"x-acs-request-id: " + REQUEST_ID.encode() + b"\r\n"
    b"Connection: keep-alive\r\n"
    b"\r\n" + ANSWER
)


class CannedProtocol(asyncio.Protocol):
    """Answers each complete request head in the buffer with RESPONSE."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        count = self.buffer.count(b"\r\n\r\n")
        if count:
            self.buffer = self.buffer[self.buffer.rfind(b"\r\n\r\n") + 4 :]
            assert self.transport is not None
            self.transport.write(RESPONSE * count)


async def serve(host: str = "127.0.0.1", port: int = 0) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(CannedProtocol, host, port, backlog=1024, reuse_address=True)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    # The parent holds our stdin: when it goes away (even killed), so do we.
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.buffer.read1(1) else None)
    async with server:
        await stop.wait()


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    asyncio.run(serve(port=port))


if __name__ == "__main__":
    main()
