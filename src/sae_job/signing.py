"""POP request signing, V3 (``ACS3-HMAC-SHA256``) and ROA V2 (``HMAC-SHA1``): each step a pure function
stating its rule, chained by two ``httpx.Auth`` classes; ``clock`` and ``nonce`` are injected. The secret
is never logged or returned; the STS token is shown only as ``<redacted>``.

Rules: V3, https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature
(its example is ``tests/vectors/v3/official_runinstances``); ROA V2, the ROA "Signature" document, as
``aliyun/darabonba-openapi-util`` and ``aliyun/aliyun-openapi-python-sdk`` implement it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl, quote

import httpx

from sae_job.credentials import Credentials, CredentialsProvider
from sae_job.operations import operation_for_path

logger = logging.getLogger("sae_job.signing")

ALGORITHM_V3 = "ACS3-HMAC-SHA256"
SIGNATURE_METHOD_V2 = "HMAC-SHA1"
SIGNATURE_VERSION_V2 = "1.0"
SECURITY_TOKEN_HEADER = "x-acs-security-token"
ACCESS_KEY_ID_HEADER = "x-acs-accesskey-id"
REDACTED = "<redacted>"

#: Headers as a mapping, or as (name, value) pairs when a name may repeat.
HeaderItems = Mapping[str, str] | Iterable[tuple[str, str]]

# Never kept from an earlier attempt: the signature and the credentials it was made with.
_REPLACED = frozenset(("authorization", SECURITY_TOKEN_HEADER, ACCESS_KEY_ID_HEADER))
_REPLACED_RAW = {name.encode("ascii") for name in _REPLACED}


def percent_encode(value: str) -> str:
    r"""RFC 3986: ``A-Z a-z 0-9 - _ . ~`` kept, every other UTF-8 byte ``%XX`` (upper-case hex).

    >>> percent_encode(" ")
    '%20'
    >>> percent_encode("*")
    '%2A'
    >>> percent_encode("a-b_c.d~e")
    'a-b_c.d~e'
    >>> percent_encode("+/=&%")
    '%2B%2F%3D%26%25'
    >>> percent_encode("é\n")
    '%C3%A9%0A'
    """
    # with safe="", quote() keeps exactly the RFC 3986 unreserved set (Python >= 3.7)
    # equivalent mutants: "X" is never escaped
    return quote(value, safe="")  # pragma: no mutate


def format_acs_date(dt: datetime) -> str:
    """``dt`` in UTC as ``x-acs-date`` wants it: ISO 8601, whole seconds, ``Z``; naive: ``ValueError``.

    >>> format_acs_date(datetime(2023, 10, 26, 10, 22, 32, 999, tzinfo=UTC))
    '2023-10-26T10:22:32Z'
    """
    return as_utc(dt).isoformat()[:19] + "Z"  # a year has four digits: 19 characters to the second


def format_http_date(dt: datetime) -> str:
    """``dt`` as an RFC 1123 ``Date`` header in GMT, whole seconds; naive: ``ValueError``.

    >>> format_http_date(datetime(2023, 10, 26, 10, 22, 32, tzinfo=UTC))
    'Thu, 26 Oct 2023 10:22:32 GMT'
    """
    return format_datetime(as_utc(dt), usegmt=True)


def as_utc(dt: datetime) -> datetime:
    """``dt`` in UTC, whole seconds; ``ValueError`` for a naive datetime (its zone would be a guess)."""
    if dt.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is needed, got a naive one")
    return dt.astimezone(UTC).replace(microsecond=0)


def group_headers(headers: HeaderItems) -> dict[str, list[str]]:
    """Values per lower-case header name, in the order given."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        grouped.setdefault(name.lower(), []).append(value)
    return grouped


