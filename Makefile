# Every target bootstraps what it needs: a fresh clone with only Python >= 3.11 is enough.
PYTHON ?= python3
VENV := .venv
GEN_VENV := .venv-generator
PY := $(VENV)/bin/python
GEN_PY := $(GEN_VENV)/bin/python
BENCH_VENV := .venv-bench
BENCH_PY := $(BENCH_VENV)/bin/python
# pip's own chatter (index warnings, notices) is noise here; its errors still show.
PIP_QUIET := --quiet --disable-pip-version-check

.DEFAULT_GOAL := help
.PHONY: help venv generate check-generated validate-spec lint test soak mutate demo bench bench-wait clean generator-lock

help:
	@echo "make demo             run a job end to end against the local SAE emulator"
	@echo "make test             validate the spec, check generated/, lint, run the tests, then again a year ahead,"
	@echo "                      then again under each other Python of 3.11, 3.12, 3.13 found; prints which ran"
	@echo "make soak             the load and soak tests in full: 20,000 requests, 10,000 calls (minutes)"
	@echo "make mutate           mutation scores of signing, arguments, errors, attempts, answers, jobs (minutes)"
	@echo "make generate         regenerate generated/sae_job_api from openapi/sae-job.yaml"
	@echo "make check-generated  fail with a diff when generated/ is stale"
	@echo "make lint             ruff on everything hand-written, mypy --strict on src/"
	@echo "make bench            instructions per call, cold start, fan-out, install weight beside the official SDK"
	@echo "make bench-wait       only the section on waiting for jobs: wake-up lag and status calls (about 70 s)"
	@echo "make clean            remove the virtual environments and caches"

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sae-job needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) --upgrade pip
	$(PY) -m pip install $(PIP_QUIET) -e '.[dev]'
	@touch $@

$(GEN_VENV)/.installed: generator/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sae-job needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(GEN_VENV)
	$(GEN_PY) -m pip install $(PIP_QUIET) -r generator/requirements.txt
	@touch $@

# The benchmark's own venv: the official SDK (29 packages), httpx-aiohttp and the profilers stay out of
# .venv, so `make test` neither pays for them nor can lean on them by accident.
$(BENCH_VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sae-job needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install $(PIP_QUIET) --upgrade pip
	$(BENCH_PY) -m pip install $(PIP_QUIET) -e '.[bench]'
	@touch $@

venv: $(VENV)/.installed

generate: $(GEN_VENV)/.installed
	$(GEN_PY) generator/generate.py

check-generated: $(GEN_VENV)/.installed
	$(GEN_PY) generator/generate.py --check

validate-spec: $(VENV)/.installed
	$(PY) -m openapi_spec_validator openapi/sae-job.yaml

lint: $(VENV)/.installed
	$(PY) -m ruff check src tests generator
	$(PY) -m ruff format --check src tests generator
	$(PY) -m mypy src

# Three workers on two cores: most of the suite's time is waiting (servers, subprocesses, retry pauses).
# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: else every worker and every CLI
# subprocess compiles src/, generated/ and tests/ again (seconds of CPU each). Plain `pytest` runs serially.
# Then the guard against tests that depend on today's date: the suite again under Debian's faketime
# (libfaketime, LD_PRELOAD: it reaches every sae-job and emulator subprocess too) FAKE_AHEAD from now,
# after a check that Python's clock really moved. A test that must see a given time injects it (now=,
# clock=). Tests marked real_clock_only (pyproject.toml) are left out: under libfaketime a timed wait on a
# lock (Event.wait(0.05)) never times out, since CPython's sem_clockwait is not intercepted.
# make test FAKE_AHEAD=+730d tries another date.
# Last, scripts/test-pythons.sh: the normal pass again under each of TEST_PYTHONS other than .venv's, each
# in its own .venv-3.X (python3.X on PATH if it runs, else a pyenv build); an absent one is skipped, a
# failing one fails make test, and it ends with a line naming the versions tested, one those skipped.
FAKE_AHEAD ?= +400d
TEST_PYTHONS ?= 3.11 3.12 3.13
test: validate-spec check-generated lint
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n 3
	@command -v faketime >/dev/null || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y faketime; }
	@real=$$(date +%s); fake=$$(faketime -f '$(FAKE_AHEAD)' $(PY) -c 'import time; print(int(time.time()))'); \
		ahead=$$(( fake - real )); test $${ahead#-} -ge 86400 || \
		{ echo "faketime -f '$(FAKE_AHEAD)' did not move Python's clock by a day or more"; exit 1; }
	PYTHONDONTWRITEBYTECODE= faketime -f '$(FAKE_AHEAD)' $(PY) -m pytest -n 3 -m 'not real_clock_only'
	@TEST_PIP_OPTIONS='$(PIP_QUIET)' TEST_PYTEST_OPTIONS='-n 3' bash scripts/test-pythons.sh $(PY) $(TEST_PYTHONS)

# The tests marked soak, at the issue's full size (make test runs them reduced); prints the numbers.
soak: $(VENV)/.installed
	SAE_JOB_SOAK=full $(PY) -m pytest -m soak -s -q --timeout 0

# Mutation testing (scripts/mutate.py): each module under mutmut with the tests that exercise it, one
# worker; a line a module with its score and survivors, exit 1 below 90%. MODULES=errors runs only those.
$(VENV)/.mutmut: $(VENV)/.installed
	$(PY) -m pip install $(PIP_QUIET) -e '.[mutate]'
	@touch $@

mutate: $(VENV)/.mutmut
	$(PY) scripts/mutate.py $(MODULES)

demo: $(VENV)/.installed
	bash scripts/demo.sh

# A few minutes, loopback only; rewrites bench/RESULTS.md and bench/results.json. The bench starts its
# own nginx (Debian's package: nginx-light only adds an echo module) and counts instructions with
# valgrind's callgrind (Debian's valgrind), installing either when missing.
bench: $(BENCH_VENV)/.installed
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx; }
	@command -v valgrind >/dev/null || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y valgrind; }
	$(BENCH_PY) bench/run.py

# Only bench/wait.py's section (wait_for_job against the emulator), rewritten in place in bench/RESULTS.md
# and results.json. It needs nothing but the emulator, so the dev venv serves, not the SDK's.
bench-wait: $(VENV)/.installed
	$(PY) bench/wait.py

# Re-pin the generator after a deliberate upgrade: make generator-lock OPC=0.29.1 RUFF=0.17.6
generator-lock:
	rm -rf $(GEN_VENV)
	$(PYTHON) -m venv $(GEN_VENV)
	$(GEN_PY) -m pip install $(PIP_QUIET) "openapi-python-client==$(OPC)" "ruff==$(RUFF)"
	{ sed -n '1,2p' generator/requirements.txt; $(GEN_PY) -m pip freeze --exclude-editable; } > generator/requirements.tmp
	mv generator/requirements.tmp generator/requirements.txt
	@touch $(GEN_VENV)/.installed

clean:
	rm -rf $(VENV) $(VENV)-3.* $(GEN_VENV) $(BENCH_VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis mutants
