"""The emulator's gateway authentication (sae_job.emulator.auth): every code it answers, both signature
versions, with and without an STS token, replays, stale dates, and any one-character change refused.

Requests are signed by the client's own signers (``AcsV3Auth``/``RoaV2Auth``) or, for what those never
send, by the step functions of ``sae_job.signing`` directly.
"""

from __future__ import annotations

import doctest
import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sae_job.credentials import Credentials
from sae_job.emulator import auth
from sae_job.emulator.auth import AuthFailure, Caller, NonceCache, verify_request
from sae_job.emulator.werkzeug_harness import raw_target, verify_werkzeug
from sae_job.signing import (
    AcsV3Auth,
    RoaV2Auth,
    authorization_v3,
    canonical_headers_v3,
    canonical_query_v3,
    canonical_request_v3,
    canonical_uri_v3,
    format_acs_date,
    hashed_payload,
    signature_v3,
    signed_headers_v3,
    string_to_sign_v3,
)
from tests.conftest import PATH

NOW = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
URL = "https://sae.cn-hangzhou.aliyuncs.com/pop/v1/sam/job/execJob"
SECRET = "CANARY-SECRET-emulator-0123456789"
TOKEN = "CANARY-TOKEN-CAIS-emulator+/=="
PLAIN = Credentials("AKID-PLAIN", SECRET)
STS = Credentials("STS.AKID", SECRET + "-sts", TOKEN)
KEYS = {c.access_key_id: c for c in (PLAIN, STS)}
SIGNERS = {"v3": AcsV3Auth, "v2": RoaV2Auth}
PARAMS = {"AppId": "app 1+2", "CommandArgs": '["a b","é","&=%#?"]', "Time": ""}


def nonces() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"nonce-{next(counter)}"


