"""SaeJobClient and AsyncSaeJobClient: SAE's job operations, signed, typed, retried safely.

A call: arguments -> wire form (:mod:`sae_job.arguments`) -> the generated ``sync_detailed`` /
``asyncio_detailed`` on a generated ``Client`` holding our httpx client (the signer of
:mod:`sae_job.signing` as its ``auth``, the transport of :mod:`sae_job.transport`) -> result or typed
error (:mod:`sae_job.answers`), :mod:`sae_job.retries` deciding whether to try again.
"""

from __future__ import annotations

import itertools
import sys
import time as _time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Self, TypedDict, TypeVar, Unpack

import httpx

from sae_job import __version__
from sae_job.answers import (
    matching,
    picked,
    read_exec_job,
    read_history_page,
    read_job_status,
    read_templates_page,
)
from sae_job.arguments import (
    MAX_TEMPLATES_PAGE_SIZE,
    ArgumentError,
    DescribeJobHistoryArguments,
    ExecJobArguments,
    JobRequest,
    ListJobsArguments,
    check_number,
    check_request_size,
    describe_job_history_params,
    describe_job_status_params,
    exec_job_params,
    list_jobs_params,
    new_event_id,
    template_name,
)
from sae_job.credentials import CredentialsProvider, as_provider, default_credentials
from sae_job.endpoints import find_endpoint
from sae_job.errors import SaeJobError, TransportError, UnexpectedResponseError
from sae_job.models import JobStatus, JobTemplate, Launch
from sae_job.operations import (
    DESCRIBE_JOB,
    DESCRIBE_JOB_HISTORY,
    DESCRIBE_JOB_STATUS,
    EXEC_JOB,
    LIST_JOBS,
    Operation,
)
from sae_job.retries import (
    Answer,
    Batch,
    RetryPolicy,
    attempt_loop,
    batch_retry_budget,
    call_async,
    call_sync,
    run_async,
    run_sync,
)
from sae_job.signing import AcsV3Auth, RoaV2Auth, redact_headers
from sae_job.transport import AsyncSaeTransport, SaeTransport
from sae_job_api import Client as ApiClient
from sae_job_api.types import Response

if TYPE_CHECKING:  # waiting and settings load with the first call that needs them: a plain exec never
    from sae_job.settings import TemplateSettings
    from sae_job.waiting import WaitArguments

__all__ = [
    "AsyncSaeJobClient",
    "ClientSettings",
    "DryRun",
    "JobOutcome",
    "Launch",
    "RetryPolicy",
    "SaeJobClient",
    "default_async_transport",
]

T = TypeVar("T")
_LAST_LOOK = 1.0  # seconds a look begun at a wait's deadline may take
SignatureVersion = Literal["v3", "v2"]
_PYTHON = ".".join(map(str, sys.version_info[:3]))
USER_AGENT = f"sae-job/{__version__} python/{_PYTHON} httpx/{httpx.__version__}"
DEFAULT_CONCURRENCY = 10
DEFAULT_PAGE_SIZE = 100
Read = Callable[[Answer, int], T | SaeJobError]
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


class Call(NamedTuple):
    """One call in wire form, the same in every attempt: the operation, the generated function's keyword
    arguments, and ExecJob's event ID."""

    operation: Operation
    wire: Mapping[str, Any]
    app_id: str
    event_id: str | None = None

    def __str__(self) -> str:
        event = f" (event {self.event_id})" if self.event_id is not None else ""
        return f"{self.operation.action} for app {self.app_id}{event}"


def prepare(operation: Operation, app_id: str, wire: Mapping[str, Any], event_id: str | None = None) -> Call:
    """A call in wire form (``wire`` keyed as the generated function's arguments), its URL's size checked."""
    check_request_size(operation.path, wire)
    return Call(operation, wire, app_id, event_id)


def prepare_exec_job(app_id: str, arguments: ExecJobArguments) -> Call:
    """ExecJob's wire form, with the event ID decided; ``TypeError``/``ValueError`` for bad arguments."""
    wire = exec_job_params(app_id, **arguments)
    if "event_id" not in wire:
        wire["event_id"] = new_event_id()
    return prepare(EXEC_JOB, app_id, wire, wire["event_id"])


