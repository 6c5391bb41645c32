"""The emulator's one request handler, :meth:`Emulator.handle`: a :class:`Request` in, a :class:`Response`
out, in the spec's shape. It routes by the spec, authenticates as the gateway does, checks the query and
runs the operation from one table; the harnesses only translate, and hold back or drop what faults say.
A job is pending until its ``Time``, runs ``run_seconds``, then ends as its template's ``outcome`` says,
unless ``Replace`` or :meth:`Emulator.finish` ends it first.
"""

from __future__ import annotations

import copy
import hmac
import itertools
import json
import logging
import re
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import unquote

from sae_job.credentials import Credentials
from sae_job.emulator.auth import DEFAULT_WINDOW, AuthFailure, Caller, NonceCache, verify_request
from sae_job.emulator.config import EmulatorConfig, Template, default_config
from sae_job.emulator.faults import FaultInjector, FaultKind, Faults
from sae_job.emulator.spec import Operation, ParameterError, Spec, load_spec
from sae_job.signing import REDACTED, SECURITY_TOKEN_HEADER, decoded_query

logger = logging.getLogger("sae_job.emulator")

JOBS_PATH = "/_emulator/jobs"
RESET_PATH = "/_emulator/reset"
STATS_PATH = "/_emulator/stats"
_FINISH_PATH = re.compile(r"/_emulator/jobs/([^/]+)/finish")
DEFAULT_HOST_ID = "sae.cn-hangzhou.aliyuncs.com"
JobStatus = Literal["Pending", "Running", "Succeeded", "Failed"]
#: The wire's ``State`` of each status (DescribeJobStatus, DescribeJobHistory).
WIRE_STATES: Mapping[JobStatus, str] = {"Pending": "0", "Running": "3", "Succeeded": "1", "Failed": "2"}
REPLACED_MESSAGE = "The job was stopped: a newer job of its Replace template started."
_JSON = "application/json;charset=utf-8"


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)


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
        cls, method: str, target: str, headers: Iterable[tuple[str, str]] = (), body: bytes = b""
    ) -> Request:
        """A request from its request line's target, ``/path?query``."""
        path, _, query = target.partition("?")
        return cls(method, path, query, tuple(headers), body)

    def header(self, name: str) -> str | None:
        """The first value of the header ``name`` (any case), or None."""
        return _header(self.headers, name)

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
    """An HTTP answer; injected faults set ``delay`` (seconds to hold it back) or ``drop`` (close the
    connection instead)."""

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
        return _header(self.headers, name)


@dataclass(frozen=True, slots=True)
class Job:
    """A job the emulator started (as ``GET /_emulator/jobs`` shows it).

    ``parameters`` holds every other ExecJob parameter of the spec by the generated client's name, decoded
    as the service reads it, None when not sent; each is an attribute too (``job.command_args``).
    ``status`` is its state now; ``message`` says why the emulator ended it early.
    """

    job_id: str
    app_id: str
    parameters: Mapping[str, Any]
    created_at: datetime
    status: JobStatus
    access_key_id: str
    signature_version: Literal["v3", "v2"]
    message: str = ""

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
            "message": self.message,
            "access_key_id": self.access_key_id,
            "signature_version": self.signature_version,
        }


@dataclass(slots=True)
class _Record:
    """A started job and its schedule; what changes when the job ends early changes under the lock."""

    job: Job
    starts_at: datetime
    ends_at: datetime
    outcome: Literal["Succeeded", "Failed"]
    replicas: int
    message: str = ""
    retried_failures: int = 0

    def status(self, now: datetime) -> JobStatus:
        if now < self.starts_at:
            return "Pending"
        return "Running" if now < self.ends_at else self.outcome

    def end(self, now: datetime, outcome: Literal["Succeeded", "Failed"], message: str) -> None:
        self.starts_at, self.ends_at = min(self.starts_at, now), now
        self.outcome, self.message = outcome, message

    def snapshot(self, now: datetime) -> Job:
        """The job as it is now; a deep copy, so that a test editing it cannot edit the emulator's record."""
        return replace(copy.deepcopy(self.job), status=self.status(now), message=self.message)

    def _failed_instances(self, status: JobStatus, now: datetime) -> int:
        # Counts are per instance: an instance that fails is retried (the template's BackoffLimit), so a
        # running job counts its retried failures as they happen; a failed job adds its last instances.
        if status == "Pending":
            return 0
        if status == "Running":
            run = (self.ends_at - self.starts_at).total_seconds()
            done = (now - self.starts_at).total_seconds() / run if run > 0 else 1.0
            return int(self.retried_failures * done)
        return self.retried_failures + (self.replicas if status == "Failed" else 0)

    def wire(self, now: datetime) -> dict[str, Any]:
        """The job as DescribeJobStatus answers it (``Data``)."""
        status = self.status(now)
        data: dict[str, Any] = {
            "JobId": self.job.job_id,
            "State": WIRE_STATES[status],
            "Active": self.replicas if status == "Running" else 0,
            "Succeeded": self.replicas if status == "Succeeded" else 0,
            "Failed": self._failed_instances(status, now),
            "Message": self.message or ("" if status == "Failed" else "success"),  # as SAE's example shows
        }
        data["StartTime"] = int(self.job.created_at.timestamp())  # SAE's StartTime: the creation time
        if status in ("Succeeded", "Failed"):
            data["CompletionTime"] = int(self.ends_at.timestamp())
        return data


