"""The `sae-job` command line: its entry point and its table of commands, which are
:mod:`sae_job.cli.commands`, print through :mod:`~sae_job.cli.output` and fail through
:mod:`~sae_job.cli.failures`. Only argparse is imported at start: a pipeline step pays as little
interpreter start-up as it can."""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, NoReturn, cast

from sae_job import __version__
from sae_job.cli import commands, failures
from sae_job.cli.commands import Command, lasting, parse_at
from sae_job.cli.failures import Failure, UsageError, exit_codes_help

__all__ = ["UsageError", "build_parser", "main", "parse_at", "parse_duration", "run"]


def __getattr__(name: str) -> Any:
    """The exit codes, ``sae_job.cli.EXIT_AUTH`` and the rest: :mod:`sae_job.cli.failures` holds them."""
    if name.startswith("EXIT_"):
        return getattr(failures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


SETTINGS_HELP = """\
settings, first found wins:
  endpoint     --endpoint, $SAE_JOB_ENDPOINT, else SAE's endpoint in the region
  region       --region, $ALIBABA_CLOUD_REGION_ID, the aliyun CLI profile's region_id
  credentials  $ALIBABA_CLOUD_ACCESS_KEY_ID / $ALIBABA_CLOUD_ACCESS_KEY_SECRET
               (/ $ALIBABA_CLOUD_SECURITY_TOKEN), else the aliyun CLI's ~/.aliyun/config.json
               (profile: --profile, $ALIBABA_CLOUD_PROFILE, the file's current one)
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

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?")


def parse_duration(text: str) -> float:
    """``--wait-timeout``: ``90s``, ``30m``, ``2h``, ``1d``, ``1h30m``; more than 0. A number without its
    unit is refused: 30 could mean seconds or minutes."""
    value = text.strip().lower()
    match = _DURATION.fullmatch(value)
    if not (value and match and any(match.groups())):
        if not value.replace(".", "", 1).isdigit():
            raise argparse.ArgumentTypeError(f"{text!r} is not a duration: use 90s, 30m, 2h, 1d or 1h30m")
        raise argparse.ArgumentTypeError(
            f"{text!r} has no unit: write {value}s, {value}m or {value}h (90s, 30m, 2h, 1d, 1h30m)"
        )
    days, hours, minutes, secs = match.groups()
    seconds = int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs or 0)
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be longer than 0 seconds")
    return seconds


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


# --- the parser ----------------------------------------------------------------------------------------


class _ArgumentError(Exception):
    """A command-line mistake, raised instead of exiting so that main() prints it the CLI's way: the
    parser whose usage to show, what is wrong, and a hint. Argparse's own (a bad value) it words itself."""

    def __init__(self, parser: argparse.ArgumentParser, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.parser, self.message, self.hint = parser, message, hint


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _ArgumentError(self, message)


class _AppendTagged(argparse.Action):
    """Keeps --env, --env-from-configmap and --env-all-from-configmap in one list, in order: each as
    (option, its form, value)."""

    def __call__(self, parser: Any, namespace: argparse.Namespace, values: Any, option: Any = None) -> None:
        setattr(namespace, self.dest, [*getattr(namespace, self.dest), (option, self.metavar, values)])


def _add(group: Any, usage: str, help: str, **settings: Any) -> None:
    """One option as its help shows it: ``"--limit N"`` takes a value, N; ``"-q --quiet"`` none: a flag,
    unless it has ``choices``."""
    *flags, value = usage.split()
    if value.startswith("-"):
        flags.append(value)
        settings.setdefault("action", "store" if "choices" in settings else "store_true")
    else:
        settings["metavar"] = value
    group.add_argument(*flags, help=help, **settings)


def _add_common_options(p: argparse.ArgumentParser, json_help: str, *, dry_run: bool) -> None:
    """Where to call, with which credentials, and how to print: the options every SAE command takes."""
    where = p.add_argument_group("where and how")
    _add(where, "--region REGION", "region ID, e.g. cn-hangzhou (see 'settings' below for the default)")
    _add(where, "--vpc", "use the VPC endpoint sae-vpc.REGION.aliyuncs.com")
    _add(where, "--endpoint URL", "any endpoint URL, e.g. http://127.0.0.1:PORT (emulator)")
    _add(where, "--profile NAME", "the aliyun CLI profile to use, e.g. prod")
    signatures = "v3 = ACS3-HMAC-SHA256 (default), v2 = ROA HMAC-SHA1"
    _add(where, "--signature-version", signatures, choices=["v3", "v2"], default="v3")
    timeout = (
        "the whole call, every attempt and wait between them included (default 60); each attempt gives up "
        "after 10 s. Waiting for a job is --wait-timeout"
    )
    _add(where, "--timeout SECONDS", timeout, type=_positive_float, default=60.0)
    attempts = "attempts per call, retries included, e.g. 3 (default)"
    _add(where, "--max-attempts N", attempts, type=_positive_int, default=3)
    out = p.add_argument_group("output")
    _add(out, "--json", json_help + '; on failure {"error": {...}}')
    verbose = "log requests, retries and signing steps (secrets redacted); tracebacks on errors"
    _add(out, "-v --verbose", verbose)
    if dry_run:
        _add(out, "--dry-run", "send nothing: print the signed request, canonical request and string to sign")


def _add_wait_options(p: argparse.ArgumentParser, *, with_wait_flag: bool) -> None:
    group = p.add_argument_group("waiting")
    if with_wait_flag:
        _add(group, "--wait", "wait for the job to end: exit 7 if it fails")
    wait_timeout = (
        "give up waiting after this long, with its unit: 90s, 30m, 2h, 1d, 1h30m (a bare 30 is refused); "
        "default: the template's own timeout plus a tenth, at least 1m, read with DescribeJob, 1h if it "
        "cannot be read. Exit 8, the job runs on"
    )
    _add(group, "--wait-timeout DURATION", wait_timeout, type=parse_duration)
    _add(group, "-q --quiet", "no progress line while waiting (errors still show)")


def _add_template_options(p: argparse.ArgumentParser) -> None:
    """``--app NAME`` (and ``--namespace``), which stand for APP_ID: the template found by its name."""
    by_name = p.add_argument_group("the template by name, instead of APP_ID")
    app = "the job template's exact name, e.g. nightly-report (looked up once, with ListJobs)"
    _add(by_name, "--app NAME", app)
    namespace = "with --app: the namespace of the template, when several have the name, e.g. cn-hangzhou:dev"
    _add(by_name, "--namespace ID", namespace)


def _add_exec(p: argparse.ArgumentParser) -> None:
    p.add_argument("command", metavar="COMMAND", nargs="*", help="the command and its arguments, after --")
    job = p.add_argument_group("the job")
    p.set_defaults(envs=[])
    envs = {"dest": "envs", "action": _AppendTagged}  # the three --env options, in one list in order
    env = "an environment variable (repeatable; the value may contain '='), e.g. STAGE=prod"
    _add(job, "--env NAME=VALUE", env, **envs)
    from_key = "a variable from a ConfigMap key, e.g. DB_HOST=123:db_host"
    _add(job, "--env-from-configmap NAME=CONFIGMAP_ID:KEY", from_key, **envs)
    every_key = "every key of a ConfigMap, e.g. app-config=124"
    _add(job, "--env-all-from-configmap CONFIGMAP_NAME=CONFIGMAP_ID", every_key, **envs)
    _add(job, "--replicas N", "instances to run at once, e.g. 3", type=_positive_int)
    _add(job, "--at TIME", "when to trigger: now (default), +10m, +2h, +1d, 2026-12-01T08:00:00Z or …+08:00")
    event_id = 'idempotency key: one job per event ID, e.g. "$CI_PIPELINE_ID" (default: a new uuid)'
    _add(job, "--event-id ID", event_id)
    _add(job, "--jar-start-options TEXT", "JAR start options, e.g. '-Xms4G -Xmx4G'")
    _add(job, "--jar-start-args TEXT", "JAR start arguments, e.g. custom-args")
    _add(job, "--war-start-options TEXT", "WAR start command, e.g. 'catalina.sh run'")


def _add_history(p: argparse.ArgumentParser) -> None:
    states = ["pending", "running", "succeeded", "failed"]
    _add(p, "--state", "only the jobs in this state", choices=states)
    _add(p, "--limit N", "at most N jobs, e.g. 20 (default: all)", type=_positive_int)


def _add_templates(p: argparse.ArgumentParser) -> None:
    _add(p, "--name PART", "only the templates whose name contains PART, e.g. report")
    _add(p, "--namespace ID", "only the templates of this namespace, e.g. cn-hangzhou:dev")
    show = "show one template's settings (DescribeJob): its ID, or its name (in --namespace)"
    _add(p, "--show TEMPLATE", show)


def _add_emulator(subparsers: Any) -> None:
    from sae_job.emulator.cli import EXAMPLES, add_arguments
    from sae_job.emulator.cli import run as serve

    def run_emulator(args: argparse.Namespace) -> int:
        lasting()
        return serve(args)

    p = subparsers.add_parser(
        "emulator",
        help="serve a local SAE emulator (for demos and tests)",
        description="Serve a local SAE emulator until interrupted.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    p.set_defaults(handler=run_emulator, parser=p, verb="emulator")


class Spec(NamedTuple):
    """A command: its help line, description, usage and examples, what it prints with --json, the function
    that runs it, its own options, whether it can wait for a job (the waiting options, exit codes 7 and 8),
    and the help of APP_ID and of JOB_ID (None: it takes none; APP_ID comes with ``--app NAME``)."""

    help: str
    description: str
    usage: str
    examples: str
    json: str
    run: Command
    options: Callable[[argparse.ArgumentParser], None] | None = None
    waits: bool = True
    app_id: str | None = "the job template's ID (or --app NAME)"
    job_id: str | None = None


# The table of commands (and `emulator`, whose options load only when it is asked for).
COMMANDS = {
    "exec": Spec(
        "start a job from a job template (ExecJob)",
        "Start a job from the SAE job template APP_ID. Everything after -- is the command.",
        "sae-job exec (APP_ID | --app NAME) [options] -- COMMAND [ARG ...]",
        """\
  sae-job exec ee1a7a07-abcb-4652-a1d3-2d57f415b0a1 --region cn-hangzhou -- echo abc '>' file0
  sae-job exec APP_ID --env STAGE=prod --env-from-configmap DB_HOST=123:db_host \\
      --env-all-from-configmap app-config=124 --replicas 3 --at +10m -- ./run.sh --full
  sae-job exec APP_ID --event-id "$CI_PIPELINE_ID" --wait --wait-timeout 30m -- ./nightly.sh
  sae-job exec APP_ID --endpoint http://127.0.0.1:PORT --dry-run --json -- echo hi
  sae-job exec --app nightly-report --namespace cn-hangzhou:prod --wait -- ./run.sh
""",
        "print one JSON object: job_id, request_id, trace_id, event_id, app_id, trigger_time "
        "(and status, with --wait)",
        commands.run_exec,
        _add_exec,
        app_id="the job template's ID, e.g. ee1a7a07-abcb-4652-a1d3-2d57f415b0a1 (or --app NAME)",
    ),
    "wait": Spec(
        "wait for a job to end (DescribeJobStatus): exit 0 succeeded, 7 failed, 8 timed out",
        "Wait for the job JOB_ID of template APP_ID to end, showing its progress on stderr.",
        "sae-job wait (APP_ID | --app NAME) JOB_ID [options]",
        """\
  sae-job wait APP_ID JOB_ID --wait-timeout 30m
  sae-job wait APP_ID JOB_ID --json -q > final-status.json
  sae-job wait --app nightly-report JOB_ID
""",
        "print the final status as one JSON object",
        commands.run_wait,
        job_id="the job's ID, as `sae-job exec` printed it",
    ),
    "status": Spec(
        "show a job's state and instance counts (DescribeJobStatus)",
        "Show the state and instance counts of job JOB_ID (default: the template's latest job).",
        "sae-job status (APP_ID | --app NAME) [JOB_ID] [options]",
        """\
  sae-job status APP_ID JOB_ID
  sae-job status APP_ID --json        # the template's latest job
  sae-job status --app nightly-report  # the same, by the template's name
""",
        "print the status as one JSON object",
        commands.run_status,
        waits=False,
        job_id="the job's ID (default: the latest job)",
    ),
    "history": Spec(
        "list a template's jobs, newest first (DescribeJobHistory)",
        "List the jobs of template APP_ID, newest first.",
        "sae-job history (APP_ID | --app NAME) [--state STATE] [--limit N] [options]",
        """\
  sae-job history APP_ID --limit 20
  sae-job history APP_ID --state failed --json | jq -r .job_id
  sae-job history --app nightly-report --limit 5
""",
        "print one JSON object per job, one a line",
        commands.run_history,
        _add_history,
        waits=False,
    ),
    "templates": Spec(
        "list the job templates, each with its last job (ListJobs)",
        "List the job templates: name, ID, namespace, and the state of each one's last job.",
        "sae-job templates [--name PART] [--namespace ID] [--show TEMPLATE] [options]",
        """\
  sae-job templates
  sae-job templates --name report --namespace cn-hangzhou:prod
  sae-job templates --json | jq -r 'select(.last_job_state == "failed") | .name'
  sae-job templates --show nightly-report
""",
        "print one JSON object per template, one a line",
        commands.run_templates,
        _add_templates,
        waits=False,
        app_id=None,
    ),
}
NAMES = (*COMMANDS, "emulator")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of `sae-job` (the emulator's options are loaded only when asked for)."""
    parser = _Parser(
        prog="sae-job",
        description="Start and follow jobs on Alibaba Cloud Serverless App Engine (SAE).",
        epilog=TOP_EXAMPLES + "\n" + SETTINGS_HELP + "\n" + exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sae-job {__version__}")
    top = parser.add_argument_group(
        "global options", "also accepted before COMMAND; given both before and after it, the one after wins"
    )
    top.add_argument("--json", action="store_true", dest="_json", help="print JSON (see COMMAND --help)")
    for option, metavar in (("--profile", "NAME"), ("--region", "ID"), ("--endpoint", "URL")):
        top.add_argument(option, metavar=metavar, dest="_" + option[2:], help="as COMMAND --help says")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, spec in COMMANDS.items():
        p = subparsers.add_parser(
            name,
            help=spec.help,
            description=spec.description,
            usage=spec.usage,
            epilog=f"examples:\n{spec.examples}\n{SETTINGS_HELP}\n{exit_codes_help(spec.waits)}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if spec.app_id is not None:
            p.add_argument("app_id", metavar="APP_ID", nargs="?", help=spec.app_id)
            _add_template_options(p)
        if spec.job_id is not None:
            p.add_argument("job_id", metavar="JOB_ID", nargs="?", help=spec.job_id)
        if spec.options is not None:
            spec.options(p)
        if spec.waits:  # exec waits only when given --wait
            _add_wait_options(p, with_wait_flag=name == "exec")
        _add_common_options(p, spec.json, dry_run=name == "exec")
        p.set_defaults(parser=p, verb=name, handler=functools.partial(_run_command, name, spec.run))
    if argv is None or "emulator" in argv or any(a in ("-h", "--help") for a in argv):
        _add_emulator(subparsers)
    return parser


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
_GLOBAL_OPTIONS = ("--region", "--endpoint", "--profile")  # each with a value; and --json


def _glue_text_options(argv: list[str]) -> list[str]:
    """``--jar-start-options -Xms4G`` as ``--jar-start-options=-Xms4G``: argparse would take the value
    for an unknown option."""
    glued: list[str] = []
    items = iter(argv)
    for arg in items:
        value = next(items, None) if arg in _TEXT_OPTIONS else None
        glued.append(arg if value is None else f"{arg}={value}")
    return glued


_TOP_OPTIONS = ("--help", "--version", "--json", *_GLOBAL_OPTIONS)


def _spelled_out(arg: str) -> str:
    """A top-level option abbreviated as argparse allows (``--js``, ``--reg=X``) in full; else ``arg``."""
    name, equals, value = arg.partition("=")
    found = [option for option in _TOP_OPTIONS if option.startswith(name)] if name[:2] == "--" else []
    return found[0] + equals + value if len(found) == 1 else arg


def _leading_global_options(argv: list[str]) -> list[str]:
    """The global options given before the command's word, each spelled out (``--js`` as ``--json``)."""
    leading: list[str] = []
    while len(leading) < len(argv):
        arg = _spelled_out(argv[len(leading)])
        if arg in _GLOBAL_OPTIONS and len(leading) + 1 < len(argv):
            leading += [arg, argv[len(leading) + 1]]
        elif arg == "--json" or arg.startswith(tuple(f"{o}=" for o in _GLOBAL_OPTIONS)):
            leading.append(arg)
        else:
            break
    return leading


def _hoist_global_options(argv: list[str]) -> list[str]:
    """``sae-job --json status …`` as ``sae-job status --json …``: the global options given before the
    command move to just after it, so that one given after the command too wins (argparse keeps the last),
    spelled out: argparse would let a subcommand's default overwrite ``--js`` given before it."""
    leading = _leading_global_options(argv)
    i = len(leading)
    return [argv[i], *leading, *argv[i + 1 :]] if i < len(argv) and argv[i] in COMMANDS else argv


def _argument_error(error: _ArgumentError, json_wanted: bool) -> int:
    """A command-line mistake: the (sub)command's usage, what is wrong in a sentence, and a hint."""
    parser, message, hint = error.parser, error.message, error.hint
    sys.stderr.write(parser.format_usage())
    sys.stderr.write(f"{parser.prog}: error: {message}\n" + (f"hint: {hint}\n" if hint else ""))
    if json_wanted:
        sys.stdout.write(json.dumps(Failure(failures.EXIT_USAGE, "UsageError", message).json()) + "\n")
    return failures.EXIT_USAGE


def _check_command_word(parser: argparse.ArgumentParser, head: list[str]) -> None:
    """The word after the global options names one of the commands, or is ``--help`` or ``--version``."""
    word = head[len(_leading_global_options(head)) :][:1]
    if word and word[0].startswith("-") and word[0] != "-":
        if word[0] != "-h" and not any(option.startswith(word[0].split("=")[0]) for option in _TOP_OPTIONS):
            hint = "a command's own options go after it: sae-job COMMAND --help lists them"
            raise _ArgumentError(parser, f"unrecognized arguments: {word[0]}", hint)
    elif word and word[0] not in NAMES:
        raise _ArgumentError(parser, f"{word[0]!r} is not a command: choose from {', '.join(NAMES)}")


def _check_parsed(parser: argparse.ArgumentParser, args: argparse.Namespace, extras: list[str]) -> None:
    """A command was given, and argparse found a place for every argument."""
    if not hasattr(args, "handler"):
        hint = "sae-job --help says what each does; sae-job COMMAND --help, its options"
        raise _ArgumentError(parser, f"a command is missing: {', '.join(NAMES)}", hint)
    if extras:
        hint = f"{args.parser.prog} --help lists the options"
        if args.verb == "exec" and any(not extra.startswith("-") for extra in extras):
            hint = "put the job's command after --: sae-job exec APP_ID [options] -- COMMAND [ARG ...]"
        raise _ArgumentError(args.parser, f"unrecognized arguments: {' '.join(extras)}", hint)


def _check_template_choice(args: argparse.Namespace) -> None:
    """APP_ID or ``--app NAME``, exactly one; ``--namespace`` only beside ``--app``; wait's JOB_ID: a usage
    error (through the subcommand's parser) otherwise. Nothing is sent yet."""
    parser, command = args.parser, args.verb
    job_id = getattr(args, "job_id", None)
    if args.app is not None and args.app_id is not None and job_id is None and command in ("wait", "status"):
        args.app_id, args.job_id = None, args.app_id  # `status --app NAME JOB_ID`
    if args.app is not None and args.app_id is not None:
        hint = "; put the job's command after --" if command == "exec" else ""
        parser.error(
            f"give the job template as APP_ID ({args.app_id}) or as --app {args.app}, not both{hint}"
        )
    if args.app is None and args.namespace is not None:
        parser.error("--namespace picks among the templates named --app NAME: give --app too")
    missing = ["APP_ID"] if args.app is None and args.app_id is None else []
    missing += ["JOB_ID"] if command == "wait" and args.job_id is None else []
    if missing:
        hint = (
            "the job template's ID comes first, e.g. ee1a7a07-abcb-4652-a1d3-2d57f415b0a1, "
            "or give its name with --app NAME"
        )
        message = f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
        raise _ArgumentError(parser, message, hint if missing[0] == "APP_ID" else "")


def _run_command(name: str, run: Command, args: argparse.Namespace) -> int:
    """Runs an SAE command; what it raises becomes its message and exit code."""
    from sae_job.cli.failures import describe_failure, interrupted
    from sae_job.cli.output import Output
    from sae_job.errors import SaeJobError

    if args.verbose:
        import logging

        logging.basicConfig(
            level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
        )
    out = Output(sys.stdout, sys.stderr, json=args.json, verbose=args.verbose)
    call = commands.new_call(name, args)
    try:
        return run(args, out, call)
    except (KeyboardInterrupt, Terminated) as exc:  # a progress line was ended by its own close()
        return out.fail(interrupted(isinstance(exc, KeyboardInterrupt), call))
    except (SaeJobError, UsageError, ValueError, TypeError) as exc:
        return out.fail(describe_failure(exc, call), exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `sae-job` with argv (default: the process's arguments); return the exit code."""
    argv = _hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser(argv)
    # argparse gives a nargs="*" positional nothing once options follow it, so split at "--" here.
    head, tail = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, None)
    try:
        _check_command_word(parser, head)
        args, extras = parser.parse_known_args(_glue_text_options(head))
        _check_parsed(parser, args, extras)
        if tail is not None:
            if getattr(args, "command", None):
                args.parser.error("give the command either before or after --, not both")
            args.command = tail
        if hasattr(args, "app"):  # exec, wait, status, history: APP_ID, or --app NAME instead
            _check_template_choice(args)
    except _ArgumentError as error:
        return _argument_error(error, "--json" in head)
    args.argv = argv
    return int(args.handler(args))


class Terminated(BaseException):
    """SIGTERM, raised where the command is, as SIGINT raises ``KeyboardInterrupt``."""


def _terminated(signum: int, frame: object) -> NoReturn:
    raise Terminated


def run() -> NoReturn:
    """The `sae-job` command: :func:`main`, with SIGTERM ending it as Ctrl-C does (its message, exit 143)
    and a closed stdout ending it quietly (exit 141). No garbage is collected while a one-shot command
    runs, a speed trick (bench/LIMITS.md): start-up leaves no garbage worth a collection. A command that
    lasts (a wait, the emulator) turns collecting back on (:func:`~sae_job.cli.commands.lasting`)."""
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
        code = failures.EXIT_PIPE_CLOSED
    if code == failures.EXIT_INTERRUPTED:
        # Our KeyboardInterrupt, handled: under `python -m` CPython would still end the process by
        # SIGINT (-2, not 130) had the Ctrl-C landed in a string exec() (a dataclass made by a lazy
        # import), which leaves a flag Py_RunMain reads at exit (bpo-41602); a string exec clears it.
        exec("")
    raise SystemExit(code)
