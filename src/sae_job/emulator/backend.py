"""SAE's job service as plain Python (moto's ``models``), nothing of HTTP: the operations take the query's
checked parameters and return the answer's fields or raise :class:`JobError`."""

from __future__ import annotations

import copy
import itertools
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sae_job.emulator.config import EmulatorConfig, Template

if TYPE_CHECKING:
    from sae_job.emulator.auth import Caller
    from sae_job.emulator.spec import Operation

logger = logging.getLogger("sae_job.emulator")

JobStatus = Literal["Pending", "Running", "Succeeded", "Failed"]
#: The wire's ``State`` of each status (DescribeJobStatus, DescribeJobHistory).
WIRE_STATES: Mapping[JobStatus, str] = {"Pending": "0", "Running": "3", "Succeeded": "1", "Failed": "2"}
_DATE = "%Y-%m-%dT%H:%M:%SZ"  # as ExecJob's Time and x-acs-date
REPLACED_MESSAGE = "The job was stopped: a newer job of its Replace template started."
#: The OSS key pair every template's DescribeJob answer carries, as SAE's does: a client must never show it.
OSS_KEY = ("emulator-oss-key-id", "emulator-oss-key-secret")
_JOB_ERRORS = {
    "InvalidApplication.NotFound": "The current application does not exist.",
    "InvalidJob.NotFound": "The specified job does not exist.",
    "JobForbidPolicy": "The concurrency policy of the job template is Forbid and a job is still running.",
    "JobSuspend": "The job template is suspended.",
    "user.indebt": "The user has an overdue payment.",
}


class JobError(Exception):
    """The service refused the call: ``code`` and ``message`` as SAE answers them."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code, self.message = code, _JOB_ERRORS[code]


@dataclass(frozen=True, slots=True)
class Job:
    """A job started (as ``GET /_emulator/jobs`` shows it). ``parameters``: ExecJob's others by the generated
    client's names, decoded (None when not sent), attributes too (``job.command_args``)."""

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
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        shown["created_at"] = self.created_at.astimezone(UTC).strftime(_DATE)
        return {**shown.pop("parameters"), **shown}


@dataclass(slots=True)
class _Record:
    """A started job and its schedule; what an early end changes, it changes under the lock."""

    job: Job
    starts_at: datetime
    ends_at: datetime
    outcome: Literal["Succeeded", "Failed"]
    replicas: int
    message: str = ""
    retried_failures: int = 0

    def status(self, now: datetime) -> JobStatus:
        return "Pending" if now < self.starts_at else "Running" if now < self.ends_at else self.outcome

    def end(self, now: datetime, outcome: Literal["Succeeded", "Failed"], message: str) -> None:
        self.starts_at, self.ends_at = min(self.starts_at, now), now
        self.outcome, self.message = outcome, message

    def snapshot(self, now: datetime) -> Job:
        """The job now, a deep copy: a test editing it cannot edit the record."""
        return replace(copy.deepcopy(self.job), status=self.status(now), message=self.message)

    def _failed_instances(self, status: JobStatus, now: datetime) -> int:
        # Per instance: retried failures (BackoffLimit) as they happen, a failed job's last ones at its end
        if status == "Pending":
            return 0
        if status == "Running":  # so it has begun and not ended: its run is longer than 0
            run = (self.ends_at - self.starts_at).total_seconds()
            return int(self.retried_failures * ((now - self.starts_at).total_seconds() / run))
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
            "StartTime": int(self.job.created_at.timestamp()),  # SAE's StartTime: the creation time
        }
        if status in ("Succeeded", "Failed"):
            data["CompletionTime"] = int(self.ends_at.timestamp())
        return data