def sign(
    version: str,
    credentials: Credentials = PLAIN,
    *,
    params: Any = None,
    method: str = "GET",
    clock: datetime = NOW,
    nonce: Callable[[], str] | None = None,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> httpx.Request:
    """A request as the client's signer sends it."""
    signer = SIGNERS[version](
        credentials, action="ExecJob", version="2019-05-06", clock=lambda: clock, nonce=nonce or nonces()
    )
    request = httpx.Request(
        method, URL, params=PARAMS if params is None else params, headers=headers, content=content
    )
    return next(signer.auth_flow(request))


def parts(request: httpx.Request) -> dict[str, Any]:
    raw_path, _, query = request.url.raw_path.decode("ascii").partition("?")
    return {
        "method": request.method,
        "path": raw_path,
        "query": query,
        "headers": request.headers.multi_items(),
        "body": request.content,
    }


def verify(request: httpx.Request | dict[str, Any], **kwargs: Any) -> Caller:
    fields = parts(request) if isinstance(request, httpx.Request) else request
    options: dict[str, Any] = {"credentials": KEYS, "now": NOW, **kwargs}
    return verify_request(**fields, **options)


def refused(request: httpx.Request | dict[str, Any], **kwargs: Any) -> AuthFailure:
    with pytest.raises(AuthFailure) as caught:
        verify(request, **kwargs)
    return caught.value


def without(request: httpx.Request, name: str) -> dict[str, Any]:
    fields = parts(request)
    fields["headers"] = [(n, v) for n, v in fields["headers"] if n.lower() != name]
    return fields


def replaced(request: httpx.Request, name: str, value: str) -> dict[str, Any]:
    fields = without(request, name)
    fields["headers"].append((name, value))
    return fields


# --- accepted -----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v3", "v2"])
@pytest.mark.parametrize("credentials", [PLAIN, STS], ids=["ak", "sts"])
def test_a_signed_request_names_its_caller(version: str, credentials: Credentials) -> None:
    caller = verify(sign(version, credentials), nonces=NonceCache())
    assert caller == Caller(credentials.access_key_id, version, credentials.security_token)  # type: ignore[arg-type]
    assert TOKEN not in repr(caller)


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_signed_body_verifies_and_a_changed_body_does_not(version: str) -> None:
    request = sign(version, method="POST", content=b'{"a": 1}', headers={"content-type": "application/json"})
    verify(request)
    fields = parts(request)
    fields["body"] = b'{"a": 2}'
    assert refused(fields).code == "SignatureDoesNotMatch"


def test_the_query_is_decoded_as_the_gateway_does_plus_is_a_space() -> None:
    # httpx writes a space as %20; the official SDK writes it as +: both are the same signed value.
    request = sign("v3", params={"AppId": "a b", "EventId": "x+y"})
    fields = parts(request)
    assert "AppId=a%20b" in fields["query"] or "AppId=a+b" in fields["query"]
    fields["query"] = "AppId=a+b&EventId=x%2By"
    verify(fields)
    fields["query"] = "AppId=a+b&EventId=x+y"  # now EventId is "x y": not what was signed
    assert refused(fields).code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("skew", [timedelta(minutes=15), -timedelta(minutes=15), timedelta(0)])
@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_date_within_fifteen_minutes_is_accepted(version: str, skew: timedelta) -> None:
    verify(sign(version, clock=NOW + skew))


def sdk_style_v3(credentials: Credentials, params: dict[str, str], nonce: str) -> dict[str, Any]:
    """A request as Alibaba Cloud's official SDK sends it: the query written with + for spaces, and
    every header it sends signed, user-agent and accept included."""
    headers = {
        "host": "sae.cn-hangzhou.aliyuncs.com",
        "user-agent": "AlibabaCloud (Linux; x86_64) Python/3.11.9 Core/1.0.0 TeaDSL/1",
        "accept": "application/json",
        "x-acs-action": "ExecJob",
        "x-acs-version": "2019-05-06",
        "x-acs-date": format_acs_date(NOW),
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": hashed_payload(b""),
    }
    if credentials.security_token:
        headers["x-acs-security-token"] = credentials.security_token
    names = sorted(headers)
    canonical = canonical_request_v3(
        "GET",
        canonical_uri_v3(PATH),
        canonical_query_v3(params.items()),
        canonical_headers_v3(headers, names),
        signed_headers_v3(names),
        hashed_payload(b""),
    )
    signature = signature_v3(credentials.access_key_secret, string_to_sign_v3(canonical))
    authorization = authorization_v3(credentials.access_key_id, signed_headers_v3(names), signature)
    return {
        "method": "GET",
        "path": PATH,
        "query": urlencode(params),  # quote_plus: spaces as +
        "headers": [*headers.items(), ("Authorization", authorization)],
        "body": b"",
    }


@pytest.mark.parametrize("credentials", [PLAIN, STS], ids=["ak", "sts"])
def test_an_sdk_style_request_signing_user_agent_and_accept_verifies(credentials: Credentials) -> None:
    request = sdk_style_v3(credentials, {"AppId": "a b", "Envs": '[{"name":"k","value":"v w"}]'}, "n-1")
    assert "+" in request["query"]
    assert verify(request).access_key_id == credentials.access_key_id
    request["headers"] = [(n, "curl/8" if n == "user-agent" else v) for n, v in request["headers"]]
    assert refused(request).code == "SignatureDoesNotMatch"  # user-agent was signed, so it counts


# --- refused ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_no_authorization_is_an_incomplete_signature(version: str) -> None:
    failure = refused(without(sign(version), "authorization"))
    assert (failure.code, failure.status) == ("IncompleteSignature", 400)
    assert failure.message == "The request signature does not conform to Aliyun standards."


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Bearer abc",
        "ACS3-HMAC-SHA256 Credential=AKID-PLAIN",
        "ACS3-HMAC-SHA256 Credential=AKID-PLAIN,SignedHeaders=host,Signature=zz",
        "acs AKID-PLAIN",
        "acs AKID-PLAIN:not-base64",
        "ACS AKID-PLAIN:D9uFJAJgLL+dryjBfQK+YeqGtoY=",
    ],
)
def test_a_malformed_authorization_is_an_incomplete_signature(value: str) -> None:
    assert refused(replaced(sign("v3"), "authorization", value)).code == "IncompleteSignature"


