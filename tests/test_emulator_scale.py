"""The emulator's cost does not grow with the jobs it holds: ExecJob, DescribeJobStatus without a JobId,
a DescribeJobHistory page and ListJobs look jobs up by index, never by scanning them all."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from sae_job.emulator import Emulator, EmulatorConfig, Request, Template
from sae_job.emulator import backend as emulator_backend
from sae_job.signing import AcsV3Auth
from tests.conftest import KEY, SOAK, size

QUICK = Template("app-quick", run_seconds=0)
OTHER = Template("app-other", run_seconds=0)
FORBID = Template("app-forbid", run_seconds=0, concurrency_policy="Forbid")


class Rig:
    """Requests signed and handled in-process, on a clock of its own: no sockets in the way."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # its own clock: both sides read self.now
        self.emulator = Emulator(
            EmulatorConfig([KEY], [QUICK, OTHER, FORBID]), clock=lambda: self.now, max_jobs=1_000_000
        )
        self.signer = AcsV3Auth(KEY, clock=lambda: self.now)

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        path = "/pop/v1/sam/job/" + action[0].lower() + action[1:]
        sent = next(
            self.signer.auth_flow(httpx.Request("GET", f"https://sae.example{path}?{urlencode(params)}"))
        )
        raw_path, _, query = sent.url.raw_path.decode("ascii").partition("?")
        answer = self.emulator.handle(Request("GET", raw_path, query, tuple(sent.headers.items())))
        assert answer.status == 200, answer.json()
        body: dict[str, Any] = answer.json()
        return body

    def fill(self, count: int, app_id: str = QUICK.app_id) -> None:
        for _ in range(count):
            self.call("ExecJob", AppId=app_id)
        self.now += timedelta(seconds=1)  # every job has ended


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls = [0]
    original = getattr(emulator_backend._Record, name)

    def counted(self: Any, *args: Any) -> Any:
        calls[0] += 1
        return original(self, *args)

    monkeypatch.setattr(emulator_backend._Record, name, counted)
    return calls


def test_no_operation_looks_at_every_job_held(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = Rig()
    rig.fill(1_500)
    rig.fill(1_500, FORBID.app_id)
    statuses, conversions = counting(monkeypatch, "status"), counting(monkeypatch, "wire")
    rig.call("ExecJob", AppId=QUICK.app_id)
    rig.call("ExecJob", AppId=FORBID.app_id)  # Forbid: the running jobs are looked at, not all held
    assert statuses[0] <= 4 and conversions[0] == 0
    rig.call("DescribeJobStatus", AppId=QUICK.app_id)  # the latest job
    page = rig.call("DescribeJobHistory", AppId=QUICK.app_id, CurrentPage=3, PageSize=10)
    rig.call("ListJobs", Workload="job")
    assert page["Data"]["TotalSize"] == 1_501 and len(page["Data"]["Jobs"]) == 10
    assert conversions[0] == 1 + 10 + 2  # one status, one page, ListJobs' two templates with jobs
    assert statuses[0] <= 4 + 1 + 10 + 2 + 4  # ...and their own statuses (wire reads it)


def test_a_template_s_jobs_are_forgotten_with_the_oldest_jobs() -> None:
    rig = Rig()
    rig.emulator = Emulator(EmulatorConfig([KEY], [QUICK, OTHER]), clock=lambda: rig.now, max_jobs=5)
    rig.fill(4)
    rig.fill(4, OTHER.app_id)
    assert rig.call("DescribeJobHistory", AppId=QUICK.app_id)["Data"]["TotalSize"] == 1
    assert rig.call("DescribeJobHistory", AppId=OTHER.app_id)["Data"]["TotalSize"] == 4
    assert len(rig.emulator.jobs()) == 5


def _seconds(rig: Rig, action: str, count: int, **params: Any) -> float:
    started = time.perf_counter()
    for _ in range(count):
        rig.call(action, **params)
    return time.perf_counter() - started


@pytest.mark.soak
@pytest.mark.skipif(not SOAK, reason="timed at full size under make soak only: in make test the count above")
def test_with_a_hundred_thousand_jobs_held_calls_cost_what_they_cost_in_an_empty_emulator() -> None:
    calls, held = 1_000, size(2_000, 100_000)
    empty = Rig()
    base_exec = min(_seconds(empty, "ExecJob", calls, AppId=OTHER.app_id) for _ in range(2))
    thousand = Rig()
    thousand.fill(1_000)
    base_page = min(_seconds(thousand, "DescribeJobHistory", calls, AppId=QUICK.app_id) for _ in range(2))
    full = Rig()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    full.fill(held)
    per_job = (tracemalloc.get_traced_memory()[0] - before) / held
    tracemalloc.stop()
    full_exec = min(_seconds(full, "ExecJob", calls, AppId=OTHER.app_id) for _ in range(2))
    full_page = min(_seconds(full, "DescribeJobHistory", calls, AppId=QUICK.app_id) for _ in range(2))
    print(
        f"\nExecJob x{calls}: {base_exec:.2f} s empty, {full_exec:.2f} s with {held} held; history pages "
        f"{base_page:.2f} s with 1,000 held, {full_page:.2f} s; {per_job:.0f} bytes a job held"
    )
    assert full_exec <= 1.5 * base_exec and full_page <= 1.5 * base_page
    assert per_job < 8_000