def canonical_uri_v3(path: str) -> str:
    """CanonicalURI: the decoded path percent-encoded with ``/`` kept; ``/`` when empty.

    >>> canonical_uri_v3("/pop/v1/sam/job/execJob")
    '/pop/v1/sam/job/execJob'
    >>> canonical_uri_v3("/a b/c*~")
    '/a%20b/c%2A~'
    >>> canonical_uri_v3("")
    '/'
    """
    # equivalent mutants: the default safe is "/"; "X" is kept
    return quote(path, safe="/") if path else "/"  # pragma: no mutate


def canonical_query_v3(params: Iterable[tuple[str, str]]) -> str:
    """CanonicalQueryString of the DECODED pairs: each encoded, sorted (name, then value), ``name=value``
    joined by ``&``.

    >>> canonical_query_v3([("RegionId", "cn-shanghai"), ("ImageId", "a b")])
    'ImageId=a%20b&RegionId=cn-shanghai'
    >>> canonical_query_v3([("Time", ""), ("AppId", "x+y")])
    'AppId=x%2By&Time='
    >>> canonical_query_v3([])
    ''
    """
    encoded = sorted((percent_encode(name), percent_encode(value)) for name, value in params)
    return "&".join(f"{name}={value}" for name, value in encoded)


def decoded_query(raw_query: str) -> list[tuple[str, str]]:
    """The DECODED (name, value) pairs of a raw query, as ``httpx.URL.params`` reads them.

    >>> decoded_query("AppId=a+b%26c&Time=&x")
    [('AppId', 'a b&c'), ('Time', ''), ('x', '')]
    """
    return parse_qsl(raw_query, keep_blank_values=True)


# Unreserved characters, "+" (a space), "=", "&", and %XX (upper-case) escaping an ASCII byte that is
# not unreserved: each pair of a raw query made only of these is already percent-encoded per RFC 3986.
# Possessive (no backtracking): a run of plain characters is one step, not one a character.
_ENCODED_QUERY = re.compile(
    r"(?:[A-Za-z0-9_.~+=&-]++"  # kept as they are (but "+" stands for a space)
    r"|%(?:[01][0-9A-F]|2[0-9A-CF]|3[A-F]|40|5[B-E]|60|7[B-DF]))*+"  # escapes of reserved ASCII
)


def canonical_query_v3_of_raw(raw_query: str) -> str:
    """``canonical_query_v3(decoded_query(raw_query))``; an already RFC 3986-encoded query only has its
    ``+`` written ``%20`` and is sorted, without decoding.

    >>> canonical_query_v3_of_raw("RegionId=cn-shanghai&ImageId=a+b%2A")
    'ImageId=a%20b%2A&RegionId=cn-shanghai'
    >>> canonical_query_v3_of_raw("a=%c3%a9=&b=%41")
    'a=%C3%A9%3D&b=A'
    """
    if _ENCODED_QUERY.fullmatch(raw_query):
        pairs = []
        for piece in raw_query.split("&"):
            name, _, value = piece.partition("=")
            if "=" in value:
                break  # a "=" sent raw inside a value is canonically %3D
            if piece:
                pairs.append((name.replace("+", "%20"), value.replace("+", "%20")))
        else:
            pairs.sort()
            return "&".join(f"{name}={value}" for name, value in pairs)
    return canonical_query_v3(decoded_query(raw_query))


def _signed_by_v3(lower_name: str) -> bool:
    return lower_name in ("host", "content-type") or lower_name.startswith("x-acs-")


def signed_headers_v3(names: Iterable[str]) -> str:
    """SignedHeaders: the names lower-case, unique, sorted, joined by ``;``.

    >>> signed_headers_v3(["x-acs-date", "Host", "x-acs-action"])
    'host;x-acs-action;x-acs-date'
    """
    return ";".join(sorted({name.lower() for name in names}))


def canonical_headers_v3(headers: HeaderItems, signed_names: Iterable[str]) -> str:
    r"""CanonicalHeaders: ``name:value\n`` for each signed name, lower-case, sorted; values trimmed, a
    repeated name's values sorted and joined by ``,``. ``ValueError`` for a signed name not in ``headers``.

    >>> canonical_headers_v3(
    ...     {"Host": " ecs.aliyuncs.com ", "X-Acs-Action": "RunInstances", "Accept": "*/*"},
    ...     ["host", "x-acs-action"],
    ... )
    'host:ecs.aliyuncs.com\nx-acs-action:RunInstances\n'
    """
    return _canonical_header_lines(group_headers(headers), sorted({name.lower() for name in signed_names}))