def test_two_authorization_headers_are_an_incomplete_signature() -> None:
    request = sign("v3")
    fields = parts(request)
    fields["headers"].append(("Authorization", request.headers["authorization"]))
    assert refused(fields).code == "IncompleteSignature"


def v3_signing_only(names: list[str], *, drop_after_signing: str | None = None) -> dict[str, Any]:
    """A V3 request whose SignedHeaders is exactly ``names`` (correctly signed over them)."""
    request = sign("v3", STS)
    headers = dict(request.headers.multi_items())
    headers.pop("authorization")
    canonical = canonical_request_v3(
        "GET",
        canonical_uri_v3(PATH),
        canonical_query_v3(request.url.params.multi_items()),
        canonical_headers_v3(headers, names),
        signed_headers_v3(names),
        hashed_payload(b""),
    )
    signature = signature_v3(STS.access_key_secret, string_to_sign_v3(canonical))
    headers["authorization"] = authorization_v3(STS.access_key_id, signed_headers_v3(names), signature)
    if drop_after_signing:
        headers.pop(drop_after_signing)
    fields = parts(request)
    fields["headers"] = list(headers.items())
    return fields


ALL_SENT_V3 = sorted(
    [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
        "x-acs-security-token",
    ]
)


def test_a_v3_request_signing_all_it_must_verifies() -> None:
    verify(v3_signing_only(ALL_SENT_V3))
    # x-acs-content-sha256 is not required: the body's own hash is signed in the canonical request
    verify(v3_signing_only([n for n in ALL_SENT_V3 if n != "x-acs-content-sha256"]))


@pytest.mark.parametrize("name", [*sorted(auth.REQUIRED_SIGNED_HEADERS_V3), "x-acs-security-token"])
def test_a_v3_request_not_signing_a_required_header_is_incomplete(name: str) -> None:
    failure = refused(v3_signing_only([n for n in ALL_SENT_V3 if n != name]))
    assert failure.code == "IncompleteSignature"
    assert name in failure.reason


@pytest.mark.parametrize("name", ["host", "x-acs-date", "x-acs-content-sha256", "x-acs-security-token"])
def test_a_v3_request_missing_a_header_it_signed_is_incomplete(name: str) -> None:
    failure = refused(v3_signing_only(ALL_SENT_V3, drop_after_signing=name))
    assert failure.code == "IncompleteSignature"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("date", None),
        ("x-acs-signature-nonce", None),
        ("x-acs-signature-method", None),
        ("x-acs-signature-method", "HMAC-SHA256"),
        ("x-acs-signature-version", None),
        ("x-acs-signature-version", "2.0"),
    ],
)
def test_a_v2_request_without_what_roa_needs_is_incomplete(name: str, value: str | None) -> None:
    request = sign("v2")
    fields = without(request, name) if value is None else replaced(request, name, value)
    assert refused(fields).code == "IncompleteSignature"


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_an_unknown_key_is_not_found_with_status_404(version: str) -> None:
    failure = refused(sign(version, Credentials("AKID-UNKNOWN", SECRET)))
    assert (failure.code, failure.status) == ("InvalidAccessKeyId.NotFound", 404)
    assert failure.message == "Specified access key is not found."


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=15, seconds=1), -timedelta(minutes=16), timedelta(days=1)]
)
@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_date_more_than_fifteen_minutes_off_has_expired(version: str, skew: timedelta) -> None:
    failure = refused(sign(version, clock=NOW + skew))
    assert (failure.code, failure.message) == (
        "InvalidTimeStamp.Expired",
        "Specified time stamp or date value is expired.",
    )


def test_the_window_is_the_callers_to_choose() -> None:
    request = sign("v3", clock=NOW + timedelta(minutes=3))
    assert refused(request, window=timedelta(minutes=2)).code == "InvalidTimeStamp.Expired"


