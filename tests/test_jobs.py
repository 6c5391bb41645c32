"""A job's life in the client: states, timestamps, and the wait loop's decisions, without I/O."""

from __future__ import annotations

import pickle
from collections.abc import Generator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from sae_job import JobFailedError, JobState, JobStatus, SaeError, ServerError, WaitPolicy, WaitTimeoutError
from sae_job.answers import job_status
from sae_job.errors import ApplicationNotFoundError, SaeJobError, ThrottlingError, TransportError
from sae_job.retries import Send, Sleep
from sae_job.waiting import wait_loop
from sae_job_api.models import JobStatus as JobStatusModel


def status(state: str, **fields: object) -> JobStatus:
    return job_status(SimpleNamespace(job_id="manual-1", state=state, **fields), "R")


@pytest.mark.parametrize(
    ("wire", "state", "done"),
    [
        ("0", JobState.PENDING, False),
        ("3", JobState.RUNNING, False),
        ("1", JobState.SUCCEEDED, True),
        ("2", JobState.FAILED, True),
        ("7", JobState.UNKNOWN, False),
        ("", JobState.UNKNOWN, False),
        (None, JobState.UNKNOWN, False),
        ("?", JobState.UNKNOWN, False),
    ],
)
def test_a_state_the_client_does_not_know_is_unknown_and_kept_raw(
    wire: str | None, state: JobState, done: bool
) -> None:
    found = status(wire)  # type: ignore[arg-type]
    assert (found.state, found.raw_state, found.done) == (state, wire, done)


def test_a_state_sent_as_a_number_is_kept_as_text_and_still_read() -> None:
    found = status(2)  # type: ignore[arg-type]
    assert (found.state, found.raw_state) == (JobState.FAILED, "2")


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (1657522800, datetime(2022, 7, 11, 7, 0, tzinfo=UTC)),  # the documented example: seconds
        (1657522800123, datetime(2022, 7, 11, 7, 0, 0, 123000, tzinfo=UTC)),  # milliseconds, by magnitude
        (9_999_999_999, datetime.fromtimestamp(9_999_999_999, UTC)),  # the last value read as seconds
        (10_000_000_000, datetime(1970, 4, 26, 17, 46, 40, tzinfo=UTC)),  # the first read as milliseconds
        (1, datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)),  # the first positive value is a time
        (0, None),
        (-5, None),
        ("1657522800", None),
        (True, None),
        (float("nan"), None),
        (10**30, None),
    ],
)
def test_timestamps_are_epoch_seconds_or_milliseconds_told_apart_by_magnitude(
    wire: object, expected: datetime | None
) -> None:
    found = status("1", start_time=wire, completion_time=wire)
    assert found.created_at == expected and found.completed_at == expected
    if expected is not None:
        assert found.created_at is not None and found.created_at.tzinfo is UTC


def test_counts_of_the_wrong_type_read_as_zero_never_crash() -> None:
    found = status("3", active="2", succeeded=-1, failed=True)
    assert (found.active, found.succeeded, found.failed) == (0, 0, 0)
    assert (
        status("3", active=2, succeeded=1, failed=0).summary() == "running: 2 active, 1 succeeded, 0 failed"
    )


def test_fields_the_answer_left_out_read_as_absent() -> None:
    # Rule: the generated model marks a missing field UNSET; the status reads it as None, 0 or the job ID
    # the caller asked about, never as the UNSET marker.
    found = job_status(JobStatusModel(), "R-1", "manual-asked")
    assert found == JobStatus(
        job_id="manual-asked",
        state=JobState.UNKNOWN,
        raw_state=None,
        active=0,
        succeeded=0,
        failed=0,
        created_at=None,
        completed_at=None,
        message=None,
        request_id="R-1",
    )
    assert job_status(JobStatusModel(), None).job_id == ""


def test_the_answer_s_job_id_and_message_win_and_empty_ones_do_not() -> None:
    model = JobStatusModel(job_id="manual-found", state="2", message="OOMKilled")
    assert (job_status(model, "R", "manual-asked").job_id, job_status(model, "R").message) == (
        "manual-found",
        "OOMKilled",
    )
    empty = JobStatusModel(job_id="", state="2", message="")
    assert (job_status(empty, "R", "manual-asked").job_id, job_status(empty, "R").message) == (
        "manual-asked",
        None,
    )
    assert job_status(SimpleNamespace(job_id=7, message=3), "R", "manual-asked").job_id == "manual-asked"
    assert job_status(SimpleNamespace(job_id=7, message=3), "R").message is None


