"""SaeJobClient and AsyncSaeJobClient: start SAE jobs with ExecJob, signed, typed, retried safely.

The request is built and the answer parsed by the generated ``sae_job_api`` client; this module adds
the endpoint, the signer (an ``httpx.Auth``), the wire form of the arguments, typed errors and retries.

Transports, chosen on ``make bench`` (bench/RESULTS.md): the sync client uses httpx's own. The async
client sends through aiohttp (:mod:`sae_job.aiohttp_transport`) when ``sae-job[aiohttp]`` is installed,
else through httpx's own: httpx's async transport costs so much per request that a fan-out tops out at
about a fifth of the official SDK's calls per second; on aiohttp the same client passes the SDK
(httpx-aiohttp's transport, measured too, is 5-10% slower than ours and re-quotes the signed query;
see the transport module). The plain install stays httpx + attrs, and the generated client, signer and
parser are the same on either transport.
"""

from __future__ import annotations

import logging
import os
import platform
import random
import re
import time as _time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

import httpx

from sae_job import __version__
from sae_job.arguments import (
    MAX_REQUEST_TARGET,
    EnvsArg,
    check_request_size,
    exec_job_params,
    new_event_id,
)
from sae_job.credentials import CredentialsProvider, as_provider, default_credentials
from sae_job.errors import (
    AuthenticationError,
    SaeError,
    SaeJobError,
    ServerError,
    ThrottlingError,
    TransportError,
    UnexpectedResponseError,
    error_class_for,
)
from sae_job.signing import AcsV3Auth, RoaV2Auth, redact_headers
from sae_job_api import Client as ApiClient
from sae_job_api.api.default import exec_job as exec_job_api
from sae_job_api.models import Error as ApiError
from sae_job_api.models import ExecJobResponse
from sae_job_api.types import Unset

if TYPE_CHECKING:
    from sae_job.fanout import JobRequest

__all__ = [
    "AsyncSaeJobClient",
    "DryRun",
    "Launch",
    "RetryPolicy",
    "SaeJobClient",
    "default_async_transport",
    "resolve_endpoint",
]

logger = logging.getLogger("sae_job")

ACTION = "ExecJob"
API_VERSION = "2019-05-06"
SignatureVersion = Literal["v3", "v2"]
USER_AGENT = f"sae-job/{__version__} python/{platform.python_version()} httpx/{httpx.__version__}"
_REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")
# Codes after which the same request, signed afresh, can succeed.
_RESIGN_CODES = ("SignatureNonceUsed", "InvalidTimeStamp.Expired")


@dataclass(frozen=True, slots=True)
class Launch:
    """A job that ExecJob started."""

    job_id: str
    """The new job's ID, ``manual-…``."""
    request_id: str
    trace_id: str | None
    event_id: str
    """The event ID the job was started under: the caller's, or the one generated for the call."""
    app_id: str
    attempts: int = 1
    """How many requests it took (retries included)."""


@dataclass(frozen=True, slots=True)
class DryRun:
    """The request an ``exec_job`` call would send, signed, with the STS token redacted."""

    method: str
    url: str
    headers: dict[str, str]
    algorithm: str
    canonical_request: str | None
    """V3 only: the canonical request whose SHA-256 is signed."""
    string_to_sign: str
    """Compare with the one a ``SignatureDoesNotMatch`` message shows."""
    event_id: str


def _full_jitter(cap: float) -> float:
    return random.uniform(0.0, cap)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before trying a failed ExecJob call again.

    Retried: no answer (connection errors, timeouts), 5xx, throttling (waiting at least the
    ``x-acs-retry-after`` the server asked for), ``SignatureNonceUsed`` and ``InvalidTimeStamp.Expired``
    (signed afresh). Never another 4xx. Waits grow exponentially with full jitter:
    ``uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))``.
    """

    max_attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 10.0
    max_retry_after: float = 60.0
    """A throttling answer asking for a longer wait than this is raised, not waited out."""
    jitter: Callable[[float], float] = field(default=_full_jitter, repr=False)

    def __post_init__(self) -> None:
        if (
            isinstance(self.max_attempts, bool)
            or not isinstance(self.max_attempts, int)
            or self.max_attempts < 1
        ):
            raise ValueError(f"max_attempts must be an int >= 1, got {self.max_attempts!r}")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("retry delays must not be negative")

    @staticmethod
    def is_retryable(error: SaeJobError) -> bool:
        """Whether trying the same call again (same EventId, new signature) can help."""
        if isinstance(error, TransportError | ServerError | ThrottlingError):
            return True
        return isinstance(error, AuthenticationError) and error.code in _RESIGN_CODES

    def delay_before(self, attempt: int, error: SaeJobError) -> float | None:
        """Seconds to wait before attempt ``attempt + 1`` after ``error``; None: give up and raise."""
        if attempt >= self.max_attempts or not self.is_retryable(error):
            return None
        wait = self.jitter(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            wait = max(wait, retry_after)
        return wait


class _NoCookies(httpx.Cookies):
    """ExecJob is a signed API with no cookies: a Set-Cookie (from a gateway, a proxy) is dropped, not
    replayed into later requests. It is also the hot path: httpx reads every answer's cookies through
    urllib's cookie machinery, a fifth of a sync call's own cost in make bench."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


