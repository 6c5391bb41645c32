"""Every example in README.md runs as written, against the emulator, after the banner's own shell lines.

The README is read as a newcomer reads it: ``sae-job emulator`` is started from the README's own block,
its banner's ``export``/``unset`` lines are pasted (prepended) before every other block, and then

- a ```` ```sh ```` (or ``bash``, ``console``) block runs in bash with ``set -euo pipefail``: every command
  must succeed, and no ``sae-job: warning`` may show;
- a ```` ```python ```` block runs as a script (``python block.py``), or, when it defines ``test_``
  functions, as a test file under pytest (``python -m pytest``), as a user's suite would;
- a ```` ```toml ```` block is an emulator configuration: it must load;
- a ```` ```text ```` block only shows output or a layout and is not run.

A block may be marked by an HTML comment on the line before it:
``<!-- not run: REASON -->`` (skipped, the reason shown), or ``<!-- runs until stopped -->``: a server,
started, seen to print its ``SAE emulator listening on`` line, stopped with SIGTERM, exit code 0.
A fence with no language fails: every block says what it is.

While the examples run, a thread ends each running job a moment after it started (as a test's
``emulator.finish`` would), so that a waiting example returns at the wait's second look, 1 s in, not
after the demo's 30.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sae_job.emulator.config import ConfigError, parse_config
from tests.conftest import README

RUN = ("sh", "bash", "console")
NOT_RUN = ("text",)
BANNER = "SAE emulator listening on "
FINISH_AFTER = 0.3  # seconds a job runs before the finisher ends it: before the wait looks again at 1 s


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    lang: str
    code: str
    marker: str  # the HTML comment before the fence, without <!-- -->, or ""

    @property
    def id(self) -> str:
        return f"README.md:{self.line}:{self.lang or 'no-language'}"


def readme_blocks(text: str) -> list[Block]:
    """The fenced blocks of ``text``, in order, each with the marker comment just before it."""
    blocks = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        fence = re.fullmatch(r"```(\w*)", lines[index])
        if fence is None:
            index += 1
            continue
        end = lines.index("```", index + 1)
        before = re.fullmatch(r"<!--\s*(.*?)\s*-->", lines[index - 1].strip()) if index else None
        code = "\n".join(lines[index + 1 : end]) + "\n"
        blocks.append(Block(index + 1, fence.group(1), code, before.group(1) if before else ""))
        index = end + 1
    return blocks


BLOCKS = [b for b in readme_blocks(README.read_text(encoding="utf-8")) if b.lang not in NOT_RUN]
SERVERS = [b for b in BLOCKS if b.marker.startswith("runs until stopped")]


def environment(home: Path) -> dict[str, str]:
    """A newcomer's environment: no Alibaba Cloud settings, an empty HOME, the installed sae-job first."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ALIBABA_CLOUD_", "SAE_JOB_", "PYTEST_", "COV_"))
    }
    env["HOME"] = str(home)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def start_server(block: Block, home: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """Run a server block in bash; return it and its stdout lines up to and with the last export line
    (or only the listening line, when it prints none), read as they come."""
    process = subprocess.Popen(
        ["bash", "-c", block.code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=home,
        env=environment(home),
        start_new_session=True,  # its own process group: stopped as one, children included
    )
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("export SAE_JOB_ENDPOINT="):
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert lines and lines[0].startswith(BANNER), f"{block.id}: the emulator did not start: {lines!r}"
    return process, lines


def stop_server(process: subprocess.Popen[str]) -> tuple[int, str]:
    os.killpg(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    return process.returncode, err


class Finisher:
    """Ends every running job of the emulator at ``url`` ``FINISH_AFTER`` seconds after it first saw it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        seen: dict[str, float] = {}
        # Polled with time.sleep, not self.stop.wait(0.2): under make test's faketime pass a timed wait on
        # a lock never times out (libfaketime shifts CLOCK_MONOTONIC but not CPython's sem_clockwait).
        while True:
            time.sleep(0.2)
            if self.stop.is_set():
                return
            with urllib.request.urlopen(self.url + "/_emulator/jobs", timeout=5) as answer:
                jobs = json.load(answer)["jobs"]
            for job in jobs:
                if job["status"] != "Running":
                    continue
                first = seen.setdefault(job["job_id"], time.monotonic())
                if time.monotonic() - first >= FINISH_AFTER:
                    body = json.dumps({"outcome": "succeeded", "message": ""}).encode()
                    request = urllib.request.Request(
                        f"{self.url}/_emulator/jobs/{job['job_id']}/finish", body, method="POST"
                    )
                    urllib.request.urlopen(request, timeout=5).close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


@dataclass
class Pasted:
    """The README's emulator, running, and the shell lines its banner says to paste."""

    banner: list[str]
    paste: str
    url: str
    home: Path


@pytest.fixture(scope="module")
def pasted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pasted]:
    home = tmp_path_factory.mktemp("newcomer")
    assert SERVERS, "the README has no block marked <!-- runs until stopped --> that starts the emulator"
    process, banner = start_server(SERVERS[0], home)
    paste = "".join(line for line in banner if re.match(r"(export|unset) ", line))
    url = banner[0].removeprefix(BANNER).strip()
    finisher = Finisher(url)
    try:
        yield Pasted(banner, paste, url, home)
    finally:
        finisher.close()
        code, err = stop_server(process)
        assert code == 0, err


def test_the_readme_has_runnable_blocks_and_only_a_few_not_run() -> None:
    assert not [b.id for b in BLOCKS if b.lang == ""], "a fence without a language: mark it text, sh, ..."
    assert {b.lang for b in BLOCKS} <= {*RUN, "python", "toml"}, {b.lang for b in BLOCKS}
    not_run = [b for b in BLOCKS if b.marker.startswith("not run")]
    assert all(b.marker.removeprefix("not run:").strip() for b in not_run), "a not-run block needs a reason"
    assert len(not_run) <= 3, [b.id for b in not_run]


def test_the_banner_says_what_to_paste(pasted: Pasted) -> None:
    paste = pasted.paste.splitlines()
    assert paste[0] == "export ALIBABA_CLOUD_ACCESS_KEY_ID=emulator-demo-key-id"
    assert paste[1] == "export ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-demo-key-secret"
    assert paste[-1] == f"export SAE_JOB_ENDPOINT={pasted.url}"


def run_block(block: Block, pasted: Pasted, workdir: Path) -> subprocess.CompletedProcess[str]:
    if block.lang in RUN:
        script = block.code
    elif "def test_" in block.code:
        (workdir / "test_readme_block.py").write_text(block.code, encoding="utf-8")
        script = "python -m pytest -q -p no:cacheprovider test_readme_block.py\n"
    else:
        (workdir / "readme_block.py").write_text(block.code, encoding="utf-8")
        script = "python readme_block.py\n"
    return subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + pasted.paste + script],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=environment(pasted.home),
        timeout=120,
    )


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.id)
def test_the_readme_block_runs_as_written(block: Block, pasted: Pasted, tmp_path: Path) -> None:
    if block.marker.startswith("not run"):
        pytest.skip(block.marker)
    if block.lang == "toml":
        try:
            parse_config(block.code, source=block.id)
        except ConfigError as exc:
            pytest.fail(str(exc))
        return
    if block.marker.startswith("runs until stopped"):
        if block is SERVERS[0]:
            return  # the module's emulator: `pasted` started it, and stops it expecting exit code 0
        process, _ = start_server(block, tmp_path)
        code, err = stop_server(process)
        assert code == 0, err
        return
    if "jq " in block.code and shutil.which("jq") is None:
        pytest.skip("needs jq, which is not installed here")
    done = run_block(block, pasted, tmp_path)
    assert done.returncode == 0, f"{block.id} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "sae-job: warning" not in done.stderr, done.stderr