@dataclass(slots=True)
class _Refusal(Exception):
    """An error answer decided while handling; ``gateway``: the gateway sends it, not the service."""

    status: int
    code: str
    message: str
    gateway: bool = True
    headers: tuple[tuple[str, str], ...] = ()


_JOB_ERRORS = {
    "InvalidApplication.NotFound": "The current application does not exist.",
    "InvalidJob.NotFound": "The specified job does not exist.",
    "JobForbidPolicy": "The concurrency policy of the job template is Forbid and a job is still running.",
    "JobSuspend": "The job template is suspended.",
    "user.indebt": "The user has an overdue payment.",
}
_NOT_FOUND = (404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _State:
    """The jobs held, oldest first, and what the operations look them up by, so that no call's cost
    grows with the jobs held: each template's jobs in order, and those that may still be pending or
    running (a job leaves that set once, when a call finds it ended)."""

    jobs: OrderedDict[str, _Record] = field(default_factory=OrderedDict)
    by_event: dict[tuple[str, str], str] = field(default_factory=dict)
    by_app: dict[str, OrderedDict[str, _Record]] = field(default_factory=dict)
    unfinished: dict[str, dict[str, _Record]] = field(default_factory=dict)
    jobs_started: int = 0

    def add(self, record: _Record) -> None:
        job = record.job
        self.jobs[job.job_id] = record
        self.by_app.setdefault(job.app_id, OrderedDict())[job.job_id] = record
        self.unfinished.setdefault(job.app_id, {})[job.job_id] = record
        if job.event_id is not None:
            self.by_event[(job.app_id, job.event_id)] = job.job_id
        self.jobs_started += 1

    def drop_oldest(self) -> None:
        _, dropped = self.jobs.popitem(last=False)
        job = dropped.job
        self.by_app[job.app_id].pop(job.job_id, None)
        self.unfinished.get(job.app_id, {}).pop(job.job_id, None)
        if job.event_id is not None:
            self.by_event.pop((job.app_id, job.event_id), None)

    def active(self, app_id: str, now: datetime) -> list[_Record]:
        """The template's jobs pending or running now; the ended ones leave the set."""
        unfinished = self.unfinished.get(app_id, {})
        for job_id in [
            job_id for job_id, r in unfinished.items() if r.status(now) not in ("Pending", "Running")
        ]:
            del unfinished[job_id]
        return list(unfinished.values())

    def latest(self, app_id: str) -> _Record | None:
        jobs = self.by_app.get(app_id)
        return next(reversed(jobs.values()), None) if jobs else None


@dataclass(slots=True)
class _Stats:
    requests: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)


