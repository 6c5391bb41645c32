"""Async fan-out: calls per second for CALLS ExecJob calls, CONCURRENCY in flight, one event loop each.

- raw aiohttp: ``session.get(path, params=<the same wire query>)`` and ``.json()``, unsigned (the
  canned server's own cost, and the ceiling for anything built on aiohttp);
- raw ``httpx.AsyncClient`` on its default transport, unsigned;
- ``AsyncSaeJobClient`` as a user gets it with ``sae-job[aiohttp]`` installed (its default transport);
- ``AsyncSaeJobClient`` on httpx-aiohttp's ``AiohttpTransport`` (the off-the-shelf aiohttp transport,
  measured against ours);
- ``AsyncSaeJobClient`` on httpx's default transport (what a plain ``sae-job`` install uses);
- the official SDK's ``exec_job_async`` (aiohttp underneath).

Each round opens a client, warms it with one batch, then times ``CALLS`` calls through a semaphore.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
import httpx_aiohttp
from common import Rounds, interleaved
from sync_calls import official_request, official_sdk_client
from wire import ACCESS_KEY_ID, ACCESS_KEY_SECRET, APP_ID, COMMAND, ENVS, PATH, WIRE_QUERY

from sae_job import AsyncSaeJobClient, Credentials


async def _calls_per_second(call: Callable[[], Awaitable[object]], calls: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await call()

    await asyncio.gather(*(one() for _ in range(concurrency)))  # open the connections
    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(calls)))
    return calls / (time.perf_counter() - start)


def run(port: int, *, rounds: int, calls: int, concurrency: int) -> Rounds:
    base = f"http://127.0.0.1:{port}"
    credentials = Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET)

    async def raw_aiohttp() -> float:
        async with aiohttp.ClientSession(base) as session:

            async def call() -> None:
                async with session.get(PATH, params=WIRE_QUERY) as response:
                    await response.json()

            return await _calls_per_second(call, calls, concurrency)

    async def raw_httpx() -> float:
        async with httpx.AsyncClient(base_url=base) as client:

            async def call() -> None:
                (await client.get(PATH, params=WIRE_QUERY)).json()

            return await _calls_per_second(call, calls, concurrency)

    def ours(transport: Callable[[], httpx.AsyncBaseTransport | None]) -> Callable[[], Awaitable[float]]:
        async def contender() -> float:
            async with AsyncSaeJobClient(
                endpoint=base, credentials=credentials, transport=transport()
            ) as client:

                async def call() -> None:
                    await client.exec_job(APP_ID, command=COMMAND, envs=ENVS)

                return await _calls_per_second(call, calls, concurrency)

        return contender

    async def official_sdk() -> float:
        sdk = official_sdk_client(f"127.0.0.1:{port}")

        async def call() -> None:
            await sdk.exec_job_async(official_request())  # type: ignore[attr-defined]

        return await _calls_per_second(call, calls, concurrency)

    contenders: dict[str, Callable[[], Awaitable[float]]] = {
        "raw aiohttp": raw_aiohttp,
        "raw httpx.AsyncClient": raw_httpx,
        "AsyncSaeJobClient (default: aiohttp transport)": ours(lambda: None),
        "AsyncSaeJobClient (httpx-aiohttp transport)": ours(httpx_aiohttp.AiohttpTransport),
        "AsyncSaeJobClient (httpx transport)": ours(httpx.AsyncHTTPTransport),
        "official SDK": official_sdk,
    }
    return interleaved(
        {
            name: (lambda contender=contender: asyncio.run(contender()))
            for name, contender in contenders.items()
        },
        rounds,
        "calls/s",
        label="async",
    )
