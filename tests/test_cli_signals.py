"""Interrupts and a closed pipe, sent for real to a real `sae-job` process: SIGINT and SIGTERM during
`exec`, a retry's back-off and a wait never lose a job (the message names it, or the event ID, and the
command that goes on without starting a second one); a reader that goes away ends the command quietly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sae_job.emulator import Emulator, EmulatorConfig, Faults, RunningEmulator, Template, serve
from tests.conftest import KEY, ROOT

LONG = Template("app-long", run_seconds=600)
CONFIG = EmulatorConfig([KEY], [LONG])


def sae_job(running: RunningEmulator, *args: str, latin_1: bool = False) -> subprocess.Popen[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("ALIBABA_CLOUD_")}
    if latin_1:  # a terminal that shows ISO-8859-1 only
        env.update(LANG="en_US.ISO-8859-1", LC_ALL="en_US.ISO-8859-1", PYTHONIOENCODING="latin-1")
    env.update(
        ALIBABA_CLOUD_ACCESS_KEY_ID=KEY.access_key_id,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=KEY.access_key_secret,
        HOME=str(ROOT / "tests"),
    )
    command = [sys.executable, "-m", "sae_job.cli", *args[:1], "--endpoint", running.url, *args[1:]]
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        encoding="latin-1" if latin_1 else None,
        text=True,
    )


def read_until(stream: object, text: str, limit: float = 20.0) -> str:
    """stderr's lines up to the one holding ``text`` (bounded: a line a read, ``limit`` seconds)."""
    seen, ends = "", time.monotonic() + limit
    while time.monotonic() < ends:
        line = stream.readline()  # type: ignore[attr-defined]
        seen += line
        if text in line or not line:
            return seen
    return seen


@pytest.fixture
def long_jobs() -> Iterator[RunningEmulator]:
    with serve(Emulator(CONFIG)) as running:
        yield running


@pytest.mark.parametrize(
    ("signum", "exit_code", "name"), [(signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_an_interrupted_wait_names_the_job_and_the_command_that_follows_it(
    long_jobs: RunningEmulator, signum: int, exit_code: int, name: str
) -> None:
    process = sae_job(long_jobs, "exec", LONG.app_id, "--wait", "--json", "--", "true")
    read_until(process.stderr, " running: ")  # the job started, and the wait's first look came back
    process.send_signal(signum)
    out, err = process.communicate(timeout=20)
    [job] = long_jobs.emulator.jobs()
    assert process.returncode == exit_code and "Traceback" not in err
    assert f"interrupted by {name}: job {job.job_id} was not cancelled" in err
    assert f"sae-job wait {LONG.app_id} {job.job_id} --endpoint {long_jobs.url}" in err
    [shown] = [json.loads(line) for line in out.splitlines()]
    assert shown["error"] | {"message": None} == {
        "code": "Interrupted", "message": None, "request_id": None, "event_id": job.event_id,
        "exit_code": exit_code, "signal": name, "app_id": LONG.app_id, "job_id": job.job_id,
    }  # fmt: skip


def test_a_wait_interrupted_says_the_same(long_jobs: RunningEmulator) -> None:
    job_id = long_jobs.client.exec_job(LONG.app_id).job_id
    process = sae_job(long_jobs, "wait", LONG.app_id, job_id, "--wait-timeout", "10m")
    read_until(process.stderr, " running: ")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 130 and "Traceback" not in err
    assert (
        f"job {job_id} was not cancelled and runs on" in err and f"sae-job wait {LONG.app_id} {job_id}" in err
    )


def test_interrupted_in_a_retry_s_back_off_names_the_event_and_the_command_that_finds_out() -> None:
    # Every ExecJob answers 503: the client backs off between attempts, the job not known yet.
    config = EmulatorConfig([KEY], [LONG], faults=Faults(error_503=1.0))
    with serve(Emulator(config)) as running:
        process = sae_job(
            running, "exec", LONG.app_id, "--max-attempts", "10", "--event-id", "evt-int", "--", "true"
        )
        deadline = time.monotonic() + 20
        while running.emulator.stats()["requests"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # past the first attempt: in a back-off or the next attempt
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 130 and "Traceback" not in err
    assert "before the job was known: it may have started, under event evt-int" in err
    assert (
        f"sae-job exec --endpoint {running.url} {LONG.app_id} --max-attempts 10 --event-id evt-int -- true"
        in err
    )


def test_a_closed_pipe_ends_the_command_quietly(long_jobs: RunningEmulator) -> None:
    for _ in range(3):
        long_jobs.client.exec_job(LONG.app_id)
    process = sae_job(long_jobs, "history", LONG.app_id)
    assert process.stdout is not None
    process.stdout.close()  # the reader went away before the first line, as `| head -0` would
    _, err = process.communicate(timeout=20)
    assert (process.returncode, err) == (141, "")


@pytest.mark.parametrize("json_wanted", [False, True])
def test_a_name_latin_1_cannot_show_is_replaced_not_a_codec_error(json_wanted: bool) -> None:
    cjk = Template("app-cjk", name="每日报表-é")
    with serve(Emulator(EmulatorConfig([KEY], [cjk]))) as running:
        process = sae_job(running, "templates", *(["--json"] if json_wanted else []), latin_1=True)
        out, err = process.communicate(timeout=20)
    assert (process.returncode, err) == (0, "")
    if json_wanted:
        assert out.isascii() and json.loads(out)["name"] == "每日报表-é"
    else:
        assert "????-é" in out


def test_a_ctrl_c_handled_in_a_string_exec_still_exits_130_under_python_m(
    long_jobs: RunningEmulator, tmp_path: Path
) -> None:
    # A Ctrl-C that lands while a lazy import makes a dataclass (dataclasses exec()s a string) leaves
    # a flag by which CPython ends a `python -m` process by SIGINT after our message (returncode -2).
    # Here the wait itself raises KeyboardInterrupt inside a string exec(), as the signal would.
    job_id = long_jobs.client.exec_job(LONG.app_id).job_id
    (tmp_path / "interrupted_in_exec.py").write_text(
        "from sae_job.cli import run\n"
        "from sae_job.client import SaeJobClient\n"
        "SaeJobClient.wait_for_job = lambda *args, **kwargs: exec('raise KeyboardInterrupt')\n"
        "run()\n"
    )
    env = {name: value for name, value in os.environ.items() if not name.startswith("ALIBABA_CLOUD_")}
    env.update(
        ALIBABA_CLOUD_ACCESS_KEY_ID=KEY.access_key_id,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=KEY.access_key_secret,
        HOME=str(ROOT / "tests"),
        PYTHONPATH=os.pathsep.join([str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])]),
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "interrupted_in_exec",
            "wait",
            LONG.app_id,
            job_id,
            "--endpoint",
            long_jobs.url,
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        text=True,
        timeout=20,
    )
    assert done.returncode == 130 and "Traceback" not in done.stderr
    assert f"interrupted by SIGINT: job {job_id} was not cancelled" in done.stderr