class Emulator:
    """SAE's job operations behind its API gateway, in memory; thread-safe (racing requests with one
    ``EventId`` start one job). ``clock`` (timezone-aware) drives signatures and jobs; ``window`` is the
    gateway's clock-skew tolerance; ``nonce_window`` keeps nonces that long after arrival whatever their
    date (a load test's knob); ``max_jobs`` jobs are kept, the oldest forgotten first."""

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
        self._exec_job_operation = self.spec.operation("ExecJob")
        # The one table of what each operation does: its query checked, it returns the answer's fields.
        self._handlers: dict[str, Callable[[dict[str, str], Caller, datetime], dict[str, Any]]] = {
            "ExecJob": self._exec_job,
            "DescribeJobStatus": self._describe_job_status,
            "DescribeJobHistory": self._describe_job_history,
            "ListJobs": self._list_jobs,
            "DescribeJob": self._describe_job,
        }
        self._credentials: Mapping[str, Credentials] = {c.access_key_id: c for c in self.config.credentials}
        self._templates: Mapping[str, Template] = {t.app_id: t for t in self.config.templates}
        self._clock, self._window, self._max_jobs = clock, window, max_jobs
        self._nonces = NonceCache(nonce_window or window, by_date=nonce_window is None)
        self._lock = threading.Lock()
        self._state = _State()
        self._injector = FaultInjector(self.config.faults)
        self._stats_lock = threading.Lock()
        self._stats = _Stats()
        self._stat_sources: dict[str, Callable[[], int]] = {}
        #: When set, ``/_emulator/*`` needs ``Authorization: Bearer <it>`` (else 401); set beyond loopback.
        self.introspection_token: str | None = None

    def __repr__(self) -> str:
        return f"Emulator({self.config!r})"

    @property
    def faults(self) -> Faults:
        """The faults injected now (``config.faults`` until :meth:`set_faults`)."""
        return self._injector.faults

    def set_faults(self, faults: Faults | None = None) -> None:
        """Inject ``faults`` from now on (None or ``Faults()``: none), their draws seeded afresh."""
        self._injector = FaultInjector(faults if faults is not None else Faults())

    # --- what tests look at and do ---------------------------------------------------------------

    def jobs(self) -> list[Job]:
        """Every job started since the start or :meth:`reset`, oldest first, as it is now."""
        now = self._clock()
        with self._lock:
            return [record.snapshot(now) for record in self._state.jobs.values()]

    def finish(self, job_id: str, failed: bool = False, message: str | None = None) -> Job:
        """End the job ``job_id`` now, succeeded or ``failed``, with ``message``; return it. ``KeyError``
        for a job the emulator does not hold."""
        now = self._clock()
        with self._lock:
            record = self._state.jobs[job_id]
            record.end(now, "Failed" if failed else "Succeeded", message or "")
            return record.snapshot(now)

    def reset(self) -> None:
        """Forget every job, event ID, nonce and count (not the configuration or the faults)."""
        with self._lock:
            self._state = _State()
        self._nonces.clear()
        with self._stats_lock:
            self._stats = _Stats()

    def stats(self) -> dict[str, Any]:
        """Counts since the start or :meth:`reset`, as ``GET /_emulator/stats`` shows them: ``requests``,
        ``answers`` and ``faults`` by code or kind, ``jobs_started``, ``jobs_held``, ``nonces_held``."""
        with self._stats_lock:
            counts = {"requests": self._stats.requests, "answers": dict(self._stats.answers)}
            counts["faults"] = dict(self._stats.faults)
        with self._lock:
            counts |= {"jobs_started": self._state.jobs_started, "jobs_held": len(self._state.jobs)}
        counts["nonces_held"] = len(self._nonces)
        return counts | {name: source() for name, source in self._stat_sources.items()}

    def add_stat(self, name: str, source: Callable[[], int]) -> None:
        """Show ``source()`` as ``name`` in :meth:`stats` (a harness adds what only it counts)."""
        self._stat_sources[name] = source

    # --- the handler -----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """The emulator's answer to ``request``, injected faults included. Never raises: a bug in the
        emulator answers 500 ``InternalError`` in the spec's error form."""
        host_id = request.header("host") or DEFAULT_HOST_ID
        injector = self._injector
        operation = self.spec.route(request.method, unquote(request.path))
        fault = injector.draw() if operation is not None else None  # introspection is never faulted
        try:
            response, code = self._answer(request, operation, fault), "200"
        except _Refusal as refusal:
            logger.info("%s %s -> %d %s", request.method, request.path, refusal.status, refusal.code)
            response, code = _error(refusal, host_id), refusal.code
        except Exception:  # an emulator bug must still answer in the spec's form
            logger.exception("%s %s -> 500 InternalError", request.method, request.path)
            message = "The request processing has failed due to some unknown error."
            response, code = _error(_Refusal(500, "InternalError", message, False), host_id), "InternalError"
        with self._stats_lock:
            self._stats.requests += 1
            self._stats.answers[code] += 1
            if fault is not None:
                self._stats.faults[fault] += 1
        if fault is None and not (injector.faults.latency_ms and operation is not None):
            return response
        delay = injector.faults.latency_ms / 1000 + (injector.faults.stall_seconds if fault == "stall" else 0)
        if fault is not None:
            logger.info("%s %s: injected %s", request.method, request.path, fault)
        return replace(response, delay=delay, drop=fault == "drop_after_commit")

    def _answer(self, request: Request, operation: Operation | None, fault: FaultKind | None) -> Response:
        if operation is None:
            return self._introspect(request)
        if fault == "error_503":  # before anything is done: no job, no nonce used up
            message = "The request has failed due to a temporary failure of the server."
            raise _Refusal(503, "ServiceUnavailable", message)
        if fault == "throttle":
            retry_after = (("x-acs-retry-after", _milliseconds(self._injector.faults.retry_after)),)
            message = "Request was denied due to user flow control."
            status = self._injector.faults.throttle_status
            raise _Refusal(status, "Throttling.User", message, gateway=True, headers=retry_after)
        caller = self._authenticate(request, operation)
        try:
            params = operation.check_query(decoded_query(request.query))
        except ParameterError as exc:
            raise _Refusal(400, exc.code, exc.message) from None
        fields = self._handlers[operation.operation_id](params, caller, self._clock())
        request_id = str(uuid.uuid4()).upper()
        body = {"RequestId": request_id, "Message": "success", "TraceId": uuid.uuid4().hex[:30], **fields}
        body |= {"Code": "200", "Success": True}
        return _json(200, body, [("x-acs-request-id", request_id)])

    def _introspect(self, request: Request) -> Response:
        path, method = unquote(request.path), request.method
        token, sent = self.introspection_token, (request.header("authorization") or "").encode()
        if (
            path.startswith("/_emulator/")
            and token
            and not hmac.compare_digest(sent, f"Bearer {token}".encode())
        ):
            detail = "send the token the emulator printed at start: Authorization: Bearer <token>"
            return _json(401, {"error": detail}, [("WWW-Authenticate", "Bearer")])
        if (path, method) == (JOBS_PATH, "GET"):
            return _json(200, {"jobs": [job.to_dict() for job in self.jobs()]})
        if (path, method) == (STATS_PATH, "GET"):
            return _json(200, self.stats())
        if (path, method) == (RESET_PATH, "POST"):
            self.reset()
            return _json(200, {"reset": True})
        finish = _FINISH_PATH.fullmatch(path)
        if finish is not None and method == "POST":
            try:
                asked = json.loads(request.body or b"{}")
                outcome, message = asked.get("outcome", "succeeded"), asked.get("message")
                if outcome not in ("succeeded", "failed") or not isinstance(message, str | None):
                    raise ValueError
            except (ValueError, AttributeError):
                detail = 'the body is {"outcome": "succeeded" | "failed", "message": "..."}'
                return _json(400, {"error": detail})
            try:
                job = self.finish(finish.group(1), failed=outcome == "failed", message=message)
            except KeyError:
                return _json(404, {"error": f"no job {finish.group(1)!r}"})
            return _json(200, job.to_dict())
        raise _Refusal(*_NOT_FOUND)

    def _authenticate(self, request: Request, operation: Operation) -> Caller:
        try:
            caller = verify_request(
                **{name: getattr(request, name) for name in ("method", "path", "query", "headers", "body")},
                credentials=self._credentials,
                now=self._clock(),
                nonces=self._nonces,
                window=self._window,
            )
        except AuthFailure as failure:
            logger.info("authentication failed: %s", failure.reason or failure.code)
            raise _Refusal(failure.status, failure.code, failure.message) from None
        if caller.access_key_id in self.config.ram_denied:
            message = (
                "User not authorized to operate on the specified resource, or this API doesn't support RAM."
            )
            raise _Refusal(403, "Forbidden.RAM", message)
        if request.header("x-acs-version") != self.spec.version:
            raise _Refusal(400, "InvalidVersion", "Specified parameter Version is not valid.")
        action = request.header("x-acs-action")
        # V3 routes by x-acs-action; ROA by the path, and the SDKs send the action too.
        if (caller.signature_version == "v3" or action is not None) and action != operation.operation_id:
            raise _Refusal(*_NOT_FOUND)
        return caller

    # --- the operations --------------------------------------------------------------------------

    def _template(self, app_id: str) -> Template:
        template = self._templates.get(app_id)
        if template is None:
            raise _job_error("InvalidApplication.NotFound")
        return template

    def _exec_job(self, params: dict[str, str], caller: Caller, now: datetime) -> dict[str, Any]:
        app_id = params["AppId"]
        event_id = params.get("EventId") or None  # an empty EventId makes no call idempotent
        starts_at = max(now, _parsed_time(params.get("Time")) or now)  # a job dated later waits for it
        with self._lock:
            template = self._template(app_id)
            first = self._state.by_event.get((app_id, event_id)) if event_id is not None else None
            if first is not None and first in self._state.jobs:
                return _launched(first)  # the same event: the first job, nothing new
            if self.config.in_debt:
                raise _job_error("user.indebt")
            if template.suspended:
                raise _job_error("JobSuspend")
            active = self._state.active(app_id, now)
            if active and template.concurrency_policy == "Forbid":
                raise _job_error("JobForbidPolicy")
            if template.concurrency_policy == "Replace":
                for record in active:
                    record.end(now, "Failed", REPLACED_MESSAGE)
            record = _new_record(self._exec_job_operation, params, caller, now, starts_at, template)
            self._state.add(record)
            while len(self._state.jobs) > self._max_jobs:
                self._state.drop_oldest()
        logger.info("ExecJob -> 200 %s", record.job.job_id)
        return _launched(record.job.job_id)

    def _describe_job_status(self, params: dict[str, str], caller: Caller, now: datetime) -> dict[str, Any]:
        self._template(params["AppId"])
        job_id = params.get("JobId")
        with self._lock:
            if job_id:
                record = self._state.jobs.get(job_id)
                found = record if record is not None and record.job.app_id == params["AppId"] else None
            else:  # no JobId: the template's latest job (our reading of the API; the spec says so)
                found = self._state.latest(params["AppId"])
            if found is None:
                raise _job_error("InvalidJob.NotFound")
            return {"Data": found.wire(now)}

    def _describe_job_history(self, params: dict[str, str], caller: Caller, now: datetime) -> dict[str, Any]:
        self._template(params["AppId"])
        page, size = int(params.get("CurrentPage", 1)), int(params.get("PageSize", 10))
        with self._lock:
            held: OrderedDict[str, _Record] = self._state.by_app.get(params["AppId"]) or OrderedDict()
            newest_first = reversed(held.values())
            if "State" in params:  # a state changes with time: each job's is read (not converted)
                wanted = params["State"]
                kept = [r for r in newest_first if WIRE_STATES[r.status(now)] == wanted]
                total, shown = len(kept), kept[(page - 1) * size : page * size]
            else:  # only the page's jobs are converted
                total, shown = len(held), list(itertools.islice(newest_first, (page - 1) * size, page * size))
            jobs = [r.wire(now) for r in shown]
        return {"Data": {"CurrentPage": page, "PageSize": size, "TotalSize": total, "Jobs": jobs}}

    def _describe_job(self, params: dict[str, str], caller: Caller, now: datetime) -> dict[str, Any]:
        t = self._template(params["AppId"])
        return {"Data": _settings(t)}

    def _list_jobs(self, params: dict[str, str], caller: Caller, now: datetime) -> dict[str, Any]:
        page, size = int(params.get("CurrentPage", 1)), int(params.get("PageSize", 10))
        found = [t for t in self.config.templates if _listed(t, params)]
        shown = found[(page - 1) * size : page * size]
        with self._lock:
            applications = [_application(t, self._state.latest(t.app_id), now) for t in shown]
        position = {"CurrentPage": page, "PageSize": size, "TotalSize": len(found)}
        return {**position, "Data": {**position, "Applications": applications}}