class Clock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def drive(
    loop: Generator[Send | Sleep, JobStatus | SaeJobError | None, JobStatus],
    answers: list[JobStatus | SaeJobError],
    clock: Clock,
) -> tuple[JobStatus | BaseException, list[float], int]:
    """Run the wait loop on a fake clock; each look answers the next of ``answers`` (the last repeats)."""
    sleeps: list[float] = []
    looks = 0
    try:
        step = next(loop)
        while True:
            if isinstance(step, Sleep):
                sleeps.append(step.seconds)
                clock.now += step.seconds
                step = loop.send(None)
            else:
                looks += 1
                step = loop.send(answers[min(looks - 1, len(answers) - 1)])
    except StopIteration as done:
        return done.value, sleeps, looks
    except SaeJobError as error:
        return error, sleeps, looks


def test_the_wait_returns_the_final_status_when_the_job_succeeded() -> None:
    clock = Clock()
    result, sleeps, looks = drive(
        wait_loop(60, WaitPolicy(), clock), [status("0"), status("3"), status("1")], clock
    )
    assert isinstance(result, JobStatus) and result.state is JobState.SUCCEEDED
    assert looks == 3 and sleeps == [1.0, 1.0]


def test_the_wait_raises_as_soon_as_the_job_failed_with_the_status_and_message() -> None:
    clock = Clock()
    failed = status("2", failed=2, succeeded=1, message="OOMKilled")
    result, _, looks = drive(wait_loop(60, WaitPolicy(), clock), [status("3"), failed], clock)
    assert isinstance(result, JobFailedError) and isinstance(result, SaeError)
    assert result.status == failed and looks == 2
    # Rule: the message names the job, its counts and the service's reason; the request ID is the last look's.
    assert str(result) == "JobFailed: job manual-1 failed (2 failed, 1 succeeded): OOMKilled (request R)"
    assert result.request_id == "R"


def test_a_failed_job_with_no_message_says_no_reason() -> None:
    clock = Clock()
    result, _, _ = drive(wait_loop(60, WaitPolicy(), clock), [status("2", failed=1)], clock)
    assert isinstance(result, JobFailedError)
    assert result.message == "job manual-1 failed (1 failed, 0 succeeded)"


def test_the_wait_times_out_with_the_last_status_after_one_last_look_at_the_deadline() -> None:
    clock = Clock()
    result, sleeps, _ = drive(wait_loop(10, WaitPolicy(), clock), [status("3", active=1)], clock)
    assert isinstance(result, WaitTimeoutError) and result.code == "WaitTimeout"
    assert result.status is not None and result.status.state is JobState.RUNNING
    assert sum(sleeps) == pytest.approx(10) and clock.now == pytest.approx(10)
    # Rule: the message says which job, how long, what was last seen, and that the job still runs.
    assert str(result) == (
        "WaitTimeout: job manual-1 had not ended after 10s;"
        " last seen running: 1 active, 0 succeeded, 0 failed."
        " It was not cancelled: wait again to follow it (request R)"
    )


def test_a_wait_that_never_saw_the_job_times_out_saying_so() -> None:
    # Rule: with no status seen (every look failed transiently), the error has no status and no request ID.
    clock = Clock(1000.0)
    result, sleeps, looks = drive(
        wait_loop(5, WaitPolicy(), clock), [TransportError("connection reset")], clock
    )
    assert isinstance(result, WaitTimeoutError) and result.status is None and result.request_id is None
    assert result.message == "the job had not ended after 5s. It was not cancelled: wait again to follow it"
    assert sum(sleeps) == pytest.approx(5) and looks == 6


def test_a_status_with_no_job_id_times_out_as_the_job() -> None:
    clock = Clock()
    nameless = job_status(SimpleNamespace(state="3"), "R-9")
    result, _, _ = drive(wait_loop(1, WaitPolicy(), clock), [nameless], clock)
    assert isinstance(result, WaitTimeoutError) and result.request_id == "R-9"
    assert result.message.startswith("the job had not ended after 1s; last seen running:")


def test_looks_are_numbered_from_one_and_delays_count_from_the_start_of_the_wait() -> None:
    # Rule: Send carries the look's number; the time waited is measured from the wait's own start, not
    # from the clock's zero.
    clock = Clock(5000.0)
    loop = wait_loop(60, WaitPolicy(), clock)
    steps: list[Send | Sleep] = [next(loop)]
    answers = iter([status("3"), status("3"), status("3"), status("1")])
    try:
        while True:
            if isinstance(steps[-1], Sleep):
                clock.now += steps[-1].seconds
                steps.append(loop.send(None))
            else:
                steps.append(loop.send(next(answers)))
    except StopIteration:
        pass
    assert steps == [Send(1), Sleep(1.0), Send(2), Sleep(1.0), Send(3), Sleep(1.0), Send(4)]


