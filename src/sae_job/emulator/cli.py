"""``sae-job emulator``: serve the emulator until SIGINT or SIGTERM, after a banner of where, what (no secret
of a ``--config`` file) and the lines to export; requests are logged to stderr, path and outcome only."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import shlex
import signal
import sys
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import get_args

from sae_job.cli.failures import EXIT_OK, EXIT_USAGE
from sae_job.emulator.config import EmulatorConfig, Outcome, Template, default_config, load_config
from sae_job.emulator.faults import MAX_SECONDS, Faults
from sae_job.emulator.gateway import Emulator
from sae_job.emulator.server import serve
from sae_job.endpoints import ENDPOINT_ENV

EXAMPLES = """\
examples:
  sae-job emulator                # any free port, printed with the lines to export
  sae-job emulator --port 8080    # a fixed port; exit 2 if it is in use
  sae-job emulator --outcome failed --run-seconds 2   # the demo template's jobs fail after 2 s
  sae-job emulator --config emulator.toml --fault-error-503 0.1
"""

# --fault-* flag, Faults field, metavar, help: each flag overrides the config file's [faults] value.
_FAULT_FLAGS = (
    ("drop_after_commit", "P", "probability that a request is handled, then its connection closed"),
    ("error_503", "P", "probability of a 503 ServiceUnavailable before anything is done"),
    ("throttle", "P", "probability of a 400 Throttling.User before anything is done"),
    ("retry_after", "SECONDS", "the wait a throttled answer asks for, sent in milliseconds (default: 1)"),
    ("throttle_status", "400|429", "the status of a throttled answer (default: 400, as SAE's gateway)"),
    ("stall", "P", "probability that a request is handled and its answer held back --fault-stall-seconds"),
    ("stall_seconds", "SECONDS", "how long a stalled answer is held back (default: 30)"),
    ("latency_ms", "MS", "a delay added to every ExecJob answer"),
    ("seed", "N", "the seed of the fault draws (default: 0)"),
)


def _seconds(text: str) -> float:
    """``--run-seconds``, ``--nonce-window``: a positive number of seconds, at most :data:`MAX_SECONDS`."""
    with contextlib.suppress(ValueError):
        if 0 < (seconds := float(text)) <= MAX_SECONDS:
            return seconds
    raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds in (0, {MAX_SECONDS}]")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's flags (``--host``, ``--port``, ``--config``, ``--fault-*``, ...) to ``parser``."""
    add = parser.add_argument
    host_help = (
        "the address to listen on (default: 127.0.0.1, loopback only). Beyond loopback (0.0.0.0, a LAN "
        "address) it warns on stderr, and /_emulator/* (jobs with their env values, reset) answers only "
        "requests with the token it prints at start: Authorization: Bearer TOKEN"
    )
    add("--host", default="127.0.0.1", help=host_help)
    port_help = "the port to listen on (default: 0, any free port; the banner prints it and the export lines)"
    add("--port", type=int, default=0, help=port_help)
    config_help = (
        "a TOML file of [[credentials]], [[templates]], [account] and [faults] (default: the embedded demo "
        "key and template, printed at start)"
    )
    add("--config", metavar="FILE", type=Path, help=config_help)
    embedded_only = "the embedded demo template's; with --config, set it in the file's [[templates]]"
    run_help = f"how long each job runs (default: 30; {embedded_only})"
    add("--run-seconds", type=_seconds, metavar="N", help=run_help)
    outcome_help = f"how each job ends (default: succeeded; {embedded_only})"
    add("--outcome", choices=get_args(Outcome), help=outcome_help)
    max_jobs_help = "jobs kept; the oldest (and their event IDs) are forgotten first (default: 10000)"
    add("--max-jobs", type=int, default=10_000, metavar="N", help=max_jobs_help)
    nonce_help = "remember signature nonces this long instead of the 15-minute date window (for load tests)"
    add("--nonce-window", type=_seconds, metavar="SECONDS", help=nonce_help)
    faults = parser.add_argument_group(
        "fault injection", "off by default; probabilities are per ExecJob request and add up to at most 1"
    )
    defaults = Faults()  # each flag takes its field's type, and argparse names it fault_<field>
    for name, metavar, help_text in _FAULT_FLAGS:
        kind = type(getattr(defaults, name))
        faults.add_argument("--fault-" + name.replace("_", "-"), type=kind, metavar=metavar, help=help_text)


_POLICY_WORDS = {
    "Allow": "Allow: jobs run side by side",
    "Forbid": "Forbid: a new job is refused while one runs",
    "Replace": "Replace: a new job ends the running one",
}


def _template_state(template: Template) -> str:
    """One template's state as ExecJob meets it."""
    suspended = "SUSPENDED: every ExecJob is refused (JobSuspend); " if template.suspended else ""
    runs = f"runs {template.run_seconds:g} s, then" if template.run_seconds else "ends at once and"
    ends = "succeeds" if template.outcome == "succeeded" else "fails"
    return f"{suspended}{_POLICY_WORDS[template.concurrency_policy]}; each job {runs} {ends}"