def _canonical_header_lines(grouped: Mapping[str, list[str]], sorted_names: Iterable[str]) -> str:
    lines = []
    for name in sorted_names:
        if name not in grouped:
            raise ValueError(f"signed header {name!r} is not in the request")
        values = grouped[name]
        value = values[0].strip() if len(values) == 1 else ",".join(sorted(v.strip() for v in values))
        lines.append(f"{name}:{value}\n")
    return "".join(lines)


def hashed_payload(body: bytes) -> str:
    """HashedRequestPayload (and ``x-acs-content-sha256``): hex SHA-256 of the body.

    >>> hashed_payload(b"")
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    return hashlib.sha256(body).hexdigest() if body else _EMPTY_PAYLOAD_HASH


_EMPTY_PAYLOAD_HASH = hashlib.sha256(b"").hexdigest()  # every GET's


def canonical_request_v3(
    method: str,
    canonical_uri: str,
    canonical_query: str,
    canonical_headers: str,
    signed_headers: str,
    payload_hash: str,
) -> str:
    r"""CanonicalRequest: the six parts joined by ``\n`` (the headers end in their own ``\n``).

    >>> canonical_request_v3("get", "/", "", "host:h\n", "host", "e3b0")
    'GET\n/\n\nhost:h\n\nhost\ne3b0'
    """
    parts = (method.upper(), canonical_uri, canonical_query, canonical_headers, signed_headers)
    return "\n".join((*parts, payload_hash))


def string_to_sign_v3(canonical_request: str) -> str:
    r"""StringToSign: ``ACS3-HMAC-SHA256\n`` + hex SHA-256 of the canonical request.

    >>> string_to_sign_v3("")
    'ACS3-HMAC-SHA256\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    # equivalent mutants: codec and hash names ignore case
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()  # pragma: no mutate
    return f"{ALGORITHM_V3}\n{digest}"


def signature_v3(access_key_secret: str, string_to_sign: str) -> str:
    """Signature: hex HMAC-SHA256 of the string to sign, keyed by the secret.

    >>> signature_v3("key", "data")[:16]
    '5031fe3d989c6d15'
    """
    # equivalent mutants: codec and hash names ignore case
    key = access_key_secret.encode("utf-8")  # pragma: no mutate
    return hmac.digest(key, string_to_sign.encode("utf-8"), "sha256").hex()  # pragma: no mutate


def authorization_v3(access_key_id: str, signed_headers: str, signature: str) -> str:
    """The ``Authorization`` header value of a V3 request.

    >>> authorization_v3("AKID", "host;x-acs-date", "ab12")
    'ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders=host;x-acs-date,Signature=ab12'
    """
    return f"{ALGORITHM_V3} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"


def canonical_headers_v2(headers: HeaderItems) -> str:
    r"""CanonicalizedHeaders: ``name:value\n`` for every ``x-acs-*`` header, lower-case, sorted; values
    as sent (untrimmed), a repeated name's joined by ``,``.

    >>> canonical_headers_v2(
    ...     {"X-Acs-Version": "2019-05-06", "Accept": "*/*", "x-acs-signature-method": "HMAC-SHA1"}
    ... )
    'x-acs-signature-method:HMAC-SHA1\nx-acs-version:2019-05-06\n'
    """
    grouped = group_headers(headers)
    names = sorted(name for name in grouped if name.startswith("x-acs-"))
    return "".join(f"{name}:{','.join(grouped[name])}\n" for name in names)


