"""SaeJobClient and AsyncSaeJobClient: SAE's job operations, signed, typed, retried safely.

A call: arguments -> wire form (:mod:`sae_job.arguments`, :mod:`sae_job.generated_api`) -> signature
(:mod:`sae_job.signing`) -> send (the two thin drivers here) -> result or typed error
(:mod:`sae_job.answers`), :mod:`sae_job.attempts` deciding whether to try again.
"""

from __future__ import annotations

import functools
import itertools
import math
import platform
import time as _time
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator, Mapping, Sized
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Self, TypedDict, TypeVar, Unpack

import httpx

from sae_job import __version__
from sae_job.answers import Launch, read_exec_job, read_history_page, read_job_status
from sae_job.arguments import (
    MAX_TEMPLATES_PAGE_SIZE,
    DescribeJobHistoryArguments,
    ExecJobArguments,
    JobRequest,
    ListJobsArguments,
    check_request_size,
    describe_job_history_params,
    describe_job_status_params,
    exec_job_params,
    list_jobs_params,
    new_event_id,
    template_name,
)
from sae_job.attempts import (
    Batch,
    RetryPolicy,
    Step,
    attempt_loop,
    batch_retry_budget,
    run_async,
    run_sync,
)
from sae_job.credentials import CredentialsProvider, as_provider, default_credentials
from sae_job.endpoints import resolve_endpoint
from sae_job.errors import SaeJobError
from sae_job.generated_api import request_parameters
from sae_job.jobs import JobStatus, WaitArguments, WaitPolicy, wait_loop
from sae_job.operations import DESCRIBE_JOB_HISTORY, DESCRIBE_JOB_STATUS, EXEC_JOB, LIST_JOBS, Operation
from sae_job.sending import Answer, bound_client_by_deadline, send_async, send_sync
from sae_job.signing import AcsV3Auth, RoaV2Auth, redact_headers
from sae_job.templates import JobTemplate, pick_template, read_templates_page

__all__ = [
    "AsyncSaeJobClient",
    "ClientSettings",
    "DryRun",
    "JobOutcome",
    "Launch",
    "RetryPolicy",
    "SaeJobClient",
    "default_async_transport",
    "resolve_endpoint",
]

T = TypeVar("T")
_LAST_LOOK = 1.0  # seconds a look begun at a wait's deadline may take
SignatureVersion = Literal["v3", "v2"]
USER_AGENT = f"sae-job/{__version__} python/{platform.python_version()} httpx/{httpx.__version__}"
DEFAULT_CONCURRENCY = 10
DEFAULT_PAGE_SIZE = 100
Read = Callable[[Answer, int], Any]
Paging = Generator["PreparedCall | None", Any, None]
Listing = tuple["PreparedCall | None", Paging, Read]  # page 1's call, the next calls, the page reader
NameKey = tuple[str, str | None]

JobOutcome = Launch | SaeJobError
"""What ``exec_jobs`` gives for one request: the job it started, or why it did not."""


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


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """One call in wire form, the same in every attempt: operation, request target, ExecJob's event ID."""

    operation: Operation
    target: str
    app_id: str
    event_id: str | None

    @property
    def label(self) -> str:
        event = f" (event {self.event_id})" if self.event_id is not None else ""
        return f"{self.operation.action} for app {self.app_id}{event}"


def prepare(
    operation: Operation, app_id: str, wire: Mapping[str, object], event_id: str | None = None
) -> PreparedCall:
    """A call in wire form (``wire`` keyed as the generated function's arguments), its URL's size checked."""
    target = check_request_size(operation.path, request_parameters(operation, wire))
    return PreparedCall(operation, target, app_id, event_id)


def prepare_exec_job(app_id: str, arguments: ExecJobArguments) -> PreparedCall:
    """ExecJob's wire form, with the event ID decided; ``TypeError``/``ValueError`` for bad arguments."""
    event_id = arguments.get("event_id")
    chosen = new_event_id() if event_id is None else event_id
    with_event: ExecJobArguments = {**arguments, "event_id": chosen}
    return prepare(EXEC_JOB, app_id, exec_job_params(app_id, **with_event), chosen)


def _job_of(job: str | Launch, job_id: str | None) -> tuple[str, str]:
    if isinstance(job, Launch):
        if job_id is not None and job_id != job.job_id:
            raise ValueError(f"job_id {job_id!r} is not the launch's job {job.job_id!r}")
        return job.app_id, job.job_id
    if job_id is None:
        raise TypeError("wait_for_job needs the job: pass a Launch, or app_id and job_id")
    return job, job_id


