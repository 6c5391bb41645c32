"""What `sae-job` prints: text, JSON lines, tables (padded by display width), a wait's progress."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sae_job.cli.failures import Failure
    from sae_job.models import JobStatus, JobTemplate
    from sae_job.settings import TemplateSettings


class Output:
    """Where a command writes: its result on stdout, messages on stderr; a failure as text, and with
    ``--json`` as one object on stdout too (ASCII: ``\\u`` escapes pass any terminal's encoding)."""

    def __init__(self, stdout: TextIO, stderr: TextIO, *, json: bool = False, verbose: bool = False) -> None:
        self.stdout, self.stderr, self.json, self.verbose = stdout, stderr, json, verbose

    def result(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def json_line(self, value: object) -> None:
        self.result(json.dumps(value) + "\n")

    def emit(self, value: object, text: str) -> None:
        """``value`` as one JSON line with --json, else ``text``."""
        self.result(json.dumps(value) + "\n" if self.json else text)

    def say(self, message: str) -> None:
        self.stderr.write(f"sae-job: {message}\n")

    def warn(self, message: str) -> None:
        self.say(f"warning: {message}")

    def fail(self, failure: Failure, exc: BaseException | None = None) -> int:
        if self.verbose and exc is not None:
            import traceback

            traceback.print_exception(exc, file=self.stderr)
        self.stderr.write(failure.text())
        if self.json:
            self.json_line(failure.json())
        return failure.exit_code


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide and fullwidth characters 2, combining ones 0.

    >>> display_width("每日é")
    5
    """
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` and the spaces that fill ``width`` terminal columns (``right``: the spaces before it)."""
    spaces = " " * max(width - display_width(text), 0)
    return spaces + text if right else text + spaces


def fit(text: str, columns: int) -> str:
    """``text`` cut to at most ``columns`` terminal columns (``fit("每日报表", 5) == "每日"``)."""
    used = 0
    for i, char in enumerate(text):
        used += display_width(char)
        if used > columns:
            return text[:i]
    return text


def format_duration(seconds: float) -> str:
    """``45s``, ``1m05s``, ``2h03m``, ``1d02h``: a wait's length at a glance."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"


def utc_text(moment: datetime | None) -> str | None:
    """``2026-12-01T08:00:00Z``, or None."""
    from sae_job.signing import format_acs_date

    return None if moment is None else format_acs_date(moment)


# --- job statuses --------------------------------------------------------------------------------------


def status_json(status: JobStatus, app_id: str | None = None) -> dict[str, Any]:
    """A status as one JSON object, times in ISO 8601 UTC."""
    found = {"job_id": status.job_id} | ({"app_id": app_id} if app_id is not None else {})
    times = {"created_at": utc_text(status.created_at), "completed_at": utc_text(status.completed_at)}
    return found | dataclasses.asdict(status) | {"state": status.state.name.lower(), **times}


def counts(status: JobStatus) -> str:
    return f"{status.active} active, {status.succeeded} succeeded, {status.failed} failed"


def final_line(status: JobStatus) -> str:
    return f"Job {status.job_id} {status.state.name.lower()}: {counts(status)}\n"


def status_text(status: JobStatus, app_id: str) -> str:
    """A status as aligned ``name  value`` lines; the raw State only when this client cannot name it."""
    from sae_job.models import JobState

    unknown = status.state is JobState.UNKNOWN and status.raw_state is not None
    rows = [
        ("job", status.job_id),
        ("app", app_id),
        ("state", status.state.name.lower() + (f" (State {status.raw_state!r})" if unknown else "")),
        ("instances", counts(status)),
        ("created", utc_text(status.created_at) or "-"),
        ("completed", utc_text(status.completed_at) or "-"),
        *([("message", status.message)] if status.message else []),
        ("request", status.request_id or "-"),
    ]
    return "".join(f"{name:<10} {value}\n" for name, value in rows)


HISTORY_HEADER = (
    f"{'JOB ID':<44} {'STATE':<10} {'ACTIVE':>6} {'SUCCEEDED':>9} {'FAILED':>6}  {'CREATED':<20}  COMPLETED"
)


def history_row(status: JobStatus) -> str:
    """One job as a row under :data:`HISTORY_HEADER` (fixed widths, so rows print as they come)."""
    created, completed = utc_text(status.created_at) or "-", utc_text(status.completed_at) or "-"
    return (
        f"{pad(status.job_id, 44)} {status.state.name.lower():<10} {status.active:>6} {status.succeeded:>9} "
        f"{status.failed:>6}  {created:<20}  {completed}"
    )


# --- job templates -------------------------------------------------------------------------------------


def template_json(template: JobTemplate) -> dict[str, Any]:
    """A job template as one JSON object, times in ISO 8601 UTC, the last job's state by name."""
    state = template.last_job_state
    return dataclasses.asdict(template) | {
        "last_job_state": None if state is None else state.name.lower(),
        "last_start_time": utc_text(template.last_start_time),
        "completion_time": utc_text(template.completion_time),
    }


def settings_text(settings: TemplateSettings) -> str:
    """A template's settings, one a line."""
    timeout = settings.timeout
    command = " ".join([settings.command or "", *(settings.command_args or [])]).strip()
    rows = [
        ("namespace", settings.namespace_id),
        ("timeout", None if timeout is None else f"{timeout} s ({format_duration(timeout)})"),
        ("retries (backoff limit)", settings.backoff_limit),
        ("concurrency policy", settings.concurrency_policy),
        ("instances", settings.replicas),
        ("suspended", "yes" if settings.suspended else "no"),
        ("sharded", "yes" if settings.slice else "no"),
        ("time zone", settings.timezone),
        ("trigger", settings.trigger_config),
        ("command", command or None),
        ("environment", ", ".join(str(env.get("name")) for env in settings.envs) if settings.envs else None),
        ("image", settings.image_url),
    ]
    head = f"Job template {settings.name or '-'} ({settings.app_id})\n"
    return head + "".join(f"  {label + ':':<25}{'-' if value is None else value}\n" for label, value in rows)


TEMPLATE_COLUMNS = tuple(
    ["NAME", "APP ID", "NAMESPACE", "SUSPENDED", "LAST RUN", "LAST START", "ACTIVE", "SUCCEEDED", "FAILED"]
)


def templates_table(templates: Sequence[JobTemplate]) -> str:
    """Templates as a table under :data:`TEMPLATE_COLUMNS`, each column as wide as its widest cell."""
    rows = [TEMPLATE_COLUMNS] + [
        (
            t.name,
            t.app_id,
            t.namespace_id or "-",
            "yes" if t.suspended else "no",
            "never" if t.last_job_state is None else t.last_job_state.name.lower(),
            utc_text(t.last_start_time) or "-",
            str(t.active),
            str(t.succeeded),
            str(t.failed),
        )
        for t in templates
    ]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(TEMPLATE_COLUMNS))]

    def line(row: Sequence[str]) -> str:
        cells = [pad(cell, w, right=i >= 6) for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(cells).rstrip() + "\n"  # the counts align right

    return "".join(line(row) for row in rows)


# --- progress ------------------------------------------------------------------------------------------

_TICK = 1.0  # seconds between redraws of a live line
HEARTBEAT = 240.0  # a log's longest silence while waiting: CI services kill a step silent for 10 minutes


class Progress:
    """A wait's progress on ``stream``: live (a terminal), one line redrawn in place, its elapsed time
    ticking; else (CI logs) a timestamped line each time the state or the counts change, and a
    ``still running`` line after :data:`HEARTBEAT` seconds without one."""

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        columns: Callable[[], int] = lambda: shutil.get_terminal_size().columns,
    ) -> None:
        self._stream, self._live, self._columns = stream, live, columns
        self._monotonic, self._now, self._sleep = monotonic, now, sleep
        self._started = self._written = monotonic()  # _written: when the log's last line was
        self._last: JobStatus | None = None
        self._seen: tuple[object, ...] = ()  # the last status's state and counts
        self._drawn = False

    def show(self, status: JobStatus) -> None:
        """A status looked at (``wait_for_job``'s ``on_status``)."""
        seen = (status.state, status.raw_state, status.active, status.succeeded, status.failed)
        changed, self._last, self._seen = seen != self._seen, status, seen
        if self._live:
            self._draw()
        elif changed:
            state = status.state.name.lower()
            self._log(f"job {status.job_id} {state}: {counts(status)} ({self._elapsed()} elapsed)")
        else:
            self._heartbeat()

    def sleep(self, seconds: float) -> None:
        """The client's sleep: on a terminal, the line's elapsed time keeps ticking meanwhile; in a log, a
        long sleep (a server's retry-after) still lets the heartbeat through."""
        if self._last is None:
            self._sleep(seconds)
            return
        end = self._monotonic() + seconds
        while (left := end - self._monotonic()) > 0:
            if self._live:
                self._sleep(min(_TICK, left))
                self._draw()
            else:
                self._sleep(min(max(self._written + HEARTBEAT - self._monotonic(), 0.001), left))
                self._heartbeat()

    def close(self) -> None:
        """Clear the live line: what follows (the final result) starts where it was, and shows once."""
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._drawn = False

    def _heartbeat(self) -> None:
        if self._last is not None and self._monotonic() - self._written >= HEARTBEAT:
            state = self._last.state.name.lower()
            self._log(f"still running: job {self._last.job_id} ({state}), {self._elapsed()} elapsed")

    def _elapsed(self) -> str:
        return format_duration(self._monotonic() - self._started)

    def _log(self, line: str) -> None:
        self._written = self._monotonic()
        self._stream.write(f"{utc_text(self._now())} {line}\n")
        self._stream.flush()

    def _draw(self) -> None:
        assert self._last is not None
        status = self._last
        line = f"job {status.job_id} {status.state.name.lower()}: {counts(status)}, {self._elapsed()} elapsed"
        self._stream.write("\r\x1b[K" + fit(line, max(self._columns() - 1, 1)))  # a wrapped line stays behind
        self._stream.flush()
        self._drawn = True
