"""The transport (``sae_job.transport``) and what the clients give it: the request target's size as
the generated call writes it, proxies from the environment, no cookies, and the private names used."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sae_job import Credentials, SaeJobClient
from sae_job.arguments import exec_job_params, request_target
from sae_job.emulator import RunningEmulator
from sae_job.operations import EXEC_JOB
from sae_job.transport import environment_proxy
from sae_job_api import Client
from tests.conftest import APP, KEY

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"))


def _target_sent(wire: dict[str, Any]) -> bytes:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(418)

    client = Client(base_url="https://sae.example", httpx_args={"transport": httpx.MockTransport(answer)})
    importlib.import_module(EXEC_JOB.module).sync_detailed(client=client, **wire)
    return seen[0].url.raw_path


@given(
    command=st.lists(TEXT.filter(str.strip), min_size=1, max_size=3),
    envs=st.dictionaries(st.from_regex(r"[A-Z_][A-Z0-9_]{0,5}", fullmatch=True), TEXT, max_size=3),
    options=st.one_of(st.none(), TEXT.filter(bool)),
)
def test_the_size_checked_is_the_size_of_the_target_the_generated_call_sends(
    command: list[str], envs: dict[str, str], options: str | None
) -> None:
    wire = exec_job_params("app-1", command=command, envs=envs, event_id="e-1", jar_start_options=options)
    assert request_target(EXEC_JOB.path, wire).encode() == _target_sent(wire)


@pytest.fixture
def no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_the_environment_names_the_proxy_of_an_https_endpoint(no_proxy_variables: pytest.MonkeyPatch) -> None:
    endpoint = httpx.URL("https://sae.cn-hangzhou.aliyuncs.com")
    assert environment_proxy(endpoint) is None
    no_proxy_variables.setenv("ALL_PROXY", "http://all.proxy:1")
    assert environment_proxy(endpoint) == httpx.URL("http://all.proxy:1")
    no_proxy_variables.setenv("HTTPS_PROXY", "http://user:pw@tls.proxy:3128")
    assert environment_proxy(endpoint) == httpx.URL("http://user:pw@tls.proxy:3128")
    no_proxy_variables.setenv("NO_PROXY", "example.com,.aliyuncs.com")
    assert environment_proxy(endpoint) is None
    no_proxy_variables.setenv("NO_PROXY", "*")
    assert environment_proxy(endpoint) is None


def test_plain_http_is_never_proxied(no_proxy_variables: pytest.MonkeyPatch) -> None:
    no_proxy_variables.setenv("HTTP_PROXY", "http://proxy:1")
    no_proxy_variables.setenv("ALL_PROXY", "http://proxy:1")
    assert environment_proxy(httpx.URL("http://127.0.0.1:8080")) is None


# --- the private names of httpx, httpcore and aiohttp the package uses: two, each pinned here ------------


def test_httpx_clients_keep_their_cookies_in_the_private_slot_the_client_replaces() -> None:
    # sae_job.client._trimmed: httpx has no switch for cookies (a speed trick: bench/LIMITS.md)
    for cls in (httpx.Client, httpx.AsyncClient):
        assert isinstance(cls()._cookies, httpx.Cookies)  # type: ignore[attr-defined]
    with SaeJobClient(endpoint="http://127.0.0.1:9", credentials=Credentials("k", "s")) as client:
        jar = client._http._cookies  # type: ignore[attr-defined]
        response = httpx.Response(
            200, headers={"Set-Cookie": "a=b"}, request=httpx.Request("GET", "http://h/")
        )
        jar.extract_cookies(response)
        assert not client._http.cookies


def test_aiohttp_sessions_have_the_private_resend_switch_the_transport_turns_off() -> None:
    # sae_job.aiohttp_transport: aiohttp resends a GET on a dropped keep-alive connection, same nonce.
    aiohttp = pytest.importorskip("aiohttp")
    import asyncio

    async def main() -> bool:
        async with aiohttp.ClientSession() as session:
            return hasattr(session, "_retry_connection")

    assert asyncio.run(main())


def test_the_transport_drops_every_set_cookie() -> None:
    from sae_job.transport import SaeTransport

    def answer(request: httpx.Request) -> httpx.Response:
        cookies = [("Set-Cookie", "a=b"), ("set-cookie", "c=d; Path=/")]
        return httpx.Response(200, headers=[*cookies, ("Content-Type", "text/plain")], content=b"ok")

    with httpx.Client(
        transport=SaeTransport("http://127.0.0.1:9", inner=httpx.MockTransport(answer))
    ) as http:
        response = http.get("http://127.0.0.1:9/")
        assert "set-cookie" not in response.headers and response.text == "ok"
        assert not http.cookies


def test_without_aiohttp_the_async_client_sends_through_httpcore_s_own_pool(
    running: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plain install (no sae-job[aiohttp]): the async transport's own httpcore pool, deadline and cap.
    import asyncio

    from sae_job import AsyncSaeJobClient, client

    monkeypatch.setattr(client, "default_async_transport", lambda trust_env=True: None)

    async def main() -> tuple[str, object]:
        async with AsyncSaeJobClient(endpoint=running.url, credentials=KEY) as sae:
            launch = await sae.exec_job(APP.app_id, command="echo")
            return launch.job_id, sae._http._transport  # type: ignore[attr-defined]

    job_id, sending = asyncio.run(main())
    assert job_id.startswith("manual-") and sending.inner is None  # type: ignore[attr-defined]
    assert [job.job_id for job in running.emulator.jobs()] == [job_id]
