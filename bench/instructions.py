"""Instructions, counted by valgrind's callgrind: per call, and per whole process. Against nginx only.

    python bench/instructions.py [--keep DIR]    # these tables alone (nginx on a free port), a few minutes

Per call: a process (count_calls.py) sets one contender up (sync_calls.py, async_calls.py), makes
WARM_UP calls, then CALLS more, and exits. callgrind counts every instruction the process executes, from
the interpreter's first to its last (the ``summary:`` line of ``--callgrind-out-file``). Each contender
runs twice, at N1 and at N2 calls, and one call costs (I(N2) - I(N1)) / (N2 - N1): the interpreter's
start, the imports, the client's setup, the warm-up and the exit are the same in both and cancel.
nginx answers in its own process, which callgrind does not see. Whole processes (cold_start.py) are
counted once each, as they are.

Instruction counts of one program repeat to within a few hundredths of a percent from run to run (what
varies is the kernel's timing: how many reads a socket takes), unlike wall time on a shared machine, so
every process runs once; two at a time, one per core, since a count does not depend on the load.
PYTHONHASHSEED is fixed so that dict and set layouts repeat too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import BENCH, nginx_server


@dataclass(frozen=True, eq=False)  # hashed by identity: each job is one process
class Job:
    """One process to run under callgrind."""

    section: str  # "sync", "async" or "processes"
    name: str
    argv: list[str]
    calls: int = 0


def _valgrind() -> str:
    binary = shutil.which("valgrind")
    if binary is None:
        raise RuntimeError("valgrind is not installed: `make bench` installs it (apt-get install valgrind)")
    return binary


def valgrind_version() -> str:
    return subprocess.run(
        [_valgrind(), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _total(out_file: Path) -> int:
    """The instructions of the whole run: callgrind's ``summary:`` line (``totals:`` is the same)."""
    with out_file.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"{out_file}: no summary line")


def _count(job: Job, env: dict[str, str], folder: Path) -> dict[str, Any]:
    label = re.sub(r"[^A-Za-z0-9]+", "-", f"{job.section}-{job.name}-{job.calls}").strip("-")
    out_file = folder / f"{label}.callgrind"
    command = [_valgrind(), "--tool=callgrind", f"--callgrind-out-file={out_file}", *job.argv]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{job.name} ({job.calls} calls) exited {done.returncode}: {done.stderr[-800:]}")
    found: dict[str, Any] = {"instructions": _total(out_file)}
    if job.section != "processes":
        found["gc"] = json.loads(done.stdout.splitlines()[-1])["gc"]
    calls = f", {job.calls} calls" if job.calls else ""
    print(f"  callgrind: {job.section}, {job.name}{calls}: {found['instructions']:,}", file=sys.stderr)
    return found


def run(port: int, *, n1: int, n2: int, keep: Path | None = None) -> dict[str, Any]:
    """Per call counts of every sync and async contender at n1 and n2 calls, and the whole processes."""
    import async_calls
    import cold_start
    import count_calls
    import sync_calls

    env = cold_start.environment() | {"PYTHONHASHSEED": "0"}
    worker = [sys.executable, str(BENCH / "count_calls.py")]
    jobs = [
        Job(section, name, [*worker, section, name, str(port), str(calls)], calls)
        for section, names in (("sync", sync_calls.CONTENDERS), ("async", async_calls.CONTENDERS))
        for name in names
        for calls in (n1, n2)
    ]
    jobs += [Job("processes", name, argv) for name, argv in cold_start.commands(port).items()]
    with tempfile.TemporaryDirectory(prefix="sae-job-bench-callgrind-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        # The official SDK's processes are the longest (its imports): started first, they end with the rest.
        order = sorted(jobs, key=lambda job: "official" not in job.name)
        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            counted = dict(zip(order, pool.map(lambda job: _count(job, env, folder), order), strict=True))
    result: dict[str, Any] = {
        "n1": n1,
        "n2": n2,
        "warm_up": count_calls.WARM_UP,
        "valgrind": valgrind_version(),
    }
    for section in ("sync", "async"):
        rows: dict[str, Any] = {}
        for job in jobs:
            if job.section == section:
                row = rows.setdefault(job.name, {})
                at = "n1" if job.calls == n1 else "n2"
                row[f"instructions_{at}"] = counted[job]["instructions"]
                row[f"gc_{at}"] = counted[job]["gc"]
        for row in rows.values():
            row["per_call"] = (row["instructions_n2"] - row["instructions_n1"]) / (n2 - n1)
        result[section] = rows
    result["processes"] = {
        job.name: counted[job]["instructions"] for job in jobs if job.section == "processes"
    }
    return result


def ratio(section: dict[str, Any], name: str, reference: str) -> float:
    per_call: float = section[name]["per_call"] / section[reference]["per_call"]
    return per_call


def tables(found: dict[str, Any]) -> list[str]:
    """The markdown of both per-call tables and the whole processes' one."""
    import async_calls
    import cold_start
    import sync_calls

    n1, n2 = found["n1"], found["n2"]
    sync_ref = next(name for name in sync_calls.CONTENDERS if name.startswith("official"))
    async_ref = next(name for name in async_calls.CONTENDERS if name.startswith("official"))
    out: list[str] = []
    for title, section, reference in (("Sync", "sync", sync_ref), ("Async", "async", async_ref)):
        rows = found[section]
        head = f"| contender | M instr. at {n1} calls | at {n2} calls | M instr. per call | x official SDK |"
        out += ["", f"### {title}", "", head, "|---|---:|---:|---:|---:|"]
        for name, row in rows.items():
            out.append(
                f"| {name} | {row['instructions_n1'] / 1e6:,.1f} | {row['instructions_n2'] / 1e6:,.1f} "
                f"| {row['per_call'] / 1e6:.3f} | {round(ratio(rows, name, reference), 4):.2f} |"
            )
    processes = found["processes"]
    reference_total = processes[cold_start.OFFICIAL]
    out += ["", "### Whole processes", "", "| process | M instructions | x official SDK one-call script |"]
    out.append("|---|---:|---:|")
    for name, total in processes.items():
        out.append(f"| {name} | {total / 1e6:,.0f} | {total / reference_total:.2f} |")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", type=Path, help="keep callgrind's output files in this folder")
    parser.add_argument("--n1", type=int, default=20)
    parser.add_argument("--n2", type=int, default=120)
    options = parser.parse_args()
    with nginx_server() as port:
        found = run(port, n1=options.n1, n2=options.n2, keep=options.keep)
    print(json.dumps(found, indent=2))
    print("\n".join(tables(found)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