@dataclass(slots=True)
class _State:
    """The jobs held, oldest first, and the indexes that keep each call's cost flat in their number."""

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
        job = self.jobs.popitem(last=False)[1].job
        self.by_app[job.app_id].pop(job.job_id, None)
        self.unfinished.get(job.app_id, {}).pop(job.job_id, None)
        if job.event_id is not None:
            self.by_event.pop((job.app_id, job.event_id), None)

    def active(self, app_id: str, now: datetime) -> list[_Record]:
        """The template's jobs pending or running now; the ended ones leave the set."""
        unfinished = self.unfinished.get(app_id, {})
        for job_id in [j for j, r in unfinished.items() if r.status(now) not in ("Pending", "Running")]:
            del unfinished[job_id]
        return list(unfinished.values())

    def latest(self, app_id: str) -> _Record | None:
        jobs = self.by_app.get(app_id)
        return next(reversed(jobs.values()), None) if jobs else None


class Backend:
    """The job service's state and operations, thread-safe; ``exec_job`` names what parameters a job keeps."""

    def __init__(
        self, config: EmulatorConfig, exec_job: Operation, *, clock: Callable[[], datetime], max_jobs: int
    ) -> None:
        self.config, self.clock, self._exec_job_operation, self._max_jobs = config, clock, exec_job, max_jobs
        self._templates: Mapping[str, Template] = {t.app_id: t for t in config.templates}
        self._lock, self._state = threading.Lock(), _State()

    def jobs(self) -> list[Job]:
        now = self.clock()
        with self._lock:
            return [record.snapshot(now) for record in self._state.jobs.values()]

    def finish(self, job_id: str, failed: bool = False, message: str | None = None) -> Job:
        now = self.clock()
        with self._lock:
            record = self._state.jobs[job_id]
            record.end(now, "Failed" if failed else "Succeeded", message or "")
            return record.snapshot(now)

    def reset(self) -> None:
        with self._lock:
            self._state = _State()

    def counts(self) -> dict[str, int]:
        """``jobs_started`` since the start or :meth:`reset`, and ``jobs_held``."""
        with self._lock:
            return {"jobs_started": self._state.jobs_started, "jobs_held": len(self._state.jobs)}

    def _template(self, app_id: str) -> Template:
        template = self._templates.get(app_id)
        if template is None:
            raise JobError("InvalidApplication.NotFound")
        return template

    def exec_job(self, params: dict[str, str], caller: Caller, now: datetime) -> dict[str, Any]:
        app_id = params["AppId"]
        event_id = params.get("EventId") or None  # an empty EventId makes no call idempotent
        with self._lock:
            template = self._template(app_id)
            first = self._state.by_event.get((app_id, event_id)) if event_id is not None else None
            if first is not None and first in self._state.jobs:
                return _launched(first)  # the same event: the first job, nothing new
            if self.config.in_debt:
                raise JobError("user.indebt")
            if template.suspended:
                raise JobError("JobSuspend")
            active = self._state.active(app_id, now)
            if active and template.concurrency_policy == "Forbid":
                raise JobError("JobForbidPolicy")
            if template.concurrency_policy == "Replace":
                for record in active:
                    record.end(now, "Failed", REPLACED_MESSAGE)
            record = self._new_record(params, caller, now, template)
            self._state.add(record)
            while len(self._state.jobs) > self._max_jobs:
                self._state.drop_oldest()
        logger.info("ExecJob -> 200 %s", record.job.job_id)
        return _launched(record.job.job_id)

    def describe_job_status(self, params: dict[str, str], caller: Caller, now: datetime) -> dict[str, Any]:
        self._template(params["AppId"])
        with self._lock:
            if job_id := params.get("JobId"):  # a job of another template is not found
                found = self._state.by_app.get(params["AppId"], OrderedDict()).get(job_id)
            else:  # no JobId: the template's latest job (our reading of the API; the spec says so)
                found = self._state.latest(params["AppId"])
            if found is None:
                raise JobError("InvalidJob.NotFound")
            return {"Data": found.wire(now)}

    def describe_job_history(self, params: dict[str, str], caller: Caller, now: datetime) -> dict[str, Any]:
        self._template(params["AppId"])
        page, size = int(params.get("CurrentPage", 1)), int(params.get("PageSize", 10))
        with self._lock:
            held: OrderedDict[str, _Record] = self._state.by_app.get(params["AppId"]) or OrderedDict()
            start = min((page - 1) * size, len(held))  # a page past the last is empty, however far
            if "State" in params:  # a state changes with time: each job's is read (not converted)
                kept = [r for r in reversed(held.values()) if WIRE_STATES[r.status(now)] == params["State"]]
                total, shown = len(kept), kept[start : start + size]
            else:  # only the page's jobs are converted
                total, shown = len(held), list(itertools.islice(reversed(held.values()), start, start + size))
            jobs = [r.wire(now) for r in shown]
        return {"Data": {"CurrentPage": page, "PageSize": size, "TotalSize": total, "Jobs": jobs}}

    def describe_job(self, params: dict[str, str], caller: Caller, now: datetime) -> dict[str, Any]:
        return {"Data": _settings(self._template(params["AppId"]))}

    def list_jobs(self, params: dict[str, str], caller: Caller, now: datetime) -> dict[str, Any]:
        page, size = int(params.get("CurrentPage", 1)), int(params.get("PageSize", 10))
        found = [t for t in self.config.templates if _listed(t, params)]
        shown = found[(page - 1) * size : page * size]
        with self._lock:
            applications = [_application(t, self._state.latest(t.app_id), now) for t in shown]
        position = {"CurrentPage": page, "PageSize": size, "TotalSize": len(found)}
        return {**position, "Data": {**position, "Applications": applications}}

    def _new_record(self, params: Mapping[str, str], caller: Caller, now: datetime, t: Template) -> _Record:
        parameters = {
            p.python_name: p.decoded(params[p.name]) if p.name in params else None
            for p in self._exec_job_operation.parameters
            if p.name != "AppId"
        }
        parameters["event_id"] = parameters.get("event_id") or None  # an empty EventId names no event
        job_id, app_id = f"{t.job_id_prefix}-{uuid.uuid4()}", params["AppId"]
        job = Job(job_id, app_id, parameters, now, "Running", caller.access_key_id, caller.signature_version)
        outcome: Literal["Succeeded", "Failed"] = "Failed" if t.outcome == "failed" else "Succeeded"
        starts_at = max(now, _parsed_time(params.get("Time")) or now)  # a job dated later waits for it
        ends_at = starts_at + timedelta(seconds=t.run_seconds)
        replicas = parameters.get("replicas") or 1
        return _Record(job, starts_at, ends_at, outcome, replicas, retried_failures=t.retried_failures)


