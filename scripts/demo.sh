#!/usr/bin/env bash
# make demo: start the local SAE emulator, start the API reference's example job against it with the
# sae-job command, show idempotency and a refusal, wait for a job to succeed and for one to fail, list the
# templates and start a job by name, then stop the emulator, leaving no process behind.
set -euo pipefail
cd "$(dirname "$0")/.."
SAE_JOB=${SAE_JOB:-.venv/bin/sae-job}
PYTHON=${PYTHON:-.venv/bin/python}

work=$(mktemp -d)
"$SAE_JOB" emulator --port 0 >"$work/out" 2>"$work/log" &
emulator=$!
stop_emulator() {
  kill -TERM "$emulator" 2>/dev/null || true
  wait "$emulator" 2>/dev/null || true
  rm -rf "$work"
}
trap stop_emulator EXIT

for _ in $(seq 200); do
  grep -q '^SAE emulator listening on ' "$work/out" && break
  kill -0 "$emulator" 2>/dev/null || { cat "$work/log" >&2; echo "demo: the emulator did not start" >&2; exit 1; }
  sleep 0.05
done
grep -q '^SAE emulator listening on ' "$work/out" || { echo "demo: the emulator did not start in 10 s" >&2; exit 1; }
url=$(sed -n 's/^SAE emulator listening on //p' "$work/out")
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

# The emulator ends a job on request, as a test would: finish the job of event $1 after a moment.
finish_soon() {
  "$PYTHON" - "$url" "$1" "$2" "$3" <<'PY' &
import json, sys, time, urllib.request
url, event, outcome, message = sys.argv[1:]
for _ in range(100):
    time.sleep(0.1)
    with urllib.request.urlopen(url + "/_emulator/jobs") as answer:
        found = [job for job in json.load(answer)["jobs"] if job["event_id"] == event]
    if found:
        break
time.sleep(1.5)
body = json.dumps({"outcome": outcome, "message": message}).encode()
request = urllib.request.Request(f"{url}/_emulator/jobs/{found[0]['job_id']}/finish", body, method="POST")
urllib.request.urlopen(request).close()
PY
  finisher=$!
}

echo
echo "== 4. Start a job and wait for it to end: it succeeds (exit code 0)"
finish_soon demo-wait-1 succeeded ""
show "$SAE_JOB" exec "$app" --endpoint "$url" --event-id demo-wait-1 --wait --wait-timeout 1m -- ./nightly-report.sh
wait "$finisher"

echo
echo "== 5. Start a job and wait for it to end: it fails (exit code 7)"
finish_soon demo-wait-2 failed "exit code 1 in instance 0"
set +e
show "$SAE_JOB" exec "$app" --endpoint "$url" --event-id demo-wait-2 --wait --wait-timeout 1m -- ./nightly-report.sh --broken
failed=$?
set -e
wait "$finisher"
[ "$failed" -eq 7 ] || { echo "demo: expected exit code 7, got $failed" >&2; exit 1; }
echo "(exit code $failed)"

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
assert len(jobs) == 4, f"expected four jobs, the emulator holds {len(jobs)}"
PY

echo
echo "demo: done; stopping the emulator"