def canonical_resource_v2(path: str, params: Iterable[tuple[str, str]]) -> str:
    """CanonicalizedResource: the path, then ``?`` and the DECODED pairs unencoded, sorted, joined by
    ``&``; an empty value gives the name alone.

    >>> canonical_resource_v2("/pop/v1/sam/job/execJob", [("Time", ""), ("AppId", "a b&c")])
    '/pop/v1/sam/job/execJob?AppId=a b&c&Time'
    >>> canonical_resource_v2("/clusters/c1/triggers", [])
    '/clusters/c1/triggers'
    """
    pairs = sorted(params)
    if not pairs:
        return path
    return path + "?" + "&".join(f"{name}={value}" if value else name for name, value in pairs)


def content_md5(body: bytes) -> str:
    """The ``Content-MD5`` header value: base64 of the MD5 digest of the body.

    >>> content_md5(b"")
    '1B2M2Y8AsgTpgAmY7PhCfg=='
    """
    # equivalent mutants: codec and hash names ignore case
    return base64.b64encode(hashlib.md5(body).digest()).decode("ascii")  # pragma: no mutate


def string_to_sign_v2(
    method: str,
    accept: str,
    content_md5: str,
    content_type: str,
    date: str,
    canonical_headers: str,
    canonical_resource: str,
) -> str:
    r"""StringToSign: VERB, Accept, Content-MD5, Content-Type, Date (empty when absent) each followed by
    ``\n``, then the canonical headers and the resource.

    >>> string_to_sign_v2("get", "application/json", "", "", "D", "x-acs-version:1\n", "/p")
    'GET\napplication/json\n\n\nD\nx-acs-version:1\n/p'
    """
    head = (method.upper(), accept, content_md5, content_type, date)
    return "".join(f"{line}\n" for line in head) + canonical_headers + canonical_resource


def signature_v2(access_key_secret: str, string_to_sign: str) -> str:
    """Signature: base64 of HMAC-SHA1 of the string to sign, keyed by the secret.

    >>> signature_v2("testsecret", "GET\\n\\n\\n\\n\\n/")
    'sdChkauhY4rKk+DWXE0uPMf34FI='
    """
    # equivalent mutants: codec and hash names ignore case
    key = access_key_secret.encode("utf-8")  # pragma: no mutate
    digest = hmac.digest(key, string_to_sign.encode("utf-8"), "sha1")  # pragma: no mutate
    return base64.b64encode(digest).decode("ascii")  # pragma: no mutate


def authorization_v2(access_key_id: str, signature: str) -> str:
    """The ``Authorization`` header value of a ROA V2 request: ``acs AKID:SIGNATURE``.

    >>> authorization_v2("AKID", "D9uFJAJgLL+dryjBfQK+YeqGtoY=")
    'acs AKID:D9uFJAJgLL+dryjBfQK+YeqGtoY='
    """
    return f"acs {access_key_id}:{signature}"


