"""Signing: every vector folder step by step, the two signers driven by hand, and what must never leak.

Vectors live in ``tests/vectors/{v3,v2}/<name>/`` (see the README there). The official ones are
Alibaba Cloud's worked examples and are never rewritten. The regression ones (``"regression": true``)
hold what ``sae_job.signing`` computed: after a deliberate change, rewrite their expected files with
``SAE_JOB_REGENERATE_VECTORS=1 pytest tests/test_signing.py`` and review the diff.
"""

from __future__ import annotations

import asyncio
import difflib
import doctest
import itertools
import json
import logging
import os
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sae_job import signing
from sae_job.credentials import Credentials
from sae_job.emulator.auth import compare_signatures, parse_authorization_v2, parse_authorization_v3
from sae_job.signing import (
    AcsV3Auth,
    RoaV2Auth,
    authorization_v2,
    authorization_v3,
    canonical_headers_v2,
    canonical_headers_v3,
    canonical_query_v3,
    canonical_request_v3,
    canonical_resource_v2,
    canonical_uri_v3,
    content_md5,
    format_acs_date,
    format_http_date,
    hashed_payload,
    redact_headers,
    signature_v2,
    signature_v3,
    signed_headers_v3,
    string_to_sign_v2,
    string_to_sign_v3,
)

VECTORS = Path(__file__).parent / "vectors"
REGENERATE = os.environ.get("SAE_JOB_REGENERATE_VECTORS") == "1"

EXEC_JOB_URL = "https://sae.cn-hangzhou.aliyuncs.com/pop/v1/sam/job/execJob"
FIXED_NOW = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
SECRET = "CANARY-SECRET-0123456789abcdef"
TOKEN = "CANARY-TOKEN-CAISabcdef0123456789"
SIGNERS = [AcsV3Auth, RoaV2Auth]


# --- vectors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vector:
    folder: Path
    data: dict[str, Any]

    @property
    def method(self) -> str:
        return str(self.data["method"])

    @property
    def body(self) -> bytes:
        return str(self.data["body"]).encode("utf-8")

    def pairs(self, key: str) -> list[tuple[str, str]]:
        return [(str(name), str(value)) for name, value in self.data[key]]

    def header(self, name: str) -> str:
        """The vector's header value, matched case-insensitively; empty when absent."""
        return next((v for n, v in self.pairs("headers") if n.lower() == name), "")

    def credentials(self) -> Credentials:
        return Credentials(
            self.data["access_key_id"], self.data["access_key_secret"], self.data["security_token"]
        )


def vectors(version: str) -> list[Vector]:
    folders = sorted(p for p in (VECTORS / version).iterdir() if p.is_dir())
    return [Vector(f, json.loads((f / "request.json").read_text(encoding="utf-8"))) for f in folders]