#: The OSS key pair every template's DescribeJob answer carries, as SAE's does: a client must never show it.
OSS_KEY = ("emulator-oss-key-id", "emulator-oss-key-secret")


def _settings(template: Template) -> dict[str, Any]:
    """A template as DescribeJob answers it: the fields of the official SDK's model that it has."""
    return {
        "AppId": template.app_id,
        "AppName": template.name or template.app_id,
        "AppDescription": template.description,
        "NamespaceId": template.namespace_id,
        "RegionId": template.region_id,
        "Timeout": template.timeout,
        "BackoffLimit": template.backoff_limit,
        "ConcurrencyPolicy": template.concurrency_policy,
        "Replicas": 1,
        "Suspend": template.suspended,
        "Slice": False,
        "Timezone": "Asia/Shanghai",
        "Command": "",
        "CommandArgs": "[]",
        "Envs": "[]",
        "ImageUrl": "registry.cn-hangzhou.aliyuncs.com/sae-job/emulator:latest",
        "PackageType": "Image",
        "Cpu": 500,
        "Memory": 1024,
        "OssAkId": OSS_KEY[0],
        "OssAkSecret": OSS_KEY[1],
    }


def _listed(template: Template, params: Mapping[str, str]) -> bool:
    """Whether ListJobs' filters keep ``template``: names match by substring, as the service may."""
    name = template.name or template.app_id
    if "NamespaceId" in params and template.namespace_id != params["NamespaceId"]:
        return False
    if params.get("AppName") and params["AppName"] not in name:
        return False
    field_type, value = params.get("FieldType"), params.get("FieldValue")
    if field_type == "appName" and value:
        return value in name
    if field_type == "appIds" and value:
        return template.app_id in {part.strip() for part in value.split(",")}
    return True


