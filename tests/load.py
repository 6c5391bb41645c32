"""Load for the emulator from another process: ``python -m tests.load --url URL --requests N
--connections C --app-id APP`` makes N ExecJob calls over C keep-alive connections (C threads, each with
its own ``SaeJobClient``) and prints one JSON object: counts, errors by type, the job IDs, seconds.

Credentials come from the default chain (``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``..._SECRET``), never from the
command line. ``tests/test_load.py`` runs it against ``sae-job emulator`` in a third process; the helpers
here start that emulator and read a process's memory and open files.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any


def run(url: str, *, requests: int, connections: int, app_id: str) -> dict[str, Any]:
    """Make ``requests`` calls over ``connections`` clients at once; the outcome as JSON-ready values."""
    from sae_job import RetryPolicy, SaeJobClient

    numbers = itertools.count()  # next() on it is atomic under the GIL: each call number taken once
    job_ids: list[str] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    # No retries: under load, any error is a finding, not something to paper over.
    clients = [SaeJobClient(endpoint=url, retry=RetryPolicy(max_attempts=1)) for _ in range(connections)]

    def work(client: SaeJobClient) -> None:
        while next(numbers) < requests:
            try:
                launch = client.exec_job(app_id)
            except Exception as exc:  # counted: the load goes on and the test reads the counts
                with lock:
                    errors[f"{type(exc).__name__}: {exc}"[:200]] += 1
            else:
                with lock:
                    job_ids.append(launch.job_id)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    for client in clients:
        client.close()
    return {
        "requests": requests,
        "connections": connections,
        "ok": len(job_ids),
        "errors": dict(errors),
        "job_ids": job_ids,
        "seconds": seconds,
        "per_second": requests / seconds if seconds else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--app-id", required=True)
    args = parser.parse_args(argv)
    result = run(args.url, requests=args.requests, connections=args.connections, app_id=args.app_id)
    json.dump(result, sys.stdout)
    return 0 if not result["errors"] else 1


# --- helpers for the tests ------------------------------------------------------------------------


class EmulatorProcess:
    """``python -m sae_job.emulator`` with ``args`` in a subprocess; its log goes to ``log`` (a file, so a
    long run never blocks on a full pipe). Use as a context manager; ``url`` is where it listens."""

    def __init__(self, log: Path, *args: str) -> None:
        self._log: IO[str] = log.open("w", encoding="utf-8")
        self.log = log
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "sae_job.emulator", *args],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        assert self.popen.stdout is not None
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(self.popen.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout=30)
        if not first or not first[0].startswith("SAE emulator listening on "):
            self.close()
            raise AssertionError(f"the emulator did not start: {first!r}\n{log.read_text()[-2000:]}")
        self.url = first[0].removeprefix("SAE emulator listening on ").strip()
        self.pid = self.popen.pid

    def close(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=20)
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        self._log.close()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def rss_bytes(pid: int | str = "self") -> int | None:
    """The resident memory of process ``pid`` (Linux /proc), or None where there is no /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


def open_fds() -> int | None:
    """How many file descriptors this process has open (Linux /proc), or None."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None


if __name__ == "__main__":
    raise SystemExit(main())