def _without_cookies(http: httpx.Client | httpx.AsyncClient) -> None:
    # httpx has no switch for cookies, and its constructor copies any Cookies given into a plain one:
    # replace the instance it keeps (a private slot; if httpx renames it, cookies are only kept again).
    if isinstance(getattr(http, "_cookies", None), httpx.Cookies):
        http._cookies = _NoCookies()


def _is_loopback(host: str) -> bool:
    import ipaddress  # here: only an http:// endpoint needs it, and every import is paid at start-up

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_USERINFO = re.compile(r"(?<=//)[^/?#@]*@")


def _shown(endpoint: str) -> str:
    """``endpoint`` fit for a message: a ``user:password@`` in it becomes ``<redacted>@``."""
    return _USERINFO.sub("<redacted>@", endpoint)


def resolve_endpoint(
    *, region: str | None = None, endpoint: str | None = None, vpc: bool = False, environ: Any = None
) -> str:
    """The base URL to call: ``endpoint`` when given, else SAE's endpoint in ``region``.

    ``region`` defaults to ``ALIBABA_CLOUD_REGION_ID``. ``vpc=True`` picks ``sae-vpc.<region>``. Raises
    ``ValueError`` for a malformed endpoint or region, and for plain ``http://`` to a host that is not
    loopback (the signature does not hide the request from the network).
    """
    if endpoint is not None:
        if not isinstance(endpoint, str):
            raise TypeError(f"endpoint must be a str URL, not {type(endpoint).__name__}")
        shown = _shown(endpoint)
        try:
            url = httpx.URL(endpoint)
        except httpx.InvalidURL as exc:
            raise ValueError(f"endpoint {shown!r} is not a URL: {exc}") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(
                f"endpoint {shown!r} is not an http(s) URL such as https://sae.cn-hangzhou.aliyuncs.com"
            )
        if url.query or url.fragment or url.userinfo:
            raise ValueError(f"endpoint {shown!r} must not carry a query, a fragment or user info")
        if url.scheme == "http" and not _is_loopback(url.host):
            raise ValueError(
                f"endpoint {shown!r} uses plain http to a host that is not loopback: use https "
                "(plain http is allowed only for a local emulator on 127.0.0.1, ::1 or localhost)"
            )
        return str(url).rstrip("/")
    environ = os.environ if environ is None else environ
    region = region if region is not None else environ.get("ALIBABA_CLOUD_REGION_ID") or None
    if region is None:
        raise ValueError(
            "no region: pass region='cn-hangzhou' (or another region ID), set ALIBABA_CLOUD_REGION_ID, "
            "or pass endpoint="
        )
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise ValueError(f"region {region!r} is not a region ID such as 'cn-hangzhou'")
    return f"https://sae{'-vpc' if vpc else ''}.{region}.aliyuncs.com"


def _make_auth(
    signature_version: str,
    credentials: CredentialsProvider,
    clock: Callable[[], datetime] | None,
    nonce: Callable[[], str] | None,
) -> AcsV3Auth | RoaV2Auth:
    extra: dict[str, Any] = {}
    if clock is not None:
        extra["clock"] = clock
    if nonce is not None:
        extra["nonce"] = nonce
    if signature_version == "v3":
        return AcsV3Auth(credentials, action=ACTION, version=API_VERSION, **extra)
    if signature_version == "v2":
        return RoaV2Auth(credentials, action=ACTION, version=API_VERSION, **extra)
    raise ValueError(
        "signature_version must be 'v3' (ACS3-HMAC-SHA256) or 'v2' (ROA HMAC-SHA1), "
        f"not {signature_version!r}"
    )


