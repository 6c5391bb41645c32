"""How a command fails: an exception's type and fields -> its message and exit code, in the shell's
words (a library parameter -> its flag through :data:`FLAGS`)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sae_job.cli.output import counts, format_duration, status_json

if TYPE_CHECKING:
    from sae_job import errors
    from sae_job.endpoints import Endpoint

# Exit codes, documented in --help (the table below) and the README. 0-6 keep the meaning they always had.
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

_EXIT_CODES_HEAD = """\
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
"""
_EXIT_CODES_OF_WAITING = """\
  7  the job failed
  8  the wait timed out; the job was not cancelled and may still run: the message shows the
     `sae-job wait APP_ID JOB_ID` command that waits again
"""
_EXIT_CODES_TAIL = """\
  9  could not connect (the host name did not resolve, the connection was refused): nothing
     was sent, so no job started
  130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM: the message names the job, or the event
     ID, and the command that follows it, or finds out without starting a second one
  141  the reader of the output went away (`sae-job history APP | head -1`): nothing more said
"""


def exit_codes_help(waits: bool = True) -> str:
    """The exit-code table of ``--help``: 7 and 8 only for a command that waits for a job."""
    return _EXIT_CODES_HEAD + (_EXIT_CODES_OF_WAITING if waits else "") + _EXIT_CODES_TAIL


# Library parameters (ArgumentError.parameter, Endpoint.source) -> the command line's names, where not
# the snake_case name as an option (event_id is --event-id).
FLAGS = {
    "app_id": "APP_ID",
    "job_id": "JOB_ID",
    "command": "COMMAND",
    "command[0]": "COMMAND",
    "namespace_id": "--namespace",
    "name": "--app",
    "time": "--at",
    "page_size": "--limit",
    "envs": "--env",
    "Env.name": "--env name",
    "Env.value": "--env value",
    "ConfigMapEnv.name": "--env-from-configmap name",
    "ConfigMapEnv.key": "--env-from-configmap key",
    "ConfigMapEnv.config_map_id": "the ConfigMap ID",
    "config_map_name": "--env-all-from-configmap name",
    "endpoint=": "--endpoint",
    "region=": "--region",
}


def flag(parameter: str) -> str:
    """The command line's name for a library parameter: ``event_id`` is ``--event-id``, ``command[2]``
    argument 2 of COMMAND, ``envs['A']`` ``--env 'A'``; any other name (a variable's) as it is."""
    if parameter.startswith("command[") and parameter != "command[0]":
        return f"argument {parameter[len('command[') : -1]} of COMMAND"
    if parameter.startswith("envs["):
        return f"--env {parameter[len('envs[') : -1]}"
    if parameter in FLAGS or not parameter.replace("_", "").isalpha() or not parameter.islower():
        return FLAGS.get(parameter, parameter)
    return "--" + parameter.replace("_", "-")


class UsageError(Exception):
    """Bad command-line input: exit code 2, nothing sent."""


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
        """The message as a sentence; no full stop after a command line to copy, or after a URL."""
        text = self.message.rstrip()
        last = text.rpartition("\n")[2]
        command_or_url = last.startswith("  ") or "://" in last.rpartition(" ")[2]
        if not (text.endswith((".", ":", "!", "?")) or command_or_url):
            text += "."
        return f"sae-job: {text}\n"

    def json(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message, "request_id": self.request_id}
        return {"error": error | {"event_id": self.event_id, "exit_code": self.exit_code, **self.details}}


@dataclass
class Call:
    """What the command was doing, for its failure's message: the command line as given (after
    ``sae-job``), for the line that runs it again; the flags that chose the endpoint and credentials, for
    a ``sae-job wait``/``status`` line; whether the job is known to have started (``exec`` after the
    launch), and whether a request was signed, so may have been sent (a bad value is then no usage error).
    """

    command: str
    argv: Sequence[str]
    connection_flags: Sequence[str] = ()
    endpoint: Endpoint | None = None
    app_id: str | None = None
    job_id: str | None = None
    event_id: str | None = None
    wait_timeout: float | None = None
    credentials_source: str = "the credentials"
    started: bool = False
    signed: bool = False

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


def interrupted(sigint: bool, call: Call) -> Failure:
    """What a command interrupted by SIGINT (else SIGTERM) says: the job it follows, or the event ID it
    started one under, and the command that goes on from there without starting a second job."""
    signal_name, exit_code = ("SIGINT", EXIT_INTERRUPTED) if sigint else ("SIGTERM", EXIT_TERMINATED)
    details = {"signal": signal_name, "app_id": call.app_id, "job_id": call.job_id}
    message = f"interrupted by {signal_name}"
    if call.job_id is not None:
        message += (
            f": job {call.job_id} was not cancelled and runs on. To follow it:\n  {call.job_command('wait')}"
        )
    elif call.command == "exec" and call.event_id is not None:
        message += (
            f" before the job was known: it may have started, under event {call.event_id}. To find out "
            f"without starting a second job, run the same command again:\n  {call.rerun()}"
        )
    return Failure(exit_code, "Interrupted", message, event_id=call.event_id, details=details)


def describe_failure(exc: BaseException, call: Call) -> Failure:
    """The failure an exception stands for, in the shell's terms."""
    from sae_job import errors
    from sae_job.arguments import ArgumentError

    if isinstance(exc, UsageError):
        return Failure(EXIT_USAGE, "UsageError", str(exc))
    if isinstance(exc, errors.SaeError):
        return _sae_failure(exc, call)
    if isinstance(exc, errors.CredentialsNotFoundError):
        return Failure(EXIT_AUTH, "CredentialsNotFound", _no_credentials(exc))
    if isinstance(exc, errors.CredentialsError):
        why = str(exc)
        if exc.mode is not None:  # what a Python caller passes as credentials=, the shell exports
            why = f"{exc.profile} uses mode {exc.mode!r}, which sae-job does not read itself; {_CLI_HINT}"
        return Failure(EXIT_AUTH, "CredentialsError", f"credentials: {why}")
    if isinstance(exc, errors.TransportError) and not exc.sent:
        why = _why_not_connected(exc.__cause__)
        started = ", so no job started" if call.command == "exec" and not call.started else ""
        message = f"could not connect to {_where(call.endpoint)}: {why}. Nothing was sent{started}"
        return Failure(EXIT_NOT_CONNECTED, "ConnectionFailed", message, event_id=call.event_id)
    if isinstance(exc, errors.TransportError) and exc.__cause__ is not None:
        cause = exc.__cause__
        message = f"no answer from {_where(call.endpoint)} ({type(cause).__name__}: {cause})"
        return _maybe_started(Failure(EXIT_UNAVAILABLE, "NoAnswer", message, event_id=call.event_id), call)
    if isinstance(exc, errors.SaeJobError):  # the library's own sentences; calling again is said below
        message = str(exc)
        if isinstance(exc, errors.TransportError | errors.UnexpectedResponseError):
            message = exc.problem
        code = "UnexpectedResponse" if isinstance(exc, errors.UnexpectedResponseError) else type(exc).__name__
        return _maybe_started(Failure(EXIT_UNAVAILABLE, code, message, event_id=call.event_id), call)
    if isinstance(exc, ValueError | TypeError) and not call.signed:  # exit 2 only if nothing was sent
        problem = f"{flag(exc.parameter)} {exc.problem}" if isinstance(exc, ArgumentError) else str(exc)
        return Failure(EXIT_USAGE, "UsageError", problem)
    message = f"unexpected error: {exc!r} (a bug: please report it, with --verbose)"
    failure = Failure(
        EXIT_ERROR, type(exc).__name__, message, event_id=call.event_id if call.signed else None
    )
    return _maybe_started(failure, call) if call.signed else failure


_CLI_HINT = (
    "for that mode, export the temporary key's ALIBABA_CLOUD_ACCESS_KEY_ID, "
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN (from `aliyun sts AssumeRole`, say)"
)


# What the resolver and the socket say (in the error httpcore wraps), where its type is lost.
_NOT_RESOLVED = ("Name or service not known", "nodename nor servname", "getaddrinfo")
_REFUSED = ("Connection refused", "Errno 111", "Errno 61")


def _why_not_connected(exc: BaseException | None) -> str:
    import socket

    for _ in range(10):  # down the chain of causes, not forever
        if exc is None:
            break
        if isinstance(exc, socket.gaierror) or any(sign in str(exc) for sign in _NOT_RESOLVED):
            return "the host name does not resolve"
        if isinstance(exc, ConnectionRefusedError) or any(sign in str(exc) for sign in _REFUSED):
            return "the connection was refused"
        exc = exc.__cause__ or exc.__context__
    return "the connection failed"


def _where(endpoint: Endpoint | None) -> str:
    if endpoint is None:
        return "SAE"
    if endpoint.region is None:
        return f"{endpoint.url} (from {flag(endpoint.source)})"
    return f"{endpoint.host} (the endpoint of region {endpoint.region}, from {flag(endpoint.source)})"


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


def _sae_failure(exc: errors.SaeError, call: Call) -> Failure:
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
            message += "\nThe likeliest causes, in order:\n"
            message += "".join(f"  {number}. {cause}\n" for number, cause in enumerate(causes, 1))
            if exc.code == "SignatureDoesNotMatch":
                message += (
                    "To compare signatures, run the same command with --dry-run: it shows the string to sign."
                )
    elif isinstance(exc, errors.ThrottlingError):
        exit_code = EXIT_THROTTLED
    elif isinstance(exc, errors.ServerError):
        exit_code = EXIT_UNAVAILABLE
    elif isinstance(exc, errors.AmbiguousTemplateError):
        ids = ", ".join(f"{app_id} in {namespace or '?'}" for app_id, namespace in exc.templates)
        message = (
            f"{exc.code}: job templates in several namespaces are named {exc.name!r} ({ids}){request}; "
            f"pick one with --namespace NAMESPACE: {', '.join(exc.namespaces)}"
        )
    elif isinstance(exc, errors.TemplateNotFoundError):
        listing = f"sae-job templates --name {shlex.quote(exc.name)}"
        message += f"\nTo see the templates whose names contain it:\n  {listing}"
    if exc.recommend:
        message += f"\nsee {exc.recommend}"
    # A name lookup fails before ExecJob is sent: no event ID stands for a job that may have started.
    lookup = isinstance(exc, errors.TemplateNotFoundError | errors.AmbiguousTemplateError)
    event_id = None if lookup and not call.started else call.event_id
    failure = Failure(exit_code, exc.code, message.rstrip("\n"), exc.request_id, event_id, details)
    waited_for = exit_code in (EXIT_JOB_FAILED, EXIT_WAIT_TIMEOUT)
    if exit_code == EXIT_UNAVAILABLE or (call.started and not waited_for):
        return _maybe_started(failure, call)
    return failure


def _maybe_started(failure: Failure, call: Call) -> Failure:
    """A failure after which the job may have started: how to find out, without starting a second one."""
    if call.command != "exec":
        return failure
    if call.started:
        failure.message += f"\nThe job {call.job_id} did start; see it with:\n  {call.job_command('status')}"
    else:
        failure.message += (
            f"\nThe job may have started. Its event ID is {call.event_id}: running the command again with "
            f"it finds out, and cannot start a second job:\n  {call.rerun()}"
        )
    return failure


def _no_credentials(exc: errors.CredentialsNotFoundError) -> str:
    """What the library tried (or why the chosen profile is not there), then the fixes in the shell's
    terms, one a line."""
    tried = "".join(f"\n  - {step}" for step in exc.tried)
    return (f"no Alibaba Cloud credentials found. Tried:{tried}" if exc.tried else str(exc)) + (
        "\nFix, one of:\n"
        "  - export ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET\n"
        "    (and ALIBABA_CLOUD_SECURITY_TOKEN for an STS token)\n"
        "  - run `aliyun configure`, then choose the profile with --profile NAME or ALIBABA_CLOUD_PROFILE\n"
        "  - for RAM roles, OIDC (RRSA) or ECS instance roles: export the temporary key's three values\n"
        "    (from `aliyun sts AssumeRole`, say) as the variables above\n"
    )
