"""Faults injected by the emulator, and the client surviving them: nothing started twice, nothing lost.

The emulator drops answers after recording the job, fails with 503 before acting, throttles with
``x-acs-retry-after``, stalls past the client's read timeout and adds latency, from a seeded draw
(``sae_job.emulator.faults``). Under 30% dropped answers, 10% 503s and 10% throttling, 300 calls (sync and
async; 100 in ``make test``, 300 under ``make soak``) each return a job or raise after ``max_attempts``;
the emulator holds exactly one job per returned ID and never two for one call; no nonce is reused; the
waits stay within the backoff policy's bounds.
"""

from __future__ import annotations

import asyncio
import re
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from sae_job import (
    AsyncSaeJobClient,
    Launch,
    RetryPolicy,
    SaeError,
    SaeJobClient,
    SaeJobError,
    ServerError,
    ThrottlingError,
    TransportError,
)
from sae_job.emulator import ConfigError, Emulator, Faults, RunningEmulator, serve
from sae_job.emulator.config import parse_config
from sae_job.emulator.faults import FaultInjector
from sae_job.emulator.werkzeug_harness import install
from tests.conftest import APP, CONFIG, KEY, SECRET, StandaloneEmulator, size

# The mix: 30% of answers lost after the job is recorded, 10% 503 before acting, 10% throttled.
MIX = Faults(drop_after_commit=0.3, error_503=0.1, throttle=0.1, retry_after=0.005, seed=7)
CALLS = size(100, 300)  # calls under the mix, marked soak


@dataclass(frozen=True)
class RecordingPolicy(RetryPolicy):
    """A RetryPolicy that records each decision: (event ID, attempt, error, wait or None)."""

    decisions: list[tuple[str | None, int, SaeJobError, float | None]] = field(
        default_factory=list, compare=False, repr=False
    )

    def delay_before(self, attempt: int, error: SaeJobError) -> float | None:
        wait = RetryPolicy.delay_before(self, attempt, error)
        self.decisions.append((getattr(error, "event_id", None), attempt, error, wait))
        return wait

    def cap(self, attempt: int) -> float:
        """The longest wait the policy's arithmetic allows after ``attempt`` (before retry_after)."""
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1))


def fast_policy(max_attempts: int = 12) -> RecordingPolicy:
    # Each attempt has a 1 in 2 chance under MIX: 12 attempts leave about 1 call in 4,000 failing.
    return RecordingPolicy(max_attempts=max_attempts, base_delay=0.001, max_delay=0.004, max_retry_after=1.0)


# --- each fault alone ------------------------------------------------------------------------------


def test_faults_are_off_by_default() -> None:
    assert Faults().enabled is False
    assert CONFIG.faults == Faults()
    assert FaultInjector(Faults()).draw() is None


def test_the_banners_fault_line_names_each_fault_on_and_its_settings_with_their_units() -> None:
    assert Faults().describe() == "none"
    line = Faults(throttle=0.1, stall=0.2, latency_ms=5, seed=3).describe()
    assert line == "throttle=0.1, stall=0.2, retry_after=1s, stall_seconds=30, latency_ms=5 (seed 3)"