def _text(value: str | Unset | None) -> str | None:
    return None if isinstance(value, Unset) or value is None else value


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("x-acs-retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def _status_code_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.replace(" ", "")
    except ValueError:
        return f"HTTP{status}"


def interpret(response: httpx.Response, *, app_id: str, event_id: str, attempts: int) -> Launch | SaeJobError:
    """What an ExecJob answer means: the started job, or the error to raise (or retry on)."""
    try:
        parsed = exec_job_api._parse_response(client=_PARSER, response=response)
    except (ValueError, KeyError, TypeError, AttributeError):  # not JSON, or not the spec's shape
        parsed = None
    status = response.status_code
    if isinstance(parsed, ExecJobResponse) and status == 200:
        data = None if isinstance(parsed.data, Unset) else parsed.data
        job_id = _text(data.data) if data is not None else None
        failed = parsed.success is False or (data is not None and _text(data.success) == "false")
        if not failed and job_id:
            return Launch(job_id, parsed.request_id, _text(parsed.trace_id), event_id, app_id, attempts)
        if failed:
            inner = data is not None and _text(data.success) == "false"
            codes = [_text(parsed.error_code), _text(parsed.code)]
            messages = [_text(parsed.message)]
            if inner and data is not None:  # the job's own verdict explains more than the call's
                codes.insert(0, _text(data.code))
                messages.insert(0, _text(data.msg))
            code = next((c for c in codes if c and c != "200"), "JobNotStarted")
            message = next((m for m in messages if m and m != "success"), "the job was not started")
            return error_class_for(code, status)(
                code,
                message,
                request_id=parsed.request_id,
                trace_id=_text(parsed.trace_id),
                status_code=status,
                event_id=event_id,
            )
    if isinstance(parsed, ApiError):
        return error_class_for(parsed.code, status)(
            parsed.code,
            parsed.message,
            request_id=parsed.request_id,
            trace_id=_text(parsed.trace_id),
            status_code=status,
            recommend=_text(parsed.recommend),
            host_id=_text(parsed.host_id),
            retry_after=_retry_after(response),
            event_id=event_id,
        )
    if status >= 500 or status == 429:
        code = _status_code_name(status)
        cls = ServerError if status >= 500 else ThrottlingError
        return cls(
            code,
            f"HTTP {status} with no error in the spec's form",
            status_code=status,
            retry_after=_retry_after(response),
            event_id=event_id,
        )
    return UnexpectedResponseError(
        f"HTTP {status} answer that the ExecJob spec does not describe (event {event_id}); "
        "calling again with the same event_id cannot start a second job",
        status_code=status,
        body=response.content,
        event_id=event_id,
    )


# The generated parser only reads raise_on_unexpected_status from its client.
_PARSER = ApiClient(base_url="http://parser.invalid", raise_on_unexpected_status=False)


@dataclass(slots=True)
class _Call:
    """One exec_job call: its wire form and event ID, fixed across attempts."""

    params: dict[str, str]
    event_id: str
    app_id: str
    request: dict[str, Any]
    target: str
    """The path and encoded query, as httpx would encode ``request``'s params: encoded once per call."""


def _prepare(
    app_id: str,
    *,
    command: str | Sequence[str] | None,
    args: Sequence[str] | None,
    envs: EnvsArg | None,
    event_id: str | None,
    replicas: int | None,
    time: datetime | None,
    jar_start_options: str | None,
    jar_start_args: str | None,
    war_start_options: str | None,
) -> _Call:
    chosen = new_event_id() if event_id is None else event_id
    params = exec_job_params(
        app_id,
        command=command,
        args=args,
        envs=envs,
        event_id=chosen,
        replicas=replicas,
        time=time,
        jar_start_options=jar_start_options,
        jar_start_args=jar_start_args,
        war_start_options=war_start_options,
    )
    request = exec_job_api._get_kwargs(**params)
    target = f"{request['url']}?{_form_urlencode(request['params'])}"
    if len(target) > MAX_REQUEST_TARGET:  # the size check_request_size measures: let it name the culprit
        check_request_size(request["url"], request["params"])
    return _Call(params, chosen, app_id, request, target)


def _request(http: httpx.Client | httpx.AsyncClient, call: _Call, url: httpx.URL) -> httpx.Request:
    # What build_request makes of it, at a third of the cost: the client has no params and keeps no
    # cookies, so only its headers are merged; send() adds its timeout, and the signer the rest.
    return httpx.Request(call.request["method"], url, headers=http.headers)


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
# Each UTF-8 byte (as a latin-1 character) to what quote_plus writes for it.
_FORM_ESCAPES = {b: "+" if b == 0x20 else chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in range(256)}


def _form_urlencode(params: dict[str, str]) -> str:
    """``urlencode(params)``, what httpx sends for ``params=``, in one ``str.translate`` per value
    instead of quote_plus's Python loop over every byte that needs escaping (JSON is full of them)."""
    return "&".join(
        f"{name.encode().decode('latin-1').translate(_FORM_ESCAPES)}="
        f"{value.encode().decode('latin-1').translate(_FORM_ESCAPES)}"
        for name, value in params.items()
    )


def _transport_error(exc: httpx.TransportError, call: _Call, attempt: int) -> TransportError:
    error = TransportError(
        f"no answer from SAE ({type(exc).__name__}: {exc}) for event {call.event_id}; "
        "calling again with the same event_id cannot start a second job",
        event_id=call.event_id,
        attempts=attempt,
    )
    error.__cause__ = exc
    return error


def _log_retry(call: _Call, attempt: int, max_attempts: int, error: SaeJobError, delay: float) -> None:
    what = error.code if isinstance(error, SaeError) else type(error).__name__
    logger.info(
        "ExecJob attempt %d of %d for app %s failed (%s); retrying in %.2fs with event %s",
        attempt,
        max_attempts,
        call.app_id,
        what,
        delay,
        call.event_id,
    )


class _Base:
    """Configuration shared by the sync and async clients."""

    _http: httpx.Client | httpx.AsyncClient

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        vpc: bool = False,
        credentials: object = None,
        profile: str | None = None,
        signature_version: SignatureVersion = "v3",
        max_attempts: int = 3,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] | None = None,
        nonce: Callable[[], str] | None = None,
    ) -> None:
        self.endpoint = resolve_endpoint(region=region, endpoint=endpoint, vpc=vpc)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        provider = (
            as_provider(credentials) if credentials is not None else default_credentials(profile=profile)
        )
        self.signature_version = signature_version
        self._auth = _make_auth(signature_version, provider, clock, nonce)
        self.retry = retry if retry is not None else RetryPolicy(max_attempts=max_attempts)
        self.timeout = float(timeout)
        self._provider = provider

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(endpoint={self.endpoint!r}, "
            f"signature_version={self.signature_version!r}, max_attempts={self.retry.max_attempts})"
        )

    @property
    def auth(self) -> httpx.Auth:
        """The signer, an ``httpx.Auth``: use it to sign other POP requests, or ``explain()`` one."""
        return self._auth

    def explain_exec_job(
        self,
        app_id: str,
        *,
        command: str | Sequence[str] | None = None,
        args: Sequence[str] | None = None,
        envs: EnvsArg | None = None,
        event_id: str | None = None,
        replicas: int | None = None,
        time: datetime | None = None,
        jar_start_options: str | None = None,
        jar_start_args: str | None = None,
        war_start_options: str | None = None,
    ) -> DryRun:
        """The request ``exec_job`` with these arguments would send, signed now; nothing is sent.

        Raises what ``exec_job`` raises for bad arguments.
        """
        call = _prepare(
            app_id,
            command=command,
            args=args,
            envs=envs,
            event_id=event_id,
            replicas=replicas,
            time=time,
            jar_start_options=jar_start_options,
            jar_start_args=jar_start_args,
            war_start_options=war_start_options,
        )
        request = self._http.build_request(**call.request)
        steps = self._auth.explain(request)
        return DryRun(
            method=request.method,
            url=str(request.url),
            headers=redact_headers({**dict(request.headers), **steps.headers_added}),
            algorithm=steps.algorithm,
            canonical_request=steps.canonical_request,
            string_to_sign=steps.string_to_sign,
            event_id=call.event_id,
        )

    def _url(self, call: _Call) -> httpx.URL:
        # One URL parse per call: build_request(params=...) parses it three times on every attempt.
        return httpx.URL(self.endpoint + call.target)

    def _client_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {
            "base_url": self.endpoint,
            "auth": self._auth,
            "timeout": httpx.Timeout(self.timeout),
            "headers": {"User-Agent": USER_AGENT, "Accept": "application/json"},
            "follow_redirects": False,  # a redirect would send the signed request elsewhere
        }
        if self.endpoint.startswith("http://"):
            # Loopback only (resolve_endpoint): reached directly, never through a proxy, and with no TLS
            # there is no CA bundle to load (about 15 ms of a sae-job start).
            args.update(verify=False, trust_env=False)
        return args