def redact_headers(headers: HeaderItems) -> dict[str, str]:
    """A copy of ``headers`` fit to show: the STS token ``<redacted>`` (``Authorization`` is no secret).

    >>> redact_headers({"X-Acs-Security-Token": "CAIS-token", "x-acs-date": "D"})
    {'X-Acs-Security-Token': '<redacted>', 'x-acs-date': 'D'}
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name: REDACTED if name.lower() == SECURITY_TOKEN_HEADER else value for name, value in items}


@dataclass(frozen=True, slots=True)
class SigningSteps:
    """What a signer computed for one request, the secret and STS token ``<redacted>`` in it."""

    algorithm: str
    canonical_request: str | None  # V3 only
    string_to_sign: str
    signature: str
    headers_added: Mapping[str, str]


def _shown(text: str, credentials: Credentials) -> str:
    for secret in (credentials.access_key_secret, credentials.security_token):
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _random_nonce() -> str:
    return os.urandom(16).hex()  # as random as uuid4().hex, at a third of its cost


def _replaced_headers(headers: httpx.Headers, added: Mapping[str, str]) -> httpx.Headers:
    """``headers`` (names as sent) once ``added`` replaces its namesakes, in one pass."""
    replaced = {name.lower().encode("ascii") for name in added} | _REPLACED_RAW
    kept = [(name, value) for name, value in headers.raw if name.lower() not in replaced]
    return httpx.Headers(
        [*kept, *((name.encode("ascii"), value.encode("ascii")) for name, value in added.items())]
    )


def _headers_as_sent(
    request: httpx.Request, added: Mapping[str, str], *, only: Callable[[str], bool] | None = None
) -> list[tuple[str, str]]:
    """The request's headers (those whose lower-case name ``only`` accepts, when given) once ``added``
    replaces its namesakes, lower-case names."""
    replaced = {name.lower() for name in added} | _REPLACED
    kept = []
    for raw_name, raw_value in request.headers.raw:
        # A header name is an ASCII token (h11 checks). Equivalent mutants: codec names ignore case.
        name = raw_name.decode("latin-1").lower()  # pragma: no mutate
        if name not in replaced and (only is None or only(name)):
            try:
                # What httpx's detected encoding gives any ASCII value. Equivalent mutants: codec names.
                value = raw_value.decode("ascii")  # pragma: no mutate
            except UnicodeDecodeError:
                value = raw_value.decode(request.headers.encoding)
            kept.append((name, value))
    return kept + [(name.lower(), value) for name, value in added.items()]


class _PopAuth(httpx.Auth):
    """Constructor, ``auth_flow`` and ``explain`` shared by the two signers."""

    requires_request_body = True  # the body is hashed (V3) or MD5-summed (V2)

    def __init__(
        self,
        credentials: CredentialsProvider,
        *,
        action: str | None = None,
        version: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
        nonce: Callable[[], str] = _random_nonce,
    ) -> None:
        """``credentials``: asked on every attempt. ``x-acs-action``/``-version`` come from the request's
        path (:func:`~sae_job.operations.operation_for_path`) unless ``action``/``version`` are given;
        signing another path without both raises ``ValueError``. ``clock`` gives an aware datetime."""
        self._credentials = credentials
        self.action = action
        self.version = version
        self._clock = clock
        self._nonce = nonce

    def __repr__(self) -> str:
        # never the provider's repr: a third-party provider may print its secret
        given = (("action", self.action), ("version", self.version))
        overrides = ", ".join(f"{name}={value!r}" for name, value in given if value is not None)
        return f"{type(self).__name__}({overrides})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign ``request`` in place (new date, nonce and credentials each attempt), send it once."""
        added, _ = self._sign(request)
        request.headers = _replaced_headers(request.headers, added)
        yield request

    def explain(self, request: httpx.Request) -> SigningSteps:
        """The steps signing ``request`` now would take, without changing or sending it."""
        return self._sign(request)[1]()

    def _action_and_version(self, path: str) -> tuple[str, str]:
        if self.action is not None and self.version is not None:
            return self.action, self.version
        operation = operation_for_path(path)
        if operation is None:
            raise ValueError(f"no SAE operation has the path {path!r}: pass action= and version= to sign it")
        return self.action or operation.action, self.version or operation.version

    def _sign(self, request: httpx.Request) -> tuple[dict[str, str], Callable[[], SigningSteps]]:
        """The headers to add, and how to show the steps (built only when asked: not per request)."""
        raise NotImplementedError


