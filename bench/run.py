"""make bench: sae-job side by side with raw http.client, raw httpx, raw aiohttp and the official SDK.

    python bench/run.py            # everything, a few minutes; writes bench/RESULTS.md and bench/results.json
    python bench/run.py --quick    # fewer rounds, no install weight: a smoke run (writes nothing)

Every section runs its contenders in interleaved rounds and compares them by the median of per-round
ratios (see common.py). All traffic stays on 127.0.0.1: a canned-answer server (server.py) for the
per-call and fan-out sections, the sae-job emulator for cold start.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import async_fanout
import cold_start
import install_weight
import sync_calls
import wait
from common import BENCH, Rounds, canned_server, machine, write_json

OURS_ASYNC = "AsyncSaeJobClient (default: aiohttp transport)"


@dataclass
class Target:
    what: str
    goal: str
    measured: float
    limit: float
    higher_is_better: bool = False
    note: str = ""

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.higher_is_better else self.measured <= self.limit


def _table(rounds: Rounds, reference: str, second: str | None = None, fmt: str = "{:,.0f}") -> list[str]:
    head = f"| contender | median {rounds.unit} | x {reference} |" + (f" x {second} |" if second else "")
    lines = [head, "|---|---:|---:|" + ("---:|" if second else "")]
    for name in rounds.values:
        row = f"| {name} | {fmt.format(rounds.median(name))} | {rounds.ratio(name, reference):.2f} |"
        if second:
            row += f" {rounds.ratio(name, second):.2f} |"
        lines.append(row)
    return lines


def _targets(
    sync: Rounds, fanout: Rounds, processes: Rounds, weight: dict[str, dict[str, object]] | None
) -> list[Target]:
    targets = [
        Target(
            "sync: SaeJobClient (V3) per call",
            "<= 1.10 x raw httpx",
            sync.ratio("SaeJobClient (V3)", "raw httpx.Client"),
            1.10,
        ),
        Target(
            "sync: SaeJobClient (V3) per call",
            "<= 0.90 x official SDK",
            sync.ratio("SaeJobClient (V3)", "official SDK"),
            0.90,
        ),
        Target(
            "async: AsyncSaeJobClient calls/s (sae-job[aiohttp])",
            ">= 1.10 x official SDK",
            fanout.ratio(OURS_ASYNC, "official SDK"),
            1.10,
            higher_is_better=True,
        ),
        Target(
            "async: AsyncSaeJobClient calls/s (plain install, httpx transport)",
            ">= 1.10 x official SDK",
            fanout.ratio("AsyncSaeJobClient (httpx transport)", "official SDK"),
            1.10,
            higher_is_better=True,
            note="not the target's subject: shown so the cost of skipping the extra is on record",
        ),
        Target(
            "cold start: sae-job exec, whole process",
            "<= 0.40 x official SDK script",
            processes.ratio("sae-job exec", "official SDK one-call script"),
            0.40,
        ),
    ]
    if weight is not None:
        sdk = weight["official SDK"]
        for name in [n for n in weight if n.startswith("sae-job")]:
            for unit in ("packages", "megabytes"):
                ours = weight[name][unit]
                assert isinstance(ours, int | float) and isinstance(sdk[unit], int | float)
                targets.append(
                    Target(
                        f"install weight: {name}, {unit}",
                        "<= 0.30 x official SDK",
                        ours / sdk[unit],
                        0.30,
                        note="" if name == "sae-job" else "an opt-in extra, not the plain install",
                    )
                )
        ours_packages, sdk_packages = weight["sae-job"]["packages"], sdk["packages"]
        assert isinstance(ours_packages, int) and isinstance(sdk_packages, int)
        targets.append(
            Target(
                "install weight: sae-job, dependencies",
                "<= 0.30 x official SDK",
                (ours_packages - 1) / (sdk_packages - 1),
                0.30,
                note="the same count, each package itself not counted: what it brings along",
            )
        )
    return targets


def render(results: dict[str, object], rounds: dict[str, Rounds], targets: list[Target]) -> str:
    info = results["machine"]
    assert isinstance(info, dict)
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    settings = results["settings"]
    assert isinstance(settings, dict)
    out = [
        "# make bench: results",
        "",
        f"Run {results['date']} on {info['cpu']}, {info['cores']} cores, {info['os']}, "
        f"Python {info['python']}; {versions}. Took {results['seconds']:.0f} s.",
        "",
        "Written by `make bench` (bench/run.py); raw values per round in results.json. Every section runs "
        "its contenders in interleaved rounds; ratios are the median of per-round ratios, so drift of a "
        "shared machine hits every contender alike. Absolute numbers are this machine's; compare ratios.",
        "",
        "## Targets",
        "",
        "| what | target | measured | |",
        "|---|---|---:|---|",
    ]
    for target in targets:
        verdict = "met" if target.met else "**missed**"
        note = f" ({target.note})" if target.note else ""
        out.append(f"| {target.what} | {target.goal} | {target.measured:.2f} x | {verdict}{note} |")
    out += [
        "",
        f"## Sync: one call ({settings['sync_calls']} calls per round, {settings['sync_rounds']} rounds)",
        "",
        "Same ExecJob query everywhere; raw contenders send it unsigned and only decode the JSON.",
        "",
        *_table(rounds["sync"], "raw httpx.Client", "official SDK"),
        "",
        f"## Async fan-out: {settings['fanout_calls']:,} calls at concurrency {settings['concurrency']} "
        f"({settings['fanout_rounds']} rounds)",
        "",
        *_table(rounds["fanout"], "official SDK"),
        "",
        f"## Cold start: whole processes against the emulator ({settings['cold_rounds']} rounds)",
        "",
        *_table(rounds["processes"], "official SDK one-call script", fmt="{:,.1f}"),
        "",
        "### Imports",
        "",
        *_table(rounds["imports"], "import the official SDK's client", fmt="{:,.1f}"),
        "",
    ]
    weight = results.get("install_weight")
    if isinstance(weight, dict):
        out += [
            "## Install weight: a plain `pip install` into a fresh venv",
            "",
            "| install | packages | MB | distributions |",
            "|---|---:|---:|---|",
        ]
        for name, row in weight.items():
            out.append(
                f"| {name} | {row['packages']} | {row['megabytes']} | {', '.join(row['distributions'])} |"
            )
        out.append("")
    out += ["## What limits what", "", *BENCH.joinpath("LIMITS.md").read_text(encoding="utf-8").splitlines()]
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: few rounds, no install weight, no files"
    )
    options = parser.parse_args()
    quick = options.quick
    settings = {
        "sync_rounds": 3 if quick else 21,
        "sync_calls": 100 if quick else 300,
        "fanout_rounds": 2 if quick else 9,
        "fanout_calls": 1000,
        "concurrency": 50,
        "cold_rounds": 3 if quick else 12,
    }
    started = time.perf_counter()
    print("make bench: sync per call, async fan-out, cold start, install weight", file=sys.stderr)
    with canned_server() as port:
        sync = sync_calls.run(port, rounds=settings["sync_rounds"], calls=settings["sync_calls"])
        fanout = async_fanout.run(
            port,
            rounds=settings["fanout_rounds"],
            calls=settings["fanout_calls"],
            concurrency=settings["concurrency"],
        )
    processes, imports = cold_start.run(rounds=settings["cold_rounds"])
    weight = None if quick else install_weight.run(["aiohttp"])
    waiting = wait.run(quick=quick)  # bench/wait.py: its own section, about 70 s
    rounds = {"sync": sync, "fanout": fanout, "processes": processes, "imports": imports}
    targets = _targets(sync, fanout, processes, weight)
    results: dict[str, object] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": time.perf_counter() - started,
        "machine": machine(),
        "settings": settings,
        "rounds": {name: r.to_json() for name, r in rounds.items()},
        "install_weight": weight,
        "targets": [
            {"what": t.what, "target": t.goal, "measured": round(t.measured, 3), "met": t.met}
            for t in targets
        ],
    }
    results["wait"] = waiting
    text = wait.with_section(render(results, rounds, targets), waiting)
    if quick:
        print(text)
    else:
        (BENCH / "RESULTS.md").write_text(text, encoding="utf-8")
        write_json(BENCH / "results.json", results)
        print(text)
        print("wrote bench/RESULTS.md and bench/results.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
