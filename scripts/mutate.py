"""make mutate: mutation testing of the modules that carry the client's correctness, one module at a time.

Each module runs under mutmut with only the tests that exercise it (MODULES below; mutmut then runs, for
each mutant, the tests among those that call the mutated function). One line a module:

    jobs        98.7%  230/233 killed  (0 lines marked equivalent)  survived: sae_job.jobs.x__count__mutmut_6

A survivor is a line that could be wrong with every test still passing: `.venv/bin/mutmut show NAME`
prints its diff (mutants/ keeps the last run). Kill it with a test of the rule it breaks, or, when the
mutant cannot change behaviour, mark its line `# pragma: no mutate` with the reason.

    python scripts/mutate.py [MODULE ...]      every module, or those named; exit 1 below the floor
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = 0.90  # of the mutants not marked equivalent, the share the tests must kill

# The tests that exercise each module: its own, and those of the callers that state its rules.
MODULES: dict[str, list[str]] = {
    "signing": ["tests/test_signing.py"],
    "arguments": ["tests/test_arguments.py"],
    "errors": ["tests/test_errors.py", "tests/test_answers.py"],
    "retries": ["tests/test_attempts.py", "tests/test_jobs.py", "tests/test_answers.py"],
    "answers": ["tests/test_answers.py", "tests/test_templates.py", "tests/test_jobs.py"],
    "waiting": ["tests/test_jobs.py"],
}

# mutmut's exit codes (mutmut.stats.status_by_exit_code) that mean a test caught the mutant.
KILLED = {1, 3, 36, 24, -24, 152, 255}  # failed, pytest internal error, or timed out


def run_module(module: str) -> None:
    """In a child process: mutmut over one module's mutants, with that module's tests only."""
    from mutmut.__main__ import cli
    from mutmut.configuration import config

    config().pytest_add_cli_args_test_selection = MODULES[module]
    cli.main(["run", "--max-children", "1", f"sae_job.{module}.*"], standalone_mode=True)


def score(module: str) -> tuple[str, bool]:
    """The module's line, and whether it reaches the floor."""
    meta = ROOT / "mutants" / "src" / "sae_job" / f"{module}.py.meta"
    results: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    survived = sorted(name for name, code in results.items() if code not in KILLED)
    killed = len(results) - len(survived)
    ratio = killed / len(results) if results else 1.0
    source = (ROOT / "src" / "sae_job" / f"{module}.py").read_text(encoding="utf-8")
    equivalent = source.count("# pragma: no mutate")
    line = f"{module:<10} {ratio:6.1%}  {killed}/{len(results)} killed"
    line += f"  ({equivalent} lines marked equivalent)"
    if survived:
        line += "  survived: " + " ".join(survived)
    return line, ratio >= FLOOR


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        run_module(argv[1])
        return 0
    modules = argv or list(MODULES)
    unknown = set(modules) - set(MODULES)
    if unknown:
        sys.exit(f"unknown module(s): {', '.join(sorted(unknown))}; known: {', '.join(MODULES)}")
    (ROOT / "mutants").mkdir(exist_ok=True)
    lines, below = [], []
    for module in modules:
        log = ROOT / "mutants" / f"{module}.log"
        print(f"{module}: mutmut running (log: {log.relative_to(ROOT)})", flush=True)
        with log.open("w") as out:
            done = subprocess.run(
                [sys.executable, __file__, "--child", module], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        if done.returncode != 0:
            sys.exit(f"{module}: mutmut failed (exit {done.returncode}); see {log}")
        line, enough = score(module)
        print(line, flush=True)
        lines.append(line)
        if not enough:
            below.append(module)
    print("\n" + "\n".join(lines))
    if below:
        print(f"below the {FLOOR:.0%} floor: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
