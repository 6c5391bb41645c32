"""wait_for_job against a running emulator, end to end: prompt, frugal, failing loudly, and deaf to
transient faults. (bench/wait.py measures the same over longer jobs; these keep to a few seconds.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sae_job import JobFailedError, JobState
from sae_job.emulator import Faults, RunningEmulator

APP_ID = "wait-template"


def _ended_at(sae_emulator: RunningEmulator, job_id: str, run_seconds: float) -> datetime:
    """When the emulator ends the job: it starts at once (no Time sent) and runs ``run_seconds``."""
    [job] = [job for job in sae_emulator.emulator.jobs() if job.job_id == job_id]
    return job.created_at + timedelta(seconds=run_seconds)


@pytest.mark.sae_emulator(templates=[{"app_id": APP_ID, "run_seconds": 2}])
def test_a_wait_returns_within_a_second_of_the_end_after_a_few_looks(sae_emulator: RunningEmulator) -> None:
    launch = sae_emulator.client.exec_job(APP_ID, command=["sleep", "2"])
    before = sae_emulator.emulator.stats()["requests"]

    status = sae_emulator.client.wait_for_job(launch, timeout=30)

    lag = (datetime.now(UTC) - _ended_at(sae_emulator, launch.job_id, 2)).total_seconds()
    looks = sae_emulator.emulator.stats()["requests"] - before
    assert status.state is JobState.SUCCEEDED and status.job_id == launch.job_id
    # The default policy looks every second at first: max(1 s, 20% of 2 s), plus slack for a busy machine.
    assert 0 <= lag <= 1.0 + 0.5
    assert looks <= 5  # at 0, 1, 2 (and 3) seconds


@pytest.mark.sae_emulator(templates=[{"app_id": APP_ID, "run_seconds": 1, "outcome": "failed"}])
def test_a_failed_job_ends_the_wait_with_job_failed_carrying_its_status(
    sae_emulator: RunningEmulator,
) -> None:
    launch = sae_emulator.client.exec_job(APP_ID, command=["false"], replicas=2)

    with pytest.raises(JobFailedError) as raised:
        sae_emulator.client.wait_for_job(launch, timeout=30)

    lag = (datetime.now(UTC) - _ended_at(sae_emulator, launch.job_id, 1)).total_seconds()
    status = raised.value.status
    assert status is not None
    assert (status.job_id, status.state, status.failed, status.succeeded) == (
        launch.job_id,
        JobState.FAILED,
        2,
        0,
    )
    assert status.completed_at is not None
    assert lag <= 1.0 + 0.5  # as soon as it failed, not at the deadline


@pytest.mark.sae_emulator(templates=[{"app_id": APP_ID, "run_seconds": 2}])
def test_a_wait_looks_past_dropped_answers_and_503s(sae_emulator: RunningEmulator) -> None:
    launch = sae_emulator.client.exec_job(APP_ID, command=["sleep", "2"])
    # Seed 995's draws: 503, drop, none (the first look, retried twice); 503, drop, 503 (the second look
    # fails whole: the wait must look again later, not give up); none.
    sae_emulator.emulator.set_faults(Faults(drop_after_commit=0.25, error_503=0.25, seed=995))
    seen: list[JobState] = []

    status = sae_emulator.client.wait_for_job(launch, timeout=30, on_status=lambda s: seen.append(s.state))

    assert status.state is JobState.SUCCEEDED and status.job_id == launch.job_id
    assert seen == [JobState.RUNNING, JobState.SUCCEEDED]
    assert sae_emulator.emulator.stats()["faults"] == {"error_503": 3, "drop_after_commit": 2}
