"""``python -m sae_job.emulator``: the same as ``sae-job emulator``."""

from sae_job.emulator.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