def test_draws_follow_the_probabilities_and_the_seed() -> None:
    first = FaultInjector(MIX)
    draws = [first.draw() for _ in range(4000)]
    again = FaultInjector(MIX)
    assert [again.draw() for _ in range(4000)] == draws  # the same seed, the same faults
    counts = Counter(draws)
    for kind, probability in [("drop_after_commit", 0.3), ("error_503", 0.1), ("throttle", 0.1)]:
        assert abs(counts[kind] / 4000 - probability) < 0.04, counts
    assert counts["stall"] == 0


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"error_503": 1.5}, "faults.error_503 must be at most 1"),
        ({"throttle": -0.1}, "faults.throttle must be at least 0"),
        ({"drop_after_commit": 0.6, "error_503": 0.6}, "add up to 1.2"),
        ({"latency_ms": -1}, "faults.latency_ms must be at least 0"),
        ({"latency_ms": 1e300}, "faults.latency_ms must be at most 86400000"),
        ({"stall": True}, "faults.stall must be of type number, not boolean"),
        ({"retry_after": float("nan")}, "faults.retry_after must be of type number, not nan"),
        ({"seed": 1.5}, "faults.seed must be of type integer, not number"),
        ({"seed": 1.0}, "faults.seed must be of type integer, not number"),
    ],
)
def test_bad_faults_are_refused(values: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Faults(**values)


def test_a_503_fails_before_acting(running: RunningEmulator) -> None:
    running.emulator.set_faults(Faults(error_503=1.0))
    with running.new_client(retry=fast_policy(3)) as client, pytest.raises(ServerError) as caught:
        client.exec_job(APP.app_id)
    assert (caught.value.code, caught.value.status_code) == ("ServiceUnavailable", 503)
    stats = running.emulator.stats()
    assert stats["jobs_started"] == 0 and stats["nonces_held"] == 0  # nothing done, no nonce used up
    assert stats["faults"] == {"error_503": 3} and stats["answers"] == {"ServiceUnavailable": 3}


def test_throttling_carries_retry_after_and_the_client_waits_it(running: RunningEmulator) -> None:
    running.emulator.set_faults(Faults(throttle=1.0, retry_after=0.02))
    policy = fast_policy(3)
    with running.new_client(retry=policy) as client, pytest.raises(ThrottlingError) as caught:
        client.exec_job(APP.app_id)
    assert (caught.value.code, caught.value.retry_after) == ("Throttling.User", 0.02)
    assert [wait for *_, wait in policy.decisions] == [0.02, 0.02, None]
    running.emulator.set_faults(Faults(throttle=1.0))  # the default, 1 s: whole milliseconds, as the gateway
    answer = httpx.get(running.url + "/pop/v1/sam/job/execJob")
    assert (answer.status_code, answer.headers["x-acs-retry-after"]) == (400, "1000")
    assert running.emulator.stats()["jobs_started"] == 0


def test_a_dropped_answer_left_the_job_recorded_and_a_retry_finds_it(running: RunningEmulator) -> None:
    running.emulator.set_faults(Faults(drop_after_commit=1.0))
    with running.new_client(retry=fast_policy(3)) as client, pytest.raises(TransportError) as caught:
        client.exec_job(APP.app_id, event_id="evt-dropped")
    assert caught.value.attempts == 3 and caught.value.event_id == "evt-dropped"
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)
    [job] = running.emulator.jobs()  # recorded by the first attempt, found by the next two
    assert job.event_id == "evt-dropped"
    running.emulator.set_faults(None)
    with running.new_client() as client:
        assert client.exec_job(APP.app_id, event_id="evt-dropped").job_id == job.job_id
    assert running.emulator.stats()["faults"] == {"drop_after_commit": 3}


def test_a_stalled_answer_times_out_and_the_retry_finds_the_job(running: RunningEmulator) -> None:
    running.emulator.set_faults(Faults(stall=0.5, stall_seconds=5, seed=3))
    policy = fast_policy(8)
    with running.new_client(retry=policy, timeout=0.3) as client:
        launches = [client.exec_job(APP.app_id, command=["echo", str(i)]) for i in range(6)]
    stalls = running.emulator.stats()["faults"]["stall"]
    assert stalls > 0
    # Each stalled answer (held 5 s) timed out; a slow machine may time out a few more.
    timeouts = [error for _, _, error, _ in policy.decisions if isinstance(error, TransportError)]
    assert len(timeouts) >= stalls and all(isinstance(e.__cause__, httpx.ReadTimeout) for e in timeouts)
    assert sum(launch.attempts for launch in launches) == 6 + len(policy.decisions)
    jobs = {job.job_id: job for job in running.emulator.jobs()}
    assert sorted(jobs) == sorted(launch.job_id for launch in launches)  # one job per call, none twice


@pytest.mark.real_clock_only(reason="the emulator's latency is a timed Event.wait: endless under libfaketime")
def test_latency_delays_every_answer(running: RunningEmulator) -> None:
    running.emulator.set_faults(Faults(latency_ms=30))
    with running.new_client() as client:
        client.exec_job(APP.app_id)  # the connection is made before the clock starts
        started = time.perf_counter()
        for _ in range(5):
            client.exec_job(APP.app_id)
        elapsed = time.perf_counter() - started
        httpx.get(running.url + "/_emulator/jobs")  # introspection is never delayed
    assert elapsed >= 5 * 0.030 * 0.9
    assert running.emulator.stats()["faults"] == {}


