"""``sae-job emulator`` (and ``python -m sae_job.emulator``): serve the emulator until SIGINT/SIGTERM.

Prints, flushed, ``SAE emulator listening on http://HOST:PORT`` first, then what to sign with: the
embedded demo key in full (it opens nothing but this emulator), or only the key IDs of a ``--config``
file (its secrets are never printed). Requests are logged to stderr, path and outcome only.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from sae_job.emulator.config import (
    ConfigError,
    EmulatorConfig,
    default_config,
    load_config,
)
from sae_job.emulator.core import Emulator

__all__ = ["add_arguments", "run"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--host``, ``--port`` and ``--config`` to ``parser``."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default: 127.0.0.1, loopback only; the emulator has no TLS)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="the port to listen on (default: 0, any free port; printed)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="a TOML file of [[credentials]], [[templates]] and [account] "
        "(default: the embedded demo key and template, printed at start)",
    )


def _describe(config: EmulatorConfig, embedded: bool) -> list[str]:
    if embedded:
        key = config.credentials[0]
        return [
            "Demo configuration (embedded; this key opens nothing but this emulator):",
            f"  AccessKey ID:     {key.access_key_id}",
            f"  AccessKey secret: {key.access_key_secret}",
            f"  job template:     {config.templates[0].app_id}",
        ]
    keys = ", ".join(c.access_key_id + (" (STS)" if c.security_token else "") for c in config.credentials)
    templates = ", ".join(f"{t.app_id} ({t.concurrency_policy})" for t in config.templates) or "none"
    lines = [
        f"Configuration from {config.source}:",
        f"  AccessKey IDs: {keys} (secrets not shown)",
        f"  job templates: {templates}",
    ]
    if config.in_debt:
        lines.append("  account: in debt (every ExecJob answers user.indebt)")
    return lines


def _log_to_stderr() -> None:
    logger = logging.getLogger("sae_job.emulator")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def run(args: argparse.Namespace) -> int:
    """Serve the emulator as ``args`` say until SIGINT or SIGTERM; return the exit code.

    0 after a signal; 2 when the configuration cannot be used; 1 when the address cannot be bound.
    Messages go to stderr and never hold a secret from the configuration file.
    """
    config_path: Path | None = args.config
    try:
        config = load_config(config_path) if config_path is not None else default_config()
    except ConfigError as exc:
        sys.stderr.write(f"sae-job emulator: {exc}\n")
        return EXIT_USAGE
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_signal)
    try:
        try:
            running = Emulator(config).serve(args.host, args.port)
        except OSError as exc:
            sys.stderr.write(
                f"sae-job emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}\n"
            )
            return EXIT_ERROR
        with running:
            _log_to_stderr()
            lines = [
                f"SAE emulator listening on {running.url}",
                *_describe(config, config_path is None),
            ]
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
            while not stop.wait(0.5):
                pass
        sys.stderr.write("SAE emulator stopped\n")
        return EXIT_OK
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