def _application(template: Template, last: _Record | None, now: datetime) -> dict[str, Any]:
    """A template as ListJobs answers it, its last job's state and counts from its job history."""
    entry: dict[str, Any] = {
        "AppId": template.app_id,
        "AppName": template.name or template.app_id,
        "AppDescription": template.description,
        "NamespaceId": template.namespace_id,
        "RegionId": template.region_id,
        "Suspend": template.suspended,
        "Active": 0,
        "Succeeded": 0,
        "Failed": 0,
        "Message": "",
        "Tags": [{"Key": key, "Value": value} for key, value in template.tags.items()],
    }
    if last is not None:
        job = last.wire(now)
        entry |= {key: job[key] for key in ("Active", "Succeeded", "Failed", "Message")}
        entry["LastJobState"] = job["State"]
        if "StartTime" in job:
            entry["LastStartTime"] = job["StartTime"]
        if "CompletionTime" in job:
            entry["CompletionTime"] = job["CompletionTime"]
    return entry


def _parsed_time(value: str | None) -> datetime | None:
    """ExecJob's ``Time``; None when absent or not a date (the spec's pattern allows ``0000-02-31``)."""
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


def _job_error(code: str) -> _Refusal:
    return _Refusal(400, code, _JOB_ERRORS[code], False)


