"""The `sae-job` command line: `exec` starts a job, `wait`, `status` and `history` follow jobs,
`templates` lists the job templates (each command takes a template by name, `--app NAME`, as well as by
ID), and `emulator` serves a local SAE.

Only argparse is imported at start; the client (and httpx) load when a command needs them, so a
pipeline step pays as little interpreter start-up as it can. What the commands print (failures, their
exit codes, statuses, progress) is :mod:`sae_job.cli_output`.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from sae_job import __version__
from sae_job.cli_output import (
    EXIT_AUTH,
    EXIT_CODES_HELP,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_JOB_FAILED,
    EXIT_NOT_CONNECTED,
    EXIT_OK,
    EXIT_PIPE_CLOSED,
    EXIT_REFUSED,
    EXIT_TERMINATED,
    EXIT_THROTTLED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    EXIT_WAIT_TIMEOUT,
    Call,
    Failure,
    utc_text,
)

if TYPE_CHECKING:
    from sae_job.arguments import ConfigMapEnv, Env, ExecJobArguments
    from sae_job.cli_output import Progress
    from sae_job.client import SaeJobClient
    from sae_job.endpoints import Endpoint
    from sae_job.models import JobTemplate
    from sae_job.settings import TemplateSettings

__all__ = [
    "EXIT_AUTH",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_JOB_FAILED",
    "EXIT_NOT_CONNECTED",
    "EXIT_OK",
    "EXIT_PIPE_CLOSED",
    "EXIT_REFUSED",
    "EXIT_TERMINATED",
    "EXIT_THROTTLED",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "EXIT_WAIT_TIMEOUT",
    "UsageError",
    "build_parser",
    "main",
    "parse_at",
    "parse_duration",
]

SETTINGS_HELP = """\
settings, first found wins:
  endpoint     --endpoint, $SAE_JOB_ENDPOINT, else SAE's endpoint in the region
  region       --region, $ALIBABA_CLOUD_REGION_ID, the aliyun CLI profile's region_id
  credentials  $ALIBABA_CLOUD_ACCESS_KEY_ID / $ALIBABA_CLOUD_ACCESS_KEY_SECRET
               (/ $ALIBABA_CLOUD_SECURITY_TOKEN), else the aliyun CLI's ~/.aliyun/config.json
               (profile: --profile, $ALIBABA_CLOUD_PROFILE, the file's current one)
"""

EXEC_EXAMPLES = """\
examples:
  sae-job exec ee1a7a07-abcb-4652-a1d3-2d57f415b0a1 --region cn-hangzhou -- echo abc '>' file0
  sae-job exec APP_ID --env STAGE=prod --env-from-configmap DB_HOST=123:db_host \\
      --env-all-from-configmap app-config=124 --replicas 3 --at +10m -- ./run.sh --full
  sae-job exec APP_ID --event-id "$CI_PIPELINE_ID" --wait --wait-timeout 30m -- ./nightly.sh
  sae-job exec APP_ID --endpoint http://127.0.0.1:PORT --dry-run --json -- echo hi
  sae-job exec --app nightly-report --namespace cn-hangzhou:prod --wait -- ./run.sh
"""
WAIT_EXAMPLES = """\
examples:
  sae-job wait APP_ID JOB_ID --wait-timeout 30m
  sae-job wait APP_ID JOB_ID --json -q > final-status.json
  sae-job wait --app nightly-report JOB_ID
"""
STATUS_EXAMPLES = """\
examples:
  sae-job status APP_ID JOB_ID
  sae-job status APP_ID --json        # the template's latest job
  sae-job status --app nightly-report  # the same, by the template's name
"""
HISTORY_EXAMPLES = """\
examples:
  sae-job history APP_ID --limit 20
  sae-job history APP_ID --state failed --json | jq -r .job_id
  sae-job history --app nightly-report --limit 5
"""
TEMPLATES_EXAMPLES = """\
examples:
  sae-job templates
  sae-job templates --name report --namespace cn-hangzhou:prod
  sae-job templates --json | jq -r 'select(.last_job_state == "failed") | .name'
  sae-job templates --show nightly-report
"""
TOP_EXAMPLES = """\
examples:
  sae-job exec APP_ID --region cn-hangzhou --wait -- ./nightly.sh
  sae-job wait APP_ID JOB_ID --wait-timeout 30m
  sae-job status APP_ID JOB_ID
  sae-job history APP_ID --state failed --limit 10
  sae-job templates --name report
  sae-job exec --app nightly-report --wait -- ./nightly.sh
  sae-job emulator
"""

_RELATIVE = re.compile(r"([+-])(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?")
PAST_AT_GRACE = timedelta(minutes=1)  # a time just past (a clock a little behind) still means "now"
DEFAULT_WAIT = 3600.0  # seconds a wait lasts when neither --wait-timeout nor the template says


class UsageError(Exception):
    """Bad command-line input: exit code 2, nothing sent."""


def parse_at(value: str, now: datetime | None = None) -> datetime | None:
    """``--at``: ``now`` (None: trigger at once), relative (``+10m``, ``+2h``, ``+1d``) or ISO 8601 with a
    zone (``2026-12-01T08:00:00Z``, ``…+08:00``). A time more than a minute past is refused."""
    now = now or datetime.now(UTC)
    text = value.strip()
    if text.lower() == "now":
        return None
    relative = _RELATIVE.fullmatch(text)
    if relative:
        sign, amount, unit = relative.groups()
        if sign == "-":
            raise UsageError(
                f"--at {value!r} is in the past: relative times count forward (+10m, +2h, +1d); "
                "--at now starts the job at once"
            )
        try:
            return now + timedelta(**{_UNITS[unit]: int(amount)})
        except OverflowError:
            raise UsageError(f"--at {value!r} is too far ahead: no calendar reaches it") from None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--at {value!r} is not a time: use now, +10m, +2h, +1d, "
            "or ISO 8601 with a zone (2026-12-01T08:00:00Z)"
        ) from None
    if parsed.tzinfo is None:
        raise UsageError(f"--at {value!r} has no timezone: add Z or an offset such as +08:00")
    if parsed < now - PAST_AT_GRACE:
        raise UsageError(
            f"--at {value!r} is {_ago(now - parsed)} in the past: give a time to come, "
            "or --at now to start the job at once"
        )
    return parsed


def _ago(delta: timedelta) -> str:
    from sae_job.cli_output import format_duration

    return format_duration(delta.total_seconds())


def parse_duration(text: str) -> float:
    """``--wait-timeout``: ``90s``, ``30m``, ``2h``, ``1d``, ``1h30m``; more than 0. A number without its
    unit is refused: 30 could mean seconds or minutes."""
    value = text.strip().lower()
    match = _DURATION.fullmatch(value)
    seconds: float
    if value and match and any(match.groups()):
        days, hours, minutes, secs = match.groups()
        seconds = int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs or 0)
    else:
        try:
            float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a duration: use 90s, 30m, 2h, 1d or 1h30m"
            ) from None
        raise argparse.ArgumentTypeError(
            f"{text!r} has no unit: write {value}s, {value}m or {value}h (90s, 30m, 2h, 1d, 1h30m)"
        )
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be longer than 0 seconds")
    return seconds


def _split(value: str, option: str, form: str) -> tuple[str, str]:
    name, sep, rest = value.partition("=")
    if not sep or not name:
        raise UsageError(f"{option} {value!r} is not of the form {form}")
    return name, rest


def _config_map_id(text: str, option: str, value: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{option} {value!r}: the ConfigMap ID must be a positive integer")
    return int(text)


def build_envs(args: argparse.Namespace) -> list[Env | ConfigMapEnv] | None:
    """The ``--env*`` options, in the order given, as Env and ConfigMapEnv objects."""
    from sae_job.arguments import ConfigMapEnv, Env

    envs: list[Env | ConfigMapEnv] = []
    for kind, value in args.envs:
        if kind == "env":
            name, text = _split(value, "--env", "NAME=VALUE")
            envs.append(Env(name, text))
        elif kind == "configmap":
            name, ref = _split(value, "--env-from-configmap", "NAME=CONFIGMAP_ID:KEY")
            config_map_id, colon, key = ref.partition(":")
            if not colon or not key:
                raise UsageError(f"--env-from-configmap {value!r} is not of the form NAME=CONFIGMAP_ID:KEY")
            envs.append(ConfigMapEnv(name, _config_map_id(config_map_id, "--env-from-configmap", value), key))
        else:
            name, config_map_id = _split(value, "--env-all-from-configmap", "CONFIGMAP_NAME=CONFIGMAP_ID")
            envs.append(
                ConfigMapEnv.all(name, _config_map_id(config_map_id, "--env-all-from-configmap", value))
            )
    return envs or None


# --- the parser ----------------------------------------------------------------------------------------


class _ArgumentError(Exception):
    """An argparse mistake, raised instead of exiting so that main() prints it the CLI's way."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose mistakes reach main(), which prints them with the subcommand's usage."""

    def error(self, message: str) -> NoReturn:
        raise _ArgumentError(self, message)


class _AppendTagged(argparse.Action):
    """Keeps --env, --env-from-configmap and --env-all-from-configmap in one list, in order."""

    def __call__(self, parser: Any, namespace: argparse.Namespace, values: Any, option: Any = None) -> None:
        items = list(getattr(namespace, self.dest) or [])
        items.append((self.const, values))
        setattr(namespace, self.dest, items)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def _add_common_options(p: argparse.ArgumentParser, json_help: str) -> None:
    """Where to call, with which credentials, and how to print: the options every SAE command takes."""
    where = p.add_argument_group("where and how")
    where.add_argument("--region", help="region ID, e.g. cn-hangzhou (see 'settings' below for the default)")
    where.add_argument("--vpc", action="store_true", help="use the VPC endpoint sae-vpc.REGION.aliyuncs.com")
    where.add_argument(
        "--endpoint", metavar="URL", help="any endpoint URL, e.g. http://127.0.0.1:PORT (emulator)"
    )
    where.add_argument("--profile", metavar="NAME", help="the aliyun CLI profile to use, e.g. prod")
    where.add_argument(
        "--signature-version",
        choices=["v3", "v2"],
        default="v3",
        help="v3 = ACS3-HMAC-SHA256 (default), v2 = ROA HMAC-SHA1",
    )
    where.add_argument(
        "--timeout",
        type=_positive_float,
        default=60.0,
        metavar="SECONDS",
        help="the whole call, every attempt and wait between them included (default 60); each attempt "
        "gives up after 10 s. Waiting for a job is --wait-timeout",
    )
    where.add_argument(
        "--max-attempts",
        type=_positive_int,
        default=3,
        metavar="N",
        help="attempts per call, retries included, e.g. 3 (default)",
    )
    out = p.add_argument_group("output")
    out.add_argument("--json", action="store_true", help=json_help)
    out.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log requests, retries and signing steps (secrets redacted); tracebacks on errors",
    )


def _add_wait_options(group: Any, *, with_wait_flag: bool) -> None:
    if with_wait_flag:
        group.add_argument("--wait", action="store_true", help="wait for the job to end: exit 7 if it fails")
    group.add_argument(
        "--wait-timeout",
        type=parse_duration,
        default=None,
        metavar="DURATION",
        help="give up waiting after this long, e.g. 90s, 30m, 2h (default: the template's own timeout plus "
        "a tenth, at least 1m, read with DescribeJob; 1h if it cannot be read); exit 8, the job runs on",
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", help="no progress line while waiting (errors still show)"
    )


def _add_template_options(p: argparse.ArgumentParser) -> None:
    """``--app NAME`` (and ``--namespace``), which stand for APP_ID: the template found by its name."""
    by_name = p.add_argument_group("the template by name, instead of APP_ID")
    by_name.add_argument(
        "--app",
        metavar="NAME",
        help="the job template's exact name, e.g. nightly-report (looked up once, with ListJobs)",
    )
    by_name.add_argument(
        "--namespace",
        metavar="ID",
        help="with --app: the namespace of the template, when several have the name, e.g. cn-hangzhou:dev",
    )


# Each command's help, description, usage, examples, and what it prints with --json.
_TEXTS = {
    "exec": (
        "start a job from a job template (ExecJob)",
        "Start a job from the SAE job template APP_ID. Everything after -- is the command.",
        "sae-job exec (APP_ID | --app NAME) [options] -- COMMAND [ARG ...]",
        EXEC_EXAMPLES,
        "print one JSON object: job_id, request_id, trace_id, event_id, app_id, trigger_time "
        "(and status, with --wait)",
    ),
    "wait": (
        "wait for a job to end (DescribeJobStatus): exit 0 succeeded, 7 failed, 8 timed out",
        "Wait for the job JOB_ID of template APP_ID to end, showing its progress on stderr.",
        "sae-job wait (APP_ID | --app NAME) JOB_ID [options]",
        WAIT_EXAMPLES,
        "print the final status as one JSON object",
    ),
    "status": (
        "show a job's state and instance counts (DescribeJobStatus)",
        "Show the state and instance counts of job JOB_ID (default: the template's latest job).",
        "sae-job status (APP_ID | --app NAME) [JOB_ID] [options]",
        STATUS_EXAMPLES,
        "print the status as one JSON object",
    ),
    "history": (
        "list a template's jobs, newest first (DescribeJobHistory)",
        "List the jobs of template APP_ID, newest first.",
        "sae-job history (APP_ID | --app NAME) [--state STATE] [--limit N] [options]",
        HISTORY_EXAMPLES,
        "print one JSON object per job, one a line",
    ),
    "templates": (
        "list the job templates, each with its last job (ListJobs)",
        "List the job templates: name, ID, namespace, and the state of each one's last job.",
        "sae-job templates [--name PART] [--namespace ID] [--show TEMPLATE] [options]",
        TEMPLATES_EXAMPLES,
        "print one JSON object per template, one a line",
    ),
}
_APP_ID_HELP = "the job template's ID (or --app NAME)"
# The codes each command can end with (7 and 8 only where a job is waited for); all of them for exec.
_ONE_LOOK = (0, 1, 2, 3, 4, 5, 6, 9, 130, 141, 143)
_EXIT_CODES: dict[str, tuple[int, ...]] = {"status": _ONE_LOOK, "history": _ONE_LOOK, "templates": _ONE_LOOK}


def _subcommand(commands: Any, name: str, *, app_id: str | None = _APP_ID_HELP) -> argparse.ArgumentParser:
    """The parser of command ``name``, with APP_ID (help ``app_id``; None: none) and --app/--namespace."""
    from sae_job.cli_output import exit_codes_help

    help, description, usage, examples, _ = _TEXTS[name]
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=description,
        usage=usage,
        epilog=examples + "\n" + SETTINGS_HELP + "\n" + exit_codes_help(_EXIT_CODES.get(name)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if app_id is not None:
        parser.add_argument("app_id", metavar="APP_ID", nargs="?", help=app_id)
    return parser


def _finish(
    parser: argparse.ArgumentParser, name: str, run: Callable[[argparse.Namespace, _Output, Call], int]
) -> None:
    """The options every SAE command takes, last, and what runs the command."""
    _add_common_options(parser, _TEXTS[name][4] + '; on failure {"error": {...}}')
    parser.set_defaults(parser=parser, handler=functools.partial(_run_command, name, run))


def _add_exec(commands: Any) -> None:
    p = _subcommand(
        commands,
        "exec",
        app_id="the job template's ID, e.g. ee1a7a07-abcb-4652-a1d3-2d57f415b0a1 (or --app NAME)",
    )
    _add_template_options(p)
    p.add_argument("command", metavar="COMMAND", nargs="*", help="the command and its arguments, after --")
    job = p.add_argument_group("the job")
    for flag, const, metavar, text in (
        (
            "--env",
            "env",
            "NAME=VALUE",
            "an environment variable (repeatable; the value may contain '='), e.g. STAGE=prod",
        ),
        (
            "--env-from-configmap",
            "configmap",
            "NAME=CONFIGMAP_ID:KEY",
            "a variable from a ConfigMap key, e.g. DB_HOST=123:db_host",
        ),
        (
            "--env-all-from-configmap",
            "all",
            "CONFIGMAP_NAME=CONFIGMAP_ID",
            "every key of a ConfigMap, e.g. app-config=124",
        ),
    ):
        job.add_argument(flag, dest="envs", action=_AppendTagged, const=const, metavar=metavar, help=text)
    job.add_argument("--replicas", type=_positive_int, metavar="N", help="instances to run at once, e.g. 3")
    job.add_argument(
        "--at",
        metavar="TIME",
        help="when to trigger: now (default), +10m, +2h, +1d, 2026-12-01T08:00:00Z or …+08:00",
    )
    job.add_argument(
        "--event-id",
        metavar="ID",
        help='idempotency key: one job per event ID, e.g. "$CI_PIPELINE_ID" (default: a new uuid)',
    )
    job.add_argument("--jar-start-options", metavar="TEXT", help="JAR start options, e.g. '-Xms4G -Xmx4G'")
    job.add_argument("--jar-start-args", metavar="TEXT", help="JAR start arguments, e.g. custom-args")
    job.add_argument("--war-start-options", metavar="TEXT", help="WAR start command, e.g. 'catalina.sh run'")
    _add_wait_options(p.add_argument_group("waiting"), with_wait_flag=True)
    _finish(p, "exec", run_exec)
    p.add_argument_group("output").add_argument(
        "--dry-run",
        action="store_true",
        help="send nothing: print the signed request, canonical request and string to sign",
    )
    p.set_defaults(envs=[])


def _add_follow_commands(commands: Any) -> None:
    p = _subcommand(commands, "wait")
    p.add_argument("job_id", metavar="JOB_ID", help="the job's ID, as `sae-job exec` printed it")
    _add_template_options(p)
    _add_wait_options(p.add_argument_group("waiting"), with_wait_flag=False)
    _finish(p, "wait", run_wait)

    p = _subcommand(commands, "status")
    p.add_argument("job_id", metavar="JOB_ID", nargs="?", help="the job's ID (default: the latest job)")
    _add_template_options(p)
    _finish(p, "status", run_status)

    p = _subcommand(commands, "history")
    _add_template_options(p)
    p.add_argument(
        "--state", choices=["pending", "running", "succeeded", "failed"], help="only the jobs in this state"
    )
    p.add_argument("--limit", type=_positive_int, metavar="N", help="at most N jobs, e.g. 20 (default: all)")
    _finish(p, "history", run_history)

    p = _subcommand(commands, "templates", app_id=None)
    p.add_argument("--name", metavar="PART", help="only the templates whose name contains PART, e.g. report")
    p.add_argument(
        "--namespace", metavar="ID", help="only the templates of this namespace, e.g. cn-hangzhou:dev"
    )
    p.add_argument(
        "--show",
        metavar="TEMPLATE",
        help="show one template's settings (DescribeJob): its ID, or its name (in --namespace)",
    )
    _finish(p, "templates", run_templates)


def _add_emulator(commands: Any) -> None:
    from sae_job.emulator.cli import EXAMPLES as EMULATOR_EXAMPLES
    from sae_job.emulator.cli import add_arguments
    from sae_job.emulator.cli import run as serve

    def run_emulator(args: argparse.Namespace) -> int:
        lasting()
        return serve(args)

    p = commands.add_parser(
        "emulator",
        help="serve a local SAE emulator (for demos and tests)",
        description="Serve a local SAE emulator until interrupted.",
        epilog=EMULATOR_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    add_arguments(p)
    p.set_defaults(handler=run_emulator, parser=p)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of `sae-job` (the emulator's options are loaded only when asked for)."""
    parser = _Parser(
        prog="sae-job",
        description="Start and follow jobs on Alibaba Cloud Serverless App Engine (SAE).",
        epilog=TOP_EXAMPLES + "\n" + SETTINGS_HELP + "\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sae-job {__version__}")
    top = parser.add_argument_group(
        "global options", "also accepted before COMMAND; given both before and after it, the one after wins"
    )
    top.add_argument("--json", action="store_true", dest="_json", help="print JSON (see COMMAND --help)")
    for flag, metavar in (("--profile", "NAME"), ("--region", "ID"), ("--endpoint", "URL")):
        top.add_argument(flag, metavar=metavar, dest="_" + flag[2:], help="as COMMAND --help says")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _add_exec(commands)
    _add_follow_commands(commands)
    wants_emulator = (
        argv is None or "emulator" in argv or not argv or any(a in ("-h", "--help") for a in argv)
    )
    if wants_emulator:
        _add_emulator(commands)
    return parser


# --- running a command ---------------------------------------------------------------------------------


class _Output:
    """Where a command writes: its result on stdout, messages on stderr; a failure as text, and as JSON
    on stdout with --json."""

    def __init__(self, args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> None:
        self.json = bool(getattr(args, "json", False))
        self.verbose = bool(getattr(args, "verbose", False))
        self.stdout, self.stderr = stdout, stderr

    def result(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def json_line(self, value: object) -> None:
        self.result(json.dumps(value) + "\n")  # ASCII: \u escapes pass any terminal's encoding

    def warn(self, message: str) -> None:
        self.stderr.write(f"sae-job: warning: {message}\n")

    def fail(self, failure: Failure, exc: BaseException | None = None) -> int:
        if self.verbose and exc is not None:
            import traceback

            traceback.print_exception(exc, file=self.stderr)
        self.stderr.write(failure.text())
        if self.json:
            self.json_line(failure.json())
        return failure.exit_code


def _connection_flags(args: argparse.Namespace) -> list[str]:
    flags: list[str] = []
    for name in ("region", "endpoint", "profile"):
        if getattr(args, name, None) is not None:
            flags += [f"--{name}", getattr(args, name)]
    if getattr(args, "vpc", False):
        flags.append("--vpc")
    if getattr(args, "signature_version", "v3") != "v3":
        flags += ["--signature-version", args.signature_version]
    return flags


def _credentials_source(args: argparse.Namespace) -> str:
    if args.profile or not os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID"):
        return "the aliyun CLI profile's access_key_secret"
    return "ALIBABA_CLOUD_ACCESS_KEY_SECRET"


def _endpoint(args: argparse.Namespace, out: _Output) -> Endpoint:
    """The endpoint to call, with a warning when its region is not one SAE is known to have."""
    from sae_job.cli_output import source_terms
    from sae_job.endpoints import KNOWN_REGIONS, find_endpoint, nearest_regions

    found = find_endpoint(region=args.region, endpoint=args.endpoint, vpc=args.vpc, profile=args.profile)
    if found.region is None and (args.region is not None or args.vpc):
        ignored = "--region" if args.region is not None else "--vpc"
        out.warn(f"{ignored} is ignored: the endpoint {found.url} comes from {source_terms(found.source)}")
    if found.region is not None and found.region not in KNOWN_REGIONS:
        out.warn(
            f"region {found.region!r} (from {source_terms(found.source)}) is not a known SAE region; "
            f"the nearest known: {', '.join(nearest_regions(found.region))}"
        )
    return found


def _client(
    args: argparse.Namespace, call: Call, sleep: Callable[[float], None] | None = None
) -> SaeJobClient:
    """The client for this command."""
    import time

    from sae_job.client import SaeJobClient

    assert call.endpoint is not None
    return SaeJobClient(
        endpoint=call.endpoint.url,
        profile=args.profile,
        signature_version=args.signature_version,
        max_attempts=args.max_attempts,
        timeout=min(10.0, args.timeout),
        deadline=args.timeout,
        sleep=sleep or time.sleep,
    )


def _setup_logging(args: argparse.Namespace) -> None:
    if args.verbose:
        import logging

        logging.basicConfig(
            level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
        )


def _progress(args: argparse.Namespace, stream: TextIO) -> Progress | None:
    from sae_job.cli_output import Progress

    if args.quiet:
        return None
    live = stream.isatty() and os.environ.get("TERM") != "dumb"
    return Progress(stream, live=live)


def run_exec(args: argparse.Namespace, out: _Output, call: Call) -> int:
    """`sae-job exec`: start the job (and with --wait, wait for it); print it; return the exit code."""
    from sae_job.arguments import EXEC_JOB_ARGUMENTS, new_event_id

    if args.dry_run and args.app is not None:
        raise UsageError("--dry-run sends nothing, so it cannot look --app up: give the APP_ID instead")
    envs = build_envs(args)
    time = parse_at(args.at) if args.at is not None else None
    call.event_id = args.event_id if args.event_id is not None else new_event_id()
    call.endpoint = _endpoint(args, out)
    progress = _progress(args, out.stderr) if args.wait and not args.dry_run else None
    given = {
        **vars(args),
        "command": args.command or None,
        "envs": envs,
        "time": time,
        "event_id": call.event_id,
    }
    arguments = cast("ExecJobArguments", {name: given.get(name) for name in EXEC_JOB_ARGUMENTS})
    with _client(args, call, progress.sleep if progress else None) as client:
        if args.dry_run:
            _print_dry_run(client.explain_exec_job(args.app_id, **arguments), out)
            return EXIT_OK
        args.app_id = _resolve_template(client, args, call, out)
        if args.wait:  # before starting: a Replace template ends the job running now
            settings = _settings(client, args, out)
            if settings is not None and settings.concurrency_policy == "Replace":
                out.warn(
                    f"template {args.app_id} has concurrency policy Replace: starting this job ends any job "
                    "of it still running (as failed)"
                )
            call.wait_timeout = args.wait_timeout = _wait_timeout(args, out, settings)
        launch = client.exec_job(args.app_id, **arguments)
        call.started, call.job_id = True, launch.job_id
        fields = ("job_id", "request_id", "trace_id", "event_id", "app_id")
        found: dict[str, Any] = {name: getattr(launch, name) for name in fields}
        found["trigger_time"] = utc_text(time)
        when = f"triggers at {found['trigger_time']}" if time is not None else "triggers now"
        if not out.json:
            out.result(
                f"Started job {launch.job_id} for app {launch.app_id}{_named(args)}; it {when} "
                f"(event {launch.event_id}, request {launch.request_id})\n"
            )
        if args.wait:
            status = _wait(client, args.app_id, launch.job_id, args.wait_timeout, progress)
            found["status"] = _status_json(status, args.app_id)
            if not out.json:
                out.result(_final_line(status))
        if out.json:
            out.json_line(found)
        return EXIT_OK


def _settings(client: SaeJobClient, args: argparse.Namespace, out: _Output) -> TemplateSettings | None:
    """The template's settings (DescribeJob), or None, with a warning, when they cannot be read."""
    from sae_job.errors import SaeError, SaeJobError

    try:
        return client.describe_template(args.app_id)
    except SaeJobError as exc:
        why = exc.code if isinstance(exc, SaeError) else type(exc).__name__
        out.warn(f"could not read template {args.app_id}'s settings ({why})")
        return None


def _wait_timeout(args: argparse.Namespace, out: _Output, settings: TemplateSettings | None) -> float:
    """--wait-timeout, or the template's own Timeout plus a tenth (at least a minute), said on stderr."""
    from sae_job.cli_output import format_duration

    if args.wait_timeout is not None:
        return float(args.wait_timeout)
    if settings is None or settings.timeout is None or settings.timeout <= 0:
        if not args.quiet:
            out.stderr.write(
                f"sae-job: waiting up to {format_duration(DEFAULT_WAIT)} (--wait-timeout sets it)\n"
            )
        return DEFAULT_WAIT
    margin = max(60.0, settings.timeout / 10)
    seconds = settings.timeout + margin
    if not args.quiet:
        out.stderr.write(
            f"sae-job: waiting up to {format_duration(seconds)}: the template's timeout, "
            f"{format_duration(settings.timeout)}, and {format_duration(margin)} more "
            "(--wait-timeout sets it)\n"
        )
    return seconds


def _status_json(status: Any, app_id: str) -> dict[str, Any]:
    from sae_job.cli_output import status_json

    return status_json(status, app_id)


def _final_line(status: Any) -> str:
    from sae_job.cli_output import counts

    return f"Job {status.job_id} {status.state.name.lower()}: {counts(status)}\n"


def _wait(client: SaeJobClient, app_id: str, job_id: str, timeout: float, progress: Progress | None) -> Any:
    lasting()
    try:
        return client.wait_for_job(
            app_id, job_id, timeout=timeout, on_status=progress.show if progress else None
        )
    finally:
        if progress is not None:
            progress.close()


def _print_dry_run(dry: Any, out: _Output) -> None:
    if out.json:
        fields = ("method", "url", "headers", "algorithm", "canonical_request", "string_to_sign", "event_id")
        out.json_line({**{name: getattr(dry, name) for name in fields}, "sent": False})
        return
    text = f"{dry.method} {dry.url}\n" + "".join(f"{name}: {value}\n" for name, value in dry.headers.items())
    if dry.canonical_request is not None:
        text += f"\ncanonical request:\n{dry.canonical_request}\n"
    text += f"\nstring to sign ({dry.algorithm}):\n{dry.string_to_sign}\n"
    out.result(text + f"\nevent id: {dry.event_id}\nnothing was sent (--dry-run)\n")


def _run_command(
    command: str, run: Callable[[argparse.Namespace, _Output, Call], int], args: argparse.Namespace
) -> int:
    """Runs an SAE command; what it raises becomes its message and exit code."""
    from sae_job.errors import SaeJobError

    _setup_logging(args)
    out = _Output(args, sys.stdout, sys.stderr)
    call = Call(command, args.argv, _connection_flags(args), credentials_source=_credentials_source(args))
    for name in ("app_id", "job_id", "event_id", "wait_timeout"):
        setattr(call, name, getattr(args, name, None))
    try:
        return run(args, out, call)
    except (KeyboardInterrupt, Terminated) as exc:
        from sae_job.cli_output import interrupted

        sigint = isinstance(exc, KeyboardInterrupt)
        name, code = ("SIGINT", EXIT_INTERRUPTED) if sigint else ("SIGTERM", EXIT_TERMINATED)
        return out.fail(interrupted(name, code, call))  # a progress line was ended by its own close()
    except (SaeJobError, UsageError, ValueError, TypeError) as exc:
        from sae_job.cli_output import describe_failure

        failure = describe_failure(exc, call)
        if isinstance(exc, UsageError):
            failure = Failure(EXIT_USAGE, "UsageError", str(exc))
        return out.fail(failure, exc)


def run_wait(args: argparse.Namespace, out: _Output, call: Call) -> int:
    """`sae-job wait`: wait for the job to end; exit 0, 7 (failed) or 8 (timed out)."""
    import time

    started = time.monotonic()
    progress = _progress(args, out.stderr)
    with _template_client(args, out, call, progress.sleep if progress else None) as client:
        if args.wait_timeout is None:
            call.wait_timeout = args.wait_timeout = _wait_timeout(args, out, _settings(client, args, out))
        # One look first: an unknown job, a refused key or no connection at all ends the command
        # now, rather than being waited out as a passing fault until the timeout.
        first = client.describe_job(args.app_id, args.job_id)
        if progress is not None:
            progress.show(first)
        left = max(args.wait_timeout - (time.monotonic() - started), 0.001)
        status = _wait(client, args.app_id, args.job_id, left, progress)
    out.result(json.dumps(_status_json(status, args.app_id)) + "\n" if out.json else _final_line(status))
    return EXIT_OK


def run_status(args: argparse.Namespace, out: _Output, call: Call) -> int:
    """`sae-job status`: the job's state and counts."""
    from sae_job.cli_output import status_text

    with _template_client(args, out, call) as client:
        status = client.describe_job(args.app_id, args.job_id)
    out.result(
        json.dumps(_status_json(status, args.app_id)) + "\n" if out.json else status_text(status, args.app_id)
    )
    return EXIT_OK


def run_history(args: argparse.Namespace, out: _Output, call: Call) -> int:
    """`sae-job history`: the template's jobs, newest first, printed as they come."""
    import itertools

    from sae_job.cli_output import HISTORY_HEADER, history_row

    page_size = min(args.limit or 100, 100)
    with _template_client(args, out, call) as client:
        jobs = client.job_history(args.app_id, state=args.state, page_size=page_size)
        shown = 0
        for status in itertools.islice(jobs, args.limit):
            if out.json:
                out.json_line(_status_json(status, args.app_id))
            else:
                out.result(("" if shown else HISTORY_HEADER + "\n") + history_row(status) + "\n")
            shown += 1
    if not shown and not out.json:
        state = f" {args.state}" if args.state else ""
        out.stderr.write(f"sae-job: no{state} jobs for app {args.app_id}\n")
    return EXIT_OK


def _check_template_choice(args: argparse.Namespace) -> None:
    """APP_ID or ``--app NAME``, exactly one; ``--namespace`` only beside ``--app``: a usage error (through
    the subcommand's parser) otherwise. Nothing is sent yet."""
    parser = args.parser
    if args.app is None:
        if args.namespace is not None:
            parser.error("--namespace picks among the templates named --app NAME: give --app too")
        if args.app_id is None and parser.prog.endswith(" wait") and args.job_id is not None:
            parser.error("the following arguments are required: JOB_ID")  # `wait APP_ID` alone
        if args.app_id is None:
            parser.error("the following arguments are required: APP_ID")
        return
    if args.app_id is not None and parser.prog.endswith(" status") and args.job_id is None:
        args.app_id, args.job_id = None, args.app_id  # `status --app NAME JOB_ID`
    if args.app_id is not None:
        hint = "; put the job's command after --" if parser.prog.endswith(" exec") else ""
        parser.error(
            f"give the job template as APP_ID ({args.app_id}) or as --app {args.app}, not both{hint}"
        )


@contextmanager
def _template_client(
    args: argparse.Namespace, out: _Output, call: Call, sleep: Callable[[float], None] | None = None
) -> Iterator[SaeJobClient]:
    """The command's client, APP_ID (or the template named --app) in ``args.app_id``."""
    call.endpoint = _endpoint(args, out)
    with _client(args, call, sleep) as client:
        args.app_id = _resolve_template(client, args, call, out)
        yield client


def _resolve_template(client: SaeJobClient, args: argparse.Namespace, call: Call, out: _Output) -> str:
    """The template's ID: APP_ID as given, or the one template named --app (one ListJobs call)."""
    if args.app is None:
        return str(args.app_id)
    template = client.find_template(args.app, args.namespace)
    call.app_id = template.app_id
    if out.verbose:
        out.stderr.write(
            f"sae-job: --app {args.app} is job template {template.app_id} "
            f"(namespace {template.namespace_id or '-'})\n"
        )
    return template.app_id


def _named(args: argparse.Namespace) -> str:
    return f" ({args.app})" if getattr(args, "app", None) is not None else ""


def run_templates(args: argparse.Namespace, out: _Output, call: Call) -> int:
    """`sae-job templates`: the job templates, each with its last job; a table, or JSON lines."""
    from sae_job.cli_output import template_json, templates_table

    call.endpoint = _endpoint(args, out)
    if args.show is not None:
        return _show_template(args, out, call)
    with _client(args, call) as client:
        found: list[JobTemplate] = []
        for template in client.list_templates(name=args.name or None, namespace_id=args.namespace):
            if out.json:
                out.json_line(template_json(template))
            found.append(template)
    if not out.json and found:
        out.result(templates_table(found))
    if not found:
        named = f" whose name contains {args.name!r}" if args.name else ""
        where = f" in namespace {args.namespace}" if args.namespace else ""
        out.stderr.write(f"sae-job: no job templates{named}{where}\n")
    return EXIT_OK


def _show_template(args: argparse.Namespace, out: _Output, call: Call) -> int:
    """`sae-job templates --show TEMPLATE`: one template's settings; TEMPLATE is its ID or, when no
    template has that ID, its name."""
    from sae_job.cli_output import settings_json, settings_text
    from sae_job.errors import ApplicationNotFoundError

    with _client(args, call) as client:
        try:
            settings = client.describe_template(args.show)
        except ApplicationNotFoundError:
            settings = client.describe_template(client.find_template(args.show, args.namespace).app_id)
    if out.json:
        out.json_line(settings_json(settings))
    else:
        out.result(settings_text(settings))
    return EXIT_OK


# --- main ----------------------------------------------------------------------------------------------

# Options whose value is free text that may itself start with "-" (JAR options always do; --at -10m).
_TEXT_OPTIONS = (
    "--jar-start-options",
    "--jar-start-args",
    "--war-start-options",
    "--env",
    "--event-id",
    "--at",
)


def _glue_text_options(argv: list[str]) -> list[str]:
    """``--jar-start-options -Xms4G`` as ``--jar-start-options=-Xms4G``: argparse would take the value
    for an unknown option."""
    glued: list[str] = []
    items = iter(argv)
    for arg in items:
        if arg in _TEXT_OPTIONS:
            value = next(items, None)
            glued.append(arg if value is None else f"{arg}={value}")
        else:
            glued.append(arg)
    return glued


_COMMANDS = ("exec", "wait", "status", "history", "templates", "emulator")
_GLOBAL_OPTIONS = ("--region", "--endpoint", "--profile")  # each with a value; and --json


def _hoist_global_options(argv: list[str]) -> list[str]:
    """``sae-job --json status …`` as ``sae-job status --json …``: the global options given before the
    command move to just after it, so that one given after the command too wins (argparse keeps the last)."""
    moved: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _COMMANDS[:-1]:
            return [arg, *moved, *argv[i + 1 :]]
        if arg == "--json" or arg.startswith(tuple(f"{o}=" for o in _GLOBAL_OPTIONS)):
            moved.append(arg)
        elif arg in _GLOBAL_OPTIONS and i + 1 < len(argv):
            moved += argv[i : i + 2]
            i += 1
        else:
            break
        i += 1
    return argv


def _argument_error(error: _ArgumentError, argv: Sequence[str], json_wanted: bool) -> int:
    """An argparse mistake: the subcommand's usage, what is wrong in a sentence, and a hint."""
    parser, message = error.parser, error.message
    hint = ""
    required = re.match(r"the following arguments are required: (.*)", message)
    if required:
        names = [name for name in required.group(1).split(", ") if name != "COMMAND"]
        if parser.prog.endswith(" exec") and names == []:
            names = ["COMMAND"]
        if names == [] and parser.prog == "sae-job":  # no subcommand at all
            message = f"a command is missing: {', '.join(_COMMANDS)}"
            hint = "sae-job --help says what each does; sae-job COMMAND --help, its options"
        else:
            message = f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} missing"
        if names[:1] == ["APP_ID"]:
            hint = (
                "the job template's ID comes first, e.g. ee1a7a07-abcb-4652-a1d3-2d57f415b0a1, "
                "or give its name with --app NAME"
            )
    elif message.startswith("argument COMMAND: invalid choice:"):  # the emulator's parser loads lazily
        given = message.partition("invalid choice: ")[2].partition(" (")[0]
        message = f"{given} is not a command: choose from {', '.join(_COMMANDS)}"
    elif message.startswith("unrecognized arguments:"):
        extras = message.partition(":")[2].split()
        if parser.prog.endswith(" exec") and any(not extra.startswith("-") for extra in extras):
            hint = "put the job's command after --: sae-job exec APP_ID [options] -- COMMAND [ARG ...]"
        else:
            hint = f"{parser.prog} --help lists the options"
    failure = Failure(EXIT_USAGE, "UsageError", message)
    stderr = sys.stderr
    stderr.write(parser.format_usage())
    stderr.write(f"{parser.prog}: error: {message}\n" + (f"hint: {hint}\n" if hint else ""))
    if json_wanted:
        sys.stdout.write(json.dumps(failure.json()) + "\n")
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run `sae-job` with argv (default: the process's arguments); return the exit code."""
    return _main(argv)


class Terminated(BaseException):
    """SIGTERM, raised where the command is, as SIGINT raises ``KeyboardInterrupt``."""


def _terminated(signum: int, frame: object) -> NoReturn:
    raise Terminated


def run() -> NoReturn:
    """The `sae-job` command: :func:`main`, with SIGTERM ending it as Ctrl-C does (its message, exit 143)
    and a closed stdout ending it quietly (exit 141). No garbage is collected while a one-shot command
    runs, a speed trick (bench/LIMITS.md): start-up leaves no garbage worth a collection. A command that
    lasts (a wait, the emulator) turns collecting back on (:func:`lasting`)."""
    import signal

    gc.disable()
    signal.signal(signal.SIGTERM, _terminated)
    for stream in (sys.stdout, sys.stderr):  # what the terminal's encoding cannot show becomes "?"
        cast("Any", stream).reconfigure(errors="replace")
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Nothing more can reach the reader; without this, the exit's own flush would raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_PIPE_CLOSED
    if code == EXIT_INTERRUPTED:
        # Our KeyboardInterrupt, handled: under `python -m sae_job.cli` CPython would still end the
        # process by SIGINT (returncode -2, not 130) had the Ctrl-C landed in a string exec() (a
        # dataclass being made during a lazy import). Such an exec leaves a flag that Py_RunMain
        # reads at exit (Modules/main.c, bpo-41602); each string exec clears it as it starts.
        exec("")
    raise SystemExit(code)


def lasting() -> None:
    """Where a command starts to last: garbage is collected again, all that start-up made left out."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _main(argv: Sequence[str] | None) -> int:
    argv = _hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser(argv)
    # argparse gives a nargs="*" positional nothing once options follow it, so split at "--" here.
    head, tail = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, None)
    try:
        args, extras = parser.parse_known_args(_glue_text_options(head))
        if extras:
            getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(extras)}")
        if tail is not None:
            if getattr(args, "command", None):
                args.parser.error("give the command either before or after --, not both")
            args.command = tail
        if hasattr(args, "app"):  # exec, wait, status, history: APP_ID, or --app NAME instead
            _check_template_choice(args)
    except _ArgumentError as error:
        return _argument_error(error, argv, "--json" in head)
    args.argv = argv
    return int(args.handler(args))


if __name__ == "__main__":
    run()
