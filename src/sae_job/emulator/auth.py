"""The gateway's authentication of a V3 or ROA V2 signed request with :mod:`sae_job.signing`'s steps, in its
order: form, key, clock, token, signature, then the nonce (so a forged request uses none up)."""

from __future__ import annotations

import contextlib
import heapq
import hmac
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import unquote

from sae_job import signing
from sae_job.credentials import Credentials
from sae_job.signing import REDACTED, SECURITY_TOKEN_HEADER

DEFAULT_WINDOW = timedelta(minutes=15)
NONCE_HEADER = "x-acs-signature-nonce"
#: A V3 request must sign at least these; it may sign more (the official SDK signs all it sends).
REQUIRED_SIGNED_HEADERS_V3 = frozenset({"host", "x-acs-date", NONCE_HEADER, "x-acs-action", "x-acs-version"})

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
_AUTHORIZATION_V3 = re.compile(
    r"ACS3-HMAC-SHA256 Credential=([^\s,;=]+),SignedHeaders=([a-z0-9_.-]+(?:;[a-z0-9_.-]+)*),"
    r"Signature=([0-9a-f]{64})"
)
_AUTHORIZATION_V2 = re.compile(r"acs ([^\s:]+):([A-Za-z0-9+/]{27}=)")


class AuthFailure(Exception):
    """The gateway refused the request: ``code``, ``message``, ``status``; ``reason``, for a log."""

    def __init__(self, code: str, message: str | None = None, *, reason: str = "") -> None:
        self.code, self.reason = code, reason
        self.message = message if message is not None else _MESSAGES[code]
        self.status = 404 if code == "InvalidAccessKeyId.NotFound" else 400
        super().__init__(f"{code}: {self.message}" + (f" ({reason})" if reason else ""))


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request whose signature verified (its STS token, never in its repr)."""

    access_key_id: str
    signature_version: Literal["v3", "v2"]
    security_token: str | None = field(repr=False)


class NonceCache:
    """Nonces that could still replay a request, thread-safe: each kept ``window`` past the later of its
    arrival and its request's date (``by_date`` false: its arrival); at most ``max_entries``."""

    def __init__(
        self, window: timedelta = DEFAULT_WINDOW, *, max_entries: int = 200_000, by_date: bool = True
    ) -> None:
        if window <= timedelta(0) or max_entries < 1:
            raise ValueError("window must be positive and max_entries at least 1")
        self.window, self.by_date, self.max_entries = window, by_date, max_entries
        self._expiry: dict[str, datetime] = {}
        self._by_expiry: list[tuple[datetime, str]] = []  # the same, as a heap: the first to expire on top
        self._lock = threading.Lock()

    def use(self, nonce: str, now: datetime, dated: datetime | None = None) -> bool:
        """Record ``nonce`` used at ``now`` by a request ``dated``; False if a valid request used it."""
        until = max(now, dated if dated is not None and self.by_date else now) + self.window
        with self._lock:
            while self._by_expiry and (self._by_expiry[0][0] < now or len(self._expiry) >= self.max_entries):
                del self._expiry[heapq.heappop(self._by_expiry)[1]]
            if nonce in self._expiry:
                return False
            self._expiry[nonce] = until
            heapq.heappush(self._by_expiry, (until, nonce))
            return True

    def clear(self) -> None:
        with self._lock:
            self._expiry.clear()
            self._by_expiry.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)


def parse_authorization_v3(value: str) -> tuple[str, list[str], str]:
    """(access key id, signed names, signature) of a V3 ``Authorization`` as ``signing.authorization_v3``
    writes it; ``ValueError``, not echoing it, for anything else.

    >>> header = "ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders=host;x-acs-date,Signature="
    >>> parse_authorization_v3(header + 64 * "0")
    ('AKID', ['host', 'x-acs-date'], '0000000000000000000000000000000000000000000000000000000000000000')
    """
    match = _AUTHORIZATION_V3.fullmatch(value)
    if match is None:
        raise ValueError("malformed ACS3-HMAC-SHA256 Authorization header")
    access_key_id, names, signature = match.groups()
    return access_key_id, names.split(";"), signature


def parse_authorization_v2(value: str) -> tuple[str, str]:
    """(access key id, signature) of a ROA V2 ``Authorization`` (``acs AKID:`` + base64); else ``ValueError``.

    >>> parse_authorization_v2("acs AKID:D9uFJAJgLL+dryjBfQK+YeqGtoY=")
    ('AKID', 'D9uFJAJgLL+dryjBfQK+YeqGtoY=')
    """
    match = _AUTHORIZATION_V2.fullmatch(value)
    if match is None:
        raise ValueError("malformed ROA (acs AccessKeyId:Signature) Authorization header")
    return match.group(1), match.group(2)


def compare_signatures(expected: str, received: str) -> bool:
    """Whether two signatures are equal, in time independent of where they differ."""
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


def _parse_acs_date(value: str) -> datetime:
    with contextlib.suppress(ValueError):  # exactly as signing writes it: 2023-10-26T10:22:32Z
        if signing.format_acs_date(parsed := datetime.fromisoformat(value)) == value:
            return parsed
    raise AuthFailure("InvalidTimeStamp.Format", reason="x-acs-date is not yyyy-MM-ddTHH:mm:ssZ")


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
    expected, mismatch = credentials.security_token, "InvalidSecurityToken.MismatchWithAccessKey"
    if expected is None:
        if sent is not None:
            raise AuthFailure(mismatch, reason="this key takes no security token")
        return None
    if not sent:
        raise AuthFailure("InvalidSecurityToken.Malformed", reason="this key needs a security token")
    if not compare_signatures(expected, sent):
        raise AuthFailure(mismatch, reason="not the token this key was issued with")
    return sent