class AcsV3Auth(_PopAuth):
    """Signs with ``ACS3-HMAC-SHA256``: sets the ``x-acs-*`` headers (with an STS token, the key ID and
    token too) and ``Authorization``; signs ``host``, ``content-type`` and every ``x-acs-*`` header."""

    def _sign(self, request: httpx.Request) -> tuple[dict[str, str], Callable[[], SigningSteps]]:
        credentials = self._credentials.get_credentials()  # every attempt: providers rotate
        payload_hash = hashed_payload(request.content)
        action, version = self._action_and_version(request.url.path)
        added = {
            "x-acs-action": action,
            "x-acs-version": version,
            "x-acs-date": format_acs_date(self._clock()),
            "x-acs-signature-nonce": self._nonce(),
            "x-acs-content-sha256": payload_hash,
        }
        if credentials.security_token:  # STS: the key ID travels beside the token, as the SDKs send it
            added[ACCESS_KEY_ID_HEADER] = credentials.access_key_id
            added[SECURITY_TOKEN_HEADER] = credentials.security_token
        # Every name in `grouped` is one V3 signs, lower-case: signed_headers_v3 of them is their sorted
        # set, and canonical_headers_v3 needs them grouped only once.
        grouped = group_headers(_headers_as_sent(request, added, only=_signed_by_v3))
        if "host" not in grouped:
            added["host"] = request.url.netloc.decode("ascii")  # sign the host that is sent
            grouped["host"] = [added["host"]]
        names = sorted(grouped)
        signed_headers = ";".join(names)
        canonical_request = canonical_request_v3(
            request.method,
            canonical_uri_v3(request.url.path),
            # equivalent mutants: codec names ignore case
            canonical_query_v3_of_raw(request.url.query.decode("ascii")),  # pragma: no mutate
            _canonical_header_lines(grouped, names),
            signed_headers,
            payload_hash,
        )
        string_to_sign = string_to_sign_v3(canonical_request)
        signature = signature_v3(credentials.access_key_secret, string_to_sign)
        added["Authorization"] = authorization_v3(credentials.access_key_id, signed_headers, signature)

        def steps() -> SigningSteps:
            return SigningSteps(
                algorithm=ALGORITHM_V3,
                canonical_request=_shown(canonical_request, credentials),
                string_to_sign=string_to_sign,
                signature=signature,
                headers_added=redact_headers(added),
            )

        if logger.isEnabledFor(logging.DEBUG):
            shown = steps()
            logger.debug("V3 canonical request:\n%s", shown.canonical_request)
            logger.debug("V3 string to sign:\n%s", shown.string_to_sign)
        return added, steps


class RoaV2Auth(_PopAuth):
    """Signs with ROA ``HMAC-SHA1``: sets ``Date``, ``Accept`` (unless given), ``Content-MD5`` (with a
    body), the ``x-acs-*`` headers and ``Authorization: acs AccessKeyId:Signature``."""

    def _sign(self, request: httpx.Request) -> tuple[dict[str, str], Callable[[], SigningSteps]]:
        credentials = self._credentials.get_credentials()  # every attempt: providers rotate
        body = request.content
        action, version = self._action_and_version(request.url.path)
        added = {
            "Date": format_http_date(self._clock()),
            "x-acs-signature-method": SIGNATURE_METHOD_V2,
            "x-acs-signature-version": SIGNATURE_VERSION_V2,
            "x-acs-signature-nonce": self._nonce(),
            "x-acs-version": version,
            "x-acs-action": action,  # the SDK's do_roarequest sends it too
        }
        if "accept" not in request.headers:
            added["Accept"] = "application/json"
        if body:
            added["Content-MD5"] = content_md5(body)
        if credentials.security_token:
            added[ACCESS_KEY_ID_HEADER] = credentials.access_key_id
            added[SECURITY_TOKEN_HEADER] = credentials.security_token
        headers = _headers_as_sent(request, added)
        sent = dict(headers)  # a repeated Accept etc. is not expected; the last one wins
        string_to_sign = string_to_sign_v2(
            request.method,
            sent.get("accept", ""),
            sent.get("content-md5", ""),
            sent.get("content-type", ""),
            sent["date"],
            canonical_headers_v2(headers),
            canonical_resource_v2(request.url.path, decoded_query(request.url.query.decode("ascii"))),
        )
        signature = signature_v2(credentials.access_key_secret, string_to_sign)
        added["Authorization"] = authorization_v2(credentials.access_key_id, signature)

        def steps() -> SigningSteps:
            return SigningSteps(
                algorithm=SIGNATURE_METHOD_V2,
                canonical_request=None,
                string_to_sign=_shown(string_to_sign, credentials),
                signature=signature,
                headers_added=redact_headers(added),
            )

        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("ROA V2 string to sign:\n%s", steps().string_to_sign)
        return added, steps
