"""The emulator's one request handler: a plain function from a :class:`Request` to a :class:`Response`.

:meth:`Emulator.handle` routes, authenticates as the gateway does, checks the query against the spec
and runs ExecJob's job semantics; both harnesses (the threaded server in ``server.py`` and the
``pytest-httpserver`` handler in ``werkzeug_harness.py``) only translate to and from these values.

Every answer to ``GET /pop/v1/sam/job/execJob`` has the spec's shape: the 200 body of its example, or
its ``Error`` schema (``RequestId``, ``Code``, ``Message``, ``HostId``, ``Success: false``, and a
``Recommend`` link for errors raised by the gateway rather than by SAE).

Faults configured in ``config.faults`` (or set with :meth:`Emulator.set_faults`) are decided here too: a
503 or a throttling answer instead of handling, or a handled request whose :class:`Response` says to
hold it back (``delay``) or to close the connection without it (``drop``), which the harnesses do.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import unquote

from sae_job.credentials import Credentials
from sae_job.emulator.auth import (
    DEFAULT_WINDOW,
    AuthFailure,
    Caller,
    NonceCache,
    verify_request,
)
from sae_job.emulator.config import EmulatorConfig, Template, default_config
from sae_job.emulator.faults import FaultInjector, FaultKind, Faults
from sae_job.emulator.spec import Operation, ParameterError, Spec, load_spec
from sae_job.signing import REDACTED, SECURITY_TOKEN_HEADER, decoded_query

__all__ = [
    "JOBS_PATH",
    "RESET_PATH",
    "STATS_PATH",
    "Emulator",
    "Job",
    "JobStatus",
    "Request",
    "Response",
]

logger = logging.getLogger("sae_job.emulator")

JOBS_PATH = "/_emulator/jobs"
RESET_PATH = "/_emulator/reset"
STATS_PATH = "/_emulator/stats"
EXEC_JOB = "ExecJob"
DEFAULT_HOST_ID = "sae.cn-hangzhou.aliyuncs.com"
JobStatus = Literal["Running", "Succeeded", "Replaced"]
_JSON = "application/json;charset=utf-8"


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as it arrived: ``path`` and ``query`` raw (percent-encoded, no ``?``)."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def from_target(
        cls,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> Request:
        """A request from its request-target (``/path?query``), as on the request line."""
        path, _, query = target.partition("?")
        return cls(method, path, query, tuple(headers), body)

    def header(self, name: str) -> str | None:
        """The first value of the header ``name`` (any case), or None."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def __repr__(self) -> str:
        # The headers may carry an STS token: never shown, as in every repr of this package.
        headers = tuple(
            (name, REDACTED if name.lower() == SECURITY_TOKEN_HEADER else value)
            for name, value in self.headers
        )
        return (
            f"Request(method={self.method!r}, path={self.path!r}, query={self.query!r}, "
            f"headers={headers!r}, body={self.body!r})"
        )


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP answer: status, headers and the body bytes; ``delay`` seconds to hold it back before
    sending, and ``drop``: close the connection instead of sending it (injected faults)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    delay: float = 0.0
    drop: bool = False

    def json(self) -> Any:
        """The body, parsed as JSON."""
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """The first value of the header ``name`` (any case), or None."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


@dataclass(frozen=True, slots=True)
class Job:
    """A job the emulator started (as ``GET /_emulator/jobs`` shows it).

    ``parameters`` holds every ExecJob parameter the spec names besides ``AppId``, by the generated
    client's name (``command_args``), decoded as the service reads it (JSON content decoded) and None
    when not sent; each is also an attribute: ``job.command_args``.
    """

    job_id: str
    app_id: str
    parameters: Mapping[str, Any]
    created_at: datetime
    status: JobStatus
    """``Running`` until ``run_seconds`` have passed, then ``Succeeded``; ``Replaced`` when a later job of
    a ``Replace`` template stopped it."""
    access_key_id: str
    signature_version: Literal["v3", "v2"]

    def __getattr__(self, name: str) -> Any:
        parameters = object.__getattribute__(self, "parameters")  # not self.parameters: no recursion
        if name not in parameters:
            raise AttributeError(name)
        return parameters[name]

    def to_dict(self) -> dict[str, Any]:
        """The job as JSON-ready values; ``created_at`` as ``yyyy-MM-ddTHH:mm:ssZ`` in UTC."""
        return {
            "job_id": self.job_id,
            "app_id": self.app_id,
            **self.parameters,
            "created_at": self.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": self.status,
            "access_key_id": self.access_key_id,
            "signature_version": self.signature_version,
        }


@dataclass(slots=True)
class _Record:
    """A started job, mutable only in ``replaced_at`` (under the emulator's lock)."""

    job: Job
    run_seconds: float
    replaced_at: datetime | None = None

    def status(self, now: datetime) -> JobStatus:
        if self.replaced_at is not None:
            return "Replaced"
        running = now < self.job.created_at + timedelta(seconds=self.run_seconds)
        return "Running" if running else "Succeeded"


class _Refusal(Exception):
    """An error answer decided while handling: code, message, status, and whether the gateway sent it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        gateway: bool,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.gateway = gateway
        self.headers = headers


_JOB_ERRORS = {
    "InvalidApplication.NotFound": "The current application does not exist.",
    "JobForbidPolicy": "The concurrency policy of the job template is Forbid and a job is still running.",
    "JobSuspend": "The job template is suspended.",
    "user.indebt": "The user has an overdue payment.",
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_request_id() -> str:
    return str(uuid.uuid4()).upper()


def _new_trace_id() -> str:
    return uuid.uuid4().hex[:30]


@dataclass(slots=True)
class _State:
    jobs: OrderedDict[str, _Record] = field(default_factory=OrderedDict)
    by_event: dict[tuple[str, str], str] = field(default_factory=dict)
    jobs_started: int = 0


@dataclass(slots=True)
class _Stats:
    requests: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)


class Emulator:
    """SAE's ExecJob behind its API gateway, in memory. Thread-safe: one instance serves any number of
    concurrent requests, and identical racing requests with an ``EventId`` start one job.

    ``config`` defaults to the embedded demo configuration; ``clock`` (timezone-aware) drives the
    signature window and how long jobs run; ``window`` is the gateway's tolerance for clock skew and
    how long a nonce is remembered; ``nonce_window``, when given, remembers nonces for that long instead
    (a load test's knob: shorter than ``window``, it lets a replay through once it has passed); at most
    ``max_jobs`` jobs are kept (the oldest, and their event IDs, are forgotten first).
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        window: timedelta = DEFAULT_WINDOW,
        nonce_window: timedelta | None = None,
        max_jobs: int = 10_000,
        spec: Spec | None = None,
    ) -> None:
        self.config = config if config is not None else default_config()
        self.spec = spec if spec is not None else load_spec()
        self._operation: Operation = self.spec.operation(EXEC_JOB)
        self._credentials: Mapping[str, Credentials] = {c.access_key_id: c for c in self.config.credentials}
        self._templates: Mapping[str, Template] = {t.app_id: t for t in self.config.templates}
        self._clock = clock
        self._window = window
        self._max_jobs = max_jobs
        self._nonces = NonceCache(nonce_window if nonce_window is not None else window)
        self._lock = threading.Lock()
        self._state = _State()
        self._injector = FaultInjector(self.config.faults)
        self._stats_lock = threading.Lock()
        self._stats = _Stats()
        self._stat_sources: dict[str, Callable[[], int]] = {}

    def __repr__(self) -> str:
        return f"Emulator({self.config!r})"

    # --- faults ----------------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The faults injected now (``config.faults`` until :meth:`set_faults`)."""
        return self._injector.faults

    def set_faults(self, faults: Faults | None = None) -> None:
        """Inject ``faults`` from now on (None or ``Faults()``: none), their draws seeded afresh."""
        self._injector = FaultInjector(faults if faults is not None else Faults())

    # --- what tests look at ----------------------------------------------------------------------

    def jobs(self) -> list[Job]:
        """Every job started since the start or the last :meth:`reset`, oldest first."""
        now = self._clock()
        with self._lock:
            records = list(self._state.jobs.values())
            return [_with_status(record, now) for record in records]

    def reset(self) -> None:
        """Forget every job, event ID, nonce and count of :meth:`stats` (the configuration and the
        faults stay)."""
        with self._lock:
            self._state = _State()
        self._nonces.clear()
        with self._stats_lock:
            self._stats = _Stats()

    def stats(self) -> dict[str, Any]:
        """Counts since the start or the last :meth:`reset` (as ``GET /_emulator/stats`` shows them):
        ``requests`` handled (any path), ``answers`` by code (``"200"`` for a started or found job),
        ``faults`` injected by kind, ``jobs_started``, ``jobs_held`` and ``nonces_held``."""
        with self._stats_lock:
            requests = self._stats.requests
            answers = dict(self._stats.answers)
            faults = dict(self._stats.faults)
        with self._lock:
            started, held = self._state.jobs_started, len(self._state.jobs)
        return {
            "requests": requests,
            "answers": answers,
            "faults": faults,
            "jobs_started": started,
            "jobs_held": held,
            "nonces_held": len(self._nonces),
            **{name: source() for name, source in self._stat_sources.items()},
        }

    def add_stat(self, name: str, source: Callable[[], int]) -> None:
        """Show ``source()`` as ``name`` in :meth:`stats` (a harness adds what only it counts)."""
        self._stat_sources[name] = source

    # --- the handler -----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """The emulator's answer to ``request``. Never raises: a fault in the emulator itself answers
        500 ``InternalError`` in the spec's error form. An injected fault shows in the answer (a 503, a
        throttling error) or in its ``delay`` and ``drop``."""
        host_id = request.header("host") or DEFAULT_HOST_ID
        faults = self._injector
        fault = faults.draw() if self._is_exec_job(request) else None
        response, code = self._answer(request, host_id, fault)
        with self._stats_lock:
            self._stats.requests += 1
            self._stats.answers[code] += 1
            if fault is not None:
                self._stats.faults[fault] += 1
        if fault is None and not (faults.faults.latency_ms and self._is_exec_job(request)):
            return response
        delay = faults.faults.latency_ms / 1000
        if fault == "stall":
            delay += faults.faults.stall_seconds
        if fault is not None:
            logger.info("%s %s: injected %s", request.method, request.path, fault)
        return replace(response, delay=delay, drop=fault == "drop_after_commit")

    def _is_exec_job(self, request: Request) -> bool:
        return request.method == self._operation.method and unquote(request.path) == self._operation.path

    def _answer(self, request: Request, host_id: str, fault: FaultKind | None) -> tuple[Response, str]:
        """The answer, and its code for :meth:`stats`."""
        try:
            return self._handle(request, host_id, fault), "200"
        except _Refusal as refusal:
            logger.info(
                "%s %s -> %d %s",
                request.method,
                request.path,
                refusal.status,
                refusal.code,
            )
            return _error(refusal, host_id), refusal.code
        except Exception:  # an emulator bug must still answer in the spec's form
            logger.exception("%s %s -> 500 InternalError", request.method, request.path)
            internal = _Refusal(
                500,
                "InternalError",
                "The request processing has failed due to some unknown error.",
                gateway=False,
            )
            return _error(internal, host_id), internal.code

    def _handle(self, request: Request, host_id: str, fault: FaultKind | None) -> Response:
        path = unquote(request.path)
        if path == JOBS_PATH and request.method == "GET":
            return _json(200, {"jobs": [job.to_dict() for job in self.jobs()]})
        if path == STATS_PATH and request.method == "GET":
            return _json(200, self.stats())
        if path == RESET_PATH and request.method == "POST":
            self.reset()
            return _json(200, {"reset": True})
        if path != self._operation.path or request.method != self._operation.method:
            raise _Refusal(
                404,
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
                gateway=True,
            )
        if fault == "error_503":  # before anything is done: no job, no nonce used up
            raise _Refusal(
                503,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
                gateway=True,
            )
        if fault == "throttle":
            raise _Refusal(
                400,
                "Throttling.User",
                "Request was denied due to user flow control.",
                gateway=True,
                headers=(("x-acs-retry-after", _seconds(self._injector.faults.retry_after)),),
            )
        caller = self._authenticate(request)
        params = _check_query(self._operation, decoded_query(request.query))
        job = self._exec_job(params, caller)
        logger.info("%s %s -> 200 %s", request.method, request.path, job.job_id)
        request_id = _new_request_id()
        return _json(
            200,
            {
                "RequestId": request_id,
                "Message": "success",
                "TraceId": _new_trace_id(),
                "Data": {
                    "Data": job.job_id,
                    "Msg": "success",
                    "Success": "true",
                    "Code": "200",
                },
                "ErrorCode": "",
                "Code": "200",
                "Success": True,
            },
            [("x-acs-request-id", request_id)],
        )

    def _authenticate(self, request: Request) -> Caller:
        try:
            caller = verify_request(
                method=request.method,
                path=request.path,
                query=request.query,
                headers=request.headers,
                body=request.body,
                credentials=self._credentials,
                now=self._clock(),
                nonces=self._nonces,
                window=self._window,
            )
        except AuthFailure as failure:
            logger.info("authentication failed: %s", failure.reason or failure.code)
            raise _Refusal(failure.status, failure.code, failure.message, gateway=True) from None
        version = request.header("x-acs-version")
        if version != self.spec.version:
            raise _Refusal(
                400,
                "InvalidVersion",
                "Specified parameter Version is not valid.",
                gateway=True,
            )
        action = request.header("x-acs-action")
        # V3 routes by x-acs-action; ROA by the path, and the SDKs send the action too.
        if (caller.signature_version == "v3" or action is not None) and action != EXEC_JOB:
            raise _Refusal(
                404,
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
                gateway=True,
            )
        return caller

    def _exec_job(self, params: Mapping[str, str], caller: Caller) -> Job:
        app_id = params["AppId"]
        event_id = params.get("EventId") or None  # an empty EventId makes no call idempotent
        with self._lock:
            now = self._clock()
            template = self._templates.get(app_id)
            if template is None:
                raise _job_error("InvalidApplication.NotFound")
            if event_id is not None:
                first = self._state.by_event.get((app_id, event_id))
                if first is not None and first in self._state.jobs:
                    return self._state.jobs[first].job  # the same event: the first job, nothing new
            if self.config.in_debt:
                raise _job_error("user.indebt")
            if template.suspended:
                raise _job_error("JobSuspend")
            running = [
                record
                for record in self._state.jobs.values()
                if record.job.app_id == app_id and record.status(now) == "Running"
            ]
            if running and template.concurrency_policy == "Forbid":
                raise _job_error("JobForbidPolicy")
            if template.concurrency_policy == "Replace":
                for record in running:
                    record.replaced_at = now
            job = _new_job(self._operation, params, caller, now)
            self._state.jobs[job.job_id] = _Record(job, template.run_seconds)
            self._state.jobs_started += 1
            if event_id is not None:
                self._state.by_event[(app_id, event_id)] = job.job_id
            while len(self._state.jobs) > self._max_jobs:
                _, dropped = self._state.jobs.popitem(last=False)
                if dropped.job.event_id is not None:
                    self._state.by_event.pop((dropped.job.app_id, dropped.job.event_id), None)
            return job


def _check_query(operation: Operation, pairs: list[tuple[str, str]]) -> dict[str, str]:
    try:
        return operation.check_query(pairs)
    except ParameterError as exc:
        raise _Refusal(400, exc.code, exc.message, gateway=True) from None


def _job_error(code: str) -> _Refusal:
    return _Refusal(400, code, _JOB_ERRORS[code], gateway=False)


def _new_job(operation: Operation, params: Mapping[str, str], caller: Caller, now: datetime) -> Job:
    parameters = {
        p.python_name: p.decoded(params[p.name]) if p.name in params else None
        for p in operation.parameters
        if p.name != "AppId"
    }
    parameters["event_id"] = parameters.get("event_id") or None  # an empty EventId names no event
    return Job(
        job_id=f"manual-{uuid.uuid4()}",
        app_id=params["AppId"],
        parameters=parameters,
        created_at=now,
        status="Running",
        access_key_id=caller.access_key_id,
        signature_version=caller.signature_version,
    )


def _with_status(record: _Record, now: datetime) -> Job:
    # A deep copy: a test that edits what jobs() gave must not edit the emulator's record.
    return replace(copy.deepcopy(record.job), status=record.status(now))


def _json(status: int, body: Mapping[str, Any], extra: Iterable[tuple[str, str]] = ()) -> Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, (("Content-Type", _JSON), *extra), data)


def _seconds(value: float) -> str:
    """``x-acs-retry-after``: whole seconds as the gateway sends them, or a fraction when asked for one."""
    return str(int(value)) if value == math.floor(value) else f"{value:g}"


def _error(refusal: _Refusal, host_id: str) -> Response:
    request_id = _new_request_id()
    body: dict[str, Any] = {
        "RequestId": request_id,
        "Code": refusal.code,
        "Message": refusal.message,
        "HostId": host_id,
    }
    if refusal.gateway:
        body["Recommend"] = f"https://api.aliyun.com/troubleshoot?q={refusal.code}&product=sae"
    body["Success"] = False
    return _json(refusal.status, body, [("x-acs-request-id", request_id), *refusal.headers])
