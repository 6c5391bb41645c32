"""Bad input through the public client against a running emulator, one table: each row raises a clear
error naming what is wrong, and the emulator receives nothing.

The argument rows are ``BAD_ARGUMENTS`` from ``tests/conftest.py`` (checked on ``exec_job_params``
alone in ``tests/test_arguments.py``), sent here through ``SaeJobClient.exec_job``,
``AsyncSaeJobClient.exec_job`` and ``explain_exec_job`` (``--dry-run``); the rows below them are what
only a client has: settings, credentials, URL size.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sae_job import AsyncSaeJobClient, Credentials, CredentialsError, Env, SaeJobClient
from sae_job.emulator import RunningEmulator
from tests.conftest import APP, BAD_ARGUMENTS, KEY, SECRET, TOKEN

AKID = KEY.access_key_id


def nothing_sent(running: RunningEmulator) -> None:
    assert running.emulator.stats()["requests"] == 0
    assert running.open_connections == 0 and running.accepted_connections == 0


# --- exec_job's arguments: the table of test_arguments.py, through the client ------------------------


@pytest.mark.parametrize(
    ("app_id", "kwargs", "error", "says"), BAD_ARGUMENTS, ids=[row[3] for row in BAD_ARGUMENTS]
)
def test_bad_arguments_raise_and_send_nothing(
    running: RunningEmulator, app_id: Any, kwargs: dict[str, Any], error: type[Exception], says: str
) -> None:
    with running.new_client() as client:
        with pytest.raises(error) as caught:
            client.exec_job(app_id, **kwargs)
        assert says in str(caught.value)
        with pytest.raises(error, match=re.escape(says)):
            client.explain_exec_job(app_id, **kwargs)  # what --dry-run shows

    async def call() -> None:
        async with AsyncSaeJobClient(endpoint=running.url, credentials=KEY) as client:
            await client.exec_job(app_id, **kwargs)

    with pytest.raises(error, match=re.escape(says)):
        asyncio.run(call())
    nothing_sent(running)


# --- what only a client has: settings, credentials, the size of the URL -----------------------------


@dataclass(frozen=True)
class Row:
    """``act(url)`` must raise ``error`` whose message says each of ``says`` and none of ``hides``."""

    name: str
    act: Callable[[str], object]
    error: type[Exception]
    says: tuple[str, ...]
    hides: tuple[str, ...] = ()


def client(url: str, **settings: Any) -> SaeJobClient:
    settings.setdefault("credentials", KEY)
    settings.setdefault("endpoint", url)
    return SaeJobClient(**settings)


def call(url: str, credentials: object = KEY, **kwargs: Any) -> object:
    with client(url, credentials=credentials) as made:
        return made.exec_job(APP.app_id, **kwargs)


class RotatingClient:
    """A credential client (as alibabacloud_credentials') that hands out what it was given."""

    def __init__(self, access_key_id: str, access_key_secret: str, security_token: str | None) -> None:
        self.model = type(
            "CredentialModel",
            (),
            {
                "access_key_id": access_key_id,
                "access_key_secret": access_key_secret,
                "security_token": security_token,
            },
        )()

    def get_credential(self) -> object:
        return self.model


COPY_PASTE = "copy-paste fault"
ROWS = [
    Row("unknown signature_version", lambda url: client(url, signature_version="v4"), ValueError,
        ("signature_version", "'v4'")),
    Row("endpoint not a URL", lambda url: client(url, endpoint="not a url"), ValueError,
        ("not an http(s) URL",)),
    Row("endpoint with no scheme", lambda url: client(url, endpoint="127.0.0.1:8080"), ValueError,
        ("not an http(s) URL",)),
    Row("endpoint not a str", lambda url: client(url, endpoint=b"http://127.0.0.1"), TypeError,
        ("endpoint must be a str",)),
    Row("http to a public host", lambda url: client(url, endpoint="http://sae.cn-hangzhou.aliyuncs.com"),
        ValueError, ("plain http", "not loopback")),
    Row("http to a private address", lambda url: client(url, endpoint="http://10.0.0.8:8080"), ValueError,
        ("plain http",)),
    Row("endpoint with user info", lambda url: client(url, endpoint="https://user:pw@example.com"),
        ValueError, ("user info",), ("pw@",)),
    Row("secret with a trailing newline", lambda url: call(url, Credentials(AKID, SECRET + "\n")),
        ValueError, ("access_key_secret", COPY_PASTE), (SECRET,)),
    Row("secret with a leading space", lambda url: call(url, Credentials(AKID, " " + SECRET)),
        ValueError, ("access_key_secret", COPY_PASTE), (SECRET,)),
    Row("key id with a newline inside", lambda url: call(url, Credentials("AKID\nBAD", SECRET)), ValueError,
        ("access_key_id", COPY_PASTE), ("AKID\nBAD", SECRET)),
    Row("token with a trailing space", lambda url: call(url, Credentials(AKID, SECRET, TOKEN + " ")),
        ValueError, ("security_token", COPY_PASTE), (SECRET, TOKEN)),
    Row("a credential client handing out a secret with a newline",
        lambda url: call(url, RotatingClient(AKID, SECRET + "\r\n", None)),
        CredentialsError, ("access_key_secret", COPY_PASTE), (SECRET,)),
    Row("URL over the gateway's limit: Envs", lambda url: call(url, envs={"BIG": "x" * 9000}), ValueError,
        ("Envs alone takes", "8177")),
    Row("URL over the gateway's limit: CommandArgs",
        lambda url: call(url, command=["echo", *["é" * 100] * 20]), ValueError, ("CommandArgs alone takes",)),
    Row("URL over the gateway's limit: JarStartArgs", lambda url: call(url, jar_start_args="a b" * 3000),
        ValueError, ("JarStartArgs alone takes",)),
    Row("an Env object with '=' in its name", lambda url: call(url, envs=[Env("A=B", "1")]), ValueError,
        ("Env.name", "contains '='")),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_bad_settings_credentials_and_sizes_raise_and_send_nothing(
    running: RunningEmulator, row: Row
) -> None:
    with pytest.raises(row.error) as caught:
        row.act(running.url)
    shown = exception_text(caught.value)
    for part in row.says:
        assert part in str(caught.value), (part, str(caught.value))
    for secret in row.hides:
        assert secret not in shown, secret
    nothing_sent(running)


def exception_text(error: BaseException) -> str:
    """Everything an exception shows: str, repr and args of it and of every cause and context."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def test_the_credentials_of_the_environment_with_a_pasted_newline(
    running: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET + "\n")
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
    with pytest.raises(CredentialsError) as caught:
        SaeJobClient(endpoint=running.url)
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in str(caught.value) and COPY_PASTE in str(caught.value)
    assert SECRET not in exception_text(caught.value)
    nothing_sent(running)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://user:CANARY-PASSWORD@example.com",
        "http://user:CANARY-PASSWORD@10.0.0.8:8080",
        "ftp://user:CANARY-PASSWORD@127.0.0.1",
        "http://user:CANARY-PASSWORD@127.0.0.1:port",
        "https://CANARY-PASSWORD@example.com/?q=1",
    ],
)
def test_an_endpoint_with_a_password_is_refused_without_showing_it(endpoint: str) -> None:
    # Found here: every endpoint message quoted the URL whole, user:password@ included.
    with pytest.raises(ValueError) as caught:
        SaeJobClient(endpoint=endpoint, credentials=KEY)
    assert "<redacted>@" in str(caught.value)
    assert "CANARY-PASSWORD" not in exception_text(caught.value)


# --- a listing's arguments: refused at the call, before anything is iterated or sent -------------------


def test_a_listings_bad_arguments_raise_at_the_call_not_on_iteration(running: RunningEmulator) -> None:
    with running.new_client() as client:
        with pytest.raises(ValueError, match="page_size"):
            client.job_history(APP.app_id, page_size=0)  # no next(): the call itself refuses
        with pytest.raises(ValueError, match="page_size"):
            client.list_templates(page_size=0)

    async def calls() -> None:
        async with AsyncSaeJobClient(endpoint=running.url, credentials=KEY) as client:
            with pytest.raises(ValueError, match="page_size"):
                client.job_history(APP.app_id, page_size=0)
            with pytest.raises(ValueError, match="page_size"):
                client.list_templates(page_size=0)

    asyncio.run(calls())
    nothing_sent(running)
