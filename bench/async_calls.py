"""Async, per call: the contenders whose instructions bench/instructions.py counts, one call at a time.

- raw aiohttp: ``session.get(path, params=<the same wire query>)`` and ``.json()``, unsigned;
- ``AsyncSaeJobClient.exec_job`` on its default transport (aiohttp, with ``sae-job[aiohttp]``);
- the official SDK's ``exec_job_async`` (aiohttp underneath).

Each entry of :data:`CONTENDERS` is a coroutine function: given the port, inside the event loop that will
run the calls, it gives a call (a coroutine function returning the job ID it read) and an ``aclose``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from wire import ACCESS_KEY_ID, ACCESS_KEY_SECRET, APP_ID, COMMAND, ENVS, PATH, WIRE_QUERY

Call = Callable[[], Awaitable[str]]
Setup = Callable[[int], Awaitable[tuple[Call, Callable[[], Awaitable[object]]]]]


async def raw_aiohttp(port: int) -> tuple[Call, Callable[[], Awaitable[object]]]:
    import aiohttp

    session = aiohttp.ClientSession(f"http://127.0.0.1:{port}")

    async def call() -> str:
        async with session.get(PATH, params=WIRE_QUERY) as response:
            job_id: str = (await response.json())["Data"]["Data"]
            return job_id

    return call, session.close


async def ours(port: int) -> tuple[Call, Callable[[], Awaitable[object]]]:
    from sae_job import AsyncSaeJobClient, Credentials

    client = AsyncSaeJobClient(
        endpoint=f"http://127.0.0.1:{port}", credentials=Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    )

    async def call() -> str:
        return (await client.exec_job(APP_ID, command=COMMAND, envs=ENVS)).job_id

    return call, client.aclose


async def official_sdk(port: int) -> tuple[Call, Callable[[], Awaitable[object]]]:
    from sync_calls import official_request, official_sdk_client

    sdk = official_sdk_client(f"127.0.0.1:{port}")

    async def call() -> str:
        answer = await sdk.exec_job_async(official_request())  # type: ignore[attr-defined]
        job_id: str = answer.body.data.data
        return job_id

    async def aclose() -> None:
        pass

    return call, aclose


CONTENDERS: dict[str, Setup] = {
    "raw aiohttp": raw_aiohttp,
    "AsyncSaeJobClient.exec_job (aiohttp transport)": ours,
    "official SDK exec_job_async": official_sdk,
}