def _banner(config: EmulatorConfig, embedded: bool, url: str, token: str | None) -> list[str]:
    """The banner: where, the keys (the embedded demo's secret only), templates, account, faults, exports."""
    lines = [f"SAE emulator listening on {url}"]
    if token:
        lines.append(f"  /_emulator/* needs: Authorization: Bearer {token}")
    # A key without a token is the natural pick to export: it needs no third variable.
    key = next((k for k in config.credentials if not k.security_token), config.credentials[0])
    if embedded:
        lines += [
            "Demo configuration (embedded; this key opens nothing but this emulator):",
            f"  AccessKey ID:     {key.access_key_id}",
            f"  AccessKey secret: {key.access_key_secret}",
        ]
        secret = f"export ALIBABA_CLOUD_ACCESS_KEY_SECRET={shlex.quote(key.access_key_secret)}"
    else:
        lines.append(f"Configuration from {config.source} (secrets not shown):")
        for each in config.credentials:
            sts = " (STS: requests must carry its security_token)" if each.security_token else ""
            lines.append(f"  AccessKey ID: {each.access_key_id}{sts}")
        # Commented out, so that pasting it sets nothing wrong.
        where = f"of {key.access_key_id!r} in {config.source}; secrets are never printed"
        secret = f"# export ALIBABA_CLOUD_ACCESS_KEY_SECRET=…  (the access_key_secret {where})"
    width = max((len(t.app_id) for t in config.templates), default=0)
    lines += [f"  job template: {t.app_id:<{width}}  {_template_state(t)}" for t in config.templates]
    if not config.templates:
        lines.append("  job template: none (every ExecJob answers InvalidApplication.NotFound)")
    if config.in_debt:
        lines.append("  account: in debt (every ExecJob answers user.indebt)")
    if config.faults.enabled:
        lines.append(f"  faults injected: {config.faults.describe()}")
    token_line = "unset ALIBABA_CLOUD_SECURITY_TOKEN  # this key takes none"
    if key.security_token:
        token_line = f"# export ALIBABA_CLOUD_SECURITY_TOKEN=…  (its security_token in {config.source})"
    # The client sends plain http only to loopback: a wildcard host (0.0.0.0, ::) is exported as loopback.
    endpoint = url.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:")
    return [
        *lines,
        "To use it from a shell (sae-job, SaeJobClient), paste:",
        f"export ALIBABA_CLOUD_ACCESS_KEY_ID={shlex.quote(key.access_key_id)}",
        secret,
        token_line,
        f"export {ENDPOINT_ENV}={shlex.quote(endpoint)}",
    ]


def _cannot_listen(host: str, port: int, exc: OSError) -> str:
    """The message for an address that cannot be bound, with what to do about it."""
    if exc.errno == errno.EADDRINUSE:
        return (
            f"sae-job emulator: port {port} on {host} is already in use (another emulator, or another "
            "server).\nChoose another with --port N, or --port 0 for any free port (the default).\n"
        )
    reason = exc.strerror or str(exc)
    return f"sae-job emulator: cannot listen on {host}:{port}: {reason}. Check --host and --port.\n"


def run(args: argparse.Namespace) -> int:
    """Serve as ``args`` say until a signal: 0; 2 for a bad configuration or address, on stderr, no secret."""
    config_path: Path | None = args.config
    demo = {k: v for k in ("run_seconds", "outcome") if (v := getattr(args, k, None)) is not None}
    try:
        if demo and config_path is not None:
            raise ValueError(
                "--run-seconds and --outcome set the embedded demo template; with --config, set run_seconds "
                "and outcome in the file's [[templates]]"
            )
        if args.max_jobs < 1:
            raise ValueError("--max-jobs must be positive")
        config = load_config(config_path) if config_path is not None else default_config()
        config = config.with_templates(*(replace(t, **demo) for t in config.templates))
        given = {name: v for name, _, _ in _FAULT_FLAGS if (v := getattr(args, "fault_" + name)) is not None}
        config = config.with_faults(replace(config.faults, **given))
    except ValueError as exc:  # flags that clash, a ConfigError, a --fault-* value out of range, no job kept
        sys.stderr.write(f"sae-job emulator: {exc}\n")
        return EXIT_USAGE
    stop, previous = threading.Event(), {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    logger = logging.getLogger("sae_job.emulator")
    if not logger.handlers:  # before serve(), which may warn
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(stream)
        logger.setLevel(logging.INFO)
    try:
        try:
            window = timedelta(seconds=args.nonce_window) if args.nonce_window is not None else None
            emulator = Emulator(config, nonce_window=window, max_jobs=args.max_jobs)
            running = serve(emulator, host=args.host, port=args.port)
        except OSError as exc:
            sys.stderr.write(_cannot_listen(args.host, args.port, exc))
            return EXIT_USAGE
        with running:
            lines = _banner(config, config_path is None, running.url, running.emulator.introspection_token)
            print("\n".join(lines), flush=True)
            while not stop.wait(0.5):
                pass
        sys.stderr.write("SAE emulator stopped\n")
        return EXIT_OK
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
