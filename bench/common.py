"""What every benchmark section shares: the servers it calls, interleaved rounds, medians and ratios.

Timings on a shared machine drift; a ratio taken between contenders measured side by side in the same
round does not. So every section runs its contenders in rounds (A B C, then B C A, …), and compares
them by the median over rounds of the per-round ratio, beside the median of the raw values.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

# The call every contender makes: the API reference's own example, in the wire form and as arguments.
APP_ID = "ee1a7a07-abcb-4652-a1d3-2d57f4150001"  # the emulator's embedded template
COMMAND = ["echo", "abc", ">", "file0"]
ENVS = {"envtmp": "0"}
PATH = "/pop/v1/sam/job/execJob"
EVENT_ID = "1f0b7c2e-6a43-4d8e-9a51-3c7d2b9e8f10"  # sae-job sends a fresh one per call: same length
WIRE_QUERY = {
    "AppId": APP_ID,
    "EventId": EVENT_ID,
    "Command": "echo",
    "CommandArgs": '["abc",">","file0"]',
    "Envs": '[{"name":"envtmp","value":"0"}]',
}
ACCESS_KEY_ID = "emulator-demo-key-id"  # the emulator's embedded demo key: it opens nothing else
ACCESS_KEY_SECRET = "emulator-demo-key-secret"


@contextlib.contextmanager
def canned_server() -> Iterator[int]:
    """bench/server.py in its own process; yields its port and stops it (it also stops when we die)."""
    process = subprocess.Popen(
        [sys.executable, str(BENCH / "server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the canned server did not start: {line!r}")
        yield int(line.split()[1])
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def emulator() -> Iterator[str]:
    """``python -m sae_job.emulator`` on a free loopback port; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sae_job.emulator"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "listening on " not in line:
            raise RuntimeError(f"the emulator did not start: {line!r}")
        yield line.split("listening on ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Rounds:
    """The values of each contender, one per round, in the order measured."""

    unit: str
    values: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(self.values[name])

    def ratio(self, name: str, reference: str) -> float:
        """Median over rounds of name / reference, each round's pair measured side by side."""
        pairs = zip(self.values[name], self.values[reference], strict=True)
        return statistics.median(a / b for a, b in pairs)

    def to_json(self) -> dict[str, object]:
        return {"unit": self.unit, "values": self.values}


def interleaved(
    contenders: Mapping[str, Callable[[], float]], rounds: int, unit: str, label: str = ""
) -> Rounds:
    """Run every contender once per round, rotating the order each round."""
    result = Rounds(unit, {name: [] for name in contenders})
    names = list(contenders)
    for index in range(rounds):
        order = names[index % len(names) :] + names[: index % len(names)]
        for name in order:
            result.values[name].append(contenders[name]())
        if label:
            print(f"  {label}: round {index + 1}/{rounds}", file=sys.stderr, flush=True)
    return result


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, object]:
    """What ran the benchmark: enough to tell whether two RESULTS.md can be compared."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": {
            name: _version(name)
            for name in (
                "sae-job",
                "httpx",
                "httpx-aiohttp",
                "aiohttp",
                "alibabacloud-sae20190506",
                "alibabacloud-tea-openapi",
                "requests",
            )
        },
    }


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