def _summary(template: Template) -> dict[str, Any]:
    """What DescribeJob and ListJobs both say of a template."""
    return {
        "AppId": template.app_id,
        "AppName": template.name or template.app_id,
        "AppDescription": template.description,
        "NamespaceId": template.namespace_id,
        "RegionId": template.region_id,
        "Suspend": template.suspended,
    }


def _settings(template: Template) -> dict[str, Any]:
    """A template as DescribeJob answers it: the fields of the official SDK's model that it has."""
    return {
        **_summary(template),
        "Timeout": template.timeout,
        "BackoffLimit": template.backoff_limit,
        "ConcurrencyPolicy": template.concurrency_policy,
        "Replicas": 1,
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
    entry: dict[str, Any] = {**_summary(template), "Active": 0, "Succeeded": 0, "Failed": 0, "Message": ""}
    entry["Tags"] = [{"Key": key, "Value": value} for key, value in template.tags.items()]
    if last is not None:
        job = last.wire(now)
        entry |= {key: job[key] for key in ("Active", "Succeeded", "Failed", "Message")}
        entry |= {"LastJobState": job["State"], "LastStartTime": job["StartTime"]}
        if "CompletionTime" in job:
            entry["CompletionTime"] = job["CompletionTime"]
    return entry


def _parsed_time(value: str | None) -> datetime | None:
    """ExecJob's ``Time``; None when absent or not a date (the spec's pattern allows ``0000-02-31``)."""
    try:
        return datetime.strptime(value, _DATE).replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


def _launched(job_id: str) -> dict[str, Any]:
    return {"Data": {"Data": job_id, "Msg": "success", "Success": "true", "Code": "200"}, "ErrorCode": ""}
