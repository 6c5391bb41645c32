"""The commands: each a short function on its parsed arguments and the job template, resolved once
(:func:`_session`); what they print is :mod:`sae_job.cli.output`, how they fail
:mod:`sae_job.cli.failures`. The client (and httpx) load only here, when a command runs."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import itertools
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import sae_job.cli.output as show
from sae_job.cli.failures import EXIT_OK, Call, UsageError, flag
from sae_job.cli.output import Output, Progress

if TYPE_CHECKING:
    from sae_job.arguments import ConfigMapEnv, Env, ExecJobArguments
    from sae_job.client import SaeJobClient
    from sae_job.credentials import Credentials, CredentialsProvider
    from sae_job.endpoints import Endpoint
    from sae_job.models import JobStatus, JobTemplate
    from sae_job.settings import TemplateSettings

Command = Callable[[argparse.Namespace, Output, Call], int]

_RELATIVE = re.compile(r"([+-])(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
PAST_AT_GRACE = timedelta(minutes=1)  # a time just past (a clock a little behind) still means "now"
DEFAULT_WAIT = 3600.0  # seconds a wait lasts when neither --wait-timeout nor the template says
# Stands for --app's template while the arguments are checked, before the lookup.
_ANY_ID = "00000000-0000-0000-0000-000000000000"


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
            f"--at {value!r} is not a time: use now, +10m, +2h, +1d, or ISO 8601 with a zone "
            "(2026-12-01T08:00:00Z)"
        ) from None
    if parsed.tzinfo is None:
        raise UsageError(f"--at {value!r} has no timezone: add Z or an offset such as +08:00")
    if parsed < now - PAST_AT_GRACE:
        raise UsageError(
            f"--at {value!r} is {show.format_duration((now - parsed).total_seconds())} in the past: "
            "give a time to come, or --at now to start the job at once"
        )
    return parsed


def build_envs(given: list[tuple[str, str, str]]) -> list[Env | ConfigMapEnv] | None:
    """The ``--env*`` options, in the order given, each (option, its form, value), as Env and ConfigMapEnv
    objects."""
    from sae_job.arguments import ConfigMapEnv, Env

    envs: list[Env | ConfigMapEnv] = []
    for option, form, value in given:
        name, sep, rest = value.partition("=")
        config_map_id, colon, key = rest.partition(":")
        if not (name and sep) or (option == "--env-from-configmap" and not (colon and key)):
            raise UsageError(f"{option} {value!r} is not of the form {form}")
        if option == "--env":
            envs.append(Env(name, rest))
            continue
        whole = option == "--env-all-from-configmap"  # NAME=CONFIGMAP_ID: every key of the ConfigMap
        config_map_id = rest if whole else config_map_id
        if not config_map_id.isdigit() or int(config_map_id) < 1:
            raise UsageError(f"{option} {value!r}: the ConfigMap ID must be a positive integer")
        config_map = int(config_map_id)
        envs.append(ConfigMapEnv.all(name, config_map) if whole else ConfigMapEnv(name, config_map, key))
    return envs or None


def lasting() -> None:
    """Where a command starts to last: garbage is collected again, all that start-up made left out."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


# --- the commands --------------------------------------------------------------------------------------