@pytest.mark.parametrize(
    ("version", "header", "value"),
    [
        ("v3", "x-acs-date", "2024-05-01 08:00:00"),
        ("v3", "x-acs-date", "2024-5-1T08:00:00Z"),
        ("v3", "x-acs-date", "2024-13-01T08:00:00Z"),
        ("v3", "x-acs-date", "Wed, 01 May 2024 08:00:00 GMT"),
        ("v2", "date", "yesterday"),
        ("v2", "date", "2024-05-01T08:00:00Z"),
    ],
)
def test_an_unparseable_date_is_a_format_error(version: str, header: str, value: str) -> None:
    assert refused(replaced(sign(version), header, value)).code == "InvalidTimeStamp.Format"


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_key_with_a_token_refuses_a_request_without_it(version: str) -> None:
    # Signed with the STS key's secret, but without its token.
    failure = refused(sign(version, Credentials(STS.access_key_id, STS.access_key_secret)))
    assert (failure.code, failure.message) == (
        "InvalidSecurityToken.Malformed",
        "Specified SecurityToken is malformed.",
    )


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_key_with_a_token_refuses_another_token(version: str) -> None:
    other = Credentials(STS.access_key_id, STS.access_key_secret, TOKEN + "x")
    assert refused(sign(version, other)).code == "InvalidSecurityToken.MismatchWithAccessKey"


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_key_without_a_token_refuses_one(version: str) -> None:
    with_token = Credentials(PLAIN.access_key_id, PLAIN.access_key_secret, TOKEN)
    failure = refused(sign(version, with_token))
    assert (failure.code, failure.message) == (
        "InvalidSecurityToken.MismatchWithAccessKey",
        "Specified SecurityToken mismatch with the AccessKey.",
    )


@pytest.mark.parametrize("version", ["v3", "v2"])
@pytest.mark.parametrize("credentials", [PLAIN, STS], ids=["ak", "sts"])
def test_a_wrong_secret_shows_the_servers_string_to_sign_and_no_secret(
    version: str, credentials: Credentials
) -> None:
    wrong = Credentials(credentials.access_key_id, "WRONG-SECRET", credentials.security_token)
    signer = SIGNERS[version](
        wrong, action="ExecJob", version="2019-05-06", clock=lambda: NOW, nonce=lambda: "n"
    )
    request = httpx.Request("GET", URL, params=PARAMS)
    client_side = signer.explain(request)  # what the client signed, secrets redacted
    failure = refused(next(signer.auth_flow(request)))

    assert failure.code == "SignatureDoesNotMatch"
    prefix = "Specified signature is not matched with our calculation. server string to sign is:"
    assert failure.message == prefix + client_side.string_to_sign
    for secret in (SECRET, credentials.access_key_secret, "WRONG-SECRET", TOKEN):
        assert secret not in failure.message
        assert secret not in str(failure)
    if version == "v2" and credentials.security_token:
        assert "x-acs-security-token:<redacted>" in failure.message


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_replayed_nonce_is_refused(version: str) -> None:
    cache = NonceCache()
    request = sign(version)
    verify(request, nonces=cache)
    failure = refused(request, nonces=cache)
    assert (failure.code, failure.message) == (
        "SignatureNonceUsed",
        "Specified signature nonce was used already.",
    )
    # The same nonce is fine again once the window has passed.
    later = NOW + timedelta(minutes=16)
    verify(sign(version, clock=later, nonce=lambda: "nonce-0"), nonces=cache, now=later)


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_forged_request_does_not_use_up_the_nonce(version: str) -> None:
    cache = NonceCache()
    forged = sign(version, Credentials(PLAIN.access_key_id, "not-the-secret"), nonce=lambda: "shared")
    assert refused(forged, nonces=cache).code == "SignatureDoesNotMatch"
    verify(sign(version, nonce=lambda: "shared"), nonces=cache)


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify(sign("v3"), now=NOW.replace(tzinfo=None))


