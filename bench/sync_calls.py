"""Sync, per call: the contenders whose instructions bench/instructions.py counts, one ExecJob call each.

- raw ``http.client``: the floor for any Python client;
- raw ``httpx.Client``: ``client.get(path, params=<the same wire query>)`` and ``.json()``, unsigned;
- the bare generated call: ``sae_job_api.api.default.exec_job.sync_detailed`` on a ``sae_job_api.Client``
  whose httpx client signs with ``sae_job.AcsV3Auth`` (what the generated code costs with no wrapper);
- ``SaeJobClient.exec_job(app_id, command=[...], envs={...})`` (V3), signed and parsed;
- the official SDK: ``Client.exec_job(ExecJobRequest(...))`` (ROA, HMAC-SHA1, requests underneath).

Each entry of :data:`CONTENDERS` takes the server's port and gives a call, which returns the job ID it
read, and a ``close``. Imports happen inside, so that a process measuring one contender loads only that.
Only public names of ``sae_job`` are used: its insides change without the bench noticing.
"""

from __future__ import annotations

from collections.abc import Callable

from wire import ACCESS_KEY_ID, ACCESS_KEY_SECRET, APP_ID, COMMAND, ENVS, PATH, WIRE_QUERY

Call = Callable[[], str]
Setup = Callable[[int], tuple[Call, Callable[[], object]]]


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


def raw_http_client(port: int) -> tuple[Call, Callable[[], object]]:
    import http.client
    import json
    from urllib.parse import urlencode

    connection = http.client.HTTPConnection("127.0.0.1", port)
    target = f"{PATH}?{urlencode(WIRE_QUERY)}"

    def call() -> str:
        connection.request("GET", target)
        job_id: str = json.loads(connection.getresponse().read())["Data"]["Data"]
        return job_id

    return call, connection.close


def raw_httpx(port: int) -> tuple[Call, Callable[[], object]]:
    import httpx

    client = httpx.Client(base_url=f"http://127.0.0.1:{port}")

    def call() -> str:
        job_id: str = client.get(PATH, params=WIRE_QUERY).json()["Data"]["Data"]
        return job_id

    return call, client.close


def bare_generated(port: int, *, cookies: bool = True) -> tuple[Call, Callable[[], object]]:
    import json
    import uuid

    from sae_job import AcsV3Auth, Credentials
    from sae_job_api import Client
    from sae_job_api.api.default import exec_job

    auth = AcsV3Auth(Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
    client = Client(base_url=f"http://127.0.0.1:{port}", httpx_args={"auth": auth})
    if not cookies:  # a private slot, as sae_job.client replaces it
        client.get_httpx_client()._cookies = _NoCookies()  # type: ignore[attr-defined]
    command_args = json.dumps(COMMAND[1:], separators=(",", ":"))  # the wire form sae-job writes
    envs = json.dumps([{"name": k, "value": v} for k, v in ENVS.items()], separators=(",", ":"))

    def call() -> str:
        response = exec_job.sync_detailed(
            client=client,
            app_id=APP_ID,
            event_id=str(uuid.uuid4()),  # as sae-job: a fresh event ID per call
            command=COMMAND[0],
            command_args=command_args,
            envs=envs,
        )
        job_id: str = response.parsed.data.data  # type: ignore[union-attr]
        return job_id

    return call, client.get_httpx_client().close


def bare_generated_no_cookies(port: int) -> tuple[Call, Callable[[], object]]:
    """The design's floor: the bare generated call with httpx's cookie jar out, as ours has it."""
    return bare_generated(port, cookies=False)


class _NoCookies:
    def extract_cookies(self, response: object) -> None:
        return None

    def __bool__(self) -> bool:
        return False


def ours(port: int) -> tuple[Call, Callable[[], object]]:
    from sae_job import Credentials, SaeJobClient

    client = SaeJobClient(
        endpoint=f"http://127.0.0.1:{port}", credentials=Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    )

    def call() -> str:
        return client.exec_job(APP_ID, command=COMMAND, envs=ENVS).job_id

    return call, client.close


def official_sdk(port: int) -> tuple[Call, Callable[[], object]]:
    sdk = official_sdk_client(f"127.0.0.1:{port}")

    def call() -> str:
        job_id: str = sdk.exec_job(official_request()).body.data.data  # type: ignore[attr-defined]
        return job_id

    return call, lambda: None


CONTENDERS: dict[str, Setup] = {
    "raw http.client": raw_http_client,
    "raw httpx.Client": raw_httpx,
    "bare generated call (sync_detailed + AcsV3Auth)": bare_generated,
    "the same, httpx's cookie jar out": bare_generated_no_cookies,
    "SaeJobClient.exec_job": ours,
    "official SDK exec_job": official_sdk,
}