def run_exec(args: argparse.Namespace, out: Output, call: Call) -> int:
    """`sae-job exec`: start the job (and with --wait, wait for it); print it."""
    from sae_job.arguments import EXEC_JOB_ARGUMENTS, new_event_id
    from sae_job.client import prepare_exec_job

    if args.dry_run and args.app is not None:
        raise UsageError("--dry-run sends nothing, so it cannot look --app up: give the APP_ID instead")
    for option in ("jar_start_options", "jar_start_args", "war_start_options"):
        if getattr(args, option) == "":
            raise UsageError(f"{flag(option)} is empty: leave the option out instead")
    envs, at = build_envs(args.envs), parse_at(args.at) if args.at is not None else None
    call.event_id = args.event_id if args.event_id is not None else new_event_id()
    given = vars(args) | {"command": args.command or None, "envs": envs, "time": at}
    arguments = cast("ExecJobArguments", {name: given.get(name) for name in EXEC_JOB_ARGUMENTS})
    arguments["event_id"] = call.event_id
    prepare_exec_job(args.app_id or _ANY_ID, arguments)  # checked before any call: exit 2, nothing sent
    if args.dry_run:
        with _client(args, out, call) as client:
            _print_dry_run(client.explain_exec_job(args.app_id, **arguments), out)
        return EXIT_OK
    progress = _progress(args, out) if args.wait else None
    with _session(args, out, call, progress) as (client, app_id):
        if args.wait:  # before starting: a Replace template ends the job running now
            settings = _settings(client, app_id, out)
            if settings is not None and settings.concurrency_policy == "Replace":
                out.warn(
                    f"template {app_id} has concurrency policy Replace: starting this job ends any "
                    "job of it still running (as failed)"
                )
            call.wait_timeout = _wait_timeout(args, out, settings)
        launch = client.exec_job(app_id, **arguments)
        call.started, call.job_id = True, launch.job_id
        fields = ("job_id", "request_id", "trace_id", "event_id", "app_id")
        found: dict[str, Any] = {name: getattr(launch, name) for name in fields}
        found["trigger_time"] = show.utc_text(at)
        if not out.json:
            when = f"triggers at {found['trigger_time']}" if at is not None else "triggers now"
            named = f" ({args.app})" if args.app is not None else ""
            out.result(
                f"Started job {launch.job_id} for app {launch.app_id}{named}; it {when} "
                f"(event {launch.event_id}, request {launch.request_id})\n"
            )
        if call.wait_timeout is not None and args.wait:
            status = _wait(client, app_id, launch.job_id, call.wait_timeout, progress)
            found["status"] = show.status_json(status, app_id)
            if not out.json:
                out.result(show.final_line(status))
        if out.json:
            out.json_line(found)
    return EXIT_OK


def run_wait(args: argparse.Namespace, out: Output, call: Call) -> int:
    """`sae-job wait`: wait for the job to end; exit 0, 7 (failed) or 8 (timed out)."""
    started, progress = time.monotonic(), _progress(args, out)
    with _session(args, out, call, progress) as (client, app_id):
        settings = _settings(client, app_id, out) if args.wait_timeout is None else None
        call.wait_timeout = timeout = _wait_timeout(args, out, settings)
        # One look first: an unknown job, a refused key or no connection at all ends the command
        # now, rather than being waited out as a passing fault until the timeout.
        first = client.describe_job(app_id, args.job_id)
        if progress is not None:
            progress.show(first)
        left = max(timeout - (time.monotonic() - started), 0.001)
        status = _wait(client, app_id, args.job_id, left, progress)
    out.emit(show.status_json(status, app_id), show.final_line(status))
    return EXIT_OK


def run_status(args: argparse.Namespace, out: Output, call: Call) -> int:
    """`sae-job status`: the job's state and counts."""
    with _session(args, out, call) as (client, app_id):
        status = client.describe_job(app_id, args.job_id)
    out.emit(show.status_json(status, app_id), show.status_text(status, app_id))
    return EXIT_OK


def run_history(args: argparse.Namespace, out: Output, call: Call) -> int:
    """`sae-job history`: the template's jobs, newest first, printed as they come."""
    with _session(args, out, call) as (client, app_id):
        jobs = client.job_history(app_id, state=args.state, page_size=min(args.limit or 100, 100))
        shown = 0
        for status in itertools.islice(jobs, args.limit):
            row = ("" if shown else show.HISTORY_HEADER + "\n") + show.history_row(status) + "\n"
            out.emit(show.status_json(status, app_id), row)
            shown += 1
    if not shown and not out.json:
        out.say(f"no{' ' + args.state if args.state else ''} jobs for app {app_id}")
    return EXIT_OK


