"""What `sae-job` prints: failures with their exit codes, in the shell's terms (:func:`cli_terms`
rewrites the library's ``event_id`` as ``--event-id``), statuses and templates, a wait's progress."""

from __future__ import annotations

import dataclasses
import re
import shlex
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sae_job.endpoints import Endpoint
    from sae_job.models import JobStatus, JobTemplate
    from sae_job.settings import TemplateSettings

# Exit codes, documented in --help and the README. 0-6 keep the meaning they always had.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_AUTH = 4
EXIT_THROTTLED = 5
EXIT_UNAVAILABLE = 6
EXIT_JOB_FAILED = 7
EXIT_WAIT_TIMEOUT = 8
EXIT_NOT_CONNECTED = 9
EXIT_INTERRUPTED = 130  # SIGINT (Ctrl-C), as a shell reports a process it ended: 128 + 2
EXIT_PIPE_CLOSED = 141  # whoever read stdout went away (`| head`): 128 + SIGPIPE
EXIT_TERMINATED = 143  # SIGTERM (a CI runner cancelling the step): 128 + 15

EXIT_CODES_HELP = """\
exit codes:
  0  done: the job started (exec), succeeded (--wait, wait), or the answer was read (status, history,
     templates)
  1  an unexpected error (a bug: please report it, with --verbose)
  2  usage error or bad input (nothing was sent)
  3  SAE refused: template, namespace or job not found, concurrency policy Forbid, template suspended,
     account in debt, or a parameter it rejected; or no template has the --app name exactly
     (TemplateNotFound), or templates in several namespaces have it (AmbiguousTemplate: add
     --namespace)
  4  authentication: no credentials found, or the gateway refused the signature or the key
  5  still throttled after every retry
  6  no answer, or a server error, after every retry (the job may have started: the message
     shows the command that finds out with the same --event-id, without starting a second job)
  7  the job failed
  8  the wait timed out; the job was not cancelled and may still run: the message shows the
     `sae-job wait APP_ID JOB_ID` command that waits again
  9  could not connect (the host name did not resolve, the connection was refused): nothing
     was sent, so no job started
  130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM: the message names the job, or the event
     ID, and the command that follows it, or finds out without starting a second one
  141  the reader of the output went away (`sae-job history APP | head -1`): nothing more said
"""


def exit_codes_help(codes: Sequence[int] | None = None) -> str:
    """The exit-code table of ``--help``: every code, or those a command can end with."""
    if codes is None:
        return EXIT_CODES_HELP
    head, *lines = EXIT_CODES_HELP.splitlines(keepends=True)
    kept, keep = [head], False
    for line in lines:
        number = line.split()[0] if line.startswith("  ") and not line.startswith("     ") else None
        if number is not None:
            keep = any(int(code) in codes for code in number.rstrip(",").split(","))
        if keep:
            kept.append(line)
    return "".join(kept)


# Library words -> the shell's words. Ordered: the specific before the general.
_CLI_TERMS: tuple[tuple[str, str], ...] = (
    (r"calling again with the same event_id", "running the same command with the same --event-id"),
    (r"region='([^']*)'", r"--region \1"),
    (r"^region '", "--region '"),
    (r"^endpoint '", "--endpoint '"),
    (r"\bendpoint=,", "--endpoint URL,"),
    (r"\bendpoint=", "--endpoint"),
    (r"\bregion=", "--region"),
    (r"\bevent_id\b", "--event-id"),
    (r"\bapp_id\b", "APP_ID"),
    (r"\bjob_id\b", "JOB_ID"),
    (r"\bnamespace_id=NAMESPACE", "--namespace NAMESPACE"),
    (r"\bnamespace_id\b", "--namespace"),
    (r"^name is empty: give the job template's name", "--app is empty: give the job template's name"),
    (r"\bEnv\.name\b", "--env name"),
    (r"\bEnv\.value of\b", "--env value of"),
    (r"\benvs names\b", "the --env options name"),
    (r"\bConfigMapEnv\.name\b", "--env-from-configmap name"),
    (r"\bConfigMapEnv\.key\b", "--env-from-configmap key"),
    (r"\bConfigMapEnv\.config_map_id\b", "the ConfigMap ID"),
    (r"\bconfig_map_name\b", "--env-all-from-configmap name"),
    (r"\bcommand\[0\] \(the executable\)", "COMMAND (the executable)"),
    (r"\bcommand\[(\d+)\]", r"argument \1 of COMMAND"),
    (r"^command\b", "COMMAND"),
    (r"\bjar_start_options\b", "--jar-start-options"),
    (r"\bjar_start_args\b", "--jar-start-args"),
    (r"\bwar_start_options\b", "--war-start-options"),
    (r"^replicas\b", "--replicas"),
    (r"^time\b", "--at"),
    (r"^page_size must be from 1 to", "--limit must be at least 1; a page holds at most"),
    (r"^state must be\b", "--state must be"),
    (r": leave it out \(None\) instead", ": leave the option out instead"),
    (r";? ?or pass credentials= explicitly\.?", "."),
    (
        r"pass a provider object such as alibabacloud_credentials\.client\.Client\(\) as credentials=",
        "export the temporary key's ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and "
        "ALIBABA_CLOUD_SECURITY_TOKEN (from `aliyun sts AssumeRole`, say)",
    ),
)