def test_a_job_that_ends_at_the_deadline_is_not_reported_as_timed_out() -> None:
    clock = Clock()
    answers = [status("3")] * 6 + [status("1")]
    result, sleeps, looks = drive(wait_loop(5.5, WaitPolicy(), clock), answers, clock)
    assert isinstance(result, JobStatus) and result.done and looks == 7 and sum(sleeps) == pytest.approx(5.5)


def test_transient_errors_only_delay_the_next_look_honouring_retry_after() -> None:
    clock = Clock()
    throttled = ThrottlingError("Throttling.User", "slow down", retry_after=7.0)
    answers: list[JobStatus | SaeJobError] = [
        status("3"),
        throttled,
        ServerError("InternalError", "x"),
        status("1"),
    ]
    result, sleeps, _ = drive(wait_loop(60, WaitPolicy(), clock), answers, clock)
    assert isinstance(result, JobStatus) and result.done
    assert sleeps[1] == 7.0


def test_a_transient_error_without_retry_after_waits_only_the_policy_s_delay() -> None:
    # Rule: no retry_after (a 5xx, a lost connection) adds nothing to the policy's own delay.
    clock = Clock(300.0)
    policy = WaitPolicy(first_delay=0.1, fraction=0.5)
    answers: list[JobStatus | SaeJobError] = [
        ServerError("InternalError", "x"),
        TransportError("connection reset"),
        status("1"),
    ]
    result, sleeps, _ = drive(wait_loop(60, policy, clock), answers, clock)
    assert isinstance(result, JobStatus) and result.done
    assert sleeps == [pytest.approx(0.1), pytest.approx(0.1)]


def test_an_error_waiting_cannot_mend_ends_the_wait() -> None:
    clock = Clock()
    missing = ApplicationNotFoundError("InvalidApplication.NotFound", "no such app")
    result, _, looks = drive(wait_loop(60, WaitPolicy(), clock), [status("3"), missing], clock)
    assert result is missing and looks == 2


def test_every_status_looked_at_is_shown_to_on_status() -> None:
    clock = Clock()
    seen: list[JobStatus] = []
    answers = [status("0"), status("3"), status("1")]
    drive(wait_loop(60, WaitPolicy(), clock, seen.append), answers, clock)
    assert seen == answers


def test_the_delay_is_a_fifth_of_the_time_waited_between_one_second_and_the_cap() -> None:
    policy = WaitPolicy()
    assert [policy.delay(t) for t in (0, 4, 5, 50, 150, 10_000)] == [1.0, 1.0, 1.0, 10.0, 30.0, 30.0]


@pytest.mark.parametrize("run", [2, 10, 60, 600])
def test_a_job_is_noticed_within_a_fifth_of_its_run_and_a_minute_long_one_costs_few_looks(run: float) -> None:
    clock = Clock()
    ends = run

    def looks_at_time() -> JobStatus:
        return status("1") if clock.now >= ends else status("3")

    loop = wait_loop(3600, WaitPolicy(), clock)
    step, looks = next(loop), 0
    try:
        while True:
            if isinstance(step, Sleep):
                clock.now += step.seconds
                step = loop.send(None)
            else:
                looks += 1
                step = loop.send(looks_at_time())
    except StopIteration:
        pass
    lag = clock.now - ends
    assert lag <= max(1.0, 0.2 * run) + 1e-9 and lag <= 30
    if run == 60:
        assert looks <= 25


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), True, "1"])
def test_a_wait_policy_that_is_not_positive_and_finite_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="first_delay"):
        WaitPolicy(first_delay=bad)  # type: ignore[arg-type]


def test_wait_errors_pickle_with_their_status() -> None:
    clock = Clock()
    failed, _, _ = drive(wait_loop(60, WaitPolicy(), clock), [status("2", message="m")], clock)
    copy = pickle.loads(pickle.dumps(failed))
    assert isinstance(copy, JobFailedError) and copy.status == failed.status and str(copy) == str(failed)  # type: ignore[union-attr]


def test_after_a_failed_look_the_next_comes_sooner_doubling_up_to_the_usual_wait() -> None:
    clock = Clock()
    clock.now = 0.0
    failing = ServerError("ServiceUnavailable", "x")
    answers: list[JobStatus | SaeJobError] = [status("3")] * 12 + [failing] * 4 + [status("1")]
    result, sleeps, _ = drive(wait_loop(600, WaitPolicy(), clock), answers, clock)
    assert isinstance(result, JobStatus) and result.done
    assert sleeps[11] == pytest.approx(2.986, abs=1e-3)  # the usual wait: a fifth of the time waited
    # after each failed look: 1 s, doubling, up to the usual wait (a fifth of 24.9 s at the last)
    assert sleeps[12:16] == pytest.approx([1.0, 2.0, 4.0, 4.983], abs=1e-3)