def run_templates(args: argparse.Namespace, out: Output, call: Call) -> int:
    """`sae-job templates`: the job templates, each with its last job; with --show, one's settings."""
    from sae_job.errors import ApplicationNotFoundError

    with _client(args, out, call) as client:
        if args.show is not None:  # TEMPLATE: its ID or, when no template has that ID, its name
            try:
                settings = client.describe_template(args.show)
            except ApplicationNotFoundError:
                settings = client.describe_template(client.find_template(args.show, args.namespace).app_id)
            # The OSS key pair is <redacted> in the settings as they are kept.
            out.emit(dataclasses.asdict(settings), show.settings_text(settings))
            return EXIT_OK
        found: list[JobTemplate] = []
        for template in client.list_templates(name=args.name or None, namespace_id=args.namespace):
            if out.json:
                out.json_line(show.template_json(template))
            found.append(template)
    if not out.json and found:
        out.result(show.templates_table(found))
    if not found:
        named = f" whose name contains {args.name!r}" if args.name else ""
        out.say(f"no job templates{named}{f' in namespace {args.namespace}' if args.namespace else ''}")
    return EXIT_OK


# --- what the commands share ---------------------------------------------------------------------------


def _print_dry_run(dry: Any, out: Output) -> None:
    if out.json:
        fields = ("method", "url", "headers", "algorithm", "canonical_request", "string_to_sign", "event_id")
        out.json_line({**{name: getattr(dry, name) for name in fields}, "sent": False})
        return
    text = f"{dry.method} {dry.url}\n" + "".join(f"{name}: {value}\n" for name, value in dry.headers.items())
    if dry.canonical_request is not None:
        text += f"\ncanonical request:\n{dry.canonical_request}\n"
    text += f"\nstring to sign ({dry.algorithm}):\n{dry.string_to_sign}\n"
    out.result(text + f"\nevent id: {dry.event_id}\nnothing was sent (--dry-run)\n")


def new_call(command: str, args: argparse.Namespace) -> Call:
    """What the command sets out to do, for its failure's message; among it the flags that chose the
    endpoint and the credentials, for a command line that follows the job."""
    flags: list[str] = []
    for name in ("region", "endpoint", "profile"):
        if getattr(args, name) is not None:
            flags += [f"--{name}", getattr(args, name)]
    flags += ["--vpc"] if args.vpc else []
    flags += ["--signature-version", args.signature_version] if args.signature_version != "v3" else []
    from_env = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID") and not args.profile
    source = "ALIBABA_CLOUD_ACCESS_KEY_SECRET" if from_env else "the aliyun CLI profile's access_key_secret"
    known = ("app_id", "job_id", "event_id", "wait_timeout")  # as far as the command line says
    given: dict[str, Any] = {name: getattr(args, name, None) for name in known}
    return Call(command, args.argv, flags, credentials_source=source, **given)


_NO_REGION = """\
no region. Give one of:
  - --region cn-hangzhou (or another region ID)
  - the environment variable ALIBABA_CLOUD_REGION_ID
  - region_id in the aliyun CLI profile (aliyun configure)
  - --endpoint URL, or the environment variable SAE_JOB_ENDPOINT"""


def _endpoint(args: argparse.Namespace, out: Output) -> Endpoint:
    """The endpoint to call, with a warning when its region is not one SAE is known to have."""
    from sae_job.endpoints import KNOWN_REGIONS, NoRegionError, find_endpoint, nearest_regions

    try:
        found = find_endpoint(region=args.region, endpoint=args.endpoint, vpc=args.vpc, profile=args.profile)
    except NoRegionError as exc:
        raise UsageError(_NO_REGION + (f"\n{exc.reason}" if exc.reason else "")) from None
    if found.region is None and (args.region is not None or args.vpc):
        ignored = "--region" if args.region is not None else "--vpc"
        out.warn(f"{ignored} is ignored: the endpoint {found.url} comes from {flag(found.source)}")
    if found.region is not None and found.region not in KNOWN_REGIONS:
        out.warn(
            f"region {found.region!r} (from {flag(found.source)}) is not a known SAE region; "
            f"the nearest known: {', '.join(nearest_regions(found.region))}"
        )
    return found


