#!/usr/bin/env bash
# make demo: start the local SAE emulator, start the API reference's example job against it with the
# sae-job command, show idempotency and a refusal, wait for a job to succeed and (on a second emulator,
# started --outcome failed) for one to fail, list the templates and start a job by name, then stop the
# emulators, leaving no process behind. Every job ends as its emulator's flags say: no hidden call ends it.
set -euo pipefail
cd "$(dirname "$0")/.."
SAE_JOB=${SAE_JOB:-.venv/bin/sae-job}
PYTHON=${PYTHON:-.venv/bin/python}

work=$(mktemp -d)
emulators=()
stop_emulators() {
  for pid in "${emulators[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_emulators EXIT

# Start `sae-job emulator --port 0 ARGS` (the command printed first) into $work/$1; set url to its URL.
start_emulator() {
  local name=$1; shift
  printf '\n$ sae-job emulator --port 0'; printf ' %q' "$@"; printf ' &\n'
  "$SAE_JOB" emulator --port 0 "$@" >"$work/$name" 2>"$work/$name.log" &
  emulators+=($!)
  for _ in $(seq 200); do
    grep -q '^SAE emulator listening on ' "$work/$name" && break
    kill -0 "$!" 2>/dev/null || { cat "$work/$name.log" >&2; echo "demo: the emulator did not start" >&2; exit 1; }
    sleep 0.05
  done
  grep -q '^SAE emulator listening on ' "$work/$name" || { echo "demo: the emulator did not start in 10 s" >&2; exit 1; }
  url=$(sed -n 's/^SAE emulator listening on //p' "$work/$name")
}

start_emulator out --run-seconds 2
app=$(sed -n 's/^ *job template: *\([^ ]*\).*/\1/p' "$work/out" | head -n 1)
# The banner's own shell lines: the demo key and SAE_JOB_ENDPOINT, as a user would paste them.
eval "$(grep -E '^(export|unset) ' "$work/out")"
unset ALIBABA_CLOUD_PROFILE

cat "$work/out"
# Print a command as one could paste it, then run it.
show() { printf '\n$'; printf ' %q' "$@"; printf '\n'; "$@"; }

echo
echo "== 1. Start a job: the API reference's own example, echo abc > file0"
first=$(show "$SAE_JOB" exec "$app" --endpoint "$url" --event-id demo-event-1 --env envtmp=0 -- echo abc '>' file0)
echo "$first"
job=$(sed -n 's/^Started job \([^ ]*\) .*/\1/p' <<<"$first")

echo
echo "== 2. The same call again with the same --event-id: the same job comes back, nothing new starts"
again=$(show "$SAE_JOB" exec "$app" --endpoint "$url" --event-id demo-event-1 --env envtmp=0 --json -- echo abc '>' file0)
echo "$again"
again_job=$("$PYTHON" -c 'import json, sys; print(json.loads(sys.stdin.read().splitlines()[-1])["job_id"])' <<<"$again")
[ -n "$job" ] && [ "$job" = "$again_job" ] || { echo "demo: idempotency failed: $job vs $again_job" >&2; exit 1; }
echo "(same job: $job)"

echo
echo "== 3. A refused job: a template the service does not know (exit code 3)"
set +e
show "$SAE_JOB" exec 00000000-0000-0000-0000-000000000000 --endpoint "$url" -- echo abc
refused=$?
set -e
[ "$refused" -eq 3 ] || { echo "demo: expected exit code 3, got $refused" >&2; exit 1; }
echo "(exit code $refused)"

echo
echo "== 4. Start a job and wait for it to end: the demo template's jobs run 2 s (--run-seconds 2), then succeed (exit code 0)"
show "$SAE_JOB" exec "$app" --endpoint "$url" --event-id demo-wait-1 --wait --wait-timeout 1m -- ./nightly-report.sh

echo
echo "== 5. A second emulator whose demo template's jobs fail after 2 s: a job and its wait (exit code 7)"
first_url=$url
start_emulator failing --outcome failed --run-seconds 2
set +e
show "$SAE_JOB" exec "$app" --endpoint "$url" --event-id demo-wait-2 --wait --wait-timeout 1m -- ./nightly-report.sh
failed=$?
set -e
[ "$failed" -eq 7 ] || { echo "demo: expected exit code 7, got $failed" >&2; exit 1; }
echo "(exit code $failed)"
url=$first_url

echo
echo "== 6. The job templates, and a job started by the template's name instead of its ID"
show "$SAE_JOB" templates --endpoint "$url"
show "$SAE_JOB" exec --app nightly-report --endpoint "$url" --event-id demo-by-name -- ./nightly-report.sh

echo
echo "== What the emulator holds"
"$PYTHON" - "$url" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/_emulator/jobs") as answer:
    jobs = json.load(answer)["jobs"]
for job in jobs:
    print(f"{job['job_id']}  {job['status']:<9}  event {job['event_id']}  "
          f"{job['command']} {json.dumps(job['command_args'])}  envs {json.dumps(job['envs'])}")
assert len(jobs) == 3, f"expected three jobs, the emulator holds {len(jobs)}"
PY

echo
echo "demo: done; stopping the emulators"