def _launched(job_id: str) -> dict[str, Any]:
    """ExecJob's answer fields for the job ``job_id``."""
    return {"Data": {"Data": job_id, "Msg": "success", "Success": "true", "Code": "200"}, "ErrorCode": ""}


def _new_record(
    operation: Operation,
    params: Mapping[str, str],
    caller: Caller,
    now: datetime,
    starts_at: datetime,
    t: Template,
) -> _Record:
    parameters = {
        p.python_name: p.decoded(params[p.name]) if p.name in params else None
        for p in operation.parameters
        if p.name != "AppId"
    }
    parameters["event_id"] = parameters.get("event_id") or None  # an empty EventId names no event
    job_id, app_id = f"{t.job_id_prefix}-{uuid.uuid4()}", params["AppId"]
    job = Job(job_id, app_id, parameters, now, "Running", caller.access_key_id, caller.signature_version)
    outcome: Literal["Succeeded", "Failed"] = "Failed" if t.outcome == "failed" else "Succeeded"
    ends_at = starts_at + timedelta(seconds=t.run_seconds)
    replicas = parameters.get("replicas") or 1
    return _Record(job, starts_at, ends_at, outcome, replicas, retried_failures=t.retried_failures)


def _json(status: int, body: Mapping[str, Any], extra: Iterable[tuple[str, str]] = ()) -> Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, (("Content-Type", _JSON), *extra), data)


def _milliseconds(seconds: float) -> str:
    """``x-acs-retry-after`` for a wait of ``seconds``: whole milliseconds, as the gateway sends it."""
    return str(round(seconds * 1000))


def error_response(status: int, code: str, message: str) -> Response:
    """An answer in the spec's error form, as the gateway sends it (for a harness's own refusals)."""
    return _error(_Refusal(status, code, message), DEFAULT_HOST_ID)


def _error(refusal: _Refusal, host_id: str) -> Response:
    request_id, code = str(uuid.uuid4()).upper(), refusal.code
    body: dict[str, Any] = {"RequestId": request_id, "Code": code, "Message": refusal.message}
    body["HostId"] = host_id
    if refusal.gateway:
        body["Recommend"] = f"https://api.aliyun.com/troubleshoot?q={code}&product=sae"
    body["Success"] = False
    return _json(refusal.status, body, [("x-acs-request-id", request_id), *refusal.headers])
