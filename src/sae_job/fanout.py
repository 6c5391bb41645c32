"""Fan-out: start many jobs at once, a bounded number in flight, one retry budget, one throttle gate.

``AsyncSaeJobClient.exec_jobs`` and ``SaeJobClient.exec_jobs`` (on a thread pool) take a list of
:class:`JobRequest` and give back, in the same order, one :class:`~sae_job.Launch` or one
:class:`~sae_job.SaeJobError` per request: one failure never raises, nor stops the others.

Every call keeps its own EventId across its attempts, as ``exec_job`` does, so a retry never starts a
second job. What the calls share:

- **a retry budget**: at most ``retry_budget`` retries across the whole batch (by default a fifth of
  the requests, at least 10); once spent, a failed attempt's error is the result. A service that fails
  everything gets ``len(requests) + retry_budget`` requests, not ``max_attempts`` times as many;
- **a throttle gate**: when any call is throttled, no call sends anything until the wait is over: the
  longer of what the retry policy (and the server's ``x-acs-retry-after``) asks and a pause that doubles
  with each throttling answer since the last success.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sae_job.arguments import EnvsArg
from sae_job.client import Launch, RetryPolicy, _Call, _log_retry, _prepare
from sae_job.errors import SaeJobError, ThrottlingError

if TYPE_CHECKING:
    from sae_job.client import AsyncSaeJobClient, SaeJobClient

__all__ = ["JobOutcome", "JobRequest", "exec_jobs", "exec_jobs_async"]

logger = logging.getLogger("sae_job")

JobOutcome = Launch | SaeJobError
"""What ``exec_jobs`` gives for one request: the job it started, or why it did not."""

DEFAULT_CONCURRENCY = 10


@dataclass(frozen=True, slots=True)
class JobRequest:
    """One job to start: the arguments of ``exec_job``, held for ``exec_jobs``.

    ``JobRequest(app_id, command=["echo", "abc"], envs={"STAGE": "prod"}, event_id="nightly-42")``.
    """

    app_id: str
    command: str | Sequence[str] | None = None
    args: Sequence[str] | None = None
    envs: EnvsArg | None = None
    event_id: str | None = None
    replicas: int | None = None
    time: datetime | None = None
    jar_start_options: str | None = None
    jar_start_args: str | None = None
    war_start_options: str | None = None


def _prepare_all(requests: Iterable[JobRequest]) -> list[_Call]:
    """Every request in wire form, or the first bad one's error, naming its index: nothing sent yet."""
    calls = []
    for index, request in enumerate(requests):
        if not isinstance(request, JobRequest):
            raise TypeError(f"requests[{index}] must be a JobRequest, not {type(request).__name__}")
        try:
            calls.append(
                _prepare(
                    request.app_id,
                    command=request.command,
                    args=request.args,
                    envs=request.envs,
                    event_id=request.event_id,
                    replicas=request.replicas,
                    time=request.time,
                    jar_start_options=request.jar_start_options,
                    jar_start_args=request.jar_start_args,
                    war_start_options=request.war_start_options,
                )
            )
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"requests[{index}]: {exc}") from exc
    return calls


