"""The results the clients give: frozen values, read from SAE's answers by :mod:`sae_job.answers`.
The pages, which only the clients read, are named tuples: cheaper to define at start-up."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

__all__ = [
    "HistoryPage",
    "JobState",
    "JobStatus",
    "JobTemplate",
    "Launch",
    "TemplatePage",
]


@dataclass(frozen=True, slots=True)
class Launch:
    """A job that ExecJob started."""

    job_id: str
    """The new job's ID: ``manual-…``, or ``event-…`` for an HTTP- or event-triggered template."""
    request_id: str
    trace_id: str | None
    event_id: str
    """The event ID the job was started under: the caller's, or the one generated for the call."""
    app_id: str
    attempts: int = 1
    """How many requests it took (retries included)."""


class JobState(enum.Enum):
    """What a job is doing, from DescribeJobStatus's ``State``."""

    PENDING = "0"
    """Not yet run: waiting for its ``Time``, or for resources."""
    RUNNING = "3"
    SUCCEEDED = "1"
    FAILED = "2"
    UNKNOWN = "?"
    """A ``State`` this client does not know; :attr:`JobStatus.raw_state` keeps it."""

    @classmethod
    def from_wire(cls, value: object) -> JobState:
        """The state a wire value stands for; :attr:`UNKNOWN` for anything else, never an error."""
        return next((state for state in cls if state.value == value), cls.UNKNOWN)


@dataclass(frozen=True, slots=True)
class JobStatus:
    """A job's state and instance counts, as DescribeJobStatus or DescribeJobHistory gave them."""

    job_id: str
    state: JobState
    raw_state: str | None
    """``State`` as the service sent it."""
    active: int
    """Instances running now."""
    succeeded: int
    failed: int
    created_at: datetime | None
    """When the job was created (``StartTime``, which SAE documents as the creation time; a job dated
    later was created before it runs)."""
    completed_at: datetime | None
    message: str | None
    """What went wrong during the run, when the service says."""
    request_id: str | None

    @property
    def done(self) -> bool:
        """Whether the job has ended: succeeded or failed."""
        return self.state in (JobState.SUCCEEDED, JobState.FAILED)

    def summary(self) -> str:
        """``running: 2 active, 1 succeeded, 0 failed``."""
        counts = f"{self.active} active, {self.succeeded} succeeded, {self.failed} failed"
        return f"{self.state.name.lower()}: {counts}"


class HistoryPage(NamedTuple):
    """One page of DescribeJobHistory: its jobs, and where it stands among all of them."""

    jobs: list[JobStatus]
    current_page: int
    page_size: int
    total_size: int


@dataclass(frozen=True, slots=True)
class JobTemplate:
    """A job template (an SAE application of workload ``job``) and its last job, as ListJobs gave them."""

    app_id: str
    """What ``exec_job``, ``describe_job`` and the rest take: ``ee1a7a07-…``."""
    name: str
    """Unique in its namespace, not across namespaces."""
    namespace_id: str | None
    """``cn-hangzhou`` (a region's default namespace has the region's ID) or ``cn-hangzhou:dev``."""
    region_id: str | None
    description: str | None
    suspended: bool
    """A suspended template starts no job (ExecJob answers ``JobSuspend``)."""
    last_job_state: JobState | None
    """The state of the template's last job; None when no job has run."""
    raw_last_job_state: str | None
    """``LastJobState`` as the service sent it."""
    last_start_time: datetime | None
    completion_time: datetime | None
    """When the last job ended; None while it runs, or when none has."""
    active: int
    """The last job's instances running now."""
    succeeded: int
    failed: int
    message: str | None
    """What went wrong in the last job, when the service says."""
    tags: dict[str, str] = field(default_factory=dict, hash=False)


class TemplatePage(NamedTuple):
    """One page of ListJobs: its templates, where it stands among all of them, and its request ID."""

    templates: list[JobTemplate]
    current_page: int
    page_size: int
    total_size: int
    request_id: str
