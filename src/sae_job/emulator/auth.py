"""The gateway's authentication of a POP-signed request, as a verifier: V3 and ROA V2.

:func:`verify_request` takes a request as it arrived (method, raw path, raw query, headers, body)
and either names the caller (:class:`Caller`) or raises :class:`AuthFailure` with the code and
message Alibaba Cloud's API gateway answers. The emulator serves with it; tests import it to check
what a client sent (:func:`verify_werkzeug` for a ``pytest-httpserver`` request).

The signature itself is recomputed with the step functions of :mod:`sae_job.signing`, so a client
and this verifier can only agree on a rule they both implement. The order of the checks is the
gateway's: the form of the request, the key, the clock, the token, the signature, then the nonce
(last, so a forged request never uses up a nonce).

Secrets stay out of every message: a ``SignatureDoesNotMatch`` shows the server's string to sign,
which holds no key; the STS token, which ROA V2 signs as a header, is shown as ``<redacted>``
(as :class:`sae_job.signing.SigningSteps` shows it, so the two texts compare line by line).
"""

from __future__ import annotations

import hmac
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, unquote

from sae_job.credentials import Credentials
from sae_job.signing import (
    ALGORITHM_V3,
    REDACTED,
    SECURITY_TOKEN_HEADER,
    SIGNATURE_METHOD_V2,
    SIGNATURE_VERSION_V2,
    HeaderItems,
    as_utc,
    canonical_headers_v2,
    canonical_headers_v3,
    canonical_query_v3_of_raw,
    canonical_request_v3,
    canonical_resource_v2,
    canonical_uri_v3,
    content_md5,
    decoded_query,
    group_headers,
    hashed_payload,
    signature_v2,
    signature_v3,
    signed_headers_v3,
    string_to_sign_v2,
    string_to_sign_v3,
)

if TYPE_CHECKING:
    from werkzeug import Request as WerkzeugRequest

__all__ = [
    "DEFAULT_WINDOW",
    "REQUIRED_SIGNED_HEADERS_V3",
    "AuthFailure",
    "Caller",
    "NonceCache",
    "compare_signatures",
    "parse_authorization_v2",
    "parse_authorization_v3",
    "raw_target",
    "verify_request",
    "verify_werkzeug",
]

DEFAULT_WINDOW = timedelta(minutes=15)
#: A V3 request must sign at least these; it may sign more (the official SDK signs all it sends).
REQUIRED_SIGNED_HEADERS_V3 = frozenset(
    {"host", "x-acs-date", "x-acs-signature-nonce", "x-acs-action", "x-acs-version"}
)
NONCE_HEADER = "x-acs-signature-nonce"
_ACS_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)

_MESSAGES = {
    "IncompleteSignature": "The request signature does not conform to Aliyun standards.",
    "InvalidAccessKeyId.NotFound": "Specified access key is not found.",
    "InvalidTimeStamp.Format": "Specified time stamp or date value is not well formatted.",
    "InvalidTimeStamp.Expired": "Specified time stamp or date value is expired.",
    "InvalidSecurityToken.Malformed": "Specified SecurityToken is malformed.",
    "InvalidSecurityToken.MismatchWithAccessKey": "Specified SecurityToken mismatch with the AccessKey.",
    "SignatureNonceUsed": "Specified signature nonce was used already.",
}
_SIGNATURE_MISMATCH = "Specified signature is not matched with our calculation. server string to sign is:"


