"""Cold start: whole processes, wall time, as a pipeline step pays it.

- ``sae-job exec APP_ID --endpoint <server> -- echo abc > file0``, credentials from the environment;
- a one-call script on the official SDK (bench/one_call_sdk.py) against the same server;
- with no server, ``import sae_job``, ``from sae_job import SaeJobClient`` and importing the official
  SDK's client, beside ``python -c pass`` (the interpreter's own start).

Sources are byte-compiled first, as ``pip install`` does for a real install (this machine's
environment sets PYTHONDONTWRITEBYTECODE, which would otherwise leave an editable install uncompiled).
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import time
from pathlib import Path

from common import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    APP_ID,
    BENCH,
    COMMAND,
    ROOT,
    Rounds,
    interleaved,
)


def _wall_ms(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return elapsed


def _environment() -> dict[str, str]:
    for folder in ("src", "generated"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    env = dict(
        os.environ,
        ALIBABA_CLOUD_ACCESS_KEY_ID=ACCESS_KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
    )
    for name in ("ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_PROFILE"):
        env.pop(name, None)
    return env


def processes(port: int, *, rounds: int) -> Rounds:
    """Whole one-call processes against the server on ``port``, in ms."""
    env = _environment()
    url = f"http://127.0.0.1:{port}"
    one_call = {
        "sae-job exec": [
            str(Path(sys.executable).parent / "sae-job"),
            "exec",
            APP_ID,
            "--endpoint",
            url,
            "--",
            *COMMAND,
        ],
        "official SDK one-call script": [sys.executable, str(BENCH / "one_call_sdk.py"), f"127.0.0.1:{port}"],
    }
    for argv in one_call.values():  # both work, and the OS caches are warm
        _wall_ms(argv, env)
    return interleaved(
        {name: (lambda argv=argv: _wall_ms(argv, env)) for name, argv in one_call.items()},
        rounds,
        "ms",
        label="cold start",
    )


def imports(*, rounds: int) -> Rounds:
    """Importing sae-job and the official SDK, beside the interpreter's own start, in ms."""
    env = _environment()
    codes = {
        "python -c pass": "pass",
        "import sae_job": "import sae_job",
        "from sae_job import SaeJobClient": "from sae_job import SaeJobClient",
        "import the official SDK's client": "from alibabacloud_sae20190506.client import Client",
    }
    python = sys.executable
    for code in codes.values():
        _wall_ms([python, "-c", code], env)
    return interleaved(
        {name: (lambda code=code: _wall_ms([python, "-c", code], env)) for name, code in codes.items()},
        rounds,
        "ms",
        label="imports",
    )
