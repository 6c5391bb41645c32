"""make bench-wait: how promptly and how frugally ``wait_for_job`` notices that a job has ended.

    python bench/wait.py           # about 70 s; prints the table, rewrites its section of bench/RESULTS.md
    python bench/wait.py --quick   # the 2 s jobs only: a smoke run (writes nothing)

It exits 1 when a target is missed (after writing). ``bench/run.py`` (``make bench``) runs it too.

Each case starts one job (ExecJob) on its own in-process emulator, whose template runs ``run_seconds``,
then follows it with ``SaeJobClient.wait_for_job`` and the default ``WaitPolicy`` (or the one the case
names). All cases run at once, one thread each, so the section takes as long as its longest job.

- **Wake-up lag**: the moment ``wait_for_job`` returned minus the moment the job ended. Both are read
  from one clock, :func:`bench_clock` (this process's monotonic clock, as an aware datetime): the
  emulator is given it, so its job record's ``created_at`` is on it, and the job ends at exactly
  ``created_at + run_seconds`` (no ``Time`` is sent, so the job starts when it is created). The wire's
  ``CompletionTime`` is whole seconds, too coarse for this.
- **DescribeJobStatus requests**: counted by the emulator (its ``requests`` stat, read before and after
  the wait; the wait sends nothing else), so a retried or dropped attempt counts too. ``statuses read``
  counts the answers the wait got (its ``on_status``).
- **Faults**: once the job has started, the emulator drops answers after handling them and answers 503
  (:data:`FAULTS`); the wait must still end with the job, not with an error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from common import BENCH, write_json

from sae_job import JobState, SaeJobError, WaitPolicy
from sae_job.emulator import Emulator, Faults, Template, default_config, serve

SECTION = "## Waiting for a job"
LIMITS_HEADING = "## What limits what"
# Each faulted case seeds its own emulator's draws with its run_seconds: reproducible, and different.
FAULTS = Faults(drop_after_commit=0.2, error_503=0.2)
# The wait's deadline: far beyond the job's end, so only a failing look, never the deadline, could end it.
DEADLINE_MARGIN = 60.0
MAX_STATUS_CALLS_60S = 25  # issue 11, point 5
_FAULTS_SHOWN = f"{FAULTS.drop_after_commit:.0%} dropped after handling, {FAULTS.error_503:.0%} 503s"

_MONOTONIC_AT, _WALL_AT = time.monotonic(), datetime.now(UTC)


def bench_clock() -> datetime:
    """Now, from the monotonic clock, as an aware UTC datetime near the wall clock (within the
    gateway's signature window, so the emulator can run on it)."""
    return _WALL_AT + timedelta(seconds=time.monotonic() - _MONOTONIC_AT)


@dataclass(frozen=True)
class Case:
    run_seconds: float
    faults: Faults = field(default_factory=Faults)
    poll: WaitPolicy = field(default_factory=WaitPolicy)

    @property
    def lag_target(self) -> float:
        """Issue 11's bound: max(1 s, 20% of the run), never more than the policy's cap."""
        return min(self.poll.max_delay, max(1.0, 0.2 * self.run_seconds))

    @property
    def name(self) -> str:
        poll = "" if self.poll == WaitPolicy() else f", max_delay {self.poll.max_delay:g} s"
        return f"{self.run_seconds:g} s job{poll}"


def cases(quick: bool) -> list[Case]:
    durations = (2.0,) if quick else (2.0, 10.0, 60.0)
    plain = [Case(seconds) for seconds in durations]
    # The default cap (30 s) is reached only 150 s into a wait; a 5 s cap shows it holding in a 60 s one.
    capped = [] if quick else [Case(60.0, poll=WaitPolicy(max_delay=5.0))]
    faulted = [Case(seconds, faults=replace(FAULTS, seed=int(seconds))) for seconds in durations]
    return plain + capped + faulted


def measure(case: Case) -> dict[str, Any]:
    """Start one job on a fresh emulator, wait for it, and say how promptly and at what cost."""
    template = Template("bench-wait-template", run_seconds=case.run_seconds)
    emulator = Emulator(replace(default_config(), templates=(template,)), clock=bench_clock)
    statuses: list[JobState] = []
    with serve(emulator) as running, running.new_client() as client:
        launch = client.exec_job(template.app_id, command=["sleep", f"{case.run_seconds:g}"])
        emulator.set_faults(case.faults)  # after the launch: the wait is what is measured
        before = emulator.stats()
        error = None
        try:
            client.wait_for_job(
                launch,
                timeout=case.run_seconds + DEADLINE_MARGIN,
                poll=case.poll,
                on_status=lambda status: statuses.append(status.state),
            )
        except SaeJobError as exc:
            error = f"{type(exc).__name__}: {exc}"
        returned_at = bench_clock()
        after = emulator.stats()
        [job] = [job for job in emulator.jobs() if job.job_id == launch.job_id]
    ended_at = job.created_at + timedelta(seconds=case.run_seconds)
    injected = {
        kind: count - before["faults"].get(kind, 0)
        for kind, count in after["faults"].items()
        if count > before["faults"].get(kind, 0)
    }
    return {
        "case": case.name,
        "run_seconds": case.run_seconds,
        "faults": case.faults.describe(),
        "poll": {
            "first_delay": case.poll.first_delay,
            "fraction": case.poll.fraction,
            "max_delay": case.poll.max_delay,
        },
        "lag_seconds": round((returned_at - ended_at).total_seconds(), 3),
        "lag_target_seconds": case.lag_target,
        "status_requests": after["requests"] - before["requests"],
        "statuses_read": len(statuses),
        "faults_injected": injected,
        "final_state": statuses[-1].name.lower() if statuses else None,
        "job_status": job.status,
        "error": error,
    }


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issue 11 point 5's targets, each with what was measured and whether it was met."""
    found: list[dict[str, Any]] = []
    for row in rows:
        if row["faults"] == "none":
            found.append(
                {
                    "what": f"{row['case']}: wake-up lag",
                    "target": f"<= {row['lag_target_seconds']:.2f} s",
                    "measured": f"{row['lag_seconds']:.2f} s",
                    "met": row["error"] is None and row["lag_seconds"] <= row["lag_target_seconds"],
                }
            )
        if row["faults"] == "none" and row["case"] == "60 s job":
            found.append(
                {
                    "what": "60 s job: DescribeJobStatus requests",
                    "target": f"<= {MAX_STATUS_CALLS_60S}",
                    "measured": str(row["status_requests"]),
                    "met": row["status_requests"] <= MAX_STATUS_CALLS_60S,
                }
            )
    faulted = [row for row in rows if row["faults"] != "none"]
    if faulted:
        ended = sum(row["error"] is None and row["final_state"] == "succeeded" for row in faulted)
        found.append(
            {
                "what": f"with faults ({_FAULTS_SHOWN}): waits ended by the job, none by an error",
                "target": f"{len(faulted)} of {len(faulted)}",
                "measured": f"{ended} of {len(faulted)}",
                "met": ended == len(faulted),
            }
        )
    return found


def run(quick: bool = False) -> dict[str, Any]:
    """Measure every case at once (one thread each); the results as JSON-ready values."""
    chosen = cases(quick)
    started = time.perf_counter()
    print(
        f"make bench: waiting for jobs ({len(chosen)} at once, about "
        f"{max(c.run_seconds for c in chosen):.0f} s)",
        file=sys.stderr,
        flush=True,
    )
    with ThreadPoolExecutor(max_workers=len(chosen), thread_name_prefix="bench-wait") as pool:
        rows = list(pool.map(measure, chosen))
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(time.perf_counter() - started, 1),
        "cases": rows,
        "targets": targets(rows),
    }