class AuthFailure(Exception):
    """The gateway refused the request: ``code`` and ``message`` as it answers them, ``status`` the HTTP
    status (400, or 404 for ``InvalidAccessKeyId.NotFound``). ``reason`` says, for a log, which check
    failed; it is not part of the answer. No attribute holds a secret."""

    def __init__(self, code: str, message: str | None = None, *, reason: str = "") -> None:
        self.code = code
        self.message = message if message is not None else _MESSAGES[code]
        self.status = 404 if code == "InvalidAccessKeyId.NotFound" else 400
        self.reason = reason
        super().__init__(f"{code}: {self.message}" + (f" ({reason})" if reason else ""))


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request whose signature verified."""

    access_key_id: str
    signature_version: Literal["v3", "v2"]
    security_token: str | None

    def __repr__(self) -> str:
        token = ", security_token=<redacted>" if self.security_token else ""
        version = self.signature_version
        return f"Caller(access_key_id={self.access_key_id!r}, signature_version={version!r}{token})"


class NonceCache:
    """The signature nonces seen in the last ``window``, to refuse a replayed request.

    Thread-safe. Entries older than ``window`` are forgotten as new ones arrive, and at most
    ``max_entries`` are kept (the oldest go first), so memory stays bounded under any load.
    """

    def __init__(self, window: timedelta = DEFAULT_WINDOW, *, max_entries: int = 200_000) -> None:
        if window <= timedelta(0) or max_entries < 1:
            raise ValueError("window must be positive and max_entries at least 1")
        self.window = window
        self.max_entries = max_entries
        self._seen: OrderedDict[str, datetime] = OrderedDict()  # in order of first use
        self._lock = threading.Lock()

    def use(self, nonce: str, now: datetime) -> bool:
        """Record ``nonce`` as used at ``now``; False if it was already used within the window."""
        horizon = now - self.window
        with self._lock:
            while self._seen:
                oldest, seen_at = next(iter(self._seen.items()))
                if seen_at >= horizon and len(self._seen) < self.max_entries:
                    break
                del self._seen[oldest]
            previous = self._seen.get(nonce)
            # A clock that moved backwards can leave an old entry behind the horizon check above.
            if previous is not None and previous >= horizon:
                return False
            self._seen.pop(nonce, None)
            self._seen[nonce] = now
            return True

    def clear(self) -> None:
        """Forget every nonce."""
        with self._lock:
            self._seen.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)


_AUTHORIZATION_V3 = re.compile(
    r"ACS3-HMAC-SHA256 Credential=([^\s,;=]+),SignedHeaders=([a-z0-9;_.-]+),Signature=([0-9a-f]{64})"
)
_AUTHORIZATION_V2 = re.compile(r"acs ([^\s:]+):([A-Za-z0-9+/]{27}=)")


def parse_authorization_v3(value: str) -> tuple[str, list[str], str]:
    """Split a V3 ``Authorization`` value into (access key id, signed names, signature).

    The form is exactly the one ``sae_job.signing.authorization_v3`` writes: the three fields in that
    order, lower-case header names, 64 lower-case hex digits. Raises ``ValueError`` on anything else
    (the value is not echoed in the message).

    >>> header = "ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders=host;x-acs-date,Signature="
    >>> parse_authorization_v3(header + 64 * "0")
    ('AKID', ['host', 'x-acs-date'], '0000000000000000000000000000000000000000000000000000000000000000')
    """
    match = _AUTHORIZATION_V3.fullmatch(value)
    if match is None:
        raise ValueError("malformed ACS3-HMAC-SHA256 Authorization header")
    access_key_id, names, signature = match.groups()
    signed = names.split(";")
    if "" in signed:
        raise ValueError("malformed SignedHeaders in Authorization header")
    return access_key_id, signed, signature


def parse_authorization_v2(value: str) -> tuple[str, str]:
    """Split a ROA V2 ``Authorization`` value into (access key id, signature).

    Raises ``ValueError`` unless it is ``acs AKID:`` + a base64 HMAC-SHA1.

    >>> parse_authorization_v2("acs AKID:D9uFJAJgLL+dryjBfQK+YeqGtoY=")
    ('AKID', 'D9uFJAJgLL+dryjBfQK+YeqGtoY=')
    """
    match = _AUTHORIZATION_V2.fullmatch(value)
    if match is None:
        raise ValueError("malformed ROA (acs AccessKeyId:Signature) Authorization header")
    return match.group(1), match.group(2)


def compare_signatures(expected: str, received: str) -> bool:
    """Whether two signatures are equal, in time independent of where they differ.

    >>> compare_signatures("ab12", "ab12"), compare_signatures("ab12", "ab13")
    (True, False)
    """
    # bytes, since compare_digest refuses non-ASCII str and a received value is untrusted
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


def _pairs(headers: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, values in headers.items() for value in values]


def _one(headers: dict[str, list[str]], name: str) -> str:
    """The single value of a header the signature scheme needs."""
    values = headers.get(name)
    if not values or not values[0].strip():
        raise AuthFailure("IncompleteSignature", reason=f"the {name} header is missing")
    if len(values) > 1:
        raise AuthFailure("IncompleteSignature", reason=f"the {name} header is given more than once")
    return values[0].strip()


def _check_time(sent: datetime, now: datetime, window: timedelta) -> None:
    if abs(now - sent) > window:
        raise AuthFailure("InvalidTimeStamp.Expired", reason=f"the request is dated {sent.isoformat()}")


def _parse_acs_date(value: str) -> datetime:
    if not _ACS_DATE.fullmatch(value):
        raise AuthFailure("InvalidTimeStamp.Format", reason="x-acs-date is not yyyy-MM-ddTHH:mm:ssZ")
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise AuthFailure("InvalidTimeStamp.Format", reason="x-acs-date is not a date") from None


def _parse_http_date(value: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise AuthFailure("InvalidTimeStamp.Format", reason="Date is not an RFC 1123 date") from None
    # "-0000" (zone unknown) parses naive; the gateway reads every Date as GMT.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _check_token(headers: dict[str, list[str]], credentials: Credentials) -> str | None:
    """The token sent, checked against the one the key was configured with."""
    values = headers.get(SECURITY_TOKEN_HEADER)
    sent = values[0] if values else None
    if values is not None and len(values) > 1:
        raise AuthFailure("InvalidSecurityToken.Malformed", reason="the token header is given more than once")
    expected = credentials.security_token
    if expected is None:
        if sent is not None:
            raise AuthFailure(
                "InvalidSecurityToken.MismatchWithAccessKey", reason="this key takes no security token"
            )
        return None
    if not sent:
        raise AuthFailure("InvalidSecurityToken.Malformed", reason="this key needs a security token")
    if not compare_signatures(expected, sent):
        raise AuthFailure(
            "InvalidSecurityToken.MismatchWithAccessKey", reason="not the token this key was issued with"
        )
    return sent


def _lookup(access_key_id: str, credentials: Mapping[str, Credentials]) -> Credentials:
    found = credentials.get(access_key_id)
    if found is None:
        raise AuthFailure("InvalidAccessKeyId.NotFound", reason=f"no key {access_key_id!r}")
    return found


def verify_request(
    *,
    method: str,
    path: str,
    query: str,
    headers: HeaderItems,
    body: bytes,
    credentials: Mapping[str, Credentials],
    now: datetime,
    nonces: NonceCache | None = None,
    window: timedelta = DEFAULT_WINDOW,
) -> Caller:
    """Authenticate a request as the gateway does and return who sent it.

    ``path`` and ``query`` are as received (percent-encoded; the query without ``?``); they are decoded
    here, ``+`` as a space. ``credentials`` maps access key IDs to the keys the gateway knows; ``now``
    (timezone-aware) is the gateway's clock; ``nonces``, when given, records the nonce of a request that
    verified and refuses one seen within its window.

    Raises :class:`AuthFailure` with ``IncompleteSignature`` (no, or a malformed, Authorization; a
    header the scheme needs missing or not signed), ``InvalidAccessKeyId.NotFound``,
    ``InvalidTimeStamp.Format`` / ``.Expired`` (more than ``window`` off ``now``),
    ``InvalidSecurityToken.Malformed`` / ``.MismatchWithAccessKey``, ``SignatureDoesNotMatch`` (its
    message ends with the server's string to sign) or ``SignatureNonceUsed``. Raises ``ValueError`` for
    a naive ``now``.
    """
    now = as_utc(now)
    grouped = group_headers(headers)
    authorization = grouped.get("authorization", [])
    if len(authorization) != 1:
        raise AuthFailure("IncompleteSignature", reason="no single Authorization header")
    value = authorization[0].strip()
    if value.startswith(ALGORITHM_V3 + " "):
        claim = _claim_v3(method, unquote(path), query, grouped, body, value)
    elif value.startswith("acs "):
        claim = _claim_v2(method, unquote(path), query, grouped, body, value)
    else:
        raise AuthFailure("IncompleteSignature", reason="Authorization is neither ACS3-HMAC-SHA256 nor acs")
    nonce = _one(grouped, NONCE_HEADER)
    key = _lookup(claim.access_key_id, credentials)
    _check_time(claim.parse_date(claim.date), now, window)
    token = _check_token(grouped, key)
    matches = compare_signatures(claim.sign(key.access_key_secret, claim.string_to_sign), claim.signature)
    # Methods are case-sensitive (RFC 9110) but signed upper-cased: "gET" is not the "GET" signed.
    if not matches or method != method.upper():
        shown = claim.string_to_sign.replace(token, REDACTED) if token else claim.string_to_sign
        raise AuthFailure(
            "SignatureDoesNotMatch", _SIGNATURE_MISMATCH + shown, reason="the signature differs from ours"
        )
    if nonces is not None and not nonces.use(nonce, now):
        raise AuthFailure("SignatureNonceUsed", reason="the nonce was used within the window")
    return Caller(claim.access_key_id, claim.signature_version, token)


@dataclass(frozen=True, slots=True)
class _Claim:
    """What a signed request claims, read from its form alone: the key, the date, the signature, and
    the string to sign the server computes from what arrived."""

    signature_version: Literal["v3", "v2"]
    access_key_id: str
    signature: str
    date: str
    parse_date: Callable[[str], datetime]
    string_to_sign: str
    sign: Callable[[str, str], str]


def _claim_v3(
    method: str, path: str, query: str, headers: dict[str, list[str]], body: bytes, authorization: str
) -> _Claim:
    try:
        access_key_id, signed, signature = parse_authorization_v3(authorization)
    except ValueError as exc:
        raise AuthFailure("IncompleteSignature", reason=str(exc)) from None
    missing = sorted(REQUIRED_SIGNED_HEADERS_V3.difference(signed))
    if SECURITY_TOKEN_HEADER in headers and SECURITY_TOKEN_HEADER not in signed:
        missing.append(SECURITY_TOKEN_HEADER)  # an unsigned token could be swapped on the way
    if missing:
        raise AuthFailure("IncompleteSignature", reason=f"SignedHeaders lacks {', '.join(missing)}")
    for name in REQUIRED_SIGNED_HEADERS_V3:
        _one(headers, name)
    try:
        canonical_headers = canonical_headers_v3(_pairs(headers), signed)
    except ValueError as exc:
        raise AuthFailure("IncompleteSignature", reason=str(exc)) from None
    canonical_request = canonical_request_v3(
        method,
        canonical_uri_v3(path),
        canonical_query_v3_of_raw(query),
        canonical_headers,
        signed_headers_v3(signed),
        hashed_payload(body),  # of the body received, so a body changed on the way cannot verify
    )
    date = _one(headers, "x-acs-date")
    return _Claim(
        "v3",
        access_key_id,
        signature,
        date,
        _parse_acs_date,
        string_to_sign_v3(canonical_request),
        signature_v3,
    )


def _claim_v2(
    method: str, path: str, query: str, headers: dict[str, list[str]], body: bytes, authorization: str
) -> _Claim:
    try:
        access_key_id, signature = parse_authorization_v2(authorization)
    except ValueError as exc:
        raise AuthFailure("IncompleteSignature", reason=str(exc)) from None
    date = _one(headers, "date")
    for name, expected in (
        ("x-acs-signature-method", SIGNATURE_METHOD_V2),
        ("x-acs-signature-version", SIGNATURE_VERSION_V2),
    ):
        if _one(headers, name) != expected:
            raise AuthFailure("IncompleteSignature", reason=f"{name} is not {expected}")

    def last(name: str) -> str:
        values = headers.get(name)
        return values[-1] if values else ""

    string_to_sign = string_to_sign_v2(
        method,
        last("accept"),
        # the MD5 of the body received, so a body changed on the way cannot verify
        content_md5(body) if body else last("content-md5"),
        last("content-type"),
        headers["date"][0],
        canonical_headers_v2(_pairs(headers)),
        canonical_resource_v2(path, decoded_query(query)),
    )
    return _Claim("v2", access_key_id, signature, date, _parse_http_date, string_to_sign, signature_v2)


def verify_werkzeug(
    request: WerkzeugRequest,
    credentials: Mapping[str, Credentials],
    *,
    now: datetime | None = None,
    nonces: NonceCache | None = None,
) -> Caller:
    """:func:`verify_request` for a ``werkzeug.Request``, as ``pytest-httpserver`` hands one to a handler.

    The path and query are taken as they arrived on the wire; ``now`` defaults to the current time.
    Returns the :class:`Caller`; raises :class:`AuthFailure` as :func:`verify_request` does.
    """
    raw_path, query = raw_target(request)
    return verify_request(
        method=request.method,
        path=raw_path,
        query=query,
        headers=list(request.headers.items()),
        body=request.get_data(cache=True),
        credentials=credentials,
        now=now if now is not None else datetime.now(UTC),
        nonces=nonces,
    )


def raw_target(request: WerkzeugRequest) -> tuple[str, str]:
    """The path and query of a ``werkzeug.Request`` as sent, before any decoding.

    The query is the WSGI ``QUERY_STRING``, always raw; the path is the raw request target's when the
    server kept it (``RAW_URI``, as werkzeug's and gunicorn's do), else the decoded path re-encoded.
    """
    target = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if isinstance(target, str) and target.startswith("/"):
        path = target.partition("?")[0]
    else:
        path = quote(request.path, safe="/")
    return path, request.query_string.decode("latin-1")
