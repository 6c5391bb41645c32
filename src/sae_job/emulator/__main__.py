"""``python -m sae_job.emulator``: the same as ``sae-job emulator``."""

from __future__ import annotations

import argparse

from sae_job.emulator.cli import EXAMPLES, add_arguments, run


def main() -> int:
    """Parse the process's arguments and serve until interrupted; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m sae_job.emulator",
        description="Serve a local SAE ExecJob emulator until interrupted.",
        epilog=EXAMPLES.replace("sae-job emulator", "python -m sae_job.emulator"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
