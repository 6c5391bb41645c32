"""The attempt loop, sans I/O (:func:`attempt_loop`): one place decides send, wait and retry, or stop;
:func:`run_sync` and :func:`run_async` do the I/O. A fan-out's calls share a :class:`Batch`."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar

import httpx

from sae_job import transport
from sae_job.arguments import check_number
from sae_job.errors import (
    AuthenticationError,
    SaeError,
    SaeJobError,
    ServerError,
    ThrottlingError,
    TransportError,
    UnexpectedResponseError,
)
from sae_job_api.types import Response

Answer: TypeAlias = Response[Any] | httpx.TransportError | UnexpectedResponseError
"""What one attempt got: the generated call's answer (``parsed`` None when the body is not the spec's),
the transport error that stood in for it, or an answer refused unread (too large, an unknown encoding)."""

__all__ = [
    "Answer",
    "Batch",
    "RetryPolicy",
    "Send",
    "Sleep",
    "attempt_loop",
    "batch_retry_budget",
    "call_async",
    "call_sync",
    "run_async",
    "run_sync",
]

logger = logging.getLogger("sae_job")

T = TypeVar("T")
A = TypeVar("A")

# Codes after which the same request, signed afresh, can succeed.
_RESIGN_CODES = ("SignatureNonceUsed", "InvalidTimeStamp.Expired")


def _full_jitter(cap: float) -> float:
    return random.uniform(0.0, cap)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before trying a failed call again.

    Retried: no answer (connection errors, timeouts), 5xx, throttling (waiting at least the
    ``x-acs-retry-after`` the server asked for), ``SignatureNonceUsed`` and ``InvalidTimeStamp.Expired``
    (signed afresh). Never another 4xx. Waits grow exponentially with full jitter:
    ``uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))``.
    """

    max_attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 10.0
    max_retry_after: float = 60.0
    """A throttling answer asking for a longer wait than this is raised, not waited out."""
    jitter: Callable[[float], float] = field(default=_full_jitter, repr=False)

    def __post_init__(self) -> None:
        check_number("max_attempts", self.max_attempts, minimum=1, integer=True)
        for name in ("base_delay", "max_delay", "max_retry_after"):
            check_number(name, getattr(self, name), unit="seconds")

    @staticmethod
    def is_retryable(error: SaeJobError) -> bool:
        """Whether trying the same call again (same EventId, new signature) can help."""
        if isinstance(error, TransportError | ServerError | ThrottlingError):
            return True
        return isinstance(error, AuthenticationError) and error.code in _RESIGN_CODES

    def delay_before(self, attempt: int, error: SaeJobError) -> float | None:
        """Seconds to wait before attempt ``attempt + 1`` after ``error``; None: give up and raise."""
        if attempt >= self.max_attempts or not self.is_retryable(error):
            return None
        wait = self.jitter(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            wait = max(wait, retry_after)
        return wait


def batch_retry_budget(concurrency: int, retry_budget: int | None, count: int) -> int:
    """The retry budget of a batch of ``count`` calls: ``retry_budget``, or a fifth of the calls and at
    least 10. ``ValueError`` for a ``concurrency`` or ``retry_budget`` that is not a whole number."""
    check_number("concurrency", concurrency, minimum=1, integer=True)
    if retry_budget is None:
        return max(10, count // 5)
    return int(check_number("retry_budget", retry_budget, integer=True))


class Batch:
    """What one fan-out's calls share (thread-safe): a retry budget, and a throttle gate that, once any
    call is throttled, holds every call for the longer of the retry wait and a pause doubling with each
    throttling answer since the last success."""

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

    def succeeded(self) -> None:
        with self._lock:
            self._throttled_in_a_row = 0

    def retry_delay(self, delay: float, error: SaeJobError, label: object) -> float | None:
        """The wait before retrying after ``error`` (which the policy would retry after ``delay``), or
        None when the budget is spent. A throttling error closes the gate for every call."""
        with self._lock:
            if isinstance(error, ThrottlingError):
                self._throttled_in_a_row += 1
                doubling = self._policy.base_delay * 2.0 ** (self._throttled_in_a_row - 1)
                pause = max(delay, min(self._policy.max_delay, doubling))
                self._open_at = max(self._open_at, self._clock() + pause)
                logger.info(
                    "%s throttled (%s): every call of the batch waits %.2fs", label, error.code, pause
                )
            if self._retries_left <= 0:
                logger.info("fan-out retry budget spent: %s not retried", label)
                return None
            self._retries_left -= 1
            return delay


@dataclass(frozen=True, slots=True)
class Send:
    """Send the request once, signed afresh; answer with the response or the transport error."""

    attempt: int


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait this many seconds, then go on."""

    seconds: float


Step = Send | Sleep


def attempt_loop(
    read: Callable[[Answer, int], T | SaeJobError],
    policy: RetryPolicy,
    *,
    label: object,
    batch: Batch | None = None,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Generator[Step, Answer | None, T | SaeJobError]:
    """One call's attempts: yields :class:`Send` and :class:`Sleep`; ``read(answer, attempt)`` says what an
    answer means. Retries what ``policy`` and ``batch`` allow, none past ``deadline``; returns the result
    or the last error. ``label`` names the call in log lines (as ``str`` gives it, only then)."""
    attempt, sent = 0, False  # sent: whether any attempt so far may have reached the server
    while True:
        if batch is not None and (closed := batch.closed_for()) > 0:
            yield Sleep(closed)
            continue
        attempt += 1
        answer = yield Send(attempt)
        assert answer is not None  # a driver always answers a Send
        outcome = read(answer, attempt)
        if not isinstance(outcome, SaeJobError):
            if batch is not None:
                batch.succeeded()
            return outcome
        if isinstance(outcome, TransportError):
            sent = outcome.sent = sent or outcome.sent
        else:
            sent = True
        delay = policy.delay_before(attempt, outcome)
        if delay is not None and batch is not None:
            delay = batch.retry_delay(delay, outcome, label)
        if delay is None or (deadline is not None and clock() + delay >= deadline):
            return outcome
        what = outcome.code if isinstance(outcome, SaeError) else type(outcome).__name__
        logger.info(
            "%s: attempt %d of %d failed (%s); retrying in %.2fs",
            label,
            attempt,
            policy.max_attempts,
            what,
            delay,
        )
        yield Sleep(delay)


def run_sync(
    loop: Generator[Step, A | None, T], send: Callable[[int], A], sleep: Callable[[float], None]
) -> T:
    """Drive ``loop`` with blocking I/O."""
    try:
        step = next(loop)
        while True:
            if isinstance(step, Sleep):
                sleep(step.seconds)
                step = loop.send(None)
            else:
                step = loop.send(send(step.attempt))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def run_async(
    loop: Generator[Step, A | None, T],
    send: Callable[[int], Awaitable[A]],
    sleep: Callable[[float], Awaitable[None]],
) -> T:
    """Drive ``loop`` with asyncio."""
    try:
        step = next(loop)
        while True:
            if isinstance(step, Sleep):
                await sleep(step.seconds)
                step = loop.send(None)
            else:
                step = loop.send(await send(step.attempt))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


# What the generated parser raises for a body that is not the spec's JSON (or too deep to read), or a
# status HTTPStatus does not know: the answer is then read from the transport's copy.
_UNPARSED = (ValueError, KeyError, TypeError, AttributeError, RecursionError)


def _failed(exc: Exception) -> Answer:
    """What an attempt that raised got: no answer, one refused unread, or one the parser could not read."""
    if isinstance(exc, httpx.TransportError | UnexpectedResponseError):
        return exc
    raw = transport.last_response() if isinstance(exc, _UNPARSED) else None
    if raw is None:  # not the parser's, or raised before any answer (by the signer, say): not the server's
        raise exc
    return Response(status_code=raw.status_code, content=raw.content, headers=raw.headers, parsed=None)  # type: ignore[arg-type]


def call_sync(call: Callable[[], Response[Any]], deadline: float) -> Answer:
    """One attempt: the generated ``sync_detailed`` call, its sockets bounded by ``deadline``."""
    token = transport.attempt(deadline)
    try:
        return call()
    except Exception as exc:
        return _failed(exc)
    finally:
        transport.attempted(token)


async def call_async(call: Callable[[], Awaitable[Response[Any]]], deadline: float) -> Answer:
    """One attempt: the generated ``asyncio_detailed`` call, under ``asyncio.timeout`` to ``deadline``."""
    token = transport.attempt(deadline)
    try:
        return await call()
    except Exception as exc:
        return _failed(exc)
    finally:
        transport.attempted(token)