# --- any one-character change is refused ---------------------------------------------------------

SIGNED_V2 = [
    "accept",
    "date",
    "x-acs-signature-nonce",
    "x-acs-version",
    "x-acs-action",
    "x-acs-security-token",
]
# Changing these trips a check made before the signature's (date form, clock, token, scheme).
CHECKED_FIRST = {"date", "x-acs-date", "x-acs-security-token"}


def mutate(text: str, data: st.DataObject) -> str:
    if not text:
        return data.draw(st.characters(codec="utf-8", exclude_characters="\r\n\x00"))
    i = data.draw(st.integers(0, len(text) - 1))
    new = data.draw(
        st.characters(codec="utf-8", exclude_characters=f"\r\n\x00{text[i]}").filter(
            lambda c: c.strip() == c  # trailing whitespace in a header value is not sent as such
        )
    )
    return text[:i] + new + text[i + 1 :]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(version=st.sampled_from(["v3", "v2"]), sts=st.booleans(), data=st.data())
def test_any_one_character_change_is_refused(version: str, sts: bool, data: st.DataObject) -> None:
    credentials = STS if sts else PLAIN
    request = sign(version, credentials)
    fields = parts(request)
    params = list(request.url.params.multi_items())
    signed = (
        auth.parse_authorization_v3(request.headers["authorization"])[1]
        if version == "v3"
        else [n for n in SIGNED_V2 if n in request.headers]
    )
    what = data.draw(st.sampled_from(["method", "path", "param name", "param value", "header"]))
    if what == "method":
        fields["method"] = mutate(fields["method"], data)
    elif what == "path":
        fields["path"] = quote(mutate(PATH, data), safe="/")
    elif what.startswith("param"):
        i = data.draw(st.integers(0, len(params) - 1))
        name, value = params[i]
        params[i] = (mutate(name, data), value) if what == "param name" else (name, mutate(value, data))
        fields["query"] = urlencode(params, quote_via=quote)
    else:
        name = data.draw(st.sampled_from(signed))
        fields = replaced(request, name, mutate(request.headers[name], data).strip())
        if name in CHECKED_FIRST:
            with pytest.raises(AuthFailure):
                verify(fields)
            return
    assert refused(fields).code == "SignatureDoesNotMatch"


# --- the nonce cache ----------------------------------------------------------------------------


def test_nonce_cache_forgets_what_is_older_than_its_window() -> None:
    cache = NonceCache(timedelta(minutes=15))
    assert cache.use("a", NOW)
    assert not cache.use("a", NOW + timedelta(minutes=15))
    assert cache.use("b", NOW + timedelta(minutes=16))
    assert len(cache) == 1  # "a" was dropped when "b" arrived
    assert cache.use("a", NOW + timedelta(minutes=16))


def test_nonce_cache_is_bounded() -> None:
    cache = NonceCache(max_entries=100)
    for i in range(1000):
        assert cache.use(str(i), NOW)
    assert len(cache) == 100
    assert not cache.use("999", NOW)
    assert cache.use("0", NOW)  # evicted: the price of the bound, documented


def test_nonce_cache_clear() -> None:
    cache = NonceCache()
    cache.use("a", NOW)
    cache.clear()
    assert len(cache) == 0
    assert cache.use("a", NOW)


