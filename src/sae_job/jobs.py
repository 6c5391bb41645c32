"""A job's life as the client sees it: its status, its history, and waiting for it to end.

:func:`job_status` reads DescribeJobStatus's (and DescribeJobHistory's) job fields into a
:class:`JobStatus`. :func:`wait_loop` decides, without I/O, when to look at a job again and when to
stop: the sync and async clients drive it as they drive :func:`sae_job.attempts.attempt_loop`.
"""

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


def _epoch(value: object) -> datetime | None:
    """An epoch timestamp as an aware UTC datetime: seconds, or milliseconds told apart by magnitude."""
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


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def epoch_time(value: object) -> datetime | None:
    """A wire timestamp (epoch seconds or milliseconds) as an aware UTC datetime; None when it is none."""
    return _epoch(value)


def instance_count(value: object) -> int:
    """A wire instance count; 0 when missing, negative or not an integer."""
    return _count(value)


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
    """A job's fields (the generated model of ``Data`` or of a ``Jobs`` entry) as a :class:`JobStatus`.
    Missing or mistyped counts read as 0, timestamps as None; ``State`` is kept raw beside its meaning."""

    def field(name: str) -> Any:
        value = getattr(data, name, None)
        return None if type(value).__name__ == "Unset" else value

    raw = field("state")
    raw_state = raw if isinstance(raw, str) else None if raw is None else str(raw)
    message = field("message")
    found = field("job_id")
    return JobStatus(
        job_id=found if isinstance(found, str) and found else job_id or "",
        state=JobState.from_wire(raw_state),
        raw_state=raw_state,
        active=_count(field("active")),
        succeeded=_count(field("succeeded")),
        failed=_count(field("failed")),
        started_at=_epoch(field("start_time")),
        completed_at=_epoch(field("completion_time")),
        message=message if isinstance(message, str) and message else None,
        request_id=request_id,
    )


@dataclass(frozen=True, slots=True)
class WaitPolicy:
    """How often to look at a job while waiting for it.

    The first look comes at once; then each wait is ``fraction`` of the time waited so far, at least
    ``first_delay`` and at most ``max_delay``: a job that ends is noticed within
    ``max(first_delay, fraction * time waited)``, and a long wait costs few calls. After a look that
    failed (throttled, 5xx, no answer), the next comes sooner: ``first_delay``, doubling with each
    failed look in a row, up to the usual wait (and never sooner than the server's retry-after).
    """

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
    """The looks at one job until it ends: yields :class:`Send` (describe the job; answer with its
    status or the error the describe call ended with) and :class:`Sleep`.

    Returns the final status when the job succeeded. Raises :class:`~sae_job.JobFailedError` when it
    failed, :class:`~sae_job.WaitTimeoutError` when ``timeout`` runs out first, and a describe call's
    error when it is not one that waiting out can mend (a transient one only delays the next look).
    """
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