def _job_call(app_id: str, job_id: str | None, operation: Operation = DESCRIBE_JOB_STATUS) -> Call:
    """DescribeJobStatus's call (or DescribeJob's, which takes the same arguments)."""
    return prepare(operation, app_id, describe_job_status_params(app_id, job_id=job_id))


def _history_calls(app_id: str, arguments: DescribeJobHistoryArguments) -> Generator[Call | None, Any, None]:
    def page(number: int) -> Call:
        return prepare(DESCRIBE_JOB_HISTORY, app_id, describe_job_history_params(app_id, number, **arguments))

    return page_calls(page(1), page, attrgetter("jobs"), _job_id)


def _templates_calls(arguments: ListJobsArguments) -> Generator[Call | None, Any, None]:
    def page(number: int) -> Call:
        return prepare(LIST_JOBS, "", list_jobs_params(number, **arguments))

    return page_calls(page(1), page, attrgetter("templates"), attrgetter("app_id"))


def _name_arguments(name: str, namespace_id: str | None) -> ListJobsArguments:
    # a page as large as ListJobs gives: most names are found on page 1
    return {"name": template_name(name), "namespace_id": namespace_id, "page_size": MAX_TEMPLATES_PAGE_SIZE}


def _job_of(job: str | Launch, job_id: str | None) -> tuple[str, str]:
    if isinstance(job, Launch):
        if job_id is not None and job_id != job.job_id:
            raise ValueError(f"job_id {job_id!r} is not the launch's job {job.job_id!r}")
        return job.app_id, job.job_id
    if job_id is None:
        raise TypeError("wait_for_job needs the job: pass a Launch, or app_id and job_id")
    return job, job_id


def _seconds(name: str, value: float) -> float:
    return float(check_number(name, value, above=True, unit="seconds"))


def _check_keys(given: Mapping[str, object], declared: frozenset[str]) -> None:
    unknown = sorted(given.keys() - declared)
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")


def _result(outcome: T | SaeJobError) -> T:
    if isinstance(outcome, SaeJobError):
        raise outcome
    return outcome