def test_nonce_cache_lets_exactly_one_racer_through() -> None:
    cache = NonceCache()
    barrier = threading.Barrier(16)
    results: list[bool] = []

    def racer() -> None:
        barrier.wait()
        for i in range(200):
            results.append(cache.use(f"n{i}", NOW))

    threads = [threading.Thread(target=racer) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 200


def test_nonce_cache_refuses_a_nonsense_window() -> None:
    with pytest.raises(ValueError):
        NonceCache(timedelta(0))


# --- through pytest-httpserver -------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v3", "v2"])
@pytest.mark.parametrize("credentials", [PLAIN, STS], ids=["ak", "sts"])
def test_verify_werkzeug_checks_what_arrived_on_the_wire(
    httpserver: HTTPServer, version: str, credentials: Credentials
) -> None:
    callers: list[Caller | AuthFailure] = []
    cache = NonceCache()

    def handler(request: Request) -> Response:
        try:
            callers.append(verify_werkzeug(request, KEYS, now=NOW, nonces=cache))
        except AuthFailure as failure:
            callers.append(failure)
        return Response("{}", 200, content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(handler)
    signer = SIGNERS[version](credentials, action="ExecJob", version="2019-05-06", clock=lambda: NOW)
    params = {"AppId": "a b+c", "Envs": '[{"name":"k","value":"é \\n & = % # ? / \' \\" \\\\"}]'}
    with httpx.Client(auth=signer) as client:
        client.get(httpserver.url_for(PATH), params=params)
        # The same bytes again: the nonce is spent.
        raw = httpx.Request("GET", httpserver.url_for(PATH), params=params)
        sent = next(signer.auth_flow(raw))
        client.send(sent, auth=None)
        client.send(sent, auth=None)
    first, second, replay = callers
    assert first == Caller(credentials.access_key_id, version, credentials.security_token)  # type: ignore[arg-type]
    assert second == first
    assert isinstance(replay, AuthFailure) and replay.code == "SignatureNonceUsed"


def test_the_emulator_auth_doctests() -> None:
    results = doctest.testmod(auth)
    assert results.attempted > 0 and results.failed == 0


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_method_in_another_case_is_not_the_method_signed(version: str) -> None:
    # The canonical forms upper-case the method, but HTTP methods are case-sensitive.
    fields = parts(sign(version))
    fields["method"] = "gET"
    assert refused(fields).code == "SignatureDoesNotMatch"


def test_raw_target_of_a_request_not_from_werkzeugs_server() -> None:
    # A WSGI test environ: RAW_URI holds the decoded path without the query, or nothing at all.
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path="/a b/c", query_string="AppId=x+y&E=%2B").get_environ()
    path, query = raw_target(Request(environ))
    assert (unquote(path), query) == ("/a b/c", "AppId=x+y&E=%2B")
    del environ["RAW_URI"], environ["REQUEST_URI"]
    assert raw_target(Request(environ)) == ("/a%20b/c", "AppId=x+y&E=%2B")


# --- parsing the Authorization header ------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "ACS3-HMAC-SHA256",
        "ACS3-HMAC-SM3 Credential=AK,SignedHeaders=host,Signature=" + "0" * 64,
        "ACS3-HMAC-SHA256 Credential=AK,Signature=" + "0" * 64,
        "ACS3-HMAC-SHA256 SignedHeaders=host,Credential=AK,Signature=" + "0" * 64,
        "ACS3-HMAC-SHA256  Credential=AK,SignedHeaders=host,Signature=" + "0" * 64,
        "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=Host,Signature=" + "0" * 64,
        "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;;date,Signature=" + "0" * 64,
        "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=" + "0" * 63,
        "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=" + "A" * 64,
        "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=" + "0" * 64,
        "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=" + "0" * 64 + ",Extra=1",
    ],
)
def test_parse_authorization_v3_rejects_malformed(value: str) -> None:
    with pytest.raises(ValueError):
        auth.parse_authorization_v3(value)


@pytest.mark.parametrize(
    "value", ["", "acs AK", "acs :D9uFJAJgLL+dryjBfQK+YeqGtoY=", "ACS AK:x", "acs AK:abc="]
)
def test_parse_authorization_v2_rejects_malformed(value: str) -> None:
    with pytest.raises(ValueError):
        auth.parse_authorization_v2(value)


def test_compare_signatures() -> None:
    assert auth.compare_signatures("abc", "abc")
    assert not auth.compare_signatures("abc", "abd")
    assert not auth.compare_signatures("abc", "ab")
    assert not auth.compare_signatures("abc", "ǎbc")  # non-ASCII from the wire: False, not TypeError