def test_closing_the_emulator_wakes_a_stalled_answer() -> None:
    running = serve(Emulator(CONFIG.with_faults(Faults(stall=1.0, stall_seconds=60))))
    failures: list[BaseException] = []

    def call() -> None:
        with running.new_client(max_attempts=1, timeout=30) as client:
            try:
                client.exec_job(APP.app_id)
            except BaseException as exc:
                failures.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 10
    while running.emulator.stats()["requests"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    running.close()
    caller.join(timeout=10)  # far less than the stall's 60 s or the client's 30 s
    assert not caller.is_alive()
    assert len(failures) == 1 and isinstance(failures[0], TransportError)


def test_the_werkzeug_harness_drops_answers_too(httpserver: Any) -> None:
    emulator = Emulator(CONFIG.with_faults(Faults(drop_after_commit=1.0)))
    install(httpserver, emulator)
    endpoint = httpserver.url_for("/").rstrip("/")
    with (
        SaeJobClient(endpoint=endpoint, credentials=KEY, retry=fast_policy(2)) as client,
        pytest.raises(TransportError),
    ):
        client.exec_job(APP.app_id)
    assert len(emulator.jobs()) == 1


# --- configuration: TOML, flags, the pytest marker ---------------------------------------------------


def test_the_faults_section_of_a_config_file() -> None:
    text = f"""
[[credentials]]
access_key_id = "{KEY.access_key_id}"
access_key_secret = "{SECRET}"

[faults]
drop_after_commit = 0.3
error_503 = 0.1
throttle = 0.1
retry_after = 2
latency_ms = 5
seed = 42
"""
    config = parse_config(text, source="emulator.toml")
    assert config.faults == Faults(0.3, 0.1, 0.1, latency_ms=5, retry_after=2, seed=42)
    assert "faults=" in repr(config) and SECRET not in repr(config)
    for bad, says in [
        ("[faults]\nerror_503 = 2\n", "emulator.toml: faults.error_503 must be at most 1"),
        ("[faults]\nexplode = 1\n", "emulator.toml: faults has the property 'explode', which is not allowed"),
        ("faults = 3\n", "emulator.toml: faults must be of type object, not integer"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(says)):
            parse_config(bad + text.split("[faults]")[0], source="emulator.toml")


@pytest.mark.sae_emulator(templates=[APP.app_id], faults={"error_503": 1.0})
def test_the_pytest_marker_sets_faults(sae_emulator: RunningEmulator) -> None:
    assert sae_emulator.emulator.faults == Faults(error_503=1.0)
    with sae_emulator.new_client(max_attempts=1) as client, pytest.raises(ServerError):
        client.exec_job(APP.app_id)
    sae_emulator.emulator.set_faults(None)
    assert sae_emulator.client.exec_job(APP.app_id).job_id.startswith("manual-")


def test_standalone_fault_flags_override_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text(
        f'[[credentials]]\naccess_key_id = "{KEY.access_key_id}"\naccess_key_secret = "{SECRET}"\n'
        f'[[templates]]\napp_id = "{APP.app_id}"\n[faults]\nthrottle = 1.0\nretry_after = 9\n',
        encoding="utf-8",
    )
    process = StandaloneEmulator(
        "--config", str(config), "--fault-throttle", "0", "--fault-error-503", "1", "--fault-seed", "5"
    )
    try:
        lines = process.read_lines(5)
        url = lines[0].removeprefix("SAE emulator listening on ").strip()
        assert lines[4].strip() == "faults injected: error_503=1 (seed 5)"
        with SaeJobClient(endpoint=url, credentials=KEY, max_attempts=1) as client:
            with pytest.raises(ServerError):
                client.exec_job(APP.app_id)
            stats = httpx.get(url + "/_emulator/stats").json()
        assert stats["faults"] == {"error_503": 1} and stats["jobs_started"] == 0
    finally:
        code, out, err = process.stop(signal.SIGTERM)
    assert code == 0, err
    assert SECRET not in out + err


def test_a_standalone_fault_flag_out_of_range_is_a_usage_error() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "sae_job.emulator", "--fault-error-503", "0.7", "--fault-throttle", "0.7"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 2
    assert "add up to 1.4" in done.stderr


# --- CALLS calls under the mix --------------------------------------------------------------------


@dataclass
class Outcome:
    launches: list[Launch]
    failures: list[SaeJobError]
    event_ids: list[str]
    seconds: float


def check(
    running: RunningEmulator, policy: RecordingPolicy, outcome: Outcome, calls: int, per_attempt: float
) -> None:
    """Every guarantee of the issue, for ``calls`` calls with command ``["echo", str(i)]``; ``per_attempt``
    is what one clean call costs (:func:`clean_call_seconds`)."""
    assert len(outcome.launches) + len(outcome.failures) == calls
    assert len(set(outcome.event_ids)) == calls  # one event ID per call, made by the client

    # Every call returned a job, or raised a retryable error after max_attempts.
    attempts: dict[str | None, int] = {}
    for event_id, attempt, _, _ in policy.decisions:
        attempts[event_id] = max(attempts.get(event_id, 0), attempt)
    for failure in outcome.failures:
        assert isinstance(failure, TransportError | ServerError | ThrottlingError), failure
        assert attempts[failure.event_id] == policy.max_attempts  # type: ignore[union-attr]
    assert all(1 <= launch.attempts <= policy.max_attempts for launch in outcome.launches)

    # The emulator holds exactly one job per returned ID, and never two jobs for one call.
    jobs = running.emulator.jobs()
    by_id = Counter(job.job_id for job in jobs)
    by_event = Counter(job.event_id for job in jobs)
    assert all(count == 1 for count in by_id.values())
    assert all(count == 1 for count in by_event.values()), [e for e, n in by_event.items() if n > 1]
    held = {job.job_id: job for job in jobs}
    for launch in outcome.launches:
        job = held[launch.job_id]
        assert job.event_id == launch.event_id
        assert job.command_args == [str(outcome.event_ids.index(launch.event_id))]
    assert set(by_event) <= set(outcome.event_ids)  # no job that no call asked for
    failed_events = {failure.event_id for failure in outcome.failures}  # type: ignore[attr-defined]
    assert len(jobs) - len(outcome.launches) == len(failed_events & set(by_event))

    # No nonce reused, no date refused: every attempt was signed afresh.
    stats = running.emulator.stats()
    assert "SignatureNonceUsed" not in stats["answers"] and "InvalidTimeStamp.Expired" not in stats["answers"]
    assert stats["jobs_started"] == len(jobs)
    assert all(stats["faults"].get(kind, 0) > 0 for kind in ("drop_after_commit", "error_503", "throttle"))

    # The waits stay within the policy's arithmetic; a throttled call waited at least retry_after.
    waits = [(attempt, error, wait) for _, attempt, error, wait in policy.decisions if wait is not None]
    for attempt, error, wait in waits:
        bound = max(policy.cap(attempt), error.retry_after or 0) if isinstance(error, SaeError) else None
        assert wait <= (bound if bound is not None else policy.cap(attempt))
        if isinstance(error, ThrottlingError):
            assert wait >= MIX.retry_after
    total_attempts = len(policy.decisions) + len(outcome.launches)  # a decision follows each failure
    assert total_attempts == sum(stats["answers"].values())  # every attempt reached the emulator
    # Total time: the waits the policy allows, plus each attempt's own cost (measured on the same
    # emulator with no faults) with a wide margin for reconnecting after a drop and for a noisy machine.
    waited = sum(max(policy.cap(attempt), MIX.retry_after) for attempt, _, _ in waits)
    allowed = waited + total_attempts * per_attempt * 25
    assert outcome.seconds <= allowed, (outcome.seconds, allowed)


def clean_call_seconds(running: RunningEmulator) -> float:
    """Seconds one call costs against this emulator with no faults; leaves no job and no count behind."""
    with running.new_client() as client:
        client.exec_job(APP.app_id)
        started = time.perf_counter()
        for _ in range(20):
            client.exec_job(APP.app_id)
        seconds = (time.perf_counter() - started) / 20
    running.emulator.reset()
    return seconds


def run_sync(running: RunningEmulator, policy: RecordingPolicy, calls: int) -> Outcome:
    outcome = Outcome([], [], [], 0.0)
    with running.new_client(retry=policy, timeout=5) as client:
        started = time.perf_counter()
        for i in range(calls):
            try:
                launch = client.exec_job(APP.app_id, command=["echo", str(i)])
            except SaeJobError as error:
                outcome.failures.append(error)
                outcome.event_ids.append(error.event_id)  # type: ignore[attr-defined]
            else:
                outcome.launches.append(launch)
                outcome.event_ids.append(launch.event_id)
        outcome.seconds = time.perf_counter() - started
    return outcome


async def run_async(
    running: RunningEmulator, policy: RecordingPolicy, calls: int, transport: httpx.AsyncBaseTransport | None
) -> Outcome:
    outcome = Outcome([], [], [""] * calls, 0.0)
    gate = asyncio.Semaphore(10)

    async def one(client: AsyncSaeJobClient, i: int) -> None:
        async with gate:
            try:
                launch = await client.exec_job(APP.app_id, command=["echo", str(i)])
            except SaeJobError as error:
                outcome.failures.append(error)
                outcome.event_ids[i] = error.event_id  # type: ignore[attr-defined]
            else:
                outcome.launches.append(launch)
                outcome.event_ids[i] = launch.event_id

    async with AsyncSaeJobClient(
        endpoint=running.url, credentials=KEY, retry=policy, timeout=5, transport=transport
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one(client, i) for i in range(calls)))
        outcome.seconds = time.perf_counter() - started
    return outcome


@pytest.mark.soak
def test_sync_calls_under_the_mix(running: RunningEmulator) -> None:
    per_attempt = clean_call_seconds(running)
    running.emulator.set_faults(MIX)
    policy = fast_policy()
    outcome = run_sync(running, policy, CALLS)
    check(running, policy, outcome, CALLS, per_attempt)


# The default transport is aiohttp's when sae-job[aiohttp] is installed; a plain install uses httpx's.
@pytest.mark.soak
@pytest.mark.parametrize("transport", [None, httpx.AsyncHTTPTransport], ids=["default", "httpx"])
def test_async_calls_under_the_mix(running: RunningEmulator, transport: Any) -> None:
    per_attempt = clean_call_seconds(running)
    running.emulator.set_faults(MIX)
    policy = fast_policy()
    outcome = asyncio.run(run_async(running, policy, CALLS, transport() if transport else None))
    check(running, policy, outcome, CALLS, per_attempt)


def test_calls_that_run_out_of_attempts_raise_and_start_at_most_one_job(running: RunningEmulator) -> None:
    # Two attempts under the mix: many calls fail, and a failed call may still have started its job.
    per_attempt = clean_call_seconds(running)
    running.emulator.set_faults(MIX)
    policy = fast_policy(2)
    outcome = run_sync(running, policy, 100)
    assert outcome.failures, "some calls should have run out of attempts"
    check(running, policy, outcome, 100, per_attempt)


# --- races -----------------------------------------------------------------------------------------

RACERS = 100


def race_sync(running: RunningEmulator, event_ids: list[str | None]) -> tuple[list[str], list[BaseException]]:
    barrier = threading.Barrier(len(event_ids))
    job_ids: list[str] = []
    failures: list[BaseException] = []
    with running.new_client(retry=fast_policy(20), timeout=10) as client:

        def race(event_id: str | None) -> None:
            barrier.wait(timeout=30)
            try:
                job_ids.append(client.exec_job(APP.app_id, event_id=event_id).job_id)
            except BaseException as exc:  # collected: an assertion in a thread would be lost
                failures.append(exc)

        threads = [threading.Thread(target=race, args=(event_id,)) for event_id in event_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return job_ids, failures


async def race_async(running: RunningEmulator, event_ids: list[str | None]) -> list[str]:
    async with AsyncSaeJobClient(
        endpoint=running.url, credentials=KEY, retry=fast_policy(20), timeout=10
    ) as client:
        launches = await asyncio.gather(*(client.exec_job(APP.app_id, event_id=e) for e in event_ids))
    return [launch.job_id for launch in launches]


@pytest.mark.parametrize("faults", [Faults(), MIX], ids=["clean", "mix"])
def test_100_racing_calls_with_one_event_id_give_one_job(running: RunningEmulator, faults: Faults) -> None:
    running.emulator.set_faults(faults)
    job_ids, failures = race_sync(running, ["the-event"] * RACERS)
    assert failures == [] and len(job_ids) == RACERS
    assert len(set(job_ids)) == 1
    assert [job.job_id for job in running.emulator.jobs()] == job_ids[:1]


@pytest.mark.parametrize("faults", [Faults(), MIX], ids=["clean", "mix"])
def test_100_racing_calls_with_distinct_event_ids_give_100_jobs(
    running: RunningEmulator, faults: Faults
) -> None:
    running.emulator.set_faults(faults)
    job_ids, failures = race_sync(running, [f"event-{i}" for i in range(RACERS)])
    assert failures == [] and len(set(job_ids)) == RACERS
    assert sorted(job.job_id for job in running.emulator.jobs()) == sorted(job_ids)


@pytest.mark.parametrize("faults", [Faults(), MIX], ids=["clean", "mix"])
def test_100_racing_async_calls(running: RunningEmulator, faults: Faults) -> None:
    running.emulator.set_faults(faults)
    one = asyncio.run(race_async(running, ["the-async-event"] * RACERS))
    assert len(one) == RACERS and len(set(one)) == 1
    assert [job.job_id for job in running.emulator.jobs()] == one[:1]
    running.emulator.reset()
    distinct = asyncio.run(race_async(running, [f"async-{i}" for i in range(RACERS)]))
    assert len(set(distinct)) == RACERS
    assert sorted(job.job_id for job in running.emulator.jobs()) == sorted(distinct)
