"""What every benchmark section shares: the nginx it calls, interleaved rounds, medians and ratios.

Timings on a shared machine drift; a ratio taken between contenders measured side by side in the same
round does not. So every section runs its contenders in rounds (A B C, then B C A, …), and compares
them by the median over rounds of the per-round ratio, beside the median of the raw values.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import server

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


# The server every section calls: nginx, in C and in its own process, as the real gateway (Tengine) is;
# its instructions are not counted, and it costs no client anything in Python for a connection it opens.
NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 1000000;  # as the canned server: a connection is never closed by the server
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type "application/json;charset=utf-8";
            add_header x-acs-request-id {request_id};
            return 200 '{answer}';
        }}
    }}
}}
"""


def _nginx_binary() -> str:
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if binary is None:
        raise RuntimeError("nginx is not installed: `make bench` installs it (apt-get install nginx)")
    return binary


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def nginx_server() -> Iterator[int]:
    """nginx serving server.ANSWER, from a config in a temp dir (pid, logs too); yields its port."""
    binary = _nginx_binary()
    answer = server.ANSWER.decode()
    assert not set("'$\\") & set(answer), "the answer must stay a plain nginx string"
    with tempfile.TemporaryDirectory(prefix="sae-job-bench-nginx-") as tmp:
        port = _free_port()
        conf = Path(tmp, "nginx.conf")
        conf.write_text(
            NGINX_CONF.format(tmp=tmp, port=port, request_id=server.REQUEST_ID, answer=answer),
            encoding="utf-8",
        )
        command = [binary, "-p", tmp, "-e", f"{tmp}/error.log", "-c", str(conf)]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_until_listening(port, process, Path(tmp, "error.log"))
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while process.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    errors = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    raise RuntimeError(f"nginx did not start on port {port}: {errors.strip()[-500:]}")


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


def _nginx_version() -> str:
    said = subprocess.run([_nginx_binary(), "-v"], capture_output=True, text=True, check=True).stderr
    return said.strip().removeprefix("nginx version: ")  # nginx -v writes to stderr


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
        "nginx": _nginx_version(),
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
