"""`make demo`'s script, end to end in a subprocess: it must pass and leave no emulator behind."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_the_demo_runs_a_job_shows_idempotency_and_a_refusal_and_cleans_up(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "SAE_JOB": str(bin_dir / "sae-job"), "PYTHON": sys.executable, "HOME": str(tmp_path)}
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.sh")], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    job = re.search(r"^Started job (manual-[0-9a-f-]{36}) for app ", out, re.MULTILINE)
    assert job, out
    assert f"(same job: {job.group(1)})" in out
    assert "InvalidApplication.NotFound" in out + result.stderr
    assert "(exit code 3)" in out
    # The failing job fails because its emulator was started so, as printed: no hidden call ends a job.
    assert "$ sae-job emulator --port 0 --outcome failed --run-seconds 2 &\n" in out
    assert "(exit code 7)" in out and "/finish" not in (ROOT / "scripts" / "demo.sh").read_text()
    assert re.search(
        r"^nightly-report +ee1a7a07-abcb-4652-a1d3-2d57f4150001 +cn-hangzhou +no +succeeded ", out, re.M
    )
    assert re.search(r"^Started job manual-\S+ for app ee1a7a07-\S+ \(nightly-report\); ", out, re.MULTILINE)
    for port in re.findall(r"--endpoint http://127\.0\.0\.1:(\d+)", out):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", int(port))) != 0, "an emulator still listens after the demo"
