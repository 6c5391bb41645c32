"""Waiting for a job to end: :func:`wait_loop`, sans I/O, driven as
:func:`sae_job.retries.attempt_loop` is."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypedDict

from sae_job.arguments import check_number
from sae_job.errors import JobFailedError, SaeJobError, WaitTimeoutError
from sae_job.models import JobState, JobStatus
from sae_job.retries import RetryPolicy, Send, Sleep

__all__ = ["WaitArguments", "WaitPolicy", "wait_loop"]


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
            check_number(name, getattr(self, name), above=True)

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
