"""``python -m sae_job.emulator``: the same as ``sae-job emulator``."""

import sys

from sae_job.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["emulator", *sys.argv[1:]]))