def by_name(version: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("vector", vectors(version), ids=lambda v: v.folder.name)


def v3_steps(v: Vector) -> list[tuple[str, str]]:
    headers = v.pairs("headers")
    # what a client signs: host, content-type and every x-acs-* header
    lowered = {name.lower() for name, _ in headers}
    names = sorted(n for n in lowered if n in ("host", "content-type") or n.startswith("x-acs-"))
    signed = signed_headers_v3(names)
    canonical_request = canonical_request_v3(
        v.method,
        canonical_uri_v3(v.data["path"]),
        canonical_query_v3(v.pairs("query")),
        canonical_headers_v3(headers, names),
        signed,
        hashed_payload(v.body),
    )
    string_to_sign = string_to_sign_v3(canonical_request)
    signature = signature_v3(v.data["access_key_secret"], string_to_sign)
    return [
        ("canonical_request.txt", canonical_request),
        ("string_to_sign.txt", string_to_sign),
        ("signature.txt", signature),
        ("authorization.txt", authorization_v3(v.data["access_key_id"], signed, signature)),
    ]


def v2_steps(v: Vector) -> list[tuple[str, str]]:
    string_to_sign = string_to_sign_v2(
        v.method,
        v.header("accept"),
        v.header("content-md5"),
        v.header("content-type"),
        v.header("date"),
        canonical_headers_v2(v.pairs("headers")),
        canonical_resource_v2(v.data["path"], v.pairs("query")),
    )
    signature = signature_v2(v.data["access_key_secret"], string_to_sign)
    return [
        ("string_to_sign.txt", string_to_sign),
        ("signature.txt", signature),
        ("authorization.txt", authorization_v2(v.data["access_key_id"], signature)),
    ]


def read_exact(path: Path) -> str:
    # bytes, not read_text: a canonical text's line ends are part of what is signed
    return path.read_bytes().decode("utf-8")


def assert_steps(v: Vector, steps: list[tuple[str, str]]) -> None:
    """Fail at the FIRST step whose text differs from the vector's file, showing both."""
    if REGENERATE and v.data["regression"]:
        for filename, actual in steps:
            (v.folder / filename).write_bytes(actual.encode("utf-8"))
    for filename, actual in steps:
        path = v.folder / filename
        if not path.exists():
            pytest.fail(f"{v.folder.name}/{filename} is missing (regression: SAE_JOB_REGENERATE_VECTORS=1)")
        expected = read_exact(path)
        if actual != expected:
            diff = "\n".join(
                difflib.unified_diff(
                    expected.split("\n"), actual.split("\n"), "expected", "actual", lineterm=""
                )
            )
            pytest.fail(
                f"{v.folder.name}: first step that differs is {filename}\n"
                f"--- expected ---\n{expected}\n--- actual ---\n{actual}\n--- diff ---\n{diff}",
                pytrace=False,
            )


@by_name("v3")
def test_v3_vector_steps(vector: Vector) -> None:
    assert_steps(vector, v3_steps(vector))


@by_name("v2")
def test_v2_vector_steps(vector: Vector) -> None:
    assert_steps(vector, v2_steps(vector))


def test_official_vectors_are_present() -> None:
    # The numbers the brief and the documents give, so an edited expected file cannot hide them.
    v3 = VECTORS / "v3" / "official_runinstances"
    assert read_exact(v3 / "string_to_sign.txt") == (
        "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
    )
    assert (
        read_exact(v3 / "signature.txt") == "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    )
    assert (
        read_exact(VECTORS / "v2" / "official_roa_triggers" / "signature.txt")
        == "D9uFJAJgLL+dryjBfQK+YeqGtoY="
    )


def sign_with_signer(v: Vector, signer: type[AcsV3Auth | RoaV2Auth]) -> httpx.Request:
    """Build the vector's request from its URL and run the signer's auth_flow on it by hand."""
    spec = v.data["signer"]
    auth = signer(
        v.credentials(),
        action=spec["action"],
        version=spec["version"],
        clock=lambda: datetime.fromisoformat(spec["clock"]),
        nonce=lambda: str(spec["nonce"]),
    )
    owned = {"host", "date", "accept", "content-md5"}  # set by httpx or by the signer
    caller_headers = [
        (n, val) for n, val in v.pairs("headers") if n.lower() not in owned and not n.startswith("x-acs-")
    ]
    request = httpx.Request(v.method, v.data["url"], headers=caller_headers, content=v.body)
    flow = auth.auth_flow(request)
    sent = next(flow)
    with pytest.raises(StopIteration):  # yields once
        flow.send(httpx.Response(200))
    return sent


def assert_sent_like_vector(v: Vector, sent: httpx.Request) -> None:
    assert sent.url.params.multi_items() == v.pairs("query")  # httpx decodes '+' in the URL as a space
    headers = sorted(
        (n, val) for n, val in sent.headers.multi_items() if n not in ("authorization", "content-length")
    )
    assert headers == sorted((n.lower(), val) for n, val in v.pairs("headers"))
    assert sent.headers["authorization"] == read_exact(v.folder / "authorization.txt")


@pytest.mark.parametrize(
    "vector", [v for v in vectors("v3") if "signer" in v.data], ids=lambda v: v.folder.name
)
def test_v3_signer_reproduces_vector(vector: Vector) -> None:
    assert_sent_like_vector(vector, sign_with_signer(vector, AcsV3Auth))


@pytest.mark.parametrize(
    "vector", [v for v in vectors("v2") if "signer" in v.data], ids=lambda v: v.folder.name
)
def test_v2_signer_reproduces_vector(vector: Vector) -> None:
    assert_sent_like_vector(vector, sign_with_signer(vector, RoaV2Auth))


# --- the signers, by hand -----------------------------------------------------------------


def counter_nonce() -> Iterator[str]:
    return (f"nonce-{i}" for i in itertools.count())


def make(
    signer: type[AcsV3Auth | RoaV2Auth], credentials: Any = None, **kwargs: Any
) -> AcsV3Auth | RoaV2Auth:
    nonces = counter_nonce()
    defaults: dict[str, Any] = {"clock": lambda: FIXED_NOW, "nonce": lambda: next(nonces)}
    defaults.update(kwargs)
    creds = credentials or Credentials("AKID", SECRET)
    return signer(creds, **defaults)  # x-acs-action and x-acs-version from the operation table


def run(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    return next(auth.auth_flow(request))


def test_v3_auth_flow_sets_headers() -> None:
    auth = make(AcsV3Auth, Credentials("AKID", SECRET, TOKEN))
    sent = run(auth, httpx.Request("GET", EXEC_JOB_URL, params={"AppId": "app-1"}))

    assert sent.headers["x-acs-action"] == "ExecJob"
    assert sent.headers["x-acs-version"] == "2019-05-06"
    assert sent.headers["x-acs-date"] == "2024-05-01T08:00:00Z"
    assert sent.headers["x-acs-signature-nonce"] == "nonce-0"
    assert sent.headers["x-acs-content-sha256"] == hashed_payload(b"")
    assert sent.headers["x-acs-security-token"] == TOKEN
    assert sent.headers["x-acs-accesskey-id"] == "AKID"
    key_id, signed, signature = parse_authorization_v3(sent.headers["authorization"])
    assert key_id == "AKID"
    assert signed == [
        "host",
        "x-acs-accesskey-id",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-security-token",
        "x-acs-signature-nonce",
        "x-acs-version",
    ]
    assert compare_signatures(verify_v3(sent, SECRET), signature)


def test_v3_signs_body_and_content_type() -> None:
    sent = run(make(AcsV3Auth), httpx.Request("POST", EXEC_JOB_URL, json={"a": 1}))
    assert sent.headers["x-acs-content-sha256"] == hashed_payload(b'{"a":1}')
    _, signed, signature = parse_authorization_v3(sent.headers["authorization"])
    assert "content-type" in signed
    assert verify_v3(sent, SECRET) == signature


@pytest.mark.parametrize("signer", SIGNERS)
def test_signing_a_signed_request_again_signs_only_the_new_values(
    signer: type[AcsV3Auth | RoaV2Auth],
) -> None:
    # Rule: a retry re-signs the request it sent: the earlier date, nonce, signature and credentials are
    # replaced, never signed beside the new ones.
    first = make(signer, Credentials("AKID-STS", SECRET, TOKEN), clock=lambda: FIXED_NOW - timedelta(hours=1))
    again = run(make(signer), run(first, httpx.Request("GET", EXEC_JOB_URL, params={"AppId": "a"})))
    fresh = run(make(signer), httpx.Request("GET", EXEC_JOB_URL, params={"AppId": "a"}))
    assert again.headers["authorization"] == fresh.headers["authorization"]
    assert "x-acs-security-token" not in again.headers and verify(again, SECRET)


@pytest.mark.parametrize("signer", SIGNERS)
def test_a_host_header_the_caller_set_is_sent_and_signed_as_set(signer: type[AcsV3Auth | RoaV2Auth]) -> None:
    # Rule: the signer signs what is sent; a Host header (a gateway behind a tunnel) is never replaced.
    url = "http://127.0.0.1:8080/pop/v1/sam/job/execJob"
    sent = run(make(signer), httpx.Request("GET", url, headers={"Host": "sae.cn-hangzhou.aliyuncs.com"}))
    assert sent.headers["host"] == "sae.cn-hangzhou.aliyuncs.com" and verify(sent, SECRET)
    if signer is AcsV3Auth:
        assert "host" in parse_authorization_v3(sent.headers["authorization"])[1]


def test_a_header_value_sent_as_utf8_is_signed_as_its_text() -> None:
    request = httpx.Request("GET", EXEC_JOB_URL, headers={"x-acs-meta": "café".encode()})
    steps = make(AcsV3Auth).explain(request)
    assert steps.canonical_request is not None and "\nx-acs-meta:café\n" in steps.canonical_request


def test_the_default_nonce_is_128_random_bits_in_hex() -> None:
    signer = AcsV3Auth(Credentials("AKID", SECRET), clock=lambda: FIXED_NOW)
    nonces = [
        signer.explain(httpx.Request("GET", EXEC_JOB_URL)).headers_added["x-acs-signature-nonce"]
        for _ in range(3)
    ]
    assert len(set(nonces)) == 3
    assert all(len(nonce) == 32 and int(nonce, 16) >= 0 for nonce in nonces)


@pytest.mark.parametrize(("signer", "algorithm"), [(AcsV3Auth, "ACS3-HMAC-SHA256"), (RoaV2Auth, "HMAC-SHA1")])
def test_the_steps_are_logged_at_debug_and_shown_by_explain(
    signer: type[AcsV3Auth | RoaV2Auth], algorithm: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Rule: the canonical request (V3) and the string to sign are logged at DEBUG, as explain() shows them.
    caplog.set_level(logging.DEBUG, logger="sae_job")
    steps = make(signer).explain(httpx.Request("GET", EXEC_JOB_URL, params={"AppId": "a"}))
    assert steps.algorithm == algorithm
    caplog.clear()
    run(make(signer), httpx.Request("GET", EXEC_JOB_URL, params={"AppId": "a"}))
    if signer is AcsV3Auth:
        assert steps.canonical_request is not None
        assert steps.string_to_sign == string_to_sign_v3(steps.canonical_request)
        expected = [
            f"V3 canonical request:\n{steps.canonical_request}",
            f"V3 string to sign:\n{steps.string_to_sign}",
        ]
    else:
        assert steps.canonical_request is None
        assert steps.string_to_sign.startswith("GET\napplication/json\n\n\nWed, 01 May 2024 08:00:00 GMT\n")
        expected = [f"ROA V2 string to sign:\n{steps.string_to_sign}"]
    assert [record.getMessage() for record in caplog.records] == expected


def test_v2_auth_flow_sets_headers() -> None:
    auth = make(RoaV2Auth, Credentials("AKID", SECRET, TOKEN))
    sent = run(auth, httpx.Request("GET", EXEC_JOB_URL, params={"AppId": "app-1"}))

    assert sent.headers["date"] == "Wed, 01 May 2024 08:00:00 GMT"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["x-acs-signature-method"] == "HMAC-SHA1"
    assert sent.headers["x-acs-signature-version"] == "1.0"
    assert sent.headers["x-acs-signature-nonce"] == "nonce-0"
    assert sent.headers["x-acs-version"] == "2019-05-06"
    assert sent.headers["x-acs-accesskey-id"] == "AKID"
    assert sent.headers["x-acs-security-token"] == TOKEN
    assert "content-md5" not in sent.headers  # no body
    key_id, signature = parse_authorization_v2(sent.headers["authorization"])
    assert key_id == "AKID"
    assert signature == verify_v2(sent, SECRET)


def test_v2_keeps_callers_accept_and_signs_body() -> None:
    request = httpx.Request("POST", EXEC_JOB_URL, json={"a": 1}, headers={"Accept": "application/xml"})
    sent = run(make(RoaV2Auth), request)
    assert sent.headers["accept"] == "application/xml"
    assert sent.headers["content-md5"] == content_md5(b'{"a":1}')
    assert "\napplication/xml\n" + content_md5(b'{"a":1}') + "\napplication/json\n" in verify_v2_text(sent)
    assert parse_authorization_v2(sent.headers["authorization"])[1] == verify_v2(sent, SECRET)


@pytest.mark.parametrize("signer", SIGNERS)
def test_fresh_nonce_and_signature_every_attempt(signer: type[AcsV3Auth | RoaV2Auth]) -> None:
    request = httpx.Request("GET", EXEC_JOB_URL, params={"AppId": "app-1"})
    auth = make(signer)
    first = run(auth, request).headers.copy()
    second = run(auth, request).headers.copy()
    assert first["x-acs-signature-nonce"] == "nonce-0"
    assert second["x-acs-signature-nonce"] == "nonce-1"
    assert first["authorization"] != second["authorization"]

    default_nonce = signer(Credentials("AKID", SECRET), action="ExecJob", version="2019-05-06")
    nonces = {run(default_nonce, request).headers["x-acs-signature-nonce"] for _ in range(3)}
    assert len(nonces) == 3


@pytest.mark.parametrize("signer", SIGNERS)
def test_default_clock_is_now_in_utc(signer: type[AcsV3Auth | RoaV2Auth]) -> None:
    auth = signer(Credentials("AKID", SECRET), action="ExecJob", version="2019-05-06")
    before = datetime.now(UTC).replace(microsecond=0)
    sent = run(auth, httpx.Request("GET", EXEC_JOB_URL))
    if signer is AcsV3Auth:
        signed_at = datetime.strptime(sent.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    else:
        signed_at = datetime.strptime(sent.headers["date"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert before <= signed_at <= datetime.now(UTC)


def test_plus_in_raw_url_is_signed_as_a_space() -> None:
    raw = httpx.Request("GET", EXEC_JOB_URL + "?Command=echo+a%2Bb")
    built = httpx.Request("GET", EXEC_JOB_URL, params={"Command": "echo a+b"})
    v3_raw, v3_built = make(AcsV3Auth).explain(raw), make(AcsV3Auth).explain(built)
    assert v3_raw.canonical_request is not None
    assert "\nCommand=echo%20a%2Bb\n" in v3_raw.canonical_request
    assert v3_raw.signature == v3_built.signature

    v2_raw, v2_built = make(RoaV2Auth).explain(raw), make(RoaV2Auth).explain(built)
    assert v2_raw.string_to_sign.endswith("/pop/v1/sam/job/execJob?Command=echo a+b")
    assert v2_raw.signature == v2_built.signature


@pytest.mark.parametrize("signer", SIGNERS)
def test_explain_leaves_the_request_alone(signer: type[AcsV3Auth | RoaV2Auth]) -> None:
    request = httpx.Request("GET", EXEC_JOB_URL, params={"AppId": "app-1"})
    before = request.headers.multi_items()
    steps = make(signer).explain(request)
    assert request.headers.multi_items() == before
    assert steps.signature in steps.headers_added["Authorization"]
    assert (steps.canonical_request is None) == (signer is RoaV2Auth)


@pytest.mark.parametrize("signer", SIGNERS)
def test_credentials_are_asked_for_every_attempt(signer: type[AcsV3Auth | RoaV2Auth]) -> None:
    class Rotating:
        def __init__(self) -> None:
            self.given = iter([Credentials("AK-STS", SECRET, TOKEN), Credentials("AK-LONG", SECRET)])

        def get_credentials(self) -> Credentials:
            return next(self.given)

    auth = make(signer, Rotating())
    request = httpx.Request("GET", EXEC_JOB_URL)
    assert "AK-STS" in run(auth, request).headers["authorization"]
    second = run(auth, request)  # the same request sent again, now with long-term credentials
    assert "AK-LONG" in second.headers["authorization"]
    assert "x-acs-security-token" not in second.headers
    assert "x-acs-accesskey-id" not in second.headers


@pytest.mark.parametrize("signer", SIGNERS)
def test_secret_and_token_never_leak(signer: type[AcsV3Auth | RoaV2Auth], caplog: Any) -> None:
    caplog.set_level(logging.DEBUG, logger="sae_job.signing")
    creds = Credentials("AKID", SECRET, TOKEN)
    auth = make(signer, creds)
    request = httpx.Request("GET", EXEC_JOB_URL, params={"AppId": "app-1"})
    steps = auth.explain(request)
    sent = run(auth, request)

    assert sent.headers["x-acs-security-token"] == TOKEN  # sent, so the checks below mean something
    assert any("string to sign" in r.getMessage() for r in caplog.records)
    shown = [
        repr(auth),
        str(auth),
        repr(creds),
        repr(steps),
        str(steps),
        *(str(getattr(steps, f)) for f in ("canonical_request", "string_to_sign", "headers_added")),
        redact_headers(sent.headers),
        caplog.text,
        *(r.getMessage() for r in caplog.records),
    ]
    for text in shown:
        assert SECRET not in str(text)
        assert TOKEN not in str(text)
    assert steps.headers_added["x-acs-security-token"] == "<redacted>"


def test_repr_does_not_show_the_provider() -> None:
    class Leaky:
        def get_credentials(self) -> Credentials:
            return Credentials("AKID", SECRET)

        def __repr__(self) -> str:
            return f"Leaky({SECRET})"

    assert repr(AcsV3Auth(Leaky(), action="ExecJob", version="2019-05-06")) == (
        "AcsV3Auth(action='ExecJob', version='2019-05-06')"
    )
    assert repr(RoaV2Auth(Leaky())) == "RoaV2Auth()"


@pytest.mark.parametrize("signer", SIGNERS)
def test_the_action_and_version_come_from_the_operation_table(signer: type[AcsV3Auth | RoaV2Auth]) -> None:
    sent = run(make(signer), httpx.Request("GET", EXEC_JOB_URL + "?AppId=a"))
    assert (sent.headers["x-acs-action"], sent.headers["x-acs-version"]) == ("ExecJob", "2019-05-06")


@pytest.mark.parametrize("signer", SIGNERS)
def test_overrides_sign_a_path_the_table_does_not_know(signer: type[AcsV3Auth | RoaV2Auth]) -> None:
    other = "https://sae.cn-hangzhou.aliyuncs.com/pop/v1/sam/app/describeApplicationStatus"
    with pytest.raises(ValueError, match="/pop/v1/sam/app/describeApplicationStatus"):
        run(make(signer), httpx.Request("GET", other))
    overridden = make(signer, action="DescribeApplicationStatus", version="2019-05-06")
    sent = run(overridden, httpx.Request("GET", other))
    assert sent.headers["x-acs-action"] == "DescribeApplicationStatus"
    # one override alone takes the other from the table
    assert (
        run(make(signer, version="2020-01-01"), httpx.Request("GET", EXEC_JOB_URL)).headers["x-acs-action"]
        == "ExecJob"
    )


@pytest.mark.parametrize("signer", SIGNERS)
def test_sync_and_async_clients_send_verifiable_requests(signer: type[AcsV3Auth | RoaV2Auth]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        ok = verify(request, SECRET)
        return httpx.Response(200 if ok else 401)

    auth = make(signer)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        assert client.get(EXEC_JOB_URL, params={"AppId": "a b"}).status_code == 200
        assert client.get(EXEC_JOB_URL, params={"AppId": "a b"}).status_code == 200

    async def send_async() -> int:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as client:
            response = await client.post(EXEC_JOB_URL, json={"x": "é"})
            return response.status_code

    assert asyncio.run(send_async()) == 200
    nonces = [r.headers["x-acs-signature-nonce"] for r in seen]
    assert len(set(nonces)) == 3


# --- a verifier built from the step functions, as the emulator will ------------------------


def verify_v3(request: httpx.Request, secret: str) -> str:
    """The V3 signature recomputed from what arrived, signing the names its SignedHeaders lists."""
    _, signed, _ = parse_authorization_v3(request.headers["authorization"])
    canonical_request = canonical_request_v3(
        request.method,
        canonical_uri_v3(request.url.path),
        canonical_query_v3(request.url.params.multi_items()),
        canonical_headers_v3(request.headers.multi_items(), signed),
        signed_headers_v3(signed),
        hashed_payload(request.content),
    )
    return signature_v3(secret, string_to_sign_v3(canonical_request))


def verify_v2_text(request: httpx.Request) -> str:
    h = request.headers
    return string_to_sign_v2(
        request.method,
        h.get("accept", ""),
        h.get("content-md5", ""),
        h.get("content-type", ""),
        h.get("date", ""),
        canonical_headers_v2(h.multi_items()),
        canonical_resource_v2(request.url.path, request.url.params.multi_items()),
    )


def verify_v2(request: httpx.Request, secret: str) -> str:
    return signature_v2(secret, verify_v2_text(request))


def verify(request: httpx.Request, secret: str) -> bool:
    value = request.headers.get("authorization", "")
    if value.startswith("acs "):
        return compare_signatures(verify_v2(request, secret), parse_authorization_v2(value)[1])
    return compare_signatures(verify_v3(request, secret), parse_authorization_v3(value)[2])


def test_verifier_signs_exactly_the_listed_headers() -> None:
    sent = run(make(AcsV3Auth), httpx.Request("GET", EXEC_JOB_URL, headers={"x-acs-extra": "1"}))
    assert "x-acs-extra" in parse_authorization_v3(sent.headers["authorization"])[1]
    assert verify(sent, SECRET)
    sent.headers["x-acs-extra"] = "2"  # a signed header altered on the way
    assert not verify(sent, SECRET)
    sent.headers["x-acs-extra"] = "1"
    sent.headers["user-agent"] = "changed"  # an unsigned one
    assert verify(sent, SECRET)
    del sent.headers["x-acs-extra"]  # a signed header missing
    with pytest.raises(ValueError, match="x-acs-extra"):
        verify(sent, SECRET)


# --- single steps -------------------------------------------------------------------------


def test_canonical_headers_v3_trims_and_joins_repeated_values() -> None:
    headers = [("X-Acs-B", " 2 "), ("x-acs-b", "1"), ("Host", "h"), ("Accept", "*/*")]
    assert canonical_headers_v3(headers, ["x-acs-b", "host"]) == "host:h\nx-acs-b:1,2\n"


def test_canonical_resource_v2_sorts_by_name_and_keeps_values_raw() -> None:
    params = [("b", "x y"), ("a", ""), ("c", "é&=")]
    assert canonical_resource_v2("/p", params) == "/p?a&b=x y&c=é&="


def test_dates_need_a_zone_and_come_out_in_utc() -> None:
    plus8 = datetime(2023, 10, 26, 18, 22, 32, tzinfo=timezone(timedelta(hours=8)))
    assert format_acs_date(plus8) == "2023-10-26T10:22:32Z"
    assert format_http_date(plus8) == "Thu, 26 Oct 2023 10:22:32 GMT"
    for formatter in (format_acs_date, format_http_date):
        with pytest.raises(ValueError) as caught:
            formatter(datetime(2023, 10, 26, 10, 22, 32))
        assert str(caught.value) == "a timezone-aware datetime is needed, got a naive one"


def test_a_signing_time_is_whole_seconds_in_utc() -> None:
    plus8 = datetime(2023, 10, 26, 18, 22, 32, 999_999, tzinfo=timezone(timedelta(hours=8)))
    assert signing.as_utc(plus8) == datetime(2023, 10, 26, 10, 22, 32, tzinfo=UTC)
    assert signing.as_utc(plus8).microsecond == 0


def test_the_payload_hash_is_the_hex_sha256_of_the_body() -> None:
    assert hashed_payload(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert hashed_payload(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_redacting_headers_given_as_pairs_hides_the_token_and_keeps_the_rest() -> None:
    pairs = [("x-acs-date", "D"), ("X-Acs-Security-Token", "CAIS-token"), ("Authorization", "ACS3 x")]
    assert redact_headers(pairs) == {
        "x-acs-date": "D",
        "X-Acs-Security-Token": "<redacted>",
        "Authorization": "ACS3 x",
    }


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("a=b=c", "a=b%3Dc"),  # a "=" sent raw inside a value is %3D
        ("a=1&flag", "a=1&flag="),  # a name alone has an empty value
        ("a+b=c+d&e=f", "a%20b=c%20d&e=f"),  # "+" is a space, in names as in values
        ("b=2&a=1", "a=1&b=2"),
    ],
)
def test_the_canonical_query_of_a_raw_query_is_that_of_its_decoded_pairs(raw: str, canonical: str) -> None:
    # Rule: the shortcut for an already-encoded query gives what decoding and encoding again gives.
    assert signing.canonical_query_v3_of_raw(raw) == canonical
    assert canonical_query_v3(signing.decoded_query(raw)) == canonical


UNRESERVED = set(string.ascii_letters + string.digits + "-_.~")


@given(st.text())
def test_percent_encode_is_rfc3986(value: str) -> None:
    encoded = percent_encode_checked(value)
    assert unquote(encoded, errors="strict") == value


def percent_encode_checked(value: str) -> str:
    encoded = signing.percent_encode(value)
    rest = encoded
    while "%" in rest:
        before, _, rest = rest.partition("%")
        assert set(before) <= UNRESERVED
        assert len(rest) >= 2 and set(rest[:2]) <= set("0123456789ABCDEF")
        rest = rest[2:]
    assert set(rest) <= UNRESERVED
    return encoded


@given(st.lists(st.tuples(st.text(), st.text())))
def test_canonical_query_v3_ignores_the_order_given(params: list[tuple[str, str]]) -> None:
    assert canonical_query_v3(params) == canonical_query_v3(list(reversed(params)))


def test_doctests_of_signing() -> None:
    results = doctest.testmod(signing, optionflags=doctest.ELLIPSIS)
    assert results.failed == 0
    assert results.attempted >= 20


# --- rules the mutation run found untested (issue 15) ------------------------------------------------

SURVIVOR_URL = "https://sae.cn-hangzhou.aliyuncs.com/pop/v1/sam/job/execJob"
SURVIVOR_NOW = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)


def fixed_signer(auth: type[AcsV3Auth | RoaV2Auth], clock: datetime = SURVIVOR_NOW) -> AcsV3Auth | RoaV2Auth:
    key = Credentials("AKID-SURVIVORS", "CANARY-SECRET-survivors")
    return auth(key, action="ExecJob", version="2019-05-06", clock=lambda: clock, nonce=lambda: "nonce-1")


@pytest.mark.parametrize(
    ("raw", "decoded", "canonical"),
    [
        ("v=%2D", "-", "v=-"),  # unreserved characters, escaped needlessly, are signed as themselves
        ("v=%2E", ".", "v=."),
        ("v=%5F", "_", "v=_"),
        ("v=%7E", "~", "v=~"),
        ("v=%61", "a", "v=a"),
        ("v=%41", "A", "v=A"),
        ("v=%2a", "*", "v=%2A"),  # lower-case hex is signed upper-case
        ("v=%2A%2d", "*-", "v=%2A-"),
        ("%61pp=x%7Ey&b=%2e", None, "app=x~y&b=."),
    ],
)
def test_an_already_encoded_query_is_signed_in_its_canonical_form(
    raw: str, decoded: str | None, canonical: str
) -> None:
    # Rule: the V3 canonical query is the DECODED pairs percent-encoded per RFC 3986, however the URL
    # escaped them: what the gateway computes from the same URL.
    pairs = signing.decoded_query(raw)
    if decoded is not None:
        assert pairs == [("v", decoded)]
    assert canonical_query_v3(pairs) == canonical
    signer = fixed_signer(AcsV3Auth)
    sent = signer.explain(httpx.Request("GET", f"{SURVIVOR_URL}?{raw}")).canonical_request
    rebuilt = signer.explain(httpx.Request("GET", SURVIVOR_URL, params=pairs)).canonical_request
    assert sent is not None and sent.split("\n")[2] == canonical
    assert sent == rebuilt


def test_repeated_x_acs_headers_are_joined_by_commas_in_v2() -> None:
    # Rule: ROA V2 signs a header sent more than once as one line, its values joined by ",", in order.
    headers = [("x-acs-meta", "1"), ("X-Acs-Meta", "2"), ("x-acs-a", "0"), ("Accept", "*/*")]
    assert canonical_headers_v2(headers) == "x-acs-a:0\nx-acs-meta:1,2\n"
    request = httpx.Request("GET", SURVIVOR_URL, headers=[("x-acs-meta", "1"), ("x-acs-meta", "2")])
    assert "\nx-acs-meta:1,2\n" in fixed_signer(RoaV2Auth).explain(request).string_to_sign


@pytest.mark.parametrize("url", [SURVIVOR_URL, "http://127.0.0.1:8080/pop/v1/sam/job/execJob?AppId=a"])
def test_a_request_without_a_host_header_is_signed_with_the_urls_host(url: str) -> None:
    # Rule: V3 signs the host that is sent; with no Host header, that is the URL's netloc (port included).
    signer = fixed_signer(AcsV3Auth)
    with_host = signer.explain(httpx.Request("GET", url))
    request = httpx.Request("GET", url)
    del request.headers["host"]
    without = signer.explain(request)
    netloc = httpx.URL(url).netloc.decode()
    assert without.headers_added["host"] == netloc
    assert without.canonical_request is not None and f"\nhost:{netloc}\n" in without.canonical_request
    assert without.canonical_request == with_host.canonical_request
    assert without.signature == with_host.signature


@pytest.mark.usefixtures("shanghai_time")
@pytest.mark.parametrize(
    "clock", [SURVIVOR_NOW, datetime(2024, 5, 1, 3, 0, 0, tzinfo=timezone(-timedelta(hours=5)))]
)
def test_signing_dates_are_utc_whatever_the_local_time_zone(clock: datetime) -> None:
    # Rule: x-acs-date and Date are UTC, never the machine's local time (here UTC+8).
    v3 = fixed_signer(AcsV3Auth, clock).explain(httpx.Request("GET", SURVIVOR_URL))
    assert v3.headers_added["x-acs-date"] == "2024-05-01T08:00:00Z"
    assert v3.canonical_request is not None and "\nx-acs-date:2024-05-01T08:00:00Z\n" in v3.canonical_request
    v2 = fixed_signer(RoaV2Auth, clock).explain(httpx.Request("GET", SURVIVOR_URL))
    assert v2.headers_added["Date"] == "Wed, 01 May 2024 08:00:00 GMT"
    assert format_acs_date(clock) == "2024-05-01T08:00:00Z"
    assert format_http_date(clock) == "Wed, 01 May 2024 08:00:00 GMT"
