"""make bench: sae-job side by side with raw http.client, raw httpx, raw aiohttp and the official SDK.

    python bench/run.py            # everything, a few minutes; writes bench/RESULTS.md and bench/results.json
    python bench/run.py --quick    # fewer rounds, no install weight: a smoke run (writes nothing)

Every section runs its contenders in interleaved rounds and compares them by the median of per-round
ratios (see common.py). All traffic stays on 127.0.0.1, and every section that calls a server runs
twice: against the asyncio canned server (server.py) and against nginx serving the same answer. Each
target is checked on each server.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import async_fanout
import cold_start
import install_weight
import sync_calls
import wait
from common import BENCH, SERVERS, Rounds, machine, write_json

OURS_ASYNC = "AsyncSaeJobClient (default: aiohttp transport)"
# Earlier runs set beside this one: {"runs": [{"date", "what", "targets": [...]}, ...]}.
BEFORE = BENCH / "before-issue-10.json"


@dataclass
class Target:
    what: str
    goal: str
    measured: float
    limit: float
    server: str = ""  # "" for what no server takes part in (install weight)
    higher_is_better: bool = False
    note: str = ""

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.higher_is_better else self.measured <= self.limit

    def to_json(self) -> dict[str, object]:
        return {
            "what": self.what,
            "target": self.goal,
            "server": self.server,
            "measured": round(self.measured, 4),
            "met": self.met,
            "note": self.note,
        }


def _table(rounds: Rounds, reference: str, second: str | None = None, fmt: str = "{:,.0f}") -> list[str]:
    head = f"| contender | median {rounds.unit} | x {reference} |" + (f" x {second} |" if second else "")
    lines = [head, "|---|---:|---:|" + ("---:|" if second else "")]
    for name in rounds.values:
        row = f"| {name} | {fmt.format(rounds.median(name))} | {rounds.ratio(name, reference):.2f} |"
        if second:
            row += f" {rounds.ratio(name, second):.2f} |"
        lines.append(row)
    return lines


def _server_targets(server: str, sections: dict[str, Rounds]) -> list[Target]:
    sync, fanout, processes = sections["sync"], sections["fanout"], sections["processes"]
    return [
        Target(
            "sync: SaeJobClient (V3) per call",
            "<= 1.10 x raw httpx",
            sync.ratio("SaeJobClient (V3)", "raw httpx.Client"),
            1.10,
            server,
        ),
        Target(
            "sync: SaeJobClient (V3) per call",
            "<= 0.90 x official SDK",
            sync.ratio("SaeJobClient (V3)", "official SDK"),
            0.90,
            server,
        ),
        Target(
            "async: AsyncSaeJobClient calls/s (sae-job[aiohttp])",
            ">= 1.10 x official SDK",
            fanout.ratio(OURS_ASYNC, "official SDK"),
            1.10,
            server,
            higher_is_better=True,
        ),
        Target(
            "async: AsyncSaeJobClient calls/s (plain install, httpx transport)",
            ">= 1.10 x official SDK",
            fanout.ratio("AsyncSaeJobClient (httpx transport)", "official SDK"),
            1.10,
            server,
            higher_is_better=True,
            note="not the target's subject: shown so the cost of skipping the extra is on record",
        ),
        Target(
            "cold start: sae-job exec, whole process",
            "<= 0.40 x official SDK script",
            processes.ratio("sae-job exec", "official SDK one-call script"),
            0.40,
            server,
        ),
    ]


def _weight_targets(weight: dict[str, dict[str, Any]]) -> list[Target]:
    sdk = weight["official SDK"]
    targets = [
        Target(
            f"install weight: {name}, {unit}",
            "<= 0.30 x official SDK",
            weight[name][unit] / sdk[unit],
            0.30,
            note="" if name == "sae-job" else "an opt-in extra, not the plain install",
        )
        for name in weight
        if name.startswith("sae-job")
        for unit in ("packages", "megabytes")
    ]
    targets.append(
        Target(
            "install weight: sae-job, dependencies",
            "<= 0.30 x official SDK",
            (weight["sae-job"]["packages"] - 1) / (sdk["packages"] - 1),
            0.30,
            note="the same count, each package itself not counted: what it brings along",
        )
    )
    return targets


def _targets_table(targets: list[dict[str, Any]]) -> list[str]:
    """One row a target, one column a server: the measured ratio and PASS or FAIL."""
    servers = list(dict.fromkeys(t["server"] for t in targets))
    rows: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for target in targets:
        rows.setdefault((target["what"], target["target"]), {})[target["server"]] = target
    head = " | ".join(server or "measured" for server in servers)
    lines = [f"| what | target | {head} | note |", "|---|---|" + "---:|" * len(servers) + "---|"]
    for (what, goal), cells in rows.items():
        shown = [
            f"{cells[s]['measured']:.2f} x {'PASS' if cells[s]['met'] else '**FAIL**'}" if s in cells else ""
            for s in servers
        ]
        note = next((c["note"] for c in cells.values() if c.get("note")), "")
        lines.append(f"| {what} | {goal} | {' | '.join(shown)} | {note} |")
    return lines


def _targets_tables(targets: list[dict[str, Any]]) -> list[str]:
    """The per-server targets, then (when measured) the install weight ones."""
    per_server = _targets_table([t for t in targets if t["server"]])
    weight = [t for t in targets if not t["server"]]
    return per_server + (["", *_targets_table(weight)] if weight else [])


def _before() -> list[str]:
    if not BEFORE.exists():
        return []
    out = [
        "## Before the issue-10 refactor",
        "",
        f"Earlier runs, kept in {BEFORE.name} (raw rounds included), to set beside the targets above.",
        "",
    ]
    for run in json.loads(BEFORE.read_text(encoding="utf-8"))["runs"]:
        out += [f"Run {run['date']}: {run['what']}", "", *_targets_tables(run["targets"]), ""]
    return out


def render(results: dict[str, Any], rounds: dict[str, dict[str, Rounds]], imports: Rounds) -> str:
    info = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    settings = results["settings"]
    out = [
        "# make bench: results",
        "",
        f"Run {results['date']} on {info['cpu']}, {info['cores']} cores, {info['os']}, "
        f"Python {info['python']}; {versions}; {info['nginx']}. Took {results['seconds']:.0f} s.",
        "",
        "Written by `make bench` (bench/run.py); raw values per round in results.json. Every section runs "
        "its contenders in interleaved rounds; ratios are the median of per-round ratios, so drift of a "
        "shared machine hits every contender alike. Absolute numbers are this machine's; compare ratios.",
        "",
        "Every section that calls a server runs against two, on loopback, both answering every request "
        "with the same canned ExecJob answer: the asyncio canned server (bench/server.py), which pays in "
        "Python for every connection a client opens, and nginx (one worker), which behaves like the real "
        "gateway (Tengine).",
        "",
        "## Targets",
        "",
        *_targets_tables(results["targets"]),
        "",
        f"## Sync: one call ({settings['sync_calls']} calls per round, {settings['sync_rounds']} rounds)",
        "",
        "Same ExecJob query everywhere; raw contenders send it unsigned and only decode the JSON.",
    ]
    for server, sections in rounds.items():
        out += ["", f"### {server}", "", *_table(sections["sync"], "raw httpx.Client", "official SDK")]
    out += [
        "",
        f"## Async fan-out: {settings['fanout_calls']:,} calls at concurrency {settings['concurrency']} "
        f"({settings['fanout_rounds']} rounds)",
    ]
    for server, sections in rounds.items():
        out += ["", f"### {server}", "", *_table(sections["fanout"], "official SDK")]
    out += ["", f"## Cold start: whole processes ({settings['cold_rounds']} rounds)"]
    for server, sections in rounds.items():
        out += [
            "",
            f"### {server}",
            "",
            *_table(sections["processes"], "official SDK one-call script", fmt="{:,.1f}"),
        ]
    out += [
        "",
        "### Imports (no server)",
        "",
        *_table(imports, "import the official SDK's client", fmt="{:,.1f}"),
        "",
    ]
    weight = results.get("install_weight")
    if weight:
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
    out += _before()
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
    rounds: dict[str, dict[str, Rounds]] = {}
    for server, serving in SERVERS.items():
        print(f"make bench: sync per call, async fan-out, cold start on the {server}", file=sys.stderr)
        with serving() as port:
            rounds[server] = {
                "sync": sync_calls.run(port, rounds=settings["sync_rounds"], calls=settings["sync_calls"]),
                "fanout": async_fanout.run(
                    port,
                    rounds=settings["fanout_rounds"],
                    calls=settings["fanout_calls"],
                    concurrency=settings["concurrency"],
                ),
                "processes": cold_start.processes(port, rounds=settings["cold_rounds"]),
            }
    print("make bench: imports, install weight", file=sys.stderr)
    imports = cold_start.imports(rounds=settings["cold_rounds"])
    weight = None if quick else install_weight.run(["aiohttp"])
    waiting = wait.run(quick=quick)  # bench/wait.py: its own section, about 70 s
    targets = [t for server, sections in rounds.items() for t in _server_targets(server, sections)]
    targets += _weight_targets(weight) if weight else []
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": time.perf_counter() - started,
        "machine": machine(),
        "settings": settings,
        "rounds": {
            server: {name: r.to_json() for name, r in sections.items()} for server, sections in rounds.items()
        },
        "imports": imports.to_json(),
        "install_weight": weight,
        "targets": [t.to_json() for t in targets],
    }
    results["wait"] = waiting
    text = wait.with_section(render(results, rounds, imports), waiting)
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