def _check(concurrency: int, retry_budget: int | None, count: int) -> int:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
    if retry_budget is None:
        return max(10, count // 5)
    if isinstance(retry_budget, bool) or not isinstance(retry_budget, int) or retry_budget < 0:
        raise ValueError(f"retry_budget must be an int >= 0, got {retry_budget!r}")
    return retry_budget


class _Shared:
    """The retry budget and the throttle gate of one batch. Thread-safe: the sync fan-out's workers are
    threads; the async one's are tasks on one loop, for which the lock is never contended."""

    def __init__(self, retry_budget: int, policy: RetryPolicy, clock: Callable[[], float] = time.monotonic):
        self._retries_left = retry_budget
        self._policy = policy
        self._clock = clock
        self._open_at = 0.0
        self._throttled_in_a_row = 0
        self._lock = threading.Lock()

    def closed_for(self) -> float:
        """Seconds until the gate opens; 0 when it is open."""
        with self._lock:
            return max(0.0, self._open_at - self._clock())

    def take_retry(self) -> bool:
        with self._lock:
            if self._retries_left <= 0:
                return False
            self._retries_left -= 1
            return True

    def succeeded(self) -> None:
        with self._lock:
            self._throttled_in_a_row = 0

    def throttled(self, delay: float) -> float:
        """Close the gate for every call; returns the pause."""
        with self._lock:
            self._throttled_in_a_row += 1
            doubling = self._policy.base_delay * 2.0 ** (self._throttled_in_a_row - 1)
            pause = max(delay, min(self._policy.max_delay, doubling))
            self._open_at = max(self._open_at, self._clock() + pause)
            return pause


def _after_failure(
    shared: _Shared, policy: RetryPolicy, call: _Call, attempt: int, error: SaeJobError
) -> float | None:
    """Seconds to wait before retrying ``call``, or None: ``error`` is its result."""
    delay = policy.delay_before(attempt, error)
    if delay is None:
        return None
    if isinstance(error, ThrottlingError):
        pause = shared.throttled(delay)
        logger.info("ExecJob throttled (%s): every call of the batch waits %.2fs", error.code, pause)
    if not shared.take_retry():
        logger.info("ExecJob fan-out retry budget spent: event %s not retried", call.event_id)
        return None
    _log_retry(call, attempt, policy.max_attempts, error, delay)
    return delay


async def exec_jobs_async(
    client: AsyncSaeJobClient,
    requests: Iterable[JobRequest],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    retry_budget: int | None = None,
) -> list[JobOutcome]:
    """``AsyncSaeJobClient.exec_jobs``: see there."""
    calls = _prepare_all(requests)
    shared = _Shared(_check(concurrency, retry_budget, len(calls)), client.retry)
    results: list[JobOutcome | None] = [None] * len(calls)
    indexes = iter(range(len(calls)))  # shared by the workers: each index is taken once

    async def run(call: _Call) -> JobOutcome:
        url = client._url(call)
        attempt = 0
        while True:
            while (wait := shared.closed_for()) > 0:
                await asyncio.sleep(wait)
            attempt += 1
            outcome = await client._attempt(call, url, attempt)
            if isinstance(outcome, Launch):
                shared.succeeded()
                return outcome
            delay = _after_failure(shared, client.retry, call, attempt, outcome)
            if delay is None:
                return outcome
            await asyncio.sleep(delay)

    async def worker() -> None:
        for index in indexes:
            results[index] = await run(calls[index])

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, len(calls))):
                group.create_task(worker())
    except BaseExceptionGroup as failed:  # a bug, not an answer: raise it as exec_job would
        raise failed.exceptions[0] from None
    return [result for result in results if result is not None]


def exec_jobs(
    client: SaeJobClient,
    requests: Iterable[JobRequest],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    retry_budget: int | None = None,
) -> list[JobOutcome]:
    """``SaeJobClient.exec_jobs``: see there."""
    calls = _prepare_all(requests)
    shared = _Shared(_check(concurrency, retry_budget, len(calls)), client.retry)

    def run(call: _Call) -> JobOutcome:
        url = client._url(call)
        attempt = 0
        while True:
            while (wait := shared.closed_for()) > 0:
                client._sleep(wait)
            attempt += 1
            outcome = client._attempt(call, url, attempt)
            if isinstance(outcome, Launch):
                shared.succeeded()
                return outcome
            delay = _after_failure(shared, client.retry, call, attempt, outcome)
            if delay is None:
                return outcome
            client._sleep(delay)

    if not calls:
        return []
    with ThreadPoolExecutor(max_workers=min(concurrency, len(calls)), thread_name_prefix="sae-job") as pool:
        return list(pool.map(run, calls))