def render(results: dict[str, Any]) -> list[str]:
    """The section of bench/RESULTS.md, as lines."""
    out = [
        SECTION,
        "",
        f"Run {results['date']} by bench/wait.py (`make bench-wait`), {len(results['cases'])} jobs at once "
        f"on in-process emulators; took {results['seconds']:.0f} s. Lag: `wait_for_job` returned minus "
        "the job's end, both on one monotonic clock. Requests: DescribeJobStatus requests the emulator "
        "handled during the wait, retried and dropped attempts included. With faults the one target is "
        "that no wait fails; the lag target is shown beside their lag for reference.",
        "",
        "| what | target | measured | |",
        "|---|---|---:|---|",
    ]
    for target in results["targets"]:
        out.append(
            f"| {target['what']} | {target['target']} | {target['measured']} | "
            f"{'met' if target['met'] else '**missed**'} |"
        )
    out += [
        "",
        "| job | faults | lag s | lag target s | status requests | statuses read | faults injected | ended |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for row in results["cases"]:
        injected = ", ".join(f"{k} {v}" for k, v in sorted(row["faults_injected"].items())) or "-"
        ended = row["final_state"] if row["error"] is None else f"**{row['error']}**"
        out.append(
            f"| {row['case']} | {row['faults']} | {row['lag_seconds']:.2f} | "
            f"{row['lag_target_seconds']:.2f} | "
            f"{row['status_requests']} | {row['statuses_read']} | {injected} | {ended} |"
        )
    return [*out, ""]


def with_section(text: str, results: dict[str, Any] | None) -> str:
    """bench/RESULTS.md's ``text`` with this section in place of the one it had, before the limits."""
    lines = text.splitlines()
    if SECTION in lines:  # drop the old section: up to the next heading of its level
        start = lines.index(SECTION)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        del lines[start:end]
    if results is not None:
        at = lines.index(LIMITS_HEADING) if LIMITS_HEADING in lines else len(lines)
        lines[at:at] = render(results)
    return "\n".join(lines).rstrip() + "\n"


def _write(results: dict[str, Any]) -> None:
    """Put this section into bench/RESULTS.md and results.json, and RESULTS.md's copy of LIMITS.md."""
    path = BENCH / "RESULTS.md"
    text = with_section(path.read_text(encoding="utf-8"), results)
    if LIMITS_HEADING in text:  # as bench/run.py renders it: LIMITS.md's text under the heading
        head = text[: text.index(LIMITS_HEADING)]
        limits = BENCH.joinpath("LIMITS.md").read_text(encoding="utf-8")
        text = f"{head}{LIMITS_HEADING}\n\n{limits.rstrip()}\n"
    path.write_text(text, encoding="utf-8")
    everything = json.loads((BENCH / "results.json").read_text(encoding="utf-8"))
    everything["wait"] = results
    write_json(BENCH / "results.json", everything)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="the 2 s jobs only; writes nothing")
    quick = parser.parse_args().quick
    results = run(quick=quick)
    print("\n".join(render(results)))
    for target in results["targets"]:
        verdict = "PASS" if target["met"] else "FAIL"
        print(f"{verdict}  {target['what']}: {target['measured']} (target {target['target']})")
    if not quick:
        _write(results)
        print("wrote its section of bench/RESULTS.md and bench/results.json", file=sys.stderr)
    return 0 if all(target["met"] for target in results["targets"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