def _seconds(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ValueError(f"{name} must be a positive, finite number of seconds, got {value!r}")
    return float(value)


def _check_keys(given: Mapping[str, object], declared: frozenset[str]) -> None:
    unknown = sorted(given.keys() - declared)
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")


def _result(outcome: T | SaeJobError) -> T:
    if isinstance(outcome, SaeJobError):
        raise outcome
    return outcome


class _NoCookies(httpx.Cookies):
    """A signed API has no cookies: a Set-Cookie (from a gateway, a proxy) is dropped, not replayed into
    later requests. It also spares every answer httpx's pass through urllib's cookie machinery."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


def _without_cookies(http: httpx.Client | httpx.AsyncClient) -> None:
    # httpx has no switch for cookies, and its constructor copies any Cookies given into a plain one:
    # replace the instance it keeps (a private slot; if httpx renames it, cookies are only kept again).
    if isinstance(getattr(http, "_cookies", None), httpx.Cookies):
        http._cookies = _NoCookies()


_SIGNERS: dict[str, type[AcsV3Auth] | type[RoaV2Auth]] = {"v3": AcsV3Auth, "v2": RoaV2Auth}


def _make_auth(
    signature_version: str,
    credentials: CredentialsProvider,
    clock: Callable[[], datetime] | None,
    nonce: Callable[[], str] | None,
) -> AcsV3Auth | RoaV2Auth:
    signer = _SIGNERS.get(signature_version)
    if signer is None:
        raise ValueError(
            "signature_version must be 'v3' (ACS3-HMAC-SHA256) or 'v2' (ROA HMAC-SHA1), "
            f"not {signature_version!r}"
        )
    given: dict[str, Any] = {"clock": clock, "nonce": nonce}
    injected = {name: value for name, value in given.items() if value is not None}
    return signer(credentials, **injected)


class ClientSettings(TypedDict, total=False):
    """Both clients' settings. ``region`` or ``endpoint`` (see :func:`resolve_endpoint`), ``vpc``;
    ``credentials`` (a :class:`~sae_job.Credentials`, a provider or an ``alibabacloud_credentials`` client;
    None: :func:`~sae_job.default_credentials`) or ``profile``; ``signature_version`` ``"v3"`` or ``"v2"``;
    ``max_attempts`` (3) or a ``retry`` policy; ``timeout`` (10 s) per attempt, ``deadline`` (60 s) per
    call; ``clock`` and ``nonce`` for the signer (tests)."""

    region: str | None
    endpoint: str | None
    vpc: bool
    credentials: object
    profile: str | None
    signature_version: SignatureVersion
    max_attempts: int
    timeout: float
    deadline: float
    retry: RetryPolicy | None
    clock: Callable[[], datetime] | None
    nonce: Callable[[], str] | None


class _ClientCore:
    """The settings, signer and request building that the sync and async clients share."""

    _http: httpx.Client | httpx.AsyncClient

    def __init__(self, **settings: Unpack[ClientSettings]) -> None:
        _check_keys(settings, ClientSettings.__optional_keys__)
        region, endpoint, profile = settings.get("region"), settings.get("endpoint"), settings.get("profile")
        self.endpoint = resolve_endpoint(
            region=region, endpoint=endpoint, vpc=settings.get("vpc", False), profile=profile
        )
        self.timeout = _seconds("timeout", settings.get("timeout", 10.0))
        self.deadline = _seconds("deadline", settings.get("deadline", 60.0))
        credentials = settings.get("credentials")
        provider = (
            as_provider(credentials) if credentials is not None else default_credentials(profile=profile)
        )
        self.signature_version = settings.get("signature_version", "v3")
        self._auth = _make_auth(
            self.signature_version, provider, settings.get("clock"), settings.get("nonce")
        )
        retry = settings.get("retry")
        self.retry = retry if retry is not None else RetryPolicy(max_attempts=settings.get("max_attempts", 3))
        # find_template's answers, for this client's lifetime: a name is resolved once (never on disk).
        self._templates_by_name: dict[NameKey, JobTemplate] = {}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(endpoint={self.endpoint!r}, "
            f"signature_version={self.signature_version!r}, max_attempts={self.retry.max_attempts})"
        )

    @property
    def auth(self) -> httpx.Auth:
        """The signer, an ``httpx.Auth``: use it to sign other POP requests, or ``explain()`` one."""
        return self._auth

    def explain_exec_job(self, app_id: str, **arguments: Unpack[ExecJobArguments]) -> DryRun:
        """The request ``exec_job`` would send, signed now; nothing is sent. Bad arguments raise."""
        call = prepare_exec_job(app_id, arguments)
        request = self._request(call)
        steps = self._auth.explain(request)
        assert call.event_id is not None
        return DryRun(
            method=request.method,
            url=str(request.url),
            headers=redact_headers({**dict(request.headers), **steps.headers_added}),
            algorithm=steps.algorithm,
            canonical_request=steps.canonical_request,
            string_to_sign=steps.string_to_sign,
            event_id=call.event_id,
        )

    def _request(self, call: PreparedCall, url: httpx.URL | None = None) -> httpx.Request:
        # What build_request makes of it at a third of the cost: the client has no params and keeps no
        # cookies, so only its headers are merged; send() adds its timeout, and the signer the rest.
        target = url if url is not None else self.endpoint + call.target
        return httpx.Request(call.operation.method, target, headers=self._http.headers)

    def _client_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {
            "base_url": self.endpoint,
            "auth": self._auth,
            "timeout": httpx.Timeout(self.timeout),
            # identity: the answer is read raw up to a cap, and decoded here (sae_job.sending)
            "headers": {
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                "Accept-Encoding": "identity",
            },
            "follow_redirects": False,  # a redirect would send the signed request elsewhere
        }
        if self.endpoint.startswith("http://"):
            # Loopback only (resolve_endpoint): reached directly, never through a proxy, and with no TLS
            # there is no CA bundle to load.
            args.update(verify=False, trust_env=False)
        return args

    @staticmethod
    def _prepare_all(requests: Iterable[JobRequest]) -> list[PreparedCall]:
        """Every request in wire form; the first bad one raises, naming its index."""
        calls = []
        for index, request in enumerate(requests):
            if not isinstance(request, JobRequest):
                raise TypeError(f"requests[{index}] must be a JobRequest, not {type(request).__name__}")
            try:
                calls.append(prepare_exec_job(request.app_id, request.arguments))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"requests[{index}]: {exc}") from exc
        return calls

    def _attempts(
        self,
        call: PreparedCall,
        read: Read,
        batch: Batch | None,
        deadline: float | None,
    ) -> tuple[Any, float]:
        """The call's attempt loop, and its deadline: this client's, or ``deadline`` when sooner."""
        ends = _time.monotonic() + self.deadline
        deadline = ends if deadline is None else min(ends, deadline)
        return attempt_loop(read, self.retry, label=call.label, batch=batch, deadline=deadline), deadline

    @staticmethod
    def _exec_job_read(call: PreparedCall) -> Read:
        assert call.event_id is not None
        return functools.partial(read_exec_job, app_id=call.app_id, event_id=call.event_id)

    @staticmethod
    def _status_call(app_id: str, job_id: str | None) -> tuple[PreparedCall, Read]:
        call = prepare(DESCRIBE_JOB_STATUS, app_id, describe_job_status_params(app_id, job_id=job_id))
        return call, functools.partial(read_job_status, job_id=job_id)

    def _waiting(
        self, job: str | Launch, job_id: str | None, waiting: WaitArguments
    ) -> tuple[Generator[Step, Any, JobStatus], PreparedCall, Read, float]:
        """The looks of ``wait_for_job``, the describe call and its reader, and the deadline of a look."""
        _check_keys(waiting, WaitArguments.__optional_keys__)
        call, read = self._status_call(*_job_of(job, job_id))
        seconds = _seconds("timeout", waiting.get("timeout", 3600.0))
        looks = wait_loop(
            seconds, waiting.get("poll") or WaitPolicy(), _time.monotonic, waiting.get("on_status")
        )
        return looks, call, read, _time.monotonic() + seconds + _LAST_LOOK

    def _batch(
        self, requests: Iterable[JobRequest], concurrency: int, retry_budget: int | None
    ) -> tuple[list[PreparedCall], Batch]:
        calls = self._prepare_all(requests)
        return calls, Batch(batch_retry_budget(concurrency, retry_budget, len(calls)), self.retry)

    @staticmethod
    def _history_pages(app_id: str, arguments: DescribeJobHistoryArguments) -> Listing:
        def call(page: int) -> PreparedCall:
            return prepare(
                DESCRIBE_JOB_HISTORY, app_id, describe_job_history_params(app_id, page, **arguments)
            )

        return _listing(page_calls(call, lambda page: page.jobs), read_history_page)

    @staticmethod
    def _template_pages(arguments: ListJobsArguments) -> Listing:
        def call(page: int) -> PreparedCall:
            return prepare(LIST_JOBS, "", list_jobs_params(page, **arguments))

        return _listing(page_calls(call, lambda page: page.templates), read_templates_page)

    def _name_lookup(
        self, name: str, namespace_id: str | None
    ) -> tuple[JobTemplate | None, NameKey, Listing]:
        """The template found for this name before, its cache key, and the ListJobs pages that find it (a
        page as large as ListJobs gives); ``TypeError``/``ValueError`` for a bad name or namespace."""
        size = MAX_TEMPLATES_PAGE_SIZE
        pages = self._template_pages(
            {"name": template_name(name), "namespace_id": namespace_id, "page_size": size}
        )
        return self._templates_by_name.get((name, namespace_id)), (name, namespace_id), pages

    def _remember(self, key: NameKey, template: JobTemplate) -> JobTemplate:
        self._templates_by_name[key] = template
        self._templates_by_name[(template.name, template.namespace_id)] = template
        return template


def page_calls(call_for: Callable[[int], PreparedCall], items: Callable[[Any], Sized]) -> Paging:
    """A listing's calls, sans I/O: yields page 1's call; sent a page, yields the next page's call, or
    None after the last (an empty page, or ``total_size`` items seen)."""
    seen = 0
    for number in itertools.count(1):
        page = yield call_for(number)
        seen += len(items(page))
        if not items(page) or seen >= page.total_size:
            break
    yield None


def _listing(calls: Paging, read: Read) -> Listing:
    return next(calls), calls, read  # page 1's call made now: bad arguments raise at the call


class SaeJobClient(_ClientCore):
    """SAE's job operations, synchronously; close it, or use ``with``. Settings: :class:`ClientSettings`,
    an httpx ``transport``, the ``sleep`` between retries. Raises ``ValueError``/``TypeError`` for bad
    settings, :class:`~sae_job.CredentialsNotFoundError` when no credentials are found."""

    _http: httpx.Client

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = _time.sleep,
        **settings: Unpack[ClientSettings],
    ) -> None:
        super().__init__(**settings)
        self._sleep = sleep
        self._http = httpx.Client(transport=transport, **self._client_args())
        _without_cookies(self._http)
        bound_client_by_deadline(self._http)
        # No proxy for this endpoint (httpx's proxy mounts, a private slot): send through the transport.
        self._direct = None if self._http._mounts else (self._http._transport, self._auth)

    def _run(
        self, call: PreparedCall, read: Read, batch: Batch | None = None, deadline: float | None = None
    ) -> Any:
        loop, deadline = self._attempts(call, read, batch, deadline)
        url = httpx.URL(self.endpoint + call.target)  # parsed once per call, not per attempt

        def send(attempt: int) -> Answer:
            ends = min(deadline, _time.monotonic() + self.timeout)
            return send_sync(self._http, self._request(call, url), ends, self._direct)

        return run_sync(loop, send, self._sleep)

    def _pages(self, call: PreparedCall | None, calls: Paging, read: Read) -> Iterator[Any]:
        while call is not None:
            page = _result(self._run(call, read))
            yield page
            call = calls.send(page)

    def exec_job(self, app_id: str, **arguments: Unpack[ExecJobArguments]) -> Launch:
        """Start a job from the template ``app_id``; the arguments are :class:`ExecJobArguments`.

        Without ``event_id``, one is made for the call and reused by every retry: a retry never starts a
        second job. Raises ``TypeError``/``ValueError`` for bad arguments (nothing is sent), a
        :class:`~sae_job.SaeError` subclass for an error answer, :class:`~sae_job.TransportError` for none.
        """
        call = prepare_exec_job(app_id, arguments)
        launch: Launch = _result(self._run(call, self._exec_job_read(call)))
        return launch

    def describe_job(self, app_id: str, job_id: str | None = None) -> JobStatus:
        """The job's status (DescribeJobStatus); without ``job_id``, the template's latest job. Raises
        as :meth:`exec_job` does."""
        status: JobStatus = _result(self._run(*self._status_call(app_id, job_id)))
        return status

    def job_history(
        self, app_id: str, **arguments: Unpack[DescribeJobHistoryArguments]
    ) -> Iterator[JobStatus]:
        """Every job of the template, newest first (DescribeJobHistory); ``state=`` keeps one state. Bad
        arguments raise at the call, an error answer from the iteration."""
        pages = self._pages(*self._history_pages(app_id, arguments))
        return (status for page in pages for status in page.jobs)

    def list_templates(
        self, name: str | None = None, namespace_id: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Iterator[JobTemplate]:
        """Every job template (ListJobs); ``name`` keeps those whose name contains it (by prefix or
        substring, as ListJobs matches), ``namespace_id`` those of one namespace. Bad arguments raise at
        the call, an error answer from the iteration."""
        arguments: ListJobsArguments = {"name": name, "namespace_id": namespace_id, "page_size": page_size}
        pages = self._pages(*self._template_pages(arguments))
        return (template for page in pages for template in page.templates)

    def find_template(self, name: str, namespace_id: str | None = None) -> JobTemplate:
        """The job template named exactly ``name`` (in ``namespace_id``, when given), found once per client.

        Raises :class:`~sae_job.TemplateNotFoundError`, :class:`~sae_job.AmbiguousTemplateError` (templates
        in several namespaces have it: pass ``namespace_id``), and what ``list_templates`` raises.
        """
        found, key, pages = self._name_lookup(name, namespace_id)
        return found or self._remember(key, pick_template(name, namespace_id, self._pages(*pages)))

    def wait_for_job(
        self, job: str | Launch, job_id: str | None = None, **waiting: Unpack[WaitArguments]
    ) -> JobStatus:
        """Wait until the job (a :class:`Launch`, or the app ID and ``job_id``) ends; its final status.

        ``on_status`` sees every status looked at. Raises :class:`~sae_job.JobFailedError` once the job
        failed, :class:`~sae_job.WaitTimeoutError` after ``timeout`` seconds (the job is left running), and
        a look's error that waiting cannot mend; transient errors only delay the next look.
        """
        looks, call, read, ends = self._waiting(job, job_id, waiting)
        status: JobStatus = run_sync(looks, lambda look: self._run(call, read, deadline=ends), self._sleep)
        return status

    def exec_jobs(
        self,
        requests: Iterable[JobRequest],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry_budget: int | None = None,
    ) -> list[JobOutcome]:
        """Start many jobs, at most ``concurrency`` at a time (threads); each one's :class:`Launch` or
        :class:`~sae_job.SaeJobError`, in the order of ``requests``. One failure never raises.

        Retries share one budget (``retry_budget``, by default a fifth of the requests and at least 10)
        and one throttle gate (:class:`~sae_job.attempts.Batch`). A bad request raises
        ``TypeError``/``ValueError`` naming it before anything is sent.
        """
        calls, batch = self._batch(requests, concurrency, retry_budget)
        if not calls:
            return []

        def run(call: PreparedCall) -> JobOutcome:
            outcome: JobOutcome = self._run(call, self._exec_job_read(call), batch)
            return outcome

        with ThreadPoolExecutor(
            max_workers=min(concurrency, len(calls)), thread_name_prefix="sae-job"
        ) as pool:
            return list(pool.map(run, calls))

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def default_async_transport(*, trust_env: bool = True) -> httpx.AsyncBaseTransport | None:
    """The transport :class:`AsyncSaeJobClient` sends through when given none: aiohttp's
    (:class:`~sae_job.aiohttp_transport.AiohttpTransport`) when ``sae-job[aiohttp]`` is installed, else
    None (httpx's own)."""
    try:
        from sae_job.aiohttp_transport import AiohttpTransport
    except ImportError:  # no aiohttp: sae-job[aiohttp] is not installed
        return None
    return AiohttpTransport(trust_env=trust_env)


class AsyncSaeJobClient(_ClientCore):
    """Calls SAE's job operations with asyncio; as :class:`SaeJobClient`, closed with ``aclose()`` or
    ``async with``. ``transport`` by default :func:`default_async_transport`'s."""

    _http: httpx.AsyncClient

    def __init__(
        self, *, transport: httpx.AsyncBaseTransport | None = None, **settings: Unpack[ClientSettings]
    ) -> None:
        super().__init__(**settings)
        if transport is None:  # proxies from the environment, as the sync client, but never for loopback
            transport = default_async_transport(trust_env=not self.endpoint.startswith("http://"))
        # A transport that honours the environment's proxies itself (aiohttp's) is driven directly.
        honours_proxies = getattr(transport, "honours_proxies", False)
        self._direct: tuple[httpx.AsyncBaseTransport, httpx.Auth] | None = (
            (transport, self._auth) if transport is not None and honours_proxies else None
        )
        args = self._client_args() | ({"trust_env": False} if honours_proxies else {})
        self._http = httpx.AsyncClient(transport=transport, **args)
        _without_cookies(self._http)

    async def _run(
        self, call: PreparedCall, read: Read, batch: Batch | None = None, deadline: float | None = None
    ) -> Any:
        import asyncio  # here, not at the top: the sync client and the CLI never load it

        loop, deadline = self._attempts(call, read, batch, deadline)
        url = httpx.URL(self.endpoint + call.target)  # parsed once per call, not per attempt

        async def send(attempt: int) -> Answer:
            ends = min(deadline, _time.monotonic() + self.timeout)
            return await send_async(self._http, self._request(call, url), ends, self._direct)

        return await run_async(loop, send, asyncio.sleep)

    async def _pages(self, call: PreparedCall | None, calls: Paging, read: Read) -> AsyncIterator[Any]:
        while call is not None:
            page = _result(await self._run(call, read))
            yield page
            call = calls.send(page)

    async def exec_job(self, app_id: str, **arguments: Unpack[ExecJobArguments]) -> Launch:
        """As :meth:`SaeJobClient.exec_job`."""
        call = prepare_exec_job(app_id, arguments)
        launch: Launch = _result(await self._run(call, self._exec_job_read(call)))
        return launch

    async def describe_job(self, app_id: str, job_id: str | None = None) -> JobStatus:
        """As :meth:`SaeJobClient.describe_job`."""
        status: JobStatus = _result(await self._run(*self._status_call(app_id, job_id)))
        return status

    def job_history(
        self, app_id: str, **arguments: Unpack[DescribeJobHistoryArguments]
    ) -> AsyncIterator[JobStatus]:
        """As :meth:`SaeJobClient.job_history`, iterated with ``async for``."""
        pages = self._pages(*self._history_pages(app_id, arguments))
        return (status async for page in pages for status in page.jobs)

    def list_templates(
        self, name: str | None = None, namespace_id: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[JobTemplate]:
        """As :meth:`SaeJobClient.list_templates`, iterated with ``async for``."""
        arguments: ListJobsArguments = {"name": name, "namespace_id": namespace_id, "page_size": page_size}
        pages = self._pages(*self._template_pages(arguments))
        return (template async for page in pages for template in page.templates)

    async def find_template(self, name: str, namespace_id: str | None = None) -> JobTemplate:
        """As :meth:`SaeJobClient.find_template`."""
        found, key, pages = self._name_lookup(name, namespace_id)
        if found is not None:
            return found
        return self._remember(
            key, pick_template(name, namespace_id, [page async for page in self._pages(*pages)])
        )

    async def wait_for_job(
        self, job: str | Launch, job_id: str | None = None, **waiting: Unpack[WaitArguments]
    ) -> JobStatus:
        """As :meth:`SaeJobClient.wait_for_job`."""
        import asyncio

        looks, call, read, ends = self._waiting(job, job_id, waiting)
        status: JobStatus = await run_async(
            looks, lambda look: self._run(call, read, deadline=ends), asyncio.sleep
        )
        return status

    async def exec_jobs(
        self,
        requests: Iterable[JobRequest],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry_budget: int | None = None,
    ) -> list[JobOutcome]:
        """As :meth:`SaeJobClient.exec_jobs`, at most ``concurrency`` calls in flight."""
        import asyncio

        calls, batch = self._batch(requests, concurrency, retry_budget)
        results: list[JobOutcome | None] = [None] * len(calls)
        indexes = iter(range(len(calls)))  # shared by the workers: each index is taken once

        async def worker() -> None:
            for index in indexes:
                results[index] = await self._run(calls[index], self._exec_job_read(calls[index]), batch)

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(concurrency, len(calls))):
                    group.create_task(worker())
        except BaseExceptionGroup as failed:  # a bug, not an answer: raise it as exec_job would
            raise failed.exceptions[0] from None
        return [result for result in results if result is not None]

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