def verify_request(
    *,
    method: str,
    path: str,
    query: str,
    headers: signing.HeaderItems,
    body: bytes,
    credentials: Mapping[str, Credentials],
    now: datetime,
    nonces: NonceCache | None = None,
    window: timedelta = DEFAULT_WINDOW,
) -> Caller:
    """Who sent a request (``path`` and ``query`` raw, no ``?``), checked against ``credentials`` by key ID at
    ``now`` (aware), a nonce refused if ``nonces`` holds it. Raises :class:`AuthFailure` with the gateway's
    code (``SignatureDoesNotMatch`` shows the server's string to sign); ``ValueError`` for a naive ``now``."""
    now = signing.as_utc(now)
    grouped = signing.group_headers(headers)
    try:  # a ValueError: the Authorization (acs, else V3) or the signed headers are malformed
        read_claim = _claim_v2 if _one(grouped, "authorization").startswith("acs ") else _claim_v3
        claim = read_claim(method, unquote(path), query, grouped, body)
    except ValueError as exc:
        raise AuthFailure("IncompleteSignature", reason=str(exc)) from None
    nonce = _one(grouped, NONCE_HEADER)
    key = credentials.get(claim.access_key_id)
    if key is None:
        raise AuthFailure("InvalidAccessKeyId.NotFound", reason=f"no key {claim.access_key_id!r}")
    parse_date, sign = _SCHEMES[claim.signature_version]
    dated = parse_date(claim.date)
    if abs(now - dated) > window:
        raise AuthFailure("InvalidTimeStamp.Expired", reason=f"the request is dated {dated.isoformat()}")
    token = _check_token(grouped, key)
    matches = compare_signatures(sign(key.access_key_secret, claim.string_to_sign), claim.signature)
    # Methods are case-sensitive (RFC 9110) but signed upper-cased: "gET" is not the "GET" signed.
    if not matches or method != method.upper():
        shown = claim.string_to_sign.replace(token, REDACTED) if token else claim.string_to_sign
        raise AuthFailure(
            "SignatureDoesNotMatch", _SIGNATURE_MISMATCH + shown, reason="the signature differs from ours"
        )
    if nonces is not None and not nonces.use(nonce, now, dated):
        raise AuthFailure("SignatureNonceUsed", reason="the nonce was used within the window")
    return Caller(claim.access_key_id, claim.signature_version, token)


@dataclass(frozen=True, slots=True)
class _Claim:
    """What a request claims, read from its form alone, and the string to sign computed from what arrived."""

    signature_version: Literal["v3", "v2"]
    access_key_id: str
    signature: str
    date: str
    string_to_sign: str


def _claim_v3(method: str, path: str, query: str, headers: dict[str, list[str]], body: bytes) -> _Claim:
    access_key_id, signed, signature = parse_authorization_v3(_one(headers, "authorization"))
    missing = sorted(REQUIRED_SIGNED_HEADERS_V3.difference(signed))
    if SECURITY_TOKEN_HEADER in headers and SECURITY_TOKEN_HEADER not in signed:
        missing.append(SECURITY_TOKEN_HEADER)  # an unsigned token could be swapped on the way
    if missing:
        raise AuthFailure("IncompleteSignature", reason=f"SignedHeaders lacks {', '.join(missing)}")
    for name in REQUIRED_SIGNED_HEADERS_V3:
        _one(headers, name)
    canonical_request = signing.canonical_request_v3(
        method,
        signing.canonical_uri_v3(path),
        signing.canonical_query_v3_of_raw(query),
        signing.canonical_headers_v3(_pairs(headers), signed),
        signing.signed_headers_v3(signed),
        signing.hashed_payload(body),  # of the body received, so a body changed on the way cannot verify
    )
    date = _one(headers, "x-acs-date")
    return _Claim("v3", access_key_id, signature, date, signing.string_to_sign_v3(canonical_request))


def _claim_v2(method: str, path: str, query: str, headers: dict[str, list[str]], body: bytes) -> _Claim:
    access_key_id, signature = parse_authorization_v2(_one(headers, "authorization"))
    date = _one(headers, "date")
    for name, expected in (
        ("x-acs-signature-method", signing.SIGNATURE_METHOD_V2),
        ("x-acs-signature-version", signing.SIGNATURE_VERSION_V2),
    ):
        if _one(headers, name) != expected:
            raise AuthFailure("IncompleteSignature", reason=f"{name} is not {expected}")
    string_to_sign = signing.string_to_sign_v2(
        method,
        headers.get("accept", [""])[-1],
        # the MD5 of the body received, so a body changed on the way cannot verify
        signing.content_md5(body) if body else headers.get("content-md5", [""])[-1],
        headers.get("content-type", [""])[-1],
        headers["date"][0],
        signing.canonical_headers_v2(_pairs(headers)),
        signing.canonical_resource_v2(path, signing.decoded_query(query)),
    )
    return _Claim("v2", access_key_id, signature, date, string_to_sign)


_SCHEMES = {"v3": (_parse_acs_date, signing.signature_v3), "v2": (_parse_http_date, signing.signature_v2)}
