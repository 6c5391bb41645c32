#!/usr/bin/env bash
# make test's last step: the suite's normal pass (not the faketime one) again under each other supported
# CPython the machine has, each in its own .venv-3.X, then a line naming the versions tested and one
# naming those skipped as absent. An absent version is skipped; a present one that fails (its venv or its
# tests) fails the whole: exit 1 once every version has run.
#   scripts/test-pythons.sh MAIN_PYTHON VERSION...   e.g. .venv/bin/python 3.11 3.12 3.13
# MAIN_PYTHON is .venv's: its version is the one make test's passes before this one ran, not run again.
# A version is python3.X on PATH if it really runs (a pyenv shim with no version selected does not), else
# the newest pyenv build of it ($(pyenv root)/versions/3.X.N, else ~/.pyenv/versions/3.X.N).
set -uo pipefail
main_python=$1
shift
# Options for pytest and pip; unset once read, so that neither these nor any PIP_* name reach pip or the
# tests (pip reads PIP_QUIET=... as its own --quiet).
pytest_args=${TEST_PYTEST_OPTIONS:--n 3}
pip_quiet=${TEST_PIP_OPTIONS:---quiet --disable-pip-version-check}
unset TEST_PYTEST_OPTIONS TEST_PIP_OPTIONS

version_of() {  # the interpreter's full version (3.12.1), or nothing when it does not run
  "$1" -c 'import platform; print(platform.python_version())' 2>/dev/null
}

find_python() {  # the path of a working CPython $1 (3.12), or nothing
  local version=$1 dirs dir candidate root
  IFS=: read -ra dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    candidate=${dir:-.}/python$version
    if [[ -x $candidate && $(version_of "$candidate") == "$version".* ]]; then
      echo "$candidate"
      return
    fi
  done
  root=$(pyenv root 2>/dev/null) || root=${PYENV_ROOT:-$HOME/.pyenv}
  # 3.13.0 and 3.13.1, not 3.13-dev nor 3.13.0t (free-threaded): the newest release first.
  for candidate in $(printf '%s\n' "$root"/versions/"$version".* | grep -E "/$version\.[0-9]+$" | sort -rV); do
    if [[ $(version_of "$candidate/bin/python$version") == "$version".* ]]; then
      echo "$candidate/bin/python$version"
      return
    fi
  done
}

venv_for() {  # .venv-3.X with sae-job[dev] installed, made with $2 unless it is up to date
  local venv=.venv-$1 python=$2
  if [[ -f $venv/.installed && ! pyproject.toml -nt $venv/.installed &&
        $(version_of "$venv/bin/python") == "$(version_of "$python")" ]]; then
    return 0
  fi
  echo "$venv: a virtual environment for Python $(version_of "$python") ($python)"
  rm -rf "$venv" &&
    "$python" -m venv "$venv" &&
    "$venv/bin/python" -m pip install $pip_quiet --upgrade pip &&
    "$venv/bin/python" -m pip install $pip_quiet -e '.[dev]' &&
    touch "$venv/.installed"
}

main_version=$(version_of "$main_python") || { echo "$main_python does not run"; exit 1; }
tested=("$main_version (.venv; also a year ahead under faketime)")
skipped=()
failed=()
for version in "$@"; do
  [[ $main_version == "$version".* ]] && continue
  python=$(find_python "$version")
  if [[ -z $python ]]; then
    echo "Python $version: not found (neither python$version on PATH nor a pyenv build), skipped"
    skipped+=("$version")
    continue
  fi
  full=$(version_of "$python")
  if ! venv_for "$version" "$python"; then
    echo "Python $full: .venv-$version could not be made"
    failed+=("$full (.venv-$version: not made)")
    continue
  fi
  echo "PYTHONDONTWRITEBYTECODE= .venv-$version/bin/python -m pytest $pytest_args"
  # shellcheck disable=SC2086  # pytest_args is several words
  if PYTHONDONTWRITEBYTECODE= ".venv-$version/bin/python" -m pytest $pytest_args; then
    tested+=("$full (.venv-$version)")
  else
    failed+=("$full (.venv-$version)")
  fi
done

join() { local IFS=,; echo "$*" | sed 's/,/, /g'; }
echo "make test: tested on Python $(join "${tested[@]}")"
if (( ${#skipped[@]} )); then
  echo "make test: skipped Python $(join "${skipped[@]}"): not on this machine"
else
  echo "make test: skipped none of Python $(join "$@")"
fi
if (( ${#failed[@]} )); then
  echo "make test: FAILED on Python $(join "${failed[@]}")"
  exit 1
fi
