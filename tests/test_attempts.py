"""The attempt loop without I/O (``sae_job.retries``): the retry policy's checks and waits, the steps a
call takes, and what the calls of one fan-out share (a retry budget, a throttle gate)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator

import pytest

from sae_job.errors import AuthenticationError, SaeJobError, ServerError, ThrottlingError, TransportError
from sae_job.retries import (
    Batch,
    RetryPolicy,
    Send,
    Sleep,
    attempt_loop,
    batch_retry_budget,
    run_async,
    run_sync,
)

NO_JITTER = RetryPolicy(max_attempts=5, base_delay=0.2, max_delay=10.0, jitter=lambda cap: cap)
UNAVAILABLE = ServerError("ServiceUnavailable", "try later", status_code=503)


class Clock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def steps_of(
    loop: Generator[Send | Sleep, object, object], answers: list[object]
) -> tuple[list[Send | Sleep], object]:
    """Every step the loop takes, each Send answered with the next of ``answers``, and what it returned."""
    steps: list[Send | Sleep] = []
    replies = iter(answers)
    try:
        step = next(loop)
        while True:
            steps.append(step)
            step = loop.send(None if isinstance(step, Sleep) else next(replies))
    except StopIteration as done:
        return steps, done.value


def read(answer: object, attempt: int) -> object:
    """A ``read`` for the loop: errors stand for themselves, anything else is the result."""
    return answer


# --- RetryPolicy: what it accepts, how long it waits ---------------------------------------------------


@pytest.mark.parametrize("name", ["base_delay", "max_delay", "max_retry_after"])
@pytest.mark.parametrize("bad", [-1, -0.5, float("inf"), float("nan"), True, "1"])
def test_a_wait_that_is_not_a_finite_number_of_seconds_is_refused_by_name(name: str, bad: object) -> None:
    with pytest.raises(ValueError) as refused:
        RetryPolicy(**{name: bad})  # type: ignore[arg-type]
    assert str(refused.value) == f"{name} must be a finite number of seconds >= 0, got {bad!r}"
    assert isinstance(refused.value, TypeError) is isinstance(bad, bool | str)  # a wrong type is a TypeError


def test_waits_of_zero_and_a_single_attempt_are_allowed() -> None:
    policy = RetryPolicy(max_attempts=1, base_delay=0, max_delay=0.0, max_retry_after=0)
    assert policy.delay_before(1, UNAVAILABLE) is None  # one attempt: nothing is retried


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "3"])
def test_max_attempts_must_be_a_whole_number_from_one(bad: object) -> None:
    with pytest.raises(ValueError, match=f"max_attempts must be an int >= 1, got {bad!r}") as refused:
        RetryPolicy(max_attempts=bad)  # type: ignore[arg-type]
    assert isinstance(refused.value, TypeError) is (type(bad) is not int)


def test_full_jitter_waits_between_nothing_and_the_cap() -> None:
    # Rule: full jitter draws from [0, cap]; a cap of 0 means no wait at all.
    jitter = RetryPolicy().jitter
    assert jitter(0.0) == 0.0
    draws = [jitter(0.5) for _ in range(200)]
    assert all(0.0 <= draw <= 0.5 for draw in draws) and min(draws) < 0.25


@pytest.mark.parametrize(
    ("code", "retried"),
    [("SignatureNonceUsed", True), ("InvalidTimeStamp.Expired", True), ("SignatureDoesNotMatch", False),
     ("InvalidAccessKeyId.NotFound", False), ("Forbidden.RAM", False)],
)  # fmt: skip
def test_only_nonce_and_clock_refusals_are_retried_signed_afresh(code: str, retried: bool) -> None:
    # Rule: a reused nonce or an expired timestamp is mended by signing again; a wrong key is not.
    error = AuthenticationError(code, "refused", status_code=400)
    assert RetryPolicy.is_retryable(error) is retried
    assert (NO_JITTER.delay_before(1, error) is not None) is retried


def test_a_retry_after_equal_to_the_limit_is_waited_out() -> None:
    # Rule: only a retry_after beyond max_retry_after is raised; the limit itself is still waited.
    policy = RetryPolicy(max_retry_after=5.0, jitter=lambda cap: 0.0)
    throttled = ThrottlingError("Throttling.User", "slow down", retry_after=5.0)
    assert policy.delay_before(1, throttled) == 5.0
    beyond = ThrottlingError("Throttling.User", "slow down", retry_after=5.01)
    assert policy.delay_before(1, beyond) is None


# --- attempt_loop: the steps of one call -----------------------------------------------------------------


def test_attempts_are_numbered_from_one_and_a_failed_one_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sae_job")
    loop = attempt_loop(read, NO_JITTER, label="ExecJob for app a-1 (event e-1)")
    steps, result = steps_of(loop, [UNAVAILABLE, TransportError("reset"), "launched"])  # type: ignore[arg-type]
    assert steps == [Send(1), Sleep(0.2), Send(2), Sleep(0.4), Send(3)]
    assert result == "launched"
    # Rule: a retry is logged with the call, the attempt, the code (or the error's class) and the wait.
    assert [record.getMessage() for record in caplog.records] == [
        "ExecJob for app a-1 (event e-1): attempt 1 of 5 failed (ServiceUnavailable); retrying in 0.20s",
        "ExecJob for app a-1 (event e-1): attempt 2 of 5 failed (TransportError); retrying in 0.40s",
    ]


def test_each_answer_is_read_with_its_attempt_s_number() -> None:
    attempts: list[int] = []

    def numbered(answer: object, attempt: int) -> object:
        attempts.append(attempt)
        return answer

    steps_of(attempt_loop(numbered, NO_JITTER, label="x"), [UNAVAILABLE, UNAVAILABLE, "done"])  # type: ignore[arg-type]
    assert attempts == [1, 2, 3]


def answers_of(kinds: str) -> list[SaeJobError]:
    """Fresh errors (the loop marks the one it gives up on): R refused, T reset after sending, U a 503."""
    made = {"R": lambda: TransportError("refused", sent=False), "T": lambda: TransportError("reset")}
    return [made[kind]() if kind in made else UNAVAILABLE for kind in kinds]


@pytest.mark.parametrize(
    ("kinds", "sent"),
    [
        ("RRR", False),  # not one attempt connected
        ("TRR", True),  # the first may have arrived
        ("RTR", True),
        ("URR", True),  # answered: the request arrived
        ("RRT", True),
    ],
)
def test_a_call_given_up_says_whether_any_attempt_may_have_reached_the_server(kinds: str, sent: bool) -> None:
    policy = RetryPolicy(max_attempts=3, base_delay=0.0)
    _, result = steps_of(attempt_loop(read, policy, label="x"), answers_of(kinds))  # type: ignore[arg-type]
    assert isinstance(result, TransportError) and result.sent is sent


def test_a_call_that_ends_on_an_answer_after_connection_failures_is_that_answer() -> None:
    policy = RetryPolicy(max_attempts=2, base_delay=0.0)
    _, result = steps_of(attempt_loop(read, policy, label="x"), answers_of("RU"))  # type: ignore[arg-type]
    assert result is UNAVAILABLE


def test_the_drivers_send_each_attempt_s_number_and_sleep_each_wait() -> None:
    sent: list[int] = []
    slept: list[float] = []
    answers = iter([UNAVAILABLE, "done"])

    def send(attempt: int) -> object:
        sent.append(attempt)
        return next(answers)

    result = run_sync(attempt_loop(read, NO_JITTER, label="x"), send, slept.append)  # type: ignore[arg-type]
    assert (result, sent, slept) == ("done", [1, 2], [0.2])

    answers = iter([UNAVAILABLE, "done"])

    async def send_async(attempt: int) -> object:
        return send(attempt)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    result = asyncio.run(run_async(attempt_loop(read, NO_JITTER, label="x"), send_async, sleep))  # type: ignore[arg-type]
    assert (result, sent, slept) == ("done", [1, 2, 1, 2], [0.2, 0.2])


# --- a batch: one retry budget, one throttle gate ------------------------------------------------------


def test_a_closed_gate_is_waited_out_before_the_first_attempt() -> None:
    clock = Clock(100.0)
    batch = Batch(10, NO_JITTER, clock)
    assert batch.closed_for() == 0.0  # a new batch's gate is open
    batch.retry_delay(0.5, ThrottlingError("Throttling.User", "slow down"), "other call")
    assert batch.closed_for() == pytest.approx(0.5)
    loop = attempt_loop(read, NO_JITTER, label="x", batch=batch)
    assert next(loop) == Sleep(pytest.approx(0.5))  # type: ignore[comparison-overlap]
    clock.now += 0.5
    assert loop.send(None) == Send(1)


def test_an_open_gate_sends_at_once() -> None:
    loop = attempt_loop(read, NO_JITTER, label="x", batch=Batch(10, NO_JITTER, Clock()))
    assert next(loop) == Send(1)


def test_retries_of_a_batch_spend_its_one_budget(caplog: pytest.LogCaptureFixture) -> None:
    # Rule: every retry of every call of the batch takes one from the budget; when it is spent, the error
    # is returned though the policy would retry it.
    caplog.set_level(logging.INFO, logger="sae_job")
    batch = Batch(1, NO_JITTER, Clock())
    first, result = steps_of(attempt_loop(read, NO_JITTER, label="call 1", batch=batch), [UNAVAILABLE, "ok"])
    assert (first, result) == ([Send(1), Sleep(0.2), Send(2)], "ok")
    second, result = steps_of(attempt_loop(read, NO_JITTER, label="call 2", batch=batch), [UNAVAILABLE])
    assert (second, result) == ([Send(1)], UNAVAILABLE)
    assert caplog.records[-1].getMessage() == "fan-out retry budget spent: call 2 not retried"


def test_an_error_the_policy_gives_up_on_takes_nothing_from_the_budget() -> None:
    batch = Batch(1, NO_JITTER, Clock())
    refused = SaeJobError("not retryable")
    assert steps_of(attempt_loop(read, NO_JITTER, label="x", batch=batch), [refused]) == ([Send(1)], refused)
    assert batch.retry_delay(0.3, UNAVAILABLE, "y") == 0.3  # the one retry is still there


@pytest.mark.parametrize(("budget", "granted"), [(0, 0), (1, 1), (3, 3)])
def test_a_budget_grants_exactly_that_many_retries(budget: int, granted: int) -> None:
    batch = Batch(budget, NO_JITTER, Clock())
    delays = [batch.retry_delay(0.3, UNAVAILABLE, "x") for _ in range(budget + 2)]
    assert delays == [0.3] * granted + [None] * (budget + 2 - granted)
    assert batch.closed_for() == 0.0  # a 5xx does not close the gate


def test_throttling_closes_the_gate_for_a_pause_that_doubles_until_a_success(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Rule: each throttling answer since the last success doubles the pause (from base_delay, at most
    # max_delay), and the batch waits at least the delay the call itself would have waited.
    caplog.set_level(logging.INFO, logger="sae_job")
    clock = Clock(1000.0)
    batch = Batch(100, NO_JITTER, clock)
    throttled = ThrottlingError("Throttling.User", "slow down")
    pauses = []
    for _ in range(8):
        assert batch.retry_delay(0.0, throttled, "call 7") == 0.0
        pauses.append(round(batch.closed_for(), 6))
        clock.now += 100
    assert pauses == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10.0, 10.0]
    assert caplog.records[0].getMessage() == (
        "call 7 throttled (Throttling.User): every call of the batch waits 0.20s"
    )
    batch.succeeded()
    batch.retry_delay(0.0, throttled, "call 8")
    assert batch.closed_for() == pytest.approx(0.2)  # the doubling starts again
    clock.now += 100
    batch.retry_delay(7.5, throttled, "call 9")
    assert batch.closed_for() == pytest.approx(7.5)  # the call's own longer wait


def test_a_shorter_pause_never_reopens_a_gate_closed_for_longer() -> None:
    clock = Clock(50.0)
    batch = Batch(100, NO_JITTER, clock)
    batch.retry_delay(9.0, ThrottlingError("Throttling.User", "slow down"), "a")
    batch.succeeded()
    batch.retry_delay(0.0, ThrottlingError("Throttling.User", "slow down"), "b")
    assert batch.closed_for() == pytest.approx(9.0)


def test_a_throttled_call_in_a_batch_closes_the_gate_for_every_call() -> None:
    clock = Clock()
    batch = Batch(10, NO_JITTER, clock)
    throttled = ThrottlingError("Throttling.User", "slow down", retry_after=2.0)
    loop = attempt_loop(read, NO_JITTER, label="x", batch=batch)
    assert next(loop) == Send(1)
    assert loop.send(throttled) == Sleep(2.0)
    assert batch.closed_for() == 2.0
    other = attempt_loop(read, NO_JITTER, label="y", batch=batch)
    assert next(other) == Sleep(2.0)


@pytest.mark.parametrize(
    ("count", "budget"), [(0, 10), (49, 10), (54, 10), (55, 11), (57, 11), (60, 12), (1000, 200)]
)
def test_a_batch_s_default_budget_is_a_fifth_of_its_calls_and_at_least_ten(count: int, budget: int) -> None:
    assert batch_retry_budget(1, None, count) == budget


def test_a_batch_s_budget_when_given_is_taken_as_it_is() -> None:
    assert [batch_retry_budget(1, given, 1000) for given in (0, 1, 7)] == [0, 1, 7]


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "4"])
def test_concurrency_must_be_a_whole_number_from_one(bad: object) -> None:
    with pytest.raises(ValueError) as refused:
        batch_retry_budget(bad, None, 10)  # type: ignore[arg-type]
    assert str(refused.value) == f"concurrency must be an int >= 1, got {bad!r}"
    assert isinstance(refused.value, TypeError) is (type(bad) is not int)


@pytest.mark.parametrize("bad", [-1, True, 1.5, "4"])
def test_a_retry_budget_must_be_a_whole_number_from_zero(bad: object) -> None:
    with pytest.raises(ValueError) as refused:
        batch_retry_budget(4, bad, 10)  # type: ignore[arg-type]
    assert str(refused.value) == f"retry_budget must be an int >= 0, got {bad!r}"