class SaeJobClient(_Base):
    """Starts SAE jobs (ExecJob), synchronously. One connection pool; close it, or use ``with``.

    ``credentials``: a :class:`~sae_job.Credentials`, any object with ``get_credentials()``, or an
    ``alibabacloud_credentials`` client; None takes the default chain (environment, then the aliyun
    CLI's profile ``profile``). Raises ``ValueError``/``TypeError`` for bad settings and
    :class:`~sae_job.CredentialsNotFoundError` when no credentials are found.
    """

    _http: httpx.Client

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        vpc: bool = False,
        credentials: object = None,
        profile: str | None = None,
        signature_version: SignatureVersion = "v3",
        max_attempts: int = 3,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
        nonce: Callable[[], str] | None = None,
        sleep: Callable[[float], None] = _time.sleep,
    ) -> None:
        super().__init__(
            region=region,
            endpoint=endpoint,
            vpc=vpc,
            credentials=credentials,
            profile=profile,
            signature_version=signature_version,
            max_attempts=max_attempts,
            timeout=timeout,
            retry=retry,
            clock=clock,
            nonce=nonce,
        )
        self._sleep = sleep
        self._http = httpx.Client(transport=transport, **self._client_args())
        _without_cookies(self._http)

    def exec_job(
        self,
        app_id: str,
        *,
        command: str | Sequence[str] | None = None,
        args: Sequence[str] | None = None,
        envs: EnvsArg | None = None,
        event_id: str | None = None,
        replicas: int | None = None,
        time: datetime | None = None,
        jar_start_options: str | None = None,
        jar_start_args: str | None = None,
        war_start_options: str | None = None,
    ) -> Launch:
        """Start a job from the template ``app_id`` and return it as a :class:`Launch`.

        ``command`` is a list (the executable, then its arguments) or a string with ``args`` beside it.
        ``envs`` is a mapping of names to values or a list of :class:`~sae_job.Env` /
        :class:`~sae_job.ConfigMapEnv`. ``event_id`` makes the call idempotent; when None, one is made for
        this call and reused by every retry, so a retry never starts a second job.

        Raises ``TypeError``/``ValueError`` for bad arguments (nothing is sent), a
        :class:`~sae_job.SaeError` subclass for an error answer, :class:`~sae_job.TransportError` when no
        answer came after every attempt.
        """
        call = _prepare(
            app_id,
            command=command,
            args=args,
            envs=envs,
            event_id=event_id,
            replicas=replicas,
            time=time,
            jar_start_options=jar_start_options,
            jar_start_args=jar_start_args,
            war_start_options=war_start_options,
        )
        url = self._url(call)
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(call, url, attempt)
            if isinstance(outcome, Launch):
                return outcome
            delay = self.retry.delay_before(attempt, outcome)
            if delay is None:
                raise outcome
            _log_retry(call, attempt, self.retry.max_attempts, outcome, delay)
            self._sleep(delay)

    def _attempt(self, call: _Call, url: httpx.URL, attempt: int) -> Launch | SaeJobError:
        """Send the call once, signed afresh; what the answer (or its absence) means."""
        try:
            response = self._http.send(_request(self._http, call, url))
        except httpx.TransportError as exc:
            return _transport_error(exc, call, attempt)
        return interpret(response, app_id=call.app_id, event_id=call.event_id, attempts=attempt)

    def exec_jobs(
        self, requests: Iterable[JobRequest], *, concurrency: int = 10, retry_budget: int | None = None
    ) -> list[Launch | SaeJobError]:
        """Start many jobs, at most ``concurrency`` calls in flight (threads), and return, in the order of
        ``requests``, each one's :class:`Launch` or the :class:`~sae_job.SaeJobError` it ended with.

        One failure never raises. Retries share one budget (``retry_budget``, by default a fifth of the
        requests and at least 10) and one throttle gate: when any call is throttled, every call waits.
        Raises ``TypeError``/``ValueError`` naming the bad request before anything is sent. See
        :mod:`sae_job.fanout`.
        """
        from sae_job.fanout import exec_jobs

        return exec_jobs(self, requests, concurrency=concurrency, retry_budget=retry_budget)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def default_async_transport() -> httpx.AsyncBaseTransport | None:
    """The transport :class:`AsyncSaeJobClient` sends through when given none.

    :class:`sae_job.aiohttp_transport.AiohttpTransport` when ``sae-job[aiohttp]`` is installed: the same
    ``httpx.AsyncClient`` (and generated client, signer, parser) above it, aiohttp's connection pool
    below it. In ``make bench`` (1,000 calls at concurrency 50, bench/RESULTS.md) it carries about six
    times the calls per second of httpx's own async transport, whose per-request cost caps a fan-out
    far below the official SDK's (which is on aiohttp too). Without the extra: None, httpx's own,
    so a plain install stays httpx + attrs. Proxies from the environment still go through httpx's
    proxy transports either way.
    """
    try:
        from sae_job.aiohttp_transport import AiohttpTransport
    except ImportError:  # no aiohttp: sae-job[aiohttp] is not installed
        return None
    return AiohttpTransport()


