"""Cold start: whole processes, wall time, as a pipeline step pays it.

- ``sae-job exec APP_ID --endpoint <emulator> -- echo abc > file0`` against the local emulator
  (``python -m sae_job.emulator``, which also verifies the signature), credentials from the environment;
- a one-call script on the official SDK (bench/one_call_sdk.py) against the same emulator;
- ``import sae_job``, ``from sae_job import SaeJobClient`` and importing the official SDK's client,
  beside ``python -c pass`` (the interpreter's own start).

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
    emulator,
    interleaved,
)


def _wall_ms(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return elapsed


def run(*, rounds: int) -> tuple[Rounds, Rounds]:
    """(whole one-call processes, imports), each in ms."""
    for folder in ("src", "generated"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    python = sys.executable
    sae_job_command = str(Path(python).parent / "sae-job")
    env = dict(
        os.environ,
        ALIBABA_CLOUD_ACCESS_KEY_ID=ACCESS_KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
    )
    for name in ("ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_PROFILE"):
        env.pop(name, None)

    with emulator() as url:
        host_port = url.removeprefix("http://")
        one_call = {
            "sae-job exec": [sae_job_command, "exec", APP_ID, "--endpoint", url, "--", *COMMAND],
            "official SDK one-call script": [python, str(BENCH / "one_call_sdk.py"), host_port],
        }
        for argv in one_call.values():  # both work, and the OS caches are warm
            _wall_ms(argv, env)
        processes = interleaved(
            {name: (lambda argv=argv: _wall_ms(argv, env)) for name, argv in one_call.items()},
            rounds,
            "ms",
            label="cold start",
        )

    imports = {
        "python -c pass": "pass",
        "import sae_job": "import sae_job",
        "from sae_job import SaeJobClient": "from sae_job import SaeJobClient",
        "import the official SDK's client": "from alibabacloud_sae20190506.client import Client",
    }
    for code in imports.values():
        _wall_ms([python, "-c", code], env)
    imported = interleaved(
        {name: (lambda code=code: _wall_ms([python, "-c", code], env)) for name, code in imports.items()},
        rounds,
        "ms",
        label="imports",
    )
    return processes, imported
