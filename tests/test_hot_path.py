"""The signers' fast paths give what the rules they shortcut give.

``canonical_query_v3_of_raw`` skips decoding a query that is already RFC 3986-encoded, and the V3
signer reads only the headers it signs: each is checked here against the plain rule, on the queries
httpx writes and on raw queries made to hit every edge (lower-case hex, ``=`` in values, escapes of
unreserved characters, invalid UTF-8).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from sae_job import SaeJobClient
from sae_job.credentials import Credentials
from sae_job.signing import (
    AcsV3Auth,
    _headers_as_sent,
    _signed_by_v3,
    canonical_headers_v3,
    canonical_query_v3,
    canonical_query_v3_of_raw,
    canonical_request_v3,
    canonical_uri_v3,
    decoded_query,
    hashed_payload,
    signature_v3,
    signed_headers_v3,
    string_to_sign_v3,
)

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
RAW_QUERY = st.text(alphabet="aZ09-_.~+=&%*/ 2Fe3Dc9A", max_size=40)


def plain_rule(raw_query: str) -> str:
    """What the signer computed before the fast path: httpx decodes, canonical_query_v3 encodes."""
    return canonical_query_v3(httpx.URL("http://h/p", query=raw_query.encode("ascii")).params.multi_items())


@given(st.lists(st.tuples(TEXT, TEXT), max_size=6))
def test_queries_httpx_writes_take_the_fast_path_to_the_same_answer(pairs: list[tuple[str, str]]) -> None:
    url = httpx.URL("http://h/p", params=pairs)
    raw = url.query.decode("ascii")
    assert canonical_query_v3_of_raw(raw) == canonical_query_v3(pairs) == plain_rule(raw)


@given(RAW_QUERY)
def test_any_raw_query_gives_what_decoding_and_encoding_give(raw: str) -> None:
    sent = httpx.URL("http://h/p", query=raw.encode("ascii")).query.decode("ascii")  # what a signer sees
    assert canonical_query_v3_of_raw(sent) == plain_rule(sent)


@given(RAW_QUERY)
def test_decoded_query_reads_what_httpx_reads(raw: str) -> None:
    url = httpx.URL("http://h/p", query=raw.encode("ascii"))
    assert sorted(decoded_query(url.query.decode("ascii"))) == sorted(url.params.multi_items())


def test_edge_queries() -> None:
    assert canonical_query_v3_of_raw("b=2&a=1") == "a=1&b=2"
    assert canonical_query_v3_of_raw("a=x+y") == "a=x%20y"  # "+" is a space
    assert canonical_query_v3_of_raw("a=%41") == "a=A"  # an escaped unreserved character
    assert canonical_query_v3_of_raw("a=b=c") == "a=b%3Dc"
    assert canonical_query_v3_of_raw("a=%2a") == "a=%2A"
    assert canonical_query_v3_of_raw("a=%FF") == "a=%EF%BF%BD"  # not UTF-8: decoded as U+FFFD
    assert canonical_query_v3_of_raw("&&a&") == "a="
    assert canonical_query_v3_of_raw("") == ""


@given(
    st.dictionaries(
        st.sampled_from(["X-Acs-Date", "x-acs-meta", "Content-Type", "Host", "User-Agent", "Authorization"]),
        st.text(alphabet="abc ,:;", max_size=6),
    )
)
def test_v3_reads_the_headers_it_signs_as_the_full_list_has_them(extra: dict[str, str]) -> None:
    request = httpx.Request("GET", "http://h.example/p?a=1", headers=extra)
    added = {"x-acs-date": "2026-01-01T00:00:00Z", "x-acs-action": "ExecJob"}
    everything = _headers_as_sent(request, added)
    signed_only = _headers_as_sent(request, added, only=_signed_by_v3)
    names = sorted({name for name, _ in everything if _signed_by_v3(name)})
    assert sorted({name for name, _ in signed_only}) == names
    assert canonical_headers_v3(signed_only, names) == canonical_headers_v3(everything, names)


def test_a_retry_replaces_the_earlier_signature_and_token_headers() -> None:
    tokens = iter(["token-1", None])

    class Rotating:
        def get_credentials(self) -> Credentials:
            return Credentials("AKID", "secret", security_token=next(tokens))

    auth = AcsV3Auth(
        Rotating(),
        action="ExecJob",
        version="2019-05-06",
        clock=lambda: datetime(2026, 1, 1, tzinfo=UTC),
        nonce=iter(["n1", "n2"]).__next__,
    )
    request = httpx.Request("GET", "http://h.example/p?" + urlencode({"AppId": "a b"}))
    next(auth.auth_flow(request))
    assert request.headers["x-acs-security-token"] == "token-1"
    first = request.headers["authorization"]
    next(auth.auth_flow(request))
    assert "x-acs-security-token" not in request.headers
    assert request.headers.get_list("authorization") != [first]
    assert len(request.headers.get_list("authorization")) == 1
    assert request.headers["x-acs-signature-nonce"] == "n2"


LAUNCHED = {
    "RequestId": "r",
    "Success": True,
    "Data": {"Code": "200", "Data": "manual-1", "Msg": "success", "Success": "true"},
}


def test_a_set_cookie_is_never_replayed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/pop/v1/sam/job/execJob").respond_with_json(
        LAUNCHED, headers={"Set-Cookie": "session=abc; Path=/"}
    )
    with SaeJobClient(endpoint=httpserver.url_for("/"), credentials=Credentials("AKID", "secret")) as client:
        client.exec_job("app")
        client.exec_job("app")
    sent = [request for request, _ in httpserver.log if request.path == "/pop/v1/sam/job/execJob"]
    assert [request.headers.get("Cookie") for request in sent] == [None, None]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["X-Acs-Meta", "x-acs-meta", "Content-Type", "User-Agent", "X-Other"]),
            st.text(alphabet="ab ,:;é", max_size=5),
        ),
        max_size=5,
    ),
    st.lists(st.tuples(TEXT, TEXT), max_size=4),
)
def test_the_v3_signer_signs_what_the_plain_steps_sign(
    extra: list[tuple[str, str]], params: list[tuple[str, str]]
) -> None:
    raw = [(name.encode("ascii"), value.encode("utf-8")) for name, value in extra]  # é: not ASCII
    request = httpx.Request("GET", "http://h.example:8080/p q", params=params, headers=raw)
    auth = AcsV3Auth(
        Credentials("AKID", "secret"),
        action="ExecJob",
        version="2019-05-06",
        clock=lambda: datetime(2026, 1, 1, 12, 30, 5, tzinfo=UTC),
        nonce=lambda: "nonce-1",
    )
    before = httpx.Request("GET", request.url, headers=request.headers)
    next(auth.auth_flow(request))
    signer_sets = (
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    )
    added = {name: request.headers[name] for name in signer_sets}
    headers = _headers_as_sent(before, added)
    names = sorted({name for name, _ in headers if _signed_by_v3(name)})
    canonical = canonical_request_v3(
        "GET",
        canonical_uri_v3(request.url.path),
        canonical_query_v3(request.url.params.multi_items()),
        canonical_headers_v3(headers, names),
        signed_headers_v3(names),
        hashed_payload(b""),
    )
    expected = signature_v3("secret", string_to_sign_v3(canonical))
    assert (
        request.headers["authorization"]
        == f"ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders={signed_headers_v3(names)},Signature={expected}"
    )
    assert request.headers["x-acs-date"] == "2026-01-01T12:30:05Z"