class _Signing:
    """The command's credentials, noting in ``call`` that a request was signed, so may have been sent."""

    def __init__(self, provider: CredentialsProvider, call: Call) -> None:
        self._provider, self._call = provider, call

    def get_credentials(self) -> Credentials:
        self._call.signed = True
        return self._provider.get_credentials()


def _client(
    args: argparse.Namespace, out: Output, call: Call, progress: Progress | None = None
) -> SaeJobClient:
    """The command's client, once APP_ID and JOB_ID are checked (exit 2, before any call)."""
    from sae_job.arguments import describe_job_status_params
    from sae_job.client import SaeJobClient
    from sae_job.credentials import default_credentials

    describe_job_status_params(getattr(args, "app_id", None) or _ANY_ID, job_id=getattr(args, "job_id", None))
    call.endpoint = _endpoint(args, out)
    return SaeJobClient(
        endpoint=call.endpoint.url,
        profile=args.profile,
        credentials=_Signing(default_credentials(profile=args.profile), call),
        signature_version=args.signature_version,
        max_attempts=args.max_attempts,
        timeout=min(10.0, args.timeout),
        deadline=args.timeout,
        sleep=progress.sleep if progress is not None else time.sleep,
    )


@contextmanager
def _session(
    args: argparse.Namespace, out: Output, call: Call, progress: Progress | None = None
) -> Iterator[tuple[SaeJobClient, str]]:
    """The command's client and its template's ID: APP_ID as given, or the one named --app's (one ListJobs
    call)."""
    with _client(args, out, call, progress) as client:
        if args.app is None:
            yield client, args.app_id
            return
        template = client.find_template(args.app, args.namespace)
        call.app_id = template.app_id
        if out.verbose:
            namespace = template.namespace_id or "-"
            out.say(f"--app {args.app} is job template {template.app_id} (namespace {namespace})")
        yield client, template.app_id


def _settings(client: SaeJobClient, app_id: str, out: Output) -> TemplateSettings | None:
    """The template's settings (DescribeJob), or None, with a warning, when they cannot be read."""
    from sae_job.errors import SaeError, SaeJobError

    try:
        return client.describe_template(app_id)
    except SaeJobError as exc:
        why = exc.code if isinstance(exc, SaeError) else type(exc).__name__
        out.warn(f"could not read template {app_id}'s settings ({why})")
        return None


def _wait_timeout(args: argparse.Namespace, out: Output, settings: TemplateSettings | None) -> float:
    """--wait-timeout, or the template's own Timeout plus a tenth (at least a minute), said on stderr."""
    if args.wait_timeout is not None:
        return float(args.wait_timeout)
    if settings is None or settings.timeout is None or settings.timeout <= 0:
        seconds, why = DEFAULT_WAIT, ""
    else:
        margin = max(60.0, settings.timeout / 10)
        seconds = settings.timeout + margin
        template, more = show.format_duration(settings.timeout), show.format_duration(margin)
        why = f": the template's timeout, {template}, and {more} more"
    if not args.quiet:
        out.say(f"waiting up to {show.format_duration(seconds)}{why} (--wait-timeout sets it)")
    return seconds


def _progress(args: argparse.Namespace, out: Output) -> Progress | None:
    if args.quiet:
        return None
    return Progress(out.stderr, live=out.stderr.isatty() and os.environ.get("TERM") != "dumb")


def _wait(
    client: SaeJobClient, app_id: str, job_id: str, timeout: float, progress: Progress | None
) -> JobStatus:
    lasting()
    try:
        on_status = progress.show if progress is not None else None
        return client.wait_for_job(app_id, job_id, timeout=timeout, on_status=on_status)
    finally:
        if progress is not None:
            progress.close()
