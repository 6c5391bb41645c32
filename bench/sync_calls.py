"""Sync, per call: one keep-alive connection each, the same ExecJob call, microseconds per call.

- raw ``http.client``: the floor for any Python client (and the canned server's own cost);
- raw ``httpx.Client``: ``client.get(path, params=<the same wire query>)`` and ``.json()``, unsigned;
- ``SaeJobClient`` V3 and V2: ``exec_job(app_id, command=[...], envs={...})``, signed and parsed;
- the official SDK: ``Client.exec_job(ExecJobRequest(...))`` (ROA, HMAC-SHA1, requests underneath).
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from urllib.parse import urlencode

import httpx
from common import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    APP_ID,
    COMMAND,
    ENVS,
    PATH,
    WIRE_QUERY,
    Rounds,
    interleaved,
)

from sae_job import Credentials, SaeJobClient


def _per_call(call: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls * 1e6


def official_sdk_client(endpoint_host_port: str) -> object:
    from alibabacloud_sae20190506.client import Client
    from alibabacloud_tea_openapi import models as open_api_models

    config = open_api_models.Config(
        access_key_id=ACCESS_KEY_ID,
        access_key_secret=ACCESS_KEY_SECRET,
        endpoint=endpoint_host_port,
        protocol="http",
        region_id="cn-hangzhou",
    )
    return Client(config)


def official_request() -> object:
    from alibabacloud_sae20190506 import models

    return models.ExecJobRequest(
        app_id=APP_ID,
        event_id=WIRE_QUERY["EventId"],
        command=WIRE_QUERY["Command"],
        command_args=WIRE_QUERY["CommandArgs"],
        envs=WIRE_QUERY["Envs"],
    )


def run(port: int, *, rounds: int, calls: int) -> Rounds:
    base = f"http://127.0.0.1:{port}"
    credentials = Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    target = f"{PATH}?{urlencode(WIRE_QUERY)}"

    connection = http.client.HTTPConnection("127.0.0.1", port)

    def raw_http_client() -> None:
        connection.request("GET", target)
        connection.getresponse().read()

    raw_httpx = httpx.Client(base_url=base)
    v3 = SaeJobClient(endpoint=base, credentials=credentials, signature_version="v3")
    v2 = SaeJobClient(endpoint=base, credentials=credentials, signature_version="v2")
    sdk = official_sdk_client(f"127.0.0.1:{port}")

    contenders: dict[str, Callable[[], object]] = {
        "raw http.client": raw_http_client,
        "raw httpx.Client": lambda: raw_httpx.get(PATH, params=WIRE_QUERY).json(),
        "SaeJobClient (V3)": lambda: v3.exec_job(APP_ID, command=COMMAND, envs=ENVS),
        "SaeJobClient (V2)": lambda: v2.exec_job(APP_ID, command=COMMAND, envs=ENVS),
        "official SDK": lambda: sdk.exec_job(official_request()),  # type: ignore[attr-defined]
    }
    for call in contenders.values():  # connect, warm caches
        _per_call(call, 50)
    try:
        return interleaved(
            {name: (lambda call=call: _per_call(call, calls)) for name, call in contenders.items()},
            rounds,
            "us/call",
            label="sync",
        )
    finally:
        connection.close()
        raw_httpx.close()
        v3.close()
        v2.close()