class AsyncSaeJobClient(_Base):
    """Starts SAE jobs (ExecJob) with asyncio. Same settings as :class:`SaeJobClient`; close it with
    ``await client.aclose()`` or ``async with``.

    ``transport``: by default aiohttp's when ``sae-job[aiohttp]`` is installed, else httpx's own (see
    :func:`default_async_transport`); pass ``httpx.AsyncHTTPTransport()`` to force httpx's.
    """

    _http: httpx.AsyncClient

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        vpc: bool = False,
        credentials: object = None,
        profile: str | None = None,
        signature_version: SignatureVersion = "v3",
        max_attempts: int = 3,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
        nonce: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(
            region=region,
            endpoint=endpoint,
            vpc=vpc,
            credentials=credentials,
            profile=profile,
            signature_version=signature_version,
            max_attempts=max_attempts,
            timeout=timeout,
            retry=retry,
            clock=clock,
            nonce=nonce,
        )
        if transport is None:
            transport = default_async_transport()
        self._http = httpx.AsyncClient(transport=transport, **self._client_args())
        _without_cookies(self._http)

    async def exec_job(
        self,
        app_id: str,
        *,
        command: str | Sequence[str] | None = None,
        args: Sequence[str] | None = None,
        envs: EnvsArg | None = None,
        event_id: str | None = None,
        replicas: int | None = None,
        time: datetime | None = None,
        jar_start_options: str | None = None,
        jar_start_args: str | None = None,
        war_start_options: str | None = None,
    ) -> Launch:
        """Start a job; as :meth:`SaeJobClient.exec_job`."""
        call = _prepare(
            app_id,
            command=command,
            args=args,
            envs=envs,
            event_id=event_id,
            replicas=replicas,
            time=time,
            jar_start_options=jar_start_options,
            jar_start_args=jar_start_args,
            war_start_options=war_start_options,
        )
        url = self._url(call)
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._attempt(call, url, attempt)
            if isinstance(outcome, Launch):
                return outcome
            delay = self.retry.delay_before(attempt, outcome)
            if delay is None:
                raise outcome
            _log_retry(call, attempt, self.retry.max_attempts, outcome, delay)
            import asyncio  # here, not at the top: the sync client and the CLI never load it

            await asyncio.sleep(delay)

    async def _attempt(self, call: _Call, url: httpx.URL, attempt: int) -> Launch | SaeJobError:
        """Send the call once, signed afresh; what the answer (or its absence) means."""
        try:
            response = await self._http.send(_request(self._http, call, url))
        except httpx.TransportError as exc:
            return _transport_error(exc, call, attempt)
        return interpret(response, app_id=call.app_id, event_id=call.event_id, attempts=attempt)

    async def exec_jobs(
        self, requests: Iterable[JobRequest], *, concurrency: int = 10, retry_budget: int | None = None
    ) -> list[Launch | SaeJobError]:
        """Start many jobs, at most ``concurrency`` calls in flight, and return, in the order of
        ``requests``, each one's :class:`Launch` or the :class:`~sae_job.SaeJobError` it ended with.

        One failure never raises. Retries share one budget (``retry_budget``, by default a fifth of the
        requests and at least 10) and one throttle gate: when any call is throttled, every call waits.
        Raises ``TypeError``/``ValueError`` naming the bad request before anything is sent. See
        :mod:`sae_job.fanout`.
        """
        from sae_job.fanout import exec_jobs_async

        return await exec_jobs_async(self, requests, concurrency=concurrency, retry_budget=retry_budget)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
