"""The `sae-job` command line: `sae-job exec` starts a job, `sae-job emulator` serves a local SAE.

Only argparse is imported at start; the client (and httpx) load when a command needs them, so a
pipeline step pays as little interpreter start-up as it can.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO, cast

from sae_job import __version__

if TYPE_CHECKING:
    from sae_job.arguments import ConfigMapEnv, Env, ExecJobArguments

# Exit codes, documented in --help and the README.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_AUTH = 4
EXIT_THROTTLED = 5
EXIT_UNAVAILABLE = 6

EXIT_CODES_HELP = """\
exit codes:
  0  the job started
  1  an unexpected error (a bug: please report it, with --verbose)
  2  usage error or bad input (nothing was sent)
  3  SAE refused the job: template not found, concurrency policy Forbid, template suspended,
     account in debt, or a parameter it rejected
  4  authentication: no credentials found, or the gateway refused the signature or the key
  5  still throttled after every retry
  6  no answer, or a server error, after every retry (the job may have started: run again
     with the same --event-id to find out without starting a second one)
"""

EXEC_EXAMPLES = """\
examples:
  sae-job exec ee1a7a07-abcb-4652-a1d3-2d57f415b0a1 --region cn-hangzhou -- echo abc '>' file0
  sae-job exec APP_ID --env STAGE=prod --env-from-configmap DB_HOST=123:db_host \\
      --env-all-from-configmap app-config=124 --replicas 3 --at +10m -- ./run.sh --full
  sae-job exec APP_ID --event-id "$CI_PIPELINE_ID" --json -- ./nightly.sh
  sae-job exec APP_ID --endpoint http://127.0.0.1:8080 --dry-run -- echo hi

credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
(/ ALIBABA_CLOUD_SECURITY_TOKEN), else the aliyun CLI's ~/.aliyun/config.json (--profile).
"""

_RELATIVE = re.compile(r"\+(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class UsageError(Exception):
    """Bad command-line input: printed with the usage line, exit code 2."""


def parse_at(value: str, now: datetime | None = None) -> datetime:
    """``--at``: ISO 8601 with a zone (``2026-12-01T08:00:00Z``, ``…+08:00``) or relative (``+10m``)."""
    relative = _RELATIVE.fullmatch(value.strip())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return (now or datetime.now(UTC)) + timedelta(**{_UNITS[unit]: amount})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"--at {value!r} is not a time: use ISO 8601 with a zone (2026-12-01T08:00:00Z) or +10m, +2h, +1d"
        ) from None
    if parsed.tzinfo is None:
        raise UsageError(f"--at {value!r} has no timezone: add Z or an offset such as +08:00")
    return parsed


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
            envs.append(
                ConfigMapEnv(
                    name,
                    _config_map_id(config_map_id, "--env-from-configmap", value),
                    key,
                )
            )
        else:
            name, config_map_id = _split(value, "--env-all-from-configmap", "CONFIGMAP_NAME=CONFIGMAP_ID")
            envs.append(
                ConfigMapEnv.all(
                    name,
                    _config_map_id(config_map_id, "--env-all-from-configmap", value),
                )
            )
    return envs or None


class _AppendTagged(argparse.Action):
    """Keeps --env, --env-from-configmap and --env-all-from-configmap in one list, in order."""

    def __call__(
        self,
        parser: Any,
        namespace: argparse.Namespace,
        values: Any,
        option: Any = None,
    ) -> None:
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
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def _add_exec(commands: Any) -> None:
    p = commands.add_parser(
        "exec",
        help="start a job from a job template (ExecJob)",
        description="Start a job from the SAE job template APP_ID. Everything after -- is the command.",
        usage="sae-job exec APP_ID [options] -- COMMAND [ARG ...]",
        epilog=EXEC_EXAMPLES + "\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "app_id",
        metavar="APP_ID",
        help="the job template's ID, e.g. ee1a7a07-abcb-4652-a1d3-2d57f415b0a1",
    )
    p.add_argument(
        "command",
        metavar="COMMAND",
        nargs="*",
        help="the command and its arguments, after --",
    )
    job = p.add_argument_group("the job")
    job.add_argument(
        "--env",
        dest="envs",
        action=_AppendTagged,
        const="env",
        metavar="NAME=VALUE",
        help="an environment variable (repeatable; the value may contain '='), e.g. --env STAGE=prod",
    )
    job.add_argument(
        "--env-from-configmap",
        dest="envs",
        action=_AppendTagged,
        const="configmap",
        metavar="NAME=CONFIGMAP_ID:KEY",
        help="a variable from a ConfigMap key, e.g. DB_HOST=123:db_host",
    )
    job.add_argument(
        "--env-all-from-configmap",
        dest="envs",
        action=_AppendTagged,
        const="all",
        metavar="CONFIGMAP_NAME=CONFIGMAP_ID",
        help="every key of a ConfigMap, e.g. app-config=124",
    )
    job.add_argument(
        "--replicas",
        type=_positive_int,
        metavar="N",
        help="instances to run at once, e.g. 3",
    )
    job.add_argument(
        "--at",
        metavar="TIME",
        help="when to trigger: 2026-12-01T08:00:00Z, …+08:00, or +10m, +2h, +1d",
    )
    job.add_argument(
        "--event-id",
        metavar="ID",
        help='idempotency key: one job per event ID, e.g. "$CI_PIPELINE_ID" (default: a new uuid)',
    )
    job.add_argument(
        "--jar-start-options",
        metavar="TEXT",
        help="JAR start options, e.g. '-Xms4G -Xmx4G'",
    )
    job.add_argument("--jar-start-args", metavar="TEXT", help="JAR start arguments, e.g. custom-args")
    job.add_argument(
        "--war-start-options",
        metavar="TEXT",
        help="WAR start command, e.g. 'catalina.sh run'",
    )
    where = p.add_argument_group("where and how")
    where.add_argument(
        "--region",
        help="region ID, e.g. cn-hangzhou (default: $ALIBABA_CLOUD_REGION_ID)",
    )
    where.add_argument(
        "--vpc",
        action="store_true",
        help="use the VPC endpoint sae-vpc.REGION.aliyuncs.com",
    )
    where.add_argument(
        "--endpoint",
        metavar="URL",
        help="any endpoint URL, e.g. http://127.0.0.1:8080 (emulator)",
    )
    where.add_argument(
        "--profile",
        metavar="NAME",
        help="the aliyun CLI profile to take credentials from, e.g. prod",
    )
    where.add_argument(
        "--signature-version",
        choices=["v3", "v2"],
        default="v3",
        help="v3 = ACS3-HMAC-SHA256 (default), v2 = ROA HMAC-SHA1",
    )
    where.add_argument(
        "--timeout",
        type=_positive_float,
        default=10.0,
        metavar="SECONDS",
        help="per attempt, e.g. 10 (default)",
    )
    where.add_argument(
        "--max-attempts",
        type=_positive_int,
        default=3,
        metavar="N",
        help="attempts in all, retries included, e.g. 3 (default)",
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: job_id, request_id, trace_id, event_id, app_id",
    )
    out.add_argument(
        "--dry-run",
        action="store_true",
        help="send nothing: print the signed request, canonical request and string to sign",
    )
    out.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log requests, retries and signing steps (secrets redacted); tracebacks on errors",
    )
    p.set_defaults(handler=run_exec, envs=[])


def _add_emulator(commands: Any) -> None:
    p = commands.add_parser(
        "emulator",
        help="serve a local SAE ExecJob emulator (for demos and tests)",
        description="Serve a local SAE ExecJob emulator until interrupted.",
    )
    from sae_job.emulator.cli import add_arguments, run

    add_arguments(p)
    p.set_defaults(handler=run)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of `sae-job` (the emulator's options are loaded only when asked for)."""
    parser = argparse.ArgumentParser(
        prog="sae-job",
        description="Start jobs on Alibaba Cloud Serverless App Engine (SAE).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sae-job {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _add_exec(commands)
    wants_emulator = (
        argv is None or "emulator" in argv or not argv or any(a in ("-h", "--help") for a in argv)
    )
    if wants_emulator:
        _add_emulator(commands)
    return parser


def _print_dry_run(dry: Any, out: TextIO) -> None:
    out.write(f"{dry.method} {dry.url}\n")
    for name, value in dry.headers.items():
        out.write(f"{name}: {value}\n")
    if dry.canonical_request is not None:
        out.write(f"\ncanonical request:\n{dry.canonical_request}\n")
    out.write(f"\nstring to sign ({dry.algorithm}):\n{dry.string_to_sign}\n")
    out.write(f"\nevent id: {dry.event_id}\nnothing was sent (--dry-run)\n")


def _fail(code: int, message: str, verbose: bool, exc: BaseException | None = None) -> int:
    if verbose and exc is not None:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    sys.stderr.write(f"sae-job: {message}\n")
    return code


def run_exec(args: argparse.Namespace) -> int:
    """`sae-job exec`: start the job, print it, and return the exit code."""
    if args.verbose:
        import logging

        logging.basicConfig(
            level=logging.DEBUG,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
    from sae_job import errors
    from sae_job.arguments import EXEC_JOB_ARGUMENTS
    from sae_job.client import SaeJobClient

    try:
        envs = build_envs(args)
        time = parse_at(args.at) if args.at is not None else None
        command = args.command or None
        client = SaeJobClient(
            region=args.region,
            endpoint=args.endpoint,
            vpc=args.vpc,
            profile=args.profile,
            signature_version=args.signature_version,
            max_attempts=args.max_attempts,
            timeout=args.timeout,
        )
    except errors.CredentialsNotFoundError as exc:
        return _fail(
            EXIT_AUTH,
            # The library's message says what was tried and how to fix it; one paragraph, plus the flag.
            " ".join(str(exc).split()) + " On the command line, --profile NAME picks an aliyun CLI profile.",
            args.verbose,
            exc,
        )
    except errors.CredentialsError as exc:
        return _fail(EXIT_AUTH, f"credentials: {exc}", args.verbose, exc)
    except (UsageError, ValueError, TypeError) as exc:
        return _fail(EXIT_USAGE, str(exc), args.verbose, exc)
    with client:
        given = {**vars(args), "command": command, "envs": envs, "time": time}
        call = cast("ExecJobArguments", {name: given.get(name) for name in EXEC_JOB_ARGUMENTS})
        try:
            if args.dry_run:
                _print_dry_run(client.explain_exec_job(args.app_id, **call), sys.stdout)
                return EXIT_OK
            launch = client.exec_job(args.app_id, **call)
        except (ValueError, TypeError) as exc:
            return _fail(EXIT_USAGE, str(exc), args.verbose, exc)
        except errors.SaeError as exc:
            return _fail(_exit_code_for(exc), _describe(exc), args.verbose, exc)
        except errors.SaeJobError as exc:
            return _fail(EXIT_UNAVAILABLE, str(exc), args.verbose, exc)
    if args.json:
        fields = ("job_id", "request_id", "trace_id", "event_id", "app_id")
        print(json.dumps({name: getattr(launch, name) for name in fields}))
    else:
        print(
            f"Started job {launch.job_id} for app {launch.app_id} "
            f"(event {launch.event_id}, request {launch.request_id})"
        )
    return EXIT_OK


def _exit_code_for(error: Any) -> int:
    from sae_job import errors

    if isinstance(error, errors.AuthenticationError):
        return EXIT_AUTH
    if isinstance(error, errors.ThrottlingError):
        return EXIT_THROTTLED
    if isinstance(error, errors.ServerError):
        return EXIT_UNAVAILABLE
    return EXIT_REFUSED


def _describe(error: Any) -> str:
    text = f"{error.code}: {error.message} (request {error.request_id or 'unknown'})"
    if error.code == "SignatureDoesNotMatch":
        text += "\nhint: run the same command with --dry-run and compare its string to sign with the server's"
    if getattr(error, "recommend", None):
        text += f"\nsee {error.recommend}"
    return text


# Options whose value is free text that may itself start with "-" (JAR options always do).
_TEXT_OPTIONS = ("--jar-start-options", "--jar-start-args", "--war-start-options", "--env", "--event-id")


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run `sae-job` with argv (default: the process's arguments); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    # argparse gives a nargs="*" positional nothing once options follow it, so split at "--" here.
    tail: list[str] | None = None
    if "--" in argv:
        at = argv.index("--")
        argv, tail = argv[:at], argv[at + 1 :]
    args = parser.parse_args(_glue_text_options(argv))
    if tail is not None:
        if getattr(args, "command", None):
            parser.error("give the command either before or after --, not both")
        args.command = tail
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
