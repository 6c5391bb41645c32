"""Cold start: whole processes, as a pipeline step pays them, whose instructions bench/instructions.py counts.

- ``sae-job exec --json APP_ID --endpoint <server> -- echo abc > file0``, credentials from the environment
  (the console script that ``pip install`` writes, run by the same interpreter);
- a one-call script on the official SDK (bench/one_call_sdk.py) against the same server;
- beside them, ``python -c pass`` (the interpreter's own start) and ``python -c "import httpx"``.

Sources are byte-compiled first, as ``pip install`` does for a real install (this machine's
environment sets PYTHONDONTWRITEBYTECODE, which would otherwise leave an editable install uncompiled).
"""

from __future__ import annotations

import compileall
import os
import sys
from pathlib import Path

from common import BENCH, ROOT
from wire import ACCESS_KEY_ID, ACCESS_KEY_SECRET, APP_ID, COMMAND

SAE_JOB = "sae-job exec --json"
OFFICIAL = "official SDK one-call script"


def environment() -> dict[str, str]:
    """This environment with the bench's credentials, every source compiled; no STS token or profile."""
    for folder in (ROOT / "src", ROOT / "generated", BENCH):
        compileall.compile_dir(folder, quiet=1)
    env = dict(
        os.environ,
        ALIBABA_CLOUD_ACCESS_KEY_ID=ACCESS_KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET,
    )
    for name in ("ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_PROFILE", "SAE_JOB_ENDPOINT"):
        env.pop(name, None)
    return env


def commands(port: int) -> dict[str, list[str]]:
    """Each whole process, by name: its argv (one ExecJob call to the server on ``port``, or none)."""
    python = sys.executable
    return {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import httpx'": [python, "-c", "import httpx"],
        SAE_JOB: [
            python,
            str(Path(python).parent / "sae-job"),
            "exec",
            "--json",
            APP_ID,
            "--endpoint",
            f"http://127.0.0.1:{port}",
            "--",
            *COMMAND,
        ],
        OFFICIAL: [python, str(BENCH / "one_call_sdk.py"), f"127.0.0.1:{port}"],
    }
