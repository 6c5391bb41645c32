"""A job as the client sees it: its status (:func:`job_status`), and waiting for it to end
(:func:`wait_loop`, sans I/O, driven as :func:`sae_job.attempts.attempt_loop` is)."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict

from sae_job.attempts import RetryPolicy, Send, Sleep
from sae_job.errors import JobFailedError, SaeJobError, WaitTimeoutError

__all__ = [
    "HistoryPage",
    "JobState",
    "JobStatus",
    "WaitArguments",
    "WaitPolicy",
    "epoch_time",
    "instance_count",
    "job_status",
    "wait_loop",
    "wire_value",
]

# Epoch values at or above this are milliseconds (it is 2286 in seconds, 1970-04-26 in milliseconds).
_MILLISECONDS_FROM = 10_000_000_000


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
        for state in cls:
            if state.value == value and state is not cls.UNKNOWN:
                return state
        return cls.UNKNOWN


def epoch_time(value: object) -> datetime | None:
    """A wire timestamp (epoch seconds, or milliseconds told apart by magnitude) in UTC; None if none."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        return None
    seconds = value / 1000 if value >= _MILLISECONDS_FROM else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def instance_count(value: object) -> int:
    """A wire instance count; 0 when missing, negative or not an integer."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def wire_value(model: object, name: str) -> Any:
    """A generated model's field; None when it is absent (``Unset``)."""
    value = getattr(model, name, None)
    return None if type(value).__name__ == "Unset" else value  # the name: sae_job_api loads later


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
    started_at: datetime | None
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


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of DescribeJobHistory: its jobs, and where it stands among all of them."""

    jobs: list[JobStatus]
    current_page: int
    page_size: int
    total_size: int


def job_status(data: Any, request_id: str | None, job_id: str | None = None) -> JobStatus:
    """A job's fields (the model of ``Data`` or of a ``Jobs`` entry); bad counts read as 0, times as None."""
    raw = wire_value(data, "state")
    raw_state = raw if isinstance(raw, str) else None if raw is None else str(raw)
    message = wire_value(data, "message")
    found = wire_value(data, "job_id")
    return JobStatus(
        job_id=found if isinstance(found, str) and found else job_id or "",
        state=JobState.from_wire(raw_state),
        raw_state=raw_state,
        active=instance_count(wire_value(data, "active")),
        succeeded=instance_count(wire_value(data, "succeeded")),
        failed=instance_count(wire_value(data, "failed")),
        started_at=epoch_time(wire_value(data, "start_time")),
        completed_at=epoch_time(wire_value(data, "completion_time")),
        message=message if isinstance(message, str) and message else None,
        request_id=request_id,
    )


@dataclass(frozen=True, slots=True)
class WaitPolicy:
    """How often to look at a job while waiting: at once, then after ``fraction`` of the time waited so
    far, within ``first_delay`` and ``max_delay``. After a failed look (throttled, 5xx, no answer), sooner:
    ``first_delay``, doubling with each failure in a row, never before the server's retry-after."""

    first_delay: float = 1.0
    fraction: float = 0.2
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        for name in ("first_delay", "fraction", "max_delay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
                raise ValueError(f"{name} must be a positive, finite number, got {value!r}")

    def delay(self, waited: float) -> float:
        """Seconds until the next look, ``waited`` seconds into the wait."""
        return min(self.max_delay, max(self.first_delay, self.fraction * waited))


class WaitArguments(TypedDict, total=False):
    """How ``wait_for_job`` waits: at most ``timeout`` seconds (3600), looking as ``poll`` says (a
    :class:`WaitPolicy`), calling ``on_status`` with every status looked at."""

    timeout: float
    poll: WaitPolicy | None
    on_status: Callable[[JobStatus], None] | None


def wait_loop(
    timeout: float,
    policy: WaitPolicy,
    clock: Callable[[], float],
    on_status: Callable[[JobStatus], None] | None = None,
) -> Generator[Send | Sleep, JobStatus | SaeJobError | None, JobStatus]:
    """The looks at one job: yields :class:`Send` (answer with its status or the describe call's error)
    and :class:`Sleep`. Returns the status once the job succeeded; raises :class:`~sae_job.JobFailedError`,
    :class:`~sae_job.WaitTimeoutError`, or a describe error that waiting cannot mend."""
    started = clock()
    last: JobStatus | None = None
    look = failed_in_a_row = 0
    while True:
        look += 1
        outcome = yield Send(look)
        assert outcome is not None  # a driver always answers a Send
        if isinstance(outcome, JobStatus):
            failed_in_a_row = 0
            last = outcome
            if on_status is not None:
                on_status(outcome)
            if outcome.state is JobState.SUCCEEDED:
                return outcome
            if outcome.state is JobState.FAILED:
                raise _job_failed(outcome)
            wait = policy.delay(clock() - started)
        elif RetryPolicy.is_retryable(outcome):
            # the job may have ended meanwhile: look again soon rather than a whole wait later
            failed_in_a_row += 1
            soon = min(policy.delay(clock() - started), policy.first_delay * 2.0 ** (failed_in_a_row - 1))
            wait = max(soon, getattr(outcome, "retry_after", None) or 0.0)
        else:
            raise outcome
        left = timeout - (clock() - started)
        if left <= 0:
            raise _wait_timed_out(last, timeout)
        yield Sleep(min(wait, left))  # at the deadline, one last look before giving up


def _job_failed(status: JobStatus) -> JobFailedError:
    counts = f"{status.failed} failed, {status.succeeded} succeeded"
    reason = f": {status.message}" if status.message else ""
    error = JobFailedError(
        "JobFailed", f"job {status.job_id} failed ({counts}){reason}", request_id=status.request_id
    )
    error.status = status
    return error


def _wait_timed_out(status: JobStatus | None, timeout: float) -> WaitTimeoutError:
    job = f"job {status.job_id}" if status is not None and status.job_id else "the job"
    seen = f"; last seen {status.summary()}" if status is not None else ""
    error = WaitTimeoutError(
        "WaitTimeout",
        f"{job} had not ended after {timeout:g}s{seen}. It was not cancelled: wait again to follow it",
        request_id=status.request_id if status is not None else None,
    )
    error.status = status
    return error