def cli_terms(message: str) -> str:
    """A library message with its Python names replaced by the command line's.

    >>> cli_terms("event_id is empty")
    '--event-id is empty'
    """
    for pattern, replacement in _CLI_TERMS:  # re caches what it compiles: only failures pay for it
        message = re.sub(pattern, replacement, message, flags=re.MULTILINE)
    return message


def source_terms(source: str) -> str:
    """Where an endpoint came from (:attr:`Endpoint.source`), in the shell's words."""
    return {"region=": "--region", "endpoint=": "--endpoint"}.get(source, source)


def _sentence(text: str) -> str:
    """``text`` ending in a full stop, unless it ends in a command line to copy (an indented line)."""
    text = text.rstrip()
    last = text.rpartition("\n")[2]
    if text.endswith((".", ":", "!", "?")) or last.startswith("  ") or "://" in last.rpartition(" ")[2]:
        return text  # a command line to copy, or a URL: a full stop would be taken for part of it
    return text + "."


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide and fullwidth characters 2, combining ones 0.

    >>> display_width("每日é")
    5
    """
    import unicodedata

    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def pad(text: str, width: int) -> str:
    """``text`` and spaces to fill ``width`` terminal columns (:func:`display_width`)."""
    return text + " " * max(width - display_width(text), 0)


def fit(text: str, columns: int) -> str:
    """``text`` cut to at most ``columns`` terminal columns.

    >>> fit("每日报表", 5)
    '每日'
    """
    used = 0
    for i, char in enumerate(text):
        used += display_width(char)
        if used > columns:
            return text[:i]
    return text


def format_duration(seconds: float) -> str:
    """``45s``, ``1m05s``, ``2h03m``: a wait's length at a glance.

    >>> format_duration(3725)
    '1h02m'
    """
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
    found: dict[str, Any] = {"job_id": status.job_id} | ({"app_id": app_id} if app_id is not None else {})
    found |= dataclasses.asdict(status)
    found.update(
        state=status.state.name.lower(),
        created_at=utc_text(status.created_at),
        completed_at=utc_text(status.completed_at),
    )
    return found


def counts(status: JobStatus) -> str:
    return f"{status.active} active, {status.succeeded} succeeded, {status.failed} failed"


def status_text(status: JobStatus, app_id: str) -> str:
    """A status as aligned ``name  value`` lines."""
    from sae_job.models import JobState

    unknown = status.state is JobState.UNKNOWN and status.raw_state is not None
    raw = f" (State {status.raw_state!r})" if unknown else ""  # only a State this client cannot name
    rows = [
        ("job", status.job_id),
        ("app", app_id),
        ("state", status.state.name.lower() + raw),
        ("instances", counts(status)),
        ("created", utc_text(status.created_at) or "-"),
        ("completed", utc_text(status.completed_at) or "-"),
    ]
    if status.message:
        rows.append(("message", status.message))
    rows.append(("request", status.request_id or "-"))
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


def settings_json(settings: TemplateSettings) -> dict[str, Any]:
    """A template's settings as one JSON object (the OSS key pair as ``<redacted>``, as it is kept)."""
    return dataclasses.asdict(settings)


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
        (
            "environment",
            None if not settings.envs else ", ".join(str(env.get("name")) for env in settings.envs),
        ),
        ("image", settings.image_url),
    ]
    head = f"Job template {settings.name or '-'} ({settings.app_id})\n"
    return head + "".join(f"  {label + ':':<25}{'-' if value is None else value}\n" for label, value in rows)


