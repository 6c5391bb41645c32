"""The `sae-job` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from sae_job import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `sae-job`."""
    parser = argparse.ArgumentParser(
        prog="sae-job",
        description="Start jobs on Alibaba Cloud Serverless App Engine (SAE).",
    )
    parser.add_argument("--version", action="version", version=f"sae-job {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `sae-job` with argv (default: the process's arguments); return the exit code."""
    build_parser().parse_args(argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