def page_calls(
    first: Call, call_for: Callable[[int], Call], items: Callable[[Any], Sized], key: Callable[[Any], object]
) -> Generator[Call | None, Any, None]:
    """A listing's calls, sans I/O: yields ``first``, page 1's call (made by the caller, so that bad arguments
    raise at the call, not on iteration); sent a page, yields the next page's call, or
    None after the last (an empty page, or ``total_size`` items seen). A listing always ends: a page
    that is not the one asked for, repeats the one before, or lies past what ``total_size`` allows
    raises :class:`~sae_job.UnexpectedResponseError` (``key`` tells an item from another)."""
    seen, previous = 0, None
    for number in itertools.count(1):
        page = yield first if number == 1 else call_for(number)
        found = items(page)
        keys = [key(item) for item in found]  # type: ignore[attr-defined]
        allowed = max(-(-page.total_size // page.page_size), 1) if page.page_size > 0 else None
        why = None
        if page.current_page not in (0, number):
            why = f"page {page.current_page} answered"
        elif keys and keys == previous:
            why = "the page before answered again"
        elif allowed is not None and number > allowed:
            why = f"past the {allowed} pages its TotalSize allows"
        if why is not None:
            raise UnexpectedResponseError(
                f"HTTP 200 answer to page {number} of a listing: {why}; the listing stopped there",
                status_code=200,
                body=b"",
            )
        seen, previous = seen + len(found), keys
        if not found or seen >= page.total_size:
            break
    yield None


async def _once_async(items: AsyncIterator[T], key: Callable[[T], object]) -> AsyncIterator[T]:
    """As :func:`_once`, iterated with ``async for``."""
    seen: set[object] = set()
    async for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            yield item


_job_id = attrgetter("job_id")  # what tells a job from another in a listing


def _once(items: Iterable[T], key: Callable[[T], object]) -> Iterator[T]:
    """Each item once: a job started between two pages moves the others one place down."""
    seen: set[object] = set()
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            yield item


class _NoCookies(httpx.Cookies):
    """The transport drops every Set-Cookie; this spares each answer httpx's pass through urllib's cookie
    machinery all the same (a speed trick: bench/LIMITS.md)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


H = TypeVar("H", httpx.Client, httpx.AsyncClient)


def _trimmed(http_client: H) -> H:
    """``http_client`` with no cookie jar and without httpx's default ``Connection: keep-alive`` (what
    HTTP/1.1 does anyway: one header less for every step of every request)."""
    # httpx has no switch for cookies and copies any Cookies given: replace the one it keeps (a private
    # slot, pinned by tests/test_transport.py).
    if isinstance(getattr(http_client, "_cookies", None), httpx.Cookies):
        http_client._cookies = _NoCookies()
    http_client.headers.pop("Connection", None)
    return http_client


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
    return signer(credentials, **{name: value for name, value in given.items() if value is not None})


class ClientSettings(TypedDict, total=False):
    """Both clients' settings. ``region`` or ``endpoint`` (see :func:`find_endpoint`), ``vpc``;
    ``credentials`` (a :class:`~sae_job.Credentials`, a provider or an ``alibabacloud_credentials`` client;
    None: :func:`~sae_job.default_credentials`) or ``profile``; ``signature_version`` ``"v3"`` or ``"v2"``;
    ``max_attempts`` (3) or a ``retry`` policy; ``timeout`` (10 s) per attempt, ``deadline`` (60 s) per
    call, ``listing_deadline`` (600 s) for all the calls of one listing; ``clock`` and ``nonce`` for the
    signer (tests)."""

    region: str | None
    endpoint: str | None
    vpc: bool
    credentials: object
    profile: str | None
    signature_version: SignatureVersion
    max_attempts: int
    timeout: float
    deadline: float
    listing_deadline: float
    retry: RetryPolicy | None
    clock: Callable[[], datetime] | None
    nonce: Callable[[], str] | None


class _Capture(httpx.BaseTransport):
    """Sends nothing: hands the request it was given back to :meth:`_ClientCore.explain_exec_job`."""

    class Captured(Exception):
        def __init__(self, request: httpx.Request) -> None:
            self.request = request

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise self.Captured(request)


class _ClientCore:
    """The settings and the signer that the sync and async clients share."""

    def __init__(self, **settings: Unpack[ClientSettings]) -> None:
        _check_keys(settings, ClientSettings.__optional_keys__)
        region, endpoint, profile = settings.get("region"), settings.get("endpoint"), settings.get("profile")
        vpc = settings.get("vpc", False)
        self.endpoint = find_endpoint(region=region, endpoint=endpoint, vpc=vpc, profile=profile).url
        self.timeout = _seconds("timeout", settings.get("timeout", 10.0))
        self.deadline = _seconds("deadline", settings.get("deadline", 60.0))
        self.listing_deadline = _seconds("listing_deadline", settings.get("listing_deadline", 600.0))
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
        # Loopback only (find_endpoint): reached directly, never through a proxy.
        self._trust_env = not self.endpoint.startswith("http://")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(endpoint={self.endpoint!r}, "
            f"signature_version={self.signature_version!r}, max_attempts={self.retry.max_attempts})"
        )

    @property
    def auth(self) -> httpx.Auth:
        """The signer, an ``httpx.Auth``: use it to sign other POP requests, or ``explain()`` one."""
        return self._auth

    def _http_options(self) -> dict[str, Any]:
        return {
            "base_url": self.endpoint,
            "auth": self._auth,
            "timeout": httpx.Timeout(self.timeout),
            # identity: the answer is read raw up to a cap, and decoded by the transport
            "headers": {
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                "Accept-Encoding": "identity",
            },
            "follow_redirects": False,  # a redirect would send the signed request elsewhere
            "trust_env": False,  # the transport takes the proxy from the environment itself
        }

    def explain_exec_job(self, app_id: str, **arguments: Unpack[ExecJobArguments]) -> DryRun:
        """The request ``exec_job`` would send, signed now; nothing is sent. Bad arguments raise."""
        from sae_job_api.api.default import exec_job

        call = prepare_exec_job(app_id, arguments)
        capture = _trimmed(httpx.Client(**self._http_options() | {"auth": None, "transport": _Capture()}))
        try:
            with ApiClient(base_url=self.endpoint).set_httpx_client(capture) as api:
                exec_job.sync_detailed(client=api, **call.wire)
        except _Capture.Captured as captured:
            request = captured.request
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

    def _ends(self, deadline: float | None) -> float:
        ends = _time.monotonic() + self.deadline
        return ends if deadline is None else min(ends, deadline)

    def _listing_outcome(self, outcome: Any, spent: float, call: Call) -> Any:
        """A page's outcome, or the error that the listing ran out of its ``listing_deadline`` (shared by
        its calls; the time the caller spends between pages is not counted)."""
        if spent < self.listing_deadline or not isinstance(outcome, TransportError):
            return outcome
        error = TransportError(
            f"{call}: the listing's calls took {spent:.1f}s, past its listing_deadline of "
            f"{self.listing_deadline:g}s; it stopped at page {call.wire['current_page']}",
            sent=outcome.sent,
        )
        error.__cause__ = outcome
        return error

    def _remember(self, key: NameKey, template: JobTemplate) -> JobTemplate:
        self._templates_by_name[key] = template
        self._templates_by_name[(template.name, template.namespace_id)] = template
        return template

    @staticmethod
    def _prepare_all(requests: Iterable[JobRequest]) -> list[Call]:
        """Every request in wire form; the first bad one raises, naming its index."""
        calls = []
        for index, request in enumerate(requests):
            if not isinstance(request, JobRequest):
                raise TypeError(f"requests[{index}] must be a JobRequest, not {type(request).__name__}")
            try:
                calls.append(prepare_exec_job(request.app_id, request.arguments))
            except ArgumentError as exc:
                raise type(exc)(f"requests[{index}].{exc.parameter}", exc.problem) from exc
            except TypeError as exc:  # an unknown keyword argument, as Python names it
                raise TypeError(f"requests[{index}]: {exc}") from exc
        return calls

    @staticmethod
    def _exec_job_read(call: Call) -> Read[Launch]:
        assert call.event_id is not None
        app_id, event_id = call.app_id, call.event_id
        return lambda answer, attempt: read_exec_job(answer, attempt, app_id=app_id, event_id=event_id)

    @staticmethod
    def _status_read(job_id: str | None) -> Read[JobStatus]:
        return lambda answer, attempt: read_job_status(answer, attempt, job_id=job_id)

    def _looks(self, waiting: WaitArguments) -> tuple[Generator[Any, Any, JobStatus], float]:
        """The looks of ``wait_for_job``, and the deadline of a look."""
        from sae_job.waiting import WaitArguments, WaitPolicy, wait_loop

        _check_keys(waiting, WaitArguments.__optional_keys__)
        seconds = _seconds("timeout", waiting.get("timeout", 3600.0))
        looks = wait_loop(
            seconds, waiting.get("poll") or WaitPolicy(), _time.monotonic, waiting.get("on_status")
        )
        return looks, _time.monotonic() + seconds + _LAST_LOOK


class SaeJobClient(_ClientCore):
    """SAE's job operations, synchronously; close it, or use ``with``. Settings: :class:`ClientSettings`,
    an httpx ``transport`` (used as given, its answers still capped), the ``sleep`` between retries.
    Raises ``ValueError``/``TypeError`` for bad settings, :class:`~sae_job.CredentialsNotFoundError` when
    no credentials are found."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = _time.sleep,
        **settings: Unpack[ClientSettings],
    ) -> None:
        super().__init__(**settings)
        self._sleep = sleep
        sending = SaeTransport(self.endpoint, inner=transport, trust_env=self._trust_env)
        self._http = _trimmed(httpx.Client(transport=sending, **self._http_options()))
        self._api = ApiClient(base_url=self.endpoint).set_httpx_client(self._http)

    def _run(
        self,
        send: Callable[..., Response[Any]],
        call: Call,
        read: Read[T],
        batch: Batch | None = None,
        deadline: float | None = None,
    ) -> T | SaeJobError:
        """The call's attempts through the generated ``send``, each signed afresh, within the deadline."""
        ends = self._ends(deadline)
        loop = attempt_loop(read, self.retry, label=call, batch=batch, deadline=ends)

        def attempt(number: int) -> Answer:
            until = min(ends, _time.monotonic() + self.timeout)
            return call_sync(lambda: send(client=self._api, **call.wire), until)

        return run_sync(loop, attempt, self._sleep)

    def _pages(
        self, send: Callable[..., Response[Any]], calls: Generator[Call | None, Any, None], read: Read[T]
    ) -> Iterator[T]:
        call, spent = next(calls), 0.0
        while call is not None:
            began = _time.monotonic()
            outcome = self._run(send, call, read, deadline=began + self.listing_deadline - spent)
            spent += _time.monotonic() - began
            page = _result(self._listing_outcome(outcome, spent, call))
            call = calls.send(page)  # a page out of order raises here, before it is given out
            yield page

    def exec_job(self, app_id: str, **arguments: Unpack[ExecJobArguments]) -> Launch:
        """Start a job from the template ``app_id``; the arguments are :class:`ExecJobArguments`.

        Without ``event_id``, one is made for the call and reused by every retry: a retry never starts a
        second job. Raises ``TypeError``/``ValueError`` for bad arguments (nothing is sent), a
        :class:`~sae_job.SaeError` subclass for an error answer, :class:`~sae_job.TransportError` for none.
        """
        from sae_job_api.api.default import exec_job

        call = prepare_exec_job(app_id, arguments)
        return _result(self._run(exec_job.sync_detailed, call, self._exec_job_read(call)))

    def describe_job(self, app_id: str, job_id: str | None = None) -> JobStatus:
        """The job's status (DescribeJobStatus); without ``job_id``, the template's latest job. Raises
        as :meth:`exec_job` does."""
        from sae_job_api.api.default import describe_job_status

        call = _job_call(app_id, job_id)
        return _result(self._run(describe_job_status.sync_detailed, call, self._status_read(job_id)))

    def describe_template(self, app_id: str, job_id: str | None = None) -> TemplateSettings:
        """The job template's settings (DescribeJob): its timeout, retries, concurrency policy and more;
        the OSS key pair it mounts with is never kept. Raises as :meth:`exec_job` does."""
        from sae_job.settings import read_template_settings
        from sae_job_api.api.default import describe_job

        call = _job_call(app_id, job_id, DESCRIBE_JOB)
        return _result(self._run(describe_job.sync_detailed, call, read_template_settings))

    def job_history(
        self, app_id: str, **arguments: Unpack[DescribeJobHistoryArguments]
    ) -> Iterator[JobStatus]:
        """Every job of the template, newest first (DescribeJobHistory); ``state=`` keeps one state. Bad
        arguments raise at the call, an error answer from the iteration."""
        from sae_job_api.api.default import describe_job_history

        pages = self._pages(
            describe_job_history.sync_detailed, _history_calls(app_id, arguments), read_history_page
        )
        return _once((status for page in pages for status in page.jobs), _job_id)

    def list_templates(
        self, name: str | None = None, namespace_id: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Iterator[JobTemplate]:
        """Every job template (ListJobs); ``name`` keeps those whose name contains it (by prefix or
        substring, as ListJobs matches), ``namespace_id`` those of one namespace. Bad arguments raise at
        the call, an error answer from the iteration."""
        from sae_job_api.api.default import list_jobs

        arguments: ListJobsArguments = {"name": name, "namespace_id": namespace_id, "page_size": page_size}
        calls = _templates_calls(arguments)
        pages = self._pages(list_jobs.sync_detailed, calls, read_templates_page)
        return (template for page in pages for template in page.templates)

    def find_template(self, name: str, namespace_id: str | None = None) -> JobTemplate:
        """The job template named exactly ``name`` (in ``namespace_id``, when given), found once per client.

        Raises :class:`~sae_job.TemplateNotFoundError`, :class:`~sae_job.AmbiguousTemplateError` (templates
        in several namespaces have it: pass ``namespace_id``), and what ``list_templates`` raises.
        """
        from sae_job_api.api.default import list_jobs

        found = self._templates_by_name.get((name, namespace_id))
        if found is not None:
            return found
        calls = _templates_calls(_name_arguments(name, namespace_id))
        matches, request_id = [], None  # only the matches are kept, never the pages
        for page in self._pages(list_jobs.sync_detailed, calls, read_templates_page):
            request_id = request_id or page.request_id
            matches += matching(name, namespace_id, page)
        return self._remember((name, namespace_id), picked(name, namespace_id, matches, request_id))

    def wait_for_job(
        self, job: str | Launch, job_id: str | None = None, **waiting: Unpack[WaitArguments]
    ) -> JobStatus:
        """Wait until the job (a :class:`Launch`, or the app ID and ``job_id``) ends; its final status.

        ``on_status`` sees every status looked at. Raises :class:`~sae_job.JobFailedError` once the job
        failed, :class:`~sae_job.WaitTimeoutError` after ``timeout`` seconds (the job is left running), and
        a look's error that waiting cannot mend; transient errors only delay the next look.
        """
        from sae_job_api.api.default import describe_job_status

        app_id, job_id = _job_of(job, job_id)
        call, read = _job_call(app_id, job_id), self._status_read(job_id)
        looks, ends = self._looks(waiting)
        send = describe_job_status.sync_detailed
        return run_sync(looks, lambda look: self._run(send, call, read, deadline=ends), self._sleep)

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
        and one throttle gate (:class:`~sae_job.retries.Batch`). A bad request raises
        ``TypeError``/``ValueError`` naming it before anything is sent.
        """
        from sae_job_api.api.default import exec_job

        calls = self._prepare_all(requests)
        batch = Batch(batch_retry_budget(concurrency, retry_budget, len(calls)), self.retry)
        if not calls:
            return []

        def run(call: Call) -> JobOutcome:
            return self._run(exec_job.sync_detailed, call, self._exec_job_read(call), batch)

        from concurrent.futures import ThreadPoolExecutor  # here: a single call never loads it

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

    def __init__(
        self, *, transport: httpx.AsyncBaseTransport | None = None, **settings: Unpack[ClientSettings]
    ) -> None:
        super().__init__(**settings)
        if transport is None:  # proxies from the environment, as the sync client, but never for loopback
            transport = default_async_transport(trust_env=self._trust_env)
        sending = AsyncSaeTransport(self.endpoint, inner=transport, trust_env=self._trust_env)
        self._http = _trimmed(httpx.AsyncClient(transport=sending, **self._http_options()))
        self._api = ApiClient(base_url=self.endpoint).set_async_httpx_client(self._http)

    async def _run(
        self,
        send: Callable[..., Awaitable[Response[Any]]],
        call: Call,
        read: Read[T],
        batch: Batch | None = None,
        deadline: float | None = None,
    ) -> T | SaeJobError:
        """The call's attempts through the generated ``send``, each signed afresh, within the deadline."""
        import asyncio  # here, not at the top: the sync client and the CLI never load it

        ends = self._ends(deadline)
        loop = attempt_loop(read, self.retry, label=call, batch=batch, deadline=ends)

        async def attempt(number: int) -> Answer:
            until = min(ends, _time.monotonic() + self.timeout)
            return await call_async(lambda: send(client=self._api, **call.wire), until)

        return await run_async(loop, attempt, asyncio.sleep)

    async def _pages(
        self,
        send: Callable[..., Awaitable[Response[Any]]],
        calls: Generator[Call | None, Any, None],
        read: Read[T],
    ) -> AsyncIterator[T]:
        call, spent = next(calls), 0.0
        while call is not None:
            began = _time.monotonic()
            outcome = await self._run(send, call, read, deadline=began + self.listing_deadline - spent)
            spent += _time.monotonic() - began
            page = _result(self._listing_outcome(outcome, spent, call))
            call = calls.send(page)  # a page out of order raises here, before it is given out
            yield page

    async def exec_job(self, app_id: str, **arguments: Unpack[ExecJobArguments]) -> Launch:
        """As :meth:`SaeJobClient.exec_job`."""
        from sae_job_api.api.default import exec_job

        call = prepare_exec_job(app_id, arguments)
        return _result(await self._run(exec_job.asyncio_detailed, call, self._exec_job_read(call)))

    async def describe_job(self, app_id: str, job_id: str | None = None) -> JobStatus:
        """As :meth:`SaeJobClient.describe_job`."""
        from sae_job_api.api.default import describe_job_status

        call = _job_call(app_id, job_id)
        return _result(await self._run(describe_job_status.asyncio_detailed, call, self._status_read(job_id)))

    async def describe_template(self, app_id: str, job_id: str | None = None) -> TemplateSettings:
        """As :meth:`SaeJobClient.describe_template`."""
        from sae_job.settings import read_template_settings
        from sae_job_api.api.default import describe_job

        call = _job_call(app_id, job_id, DESCRIBE_JOB)
        return _result(await self._run(describe_job.asyncio_detailed, call, read_template_settings))

    def job_history(
        self, app_id: str, **arguments: Unpack[DescribeJobHistoryArguments]
    ) -> AsyncIterator[JobStatus]:
        """As :meth:`SaeJobClient.job_history`, iterated with ``async for``."""
        from sae_job_api.api.default import describe_job_history

        calls = _history_calls(app_id, arguments)
        pages = self._pages(describe_job_history.asyncio_detailed, calls, read_history_page)
        return _once_async((status async for page in pages for status in page.jobs), _job_id)

    def list_templates(
        self, name: str | None = None, namespace_id: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[JobTemplate]:
        """As :meth:`SaeJobClient.list_templates`, iterated with ``async for``."""
        from sae_job_api.api.default import list_jobs

        arguments: ListJobsArguments = {"name": name, "namespace_id": namespace_id, "page_size": page_size}
        calls = _templates_calls(arguments)
        pages = self._pages(list_jobs.asyncio_detailed, calls, read_templates_page)
        return (template async for page in pages for template in page.templates)

    async def find_template(self, name: str, namespace_id: str | None = None) -> JobTemplate:
        """As :meth:`SaeJobClient.find_template`."""
        from sae_job_api.api.default import list_jobs

        found = self._templates_by_name.get((name, namespace_id))
        if found is not None:
            return found
        calls = _templates_calls(_name_arguments(name, namespace_id))
        matches, request_id = [], None  # only the matches are kept, never the pages
        async for page in self._pages(list_jobs.asyncio_detailed, calls, read_templates_page):
            request_id = request_id or page.request_id
            matches += matching(name, namespace_id, page)
        return self._remember((name, namespace_id), picked(name, namespace_id, matches, request_id))

    async def wait_for_job(
        self, job: str | Launch, job_id: str | None = None, **waiting: Unpack[WaitArguments]
    ) -> JobStatus:
        """As :meth:`SaeJobClient.wait_for_job`."""
        import asyncio

        from sae_job_api.api.default import describe_job_status

        app_id, job_id = _job_of(job, job_id)
        call, read = _job_call(app_id, job_id), self._status_read(job_id)
        looks, ends = self._looks(waiting)
        send = describe_job_status.asyncio_detailed
        return await run_async(looks, lambda look: self._run(send, call, read, deadline=ends), asyncio.sleep)

    async def exec_jobs(
        self,
        requests: Iterable[JobRequest],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry_budget: int | None = None,
    ) -> list[JobOutcome]:
        """As :meth:`SaeJobClient.exec_jobs`, at most ``concurrency`` calls in flight."""
        import asyncio

        from sae_job_api.api.default import exec_job

        calls = self._prepare_all(requests)
        batch = Batch(batch_retry_budget(concurrency, retry_budget, len(calls)), self.retry)
        results: list[JobOutcome | None] = [None] * len(calls)
        indexes = iter(range(len(calls)))  # shared by the workers: each index is taken once

        async def worker() -> None:
            for index in indexes:
                call = calls[index]
                results[index] = await self._run(
                    exec_job.asyncio_detailed, call, self._exec_job_read(call), batch
                )

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