TEMPLATE_COLUMNS = (
    "NAME",
    "APP ID",
    "NAMESPACE",
    "SUSPENDED",
    "LAST RUN",
    "LAST START",
    "ACTIVE",
    "SUCCEEDED",
    "FAILED",
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
    numbers = range(6, len(TEMPLATE_COLUMNS))  # counts align right

    def line(row: Sequence[str]) -> str:
        pads = [" " * (w - display_width(cell)) for cell, w in zip(row, widths, strict=True)]
        cells = [
            pad + cell if i in numbers else cell + pad
            for i, (cell, pad) in enumerate(zip(row, pads, strict=True))
        ]
        return "  ".join(cells).rstrip() + "\n"

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
        self._stream = stream
        self._columns = columns
        self._live = live
        self._monotonic = monotonic
        self._now = now
        self._sleep = sleep
        self._started = monotonic()
        self._last: JobStatus | None = None
        self._drawn = False
        self._written = self._started  # when the log's last line was written

    def show(self, status: JobStatus) -> None:
        """A status looked at (``wait_for_job``'s ``on_status``)."""
        changed = self._last is None or _key(self._last) != _key(status)
        self._last = status
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

    def close(self) -> None:
        """Clear the live line: what follows (the final result) starts where it was, and shows once."""
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._drawn = False

    def _draw(self) -> None:
        assert self._last is not None
        status = self._last
        line = f"job {status.job_id} {status.state.name.lower()}: {counts(status)}, {self._elapsed()} elapsed"
        self._stream.write("\r\x1b[K" + fit(line, max(self._columns() - 1, 1)))  # a wrapped line stays behind
        self._stream.flush()
        self._drawn = True


def _key(status: JobStatus) -> tuple[object, ...]:
    return (status.state, status.raw_state, status.active, status.succeeded, status.failed)


# --- failures ------------------------------------------------------------------------------------------


@dataclass
class Failure:
    """What the command line says when a command fails: the exit code, and the message as text and JSON."""

    exit_code: int
    code: str
    message: str
    request_id: str | None = None
    event_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return f"sae-job: {_sentence(self.message)}\n"

    def json(self) -> dict[str, Any]:
        error = {
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "event_id": self.event_id,
            "exit_code": self.exit_code,
        }
        return {"error": {**error, **self.details}}


@dataclass
class Call:
    """What the command was doing, for its failure's message."""

    command: str
    argv: Sequence[str]
    """The command line as given (after ``sae-job``), for the line that runs it again."""
    connection_flags: Sequence[str] = ()
    """The flags that chose the endpoint and credentials, for a ``sae-job wait``/``status`` line."""
    endpoint: Endpoint | None = None
    app_id: str | None = None
    job_id: str | None = None
    event_id: str | None = None
    started: bool = False
    """Whether the job is known to have started (``exec --wait`` after the launch)."""
    signed: bool = False
    """Whether a request was signed, so may have been sent: a bad value is then no usage error."""
    wait_timeout: float | None = None
    credentials_source: str = "the credentials"

    def rerun(self) -> str:
        """The same command line, with ``--event-id`` set: finds out whether the job started."""
        argv = list(self.argv)
        tail = argv.index("--") if "--" in argv else len(argv)
        given = any(a == "--event-id" or a.startswith("--event-id=") for a in argv[:tail])
        if not given and self.event_id is not None:
            argv[tail:tail] = ["--event-id", self.event_id]
        return "sae-job " + shlex.join(argv)

    def job_command(self, command: str) -> str:
        """``sae-job wait APP_ID JOB_ID …``: the command that follows this job, with its connection flags."""
        return "sae-job " + shlex.join(
            [command, self.app_id or "APP_ID", self.job_id or "JOB_ID", *self.connection_flags]
        )


def interrupted(signal_name: str, exit_code: int, call: Call) -> Failure:
    """What an interrupted command says: the job it follows, or the event ID it started one under, and
    the command that goes on from there without starting a second job."""
    details: dict[str, Any] = {"signal": signal_name, "app_id": call.app_id, "job_id": call.job_id}
    if call.job_id is not None:
        message = (
            f"interrupted by {signal_name}: job {call.job_id} was not cancelled and runs on. To follow it:\n"
            f"  {call.job_command('wait')}"
        )
    elif call.command == "exec" and call.event_id is not None:
        message = (
            f"interrupted by {signal_name} before the job was known: it may have started, under event "
            f"{call.event_id}. To find out without starting a second job, run the same command again:\n"
            f"  {call.rerun()}"
        )
    else:
        message = f"interrupted by {signal_name}"
    return Failure(exit_code, "Interrupted", message, event_id=call.event_id, details=details)


def _why_not_connected(exc: BaseException | None) -> str:
    import socket

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(exc, ConnectionRefusedError):
            return "the connection was refused"
        text = str(exc)
        if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return "the host name does not resolve"
        if "Connection refused" in text or "Errno 111" in text or "Errno 61" in text:
            return "the connection was refused"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return "the connection failed"


def _where(endpoint: Endpoint | None) -> str:
    if endpoint is None:
        return "SAE"
    if endpoint.region is None:
        return f"{endpoint.url} (from {source_terms(endpoint.source)})"
    return f"{endpoint.host} (the endpoint of region {endpoint.region}, from {source_terms(endpoint.source)})"


_AUTH_CAUSES = {
    "secret": "a wrong AccessKey secret ({secret})",
    "key": "an AccessKey ID that is disabled, deleted or unknown (RAM console > AccessKey)",
    "clock": "this machine's clock is off by more than 15 minutes (the signature carries the time)",
    "token": "ALIBABA_CLOUD_SECURITY_TOKEN is set, perhaps left over from an STS session: unset it for a "
    "plain AccessKey, or set the temporary key it belongs to",
}


def _auth_causes(code: str, source: str) -> list[str]:
    import os

    order = ["secret", "key", "clock"]
    if code.startswith("InvalidAccessKeyId"):
        order = ["key", "secret", "clock"]
    elif code.startswith("InvalidTimeStamp"):
        order = ["clock", "secret", "key"]
    if os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN"):  # a token with the wrong key fails every signature
        order.insert(0 if code.startswith(("InvalidSecurityToken", "SignatureDoesNotMatch")) else 1, "token")
    return [_AUTH_CAUSES[name].format(secret=source) for name in order]


def describe_failure(exc: BaseException, call: Call) -> Failure:
    """The failure an exception stands for, in the shell's terms."""
    from sae_job import errors

    if isinstance(exc, errors.SaeError):
        return _sae_failure(exc, call)
    if isinstance(exc, errors.CredentialsNotFoundError):
        return Failure(EXIT_AUTH, "CredentialsNotFound", _no_credentials(str(exc)))
    if isinstance(exc, errors.CredentialsError):
        return Failure(EXIT_AUTH, "CredentialsError", "credentials: " + cli_terms(str(exc)))
    if isinstance(exc, errors.TransportError):
        if not exc.sent:
            message = (
                f"could not connect to {_where(call.endpoint)}: {_why_not_connected(exc.__cause__)}. "
                "Nothing was sent"
            )
            if call.command == "exec" and not call.started:
                message += ", so no job started"
            return Failure(EXIT_NOT_CONNECTED, "ConnectionFailed", message, event_id=call.event_id)
        message = cli_terms(_without_tail(str(exc))).replace(
            "no answer from SAE", f"no answer from {_where(call.endpoint)}"
        )
        return _maybe_started(Failure(EXIT_UNAVAILABLE, "NoAnswer", message, event_id=call.event_id), call)
    if isinstance(exc, errors.UnexpectedResponseError):
        failure = Failure(
            EXIT_UNAVAILABLE, "UnexpectedResponse", cli_terms(_without_tail(str(exc))), event_id=call.event_id
        )
        return _maybe_started(failure, call)
    if isinstance(exc, errors.SaeJobError):
        return Failure(EXIT_UNAVAILABLE, type(exc).__name__, cli_terms(str(exc)), event_id=call.event_id)
    if isinstance(exc, ValueError | TypeError) and not call.signed:  # exit 2 only if nothing was sent
        return Failure(EXIT_USAGE, "UsageError", cli_terms(str(exc)))
    failure = Failure(
        EXIT_ERROR, type(exc).__name__, f"unexpected error: {exc!r} (a bug: please report it, with --verbose)"
    )
    if call.signed:
        failure.event_id = call.event_id
        return _maybe_started(failure, call)
    return failure


def _without_tail(message: str) -> str:
    from sae_job.answers import NO_SECOND_JOB

    return message.replace(f"; {NO_SECOND_JOB}", "")


def _sae_failure(exc: Any, call: Call) -> Failure:
    from sae_job import errors

    request = f" (request {exc.request_id})" if exc.request_id else ""
    message = f"{exc.code}: {exc.message}{request}"
    details: dict[str, Any] = {}
    exit_code = EXIT_REFUSED
    if isinstance(exc, errors.JobFailedError | errors.WaitTimeoutError):
        status = exc.status
        details = {"app_id": call.app_id, "job_id": call.job_id}
        if status is not None:
            details["status"] = status_json(status, call.app_id)
        if isinstance(exc, errors.JobFailedError):
            exit_code, message = EXIT_JOB_FAILED, exc.message
        else:
            exit_code = EXIT_WAIT_TIMEOUT
            waited = format_duration(call.wait_timeout) if call.wait_timeout is not None else "the wait"
            seen = f"; last seen {status.state.name.lower()}: {counts(status)}" if status is not None else ""
            message = (
                f"job {call.job_id} had not ended after {waited}{seen}.\n"
                "It was not cancelled and may still be running. To wait again:\n"
                f"  {call.job_command('wait')} --wait-timeout 30m"
            )
    elif isinstance(exc, errors.AuthenticationError):
        exit_code = EXIT_AUTH
        if exc.code == "Forbidden.RAM":
            message += "\nThe key is valid, but its RAM user or role may not call this SAE operation."
        else:
            causes = _auth_causes(exc.code, call.credentials_source)
            message += "\nThe likeliest causes, in order:\n" + "".join(
                f"  {number}. {cause}\n" for number, cause in enumerate(causes, 1)
            )
            if exc.code == "SignatureDoesNotMatch":
                message += (
                    "To compare signatures, run the same command with --dry-run: it shows the string to sign."
                )
    elif isinstance(exc, errors.ThrottlingError):
        exit_code = EXIT_THROTTLED
    elif isinstance(exc, errors.ServerError):
        exit_code = EXIT_UNAVAILABLE
    elif isinstance(exc, errors.AmbiguousTemplateError):
        message = cli_terms(message)
    elif isinstance(exc, errors.TemplateNotFoundError):
        listing = f"sae-job templates --name {shlex.quote(exc.name)}"
        message += f"\nTo see the templates whose names contain it:\n  {listing}"
    if exc.recommend:
        message += f"\nsee {exc.recommend}"
    # A name lookup fails before ExecJob is sent: no event ID stands for a job that may have started.
    lookup = isinstance(exc, errors.TemplateNotFoundError | errors.AmbiguousTemplateError)
    event_id = None if lookup and not call.started else call.event_id
    failure = Failure(exit_code, exc.code, message.rstrip("\n"), exc.request_id, event_id, details)
    if exit_code == EXIT_UNAVAILABLE:
        return _maybe_started(failure, call)
    if call.started and exit_code not in (EXIT_JOB_FAILED, EXIT_WAIT_TIMEOUT):
        failure.message += f"\nThe job {call.job_id} did start; see it with:\n  {call.job_command('status')}"
    return failure


def _maybe_started(failure: Failure, call: Call) -> Failure:
    """A failure after which the job may have started: how to find out, without starting a second one."""
    if call.command != "exec":
        return failure
    if call.started:
        failure.message += f"\nThe job {call.job_id} did start; see it with:\n  {call.job_command('status')}"
        return failure
    failure.message += (
        f"\nThe job may have started. Its event ID is {call.event_id}: running the command again with it "
        f"finds out, and cannot start a second job:\n  {call.rerun()}"
    )
    return failure


def _no_credentials(message: str) -> str:
    """The library's no-credentials message: what it tried, then the fixes, one a line, as flags."""
    tried, _, _ = message.partition("Fix:")
    if not tried.strip():
        return cli_terms(message)
    return (
        tried.rstrip()
        + "\nFix, one of:\n"
        + "  - export ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET\n"
        + "    (and ALIBABA_CLOUD_SECURITY_TOKEN for an STS token)\n"
        + "  - run `aliyun configure`, then choose the profile with --profile NAME or ALIBABA_CLOUD_PROFILE\n"
        + "  - for RAM roles, OIDC (RRSA) or ECS instance roles: export the temporary key's three values\n"
        + "    (from `aliyun sts AssumeRole`, say) as the variables above\n"
    )
