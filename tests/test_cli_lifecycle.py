"""`sae-job exec --wait`, `wait`, `status`, `history` end to end against the emulator; progress on a
terminal and in a log; and every failure path's message, in flags, with the event ID."""

from __future__ import annotations

import io
import json
import shlex
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sae_job import cli
from sae_job.cli.output import Progress
from sae_job.models import JobState, JobStatus

SECRET_NAMES = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
PYTHON_NAMES = ("event_id", "app_id", "region=", "endpoint=", "credentials=", "Env.name", "envs ")
# A day before the clock cli.main reads: past on any date (a fixed date is past only after it).
A_DAY_AGO = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(autouse=True)
def emulator_env(sae_emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_REGION_ID", "ALIBABA_CLOUD_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", sae_emulator.credentials.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", sae_emulator.credentials.access_key_secret)
    monkeypatch.setenv("SAE_JOB_ENDPOINT", sae_emulator.url)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def start(sae_emulator: Any) -> str:
    job_id: str = sae_emulator.client.exec_job(sae_emulator.app_id, command="true").job_id
    return job_id


@pytest.mark.sae_emulator(templates=[{"app_id": "quick", "run_seconds": 0.2}])
def test_exec_wait_json_is_one_object_with_the_final_status(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["exec", "quick", "--wait", "--json", "-q", "--replicas", "2", "--", "true"], capsys)
    assert (code, err) == (0, "")
    found = json.loads(out)
    assert found["status"]["state"] == "succeeded" and found["status"]["succeeded"] == 2
    assert found["status"]["job_id"] == found["job_id"] and found["trigger_time"] is None


@pytest.mark.sae_emulator(templates=[{"app_id": "quick", "run_seconds": 0.2}])
def test_exec_wait_text_shows_the_start_and_the_end_and_log_lines(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["exec", "quick", "--wait", "--", "true"], capsys)
    assert code == 0
    started, ended = out.splitlines()
    assert started.startswith("Started job ") and "it triggers now" in started
    assert ended.endswith("succeeded: 0 active, 1 succeeded, 0 failed")
    # stderr is not a terminal here: timestamped lines, one per change, no \r
    assert "\r" not in err and err.endswith("succeeded: 0 active, 1 succeeded, 0 failed (1s elapsed)\n")


@pytest.mark.sae_emulator(templates=[{"app_id": "doomed", "run_seconds": 0, "outcome": "failed"}])
def test_a_failed_job_is_exit_7_with_its_status_in_the_json_error(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["exec", "doomed", "--wait", "--json", "-q", "--event-id", "evt-7", "--", "true"], capsys
    )
    assert code == cli.EXIT_JOB_FAILED == 7
    error = json.loads(out)["error"]
    assert (error["code"], error["exit_code"], error["event_id"]) == ("JobFailed", 7, "evt-7")
    assert error["status"]["state"] == "failed" and error["job_id"] == error["status"]["job_id"]
    assert err.startswith(f"sae-job: job {error['job_id']} failed")


def test_wait_follows_a_job_to_failure_with_the_service_message(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = start(sae_emulator)
    sae_emulator.emulator.finish(job_id, failed=True, message="OOMKilled")
    code, out, err = run(["wait", sae_emulator.app_id, job_id], capsys)
    assert code == 7 and out == ""
    assert "OOMKilled" in err and job_id in err


def test_wait_returns_the_final_status_of_a_job_that_succeeded(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = start(sae_emulator)
    sae_emulator.emulator.finish(job_id)
    code, out, err = run(["wait", sae_emulator.app_id, job_id, "--json"], capsys)
    assert code == 0 and json.loads(out)["state"] == "succeeded"
    # Without --wait-timeout, the wait is the template's own timeout (DescribeJob) and a tenth, said first.
    said, final = err.splitlines()
    assert said == (
        "sae-job: waiting up to 1h06m: the template's timeout, 1h00m, and 6m00s more (--wait-timeout sets it)"
    )
    assert final.endswith(f"job {job_id} succeeded: 0 active, 1 succeeded, 0 failed (0s elapsed)")


def test_a_wait_that_times_out_is_exit_8_and_shows_the_command_that_waits_again(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = start(sae_emulator)  # the demo template's jobs run 30 s
    code, out, err = run(["wait", sae_emulator.app_id, job_id, "--wait-timeout", "0.3s", "-q"], capsys)
    assert (code, out) == (cli.EXIT_WAIT_TIMEOUT, "")
    assert "not cancelled" in err
    command = err.split("To wait again:\n  ")[1].splitlines()[0]
    assert command.startswith(f"sae-job wait {sae_emulator.app_id} {job_id}")
    sae_emulator.emulator.finish(job_id)
    again, _, _ = run(shlex.split(command)[1:], capsys)
    assert again == 0


def test_status_text_and_json(sae_emulator: Any, capsys: pytest.CaptureFixture[str]) -> None:
    job_id = start(sae_emulator)
    code, out, _ = run(["status", sae_emulator.app_id, job_id], capsys)
    assert code == 0
    assert (
        out.splitlines()[0] == f"job        {job_id}" and "instances  1 active, 0 succeeded, 0 failed" in out
    )
    code, out, _ = run(["status", sae_emulator.app_id, "--json"], capsys)  # the latest job
    assert code == 0 and json.loads(out)["job_id"] == job_id and json.loads(out)["state"] == "running"


def test_history_filters_limits_and_prints_one_object_a_line(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs = [start(sae_emulator) for _ in range(3)]
    sae_emulator.emulator.finish(jobs[0], failed=True)
    code, out, _ = run(["history", sae_emulator.app_id, "--json"], capsys)
    assert code == 0 and sorted(json.loads(line)["job_id"] for line in out.splitlines()) == sorted(jobs)
    code, out, _ = run(["history", sae_emulator.app_id, "--state", "failed", "--json"], capsys)
    assert [json.loads(line)["job_id"] for line in out.splitlines()] == [jobs[0]]
    code, out, _ = run(["history", sae_emulator.app_id, "--limit", "2"], capsys)
    header, *rows = out.splitlines()
    assert header.startswith("JOB ID") and len(rows) == 2
    code, out, err = run(["history", sae_emulator.app_id, "--state", "pending"], capsys)
    assert (code, out) == (0, "") and "no pending jobs" in err


# --- progress ----------------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def status(state: JobState, active: int = 0, succeeded: int = 0, failed: int = 0) -> JobStatus:
    return JobStatus("job-1", state, state.value, active, succeeded, failed, None, None, None, "REQ")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_on_a_terminal_one_line_is_redrawn_and_ticks_while_sleeping() -> None:
    clock, stream = Clock(), Terminal()
    progress = Progress(stream, live=True, monotonic=lambda: clock.now, sleep=clock.sleep, columns=lambda: 80)
    progress.show(status(JobState.PENDING))
    progress.sleep(3)
    progress.show(status(JobState.RUNNING, active=2))
    progress.close()
    frames = stream.getvalue().split("\r\x1b[K")
    assert frames[0] == frames[-1] == "" and "\n" not in stream.getvalue()  # cleared at the end
    assert frames[1:] == [
        "job job-1 pending: 0 active, 0 succeeded, 0 failed, 0s elapsed",
        "job job-1 pending: 0 active, 0 succeeded, 0 failed, 1s elapsed",
        "job job-1 pending: 0 active, 0 succeeded, 0 failed, 2s elapsed",
        "job job-1 pending: 0 active, 0 succeeded, 0 failed, 3s elapsed",
        "job job-1 running: 2 active, 0 succeeded, 0 failed, 3s elapsed",
        "",
    ]


def test_in_a_narrow_terminal_the_live_line_is_cut_to_fit_and_never_wraps() -> None:
    clock, stream = Clock(), Terminal()
    progress = Progress(stream, live=True, monotonic=lambda: clock.now, sleep=clock.sleep, columns=lambda: 30)
    progress.show(status(JobState.RUNNING, active=2))
    progress.sleep(2)
    progress.close()
    frames = stream.getvalue().split("\r\x1b[K")
    assert frames[1:] == [
        "job job-1 running: 2 active, ",
        "job job-1 running: 2 active, ",
        "job job-1 running: 2 active, ",
        "",
    ]
    assert max(len(frame) for frame in frames) == 29


def test_in_a_log_one_timestamped_line_per_change_and_nothing_between() -> None:
    clock, stream = Clock(), io.StringIO()
    moment = datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC)
    progress = Progress(
        stream, live=False, monotonic=lambda: clock.now, now=lambda: moment, sleep=clock.sleep
    )
    for seen in (JobState.PENDING, JobState.PENDING, JobState.RUNNING, JobState.RUNNING):
        progress.show(status(seen, active=1 if seen is JobState.RUNNING else 0))
        progress.sleep(65)
    progress.show(status(JobState.SUCCEEDED, succeeded=1))
    progress.close()
    assert stream.getvalue().splitlines() == [
        "2026-12-01T08:00:05Z job job-1 pending: 0 active, 0 succeeded, 0 failed (0s elapsed)",
        "2026-12-01T08:00:05Z job job-1 running: 1 active, 0 succeeded, 0 failed (2m10s elapsed)",
        "2026-12-01T08:00:05Z job job-1 succeeded: 0 active, 1 succeeded, 0 failed (4m20s elapsed)",
    ]


class Log(io.StringIO):
    """A CI log that notes when, by ``clock``, each line was written."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock, self.times = clock, list[float]()

    def write(self, text: str) -> int:
        self.times += [self.clock.now] * text.count("\n")
        return super().write(text)


def test_in_a_log_a_heartbeat_comes_within_five_minutes_of_the_last_line() -> None:
    from sae_job.retries import run_sync
    from sae_job.waiting import WaitPolicy, wait_loop

    assert WaitPolicy().max_delay <= 60  # a look at least every minute: the heartbeat comes at a look
    clock = Clock()
    log = Log(clock)
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    progress = Progress(log, live=False, monotonic=lambda: clock.now, now=lambda: moment, sleep=clock.sleep)

    def look(attempt: int) -> JobStatus:  # pending for 7 minutes, running until 40, then done
        if clock.now < 420:
            return status(JobState.PENDING)
        return status(JobState.RUNNING, active=1) if clock.now < 2400 else status(JobState.SUCCEEDED)

    run_sync(wait_loop(3600, WaitPolicy(), lambda: clock.now, progress.show), look, progress.sleep)
    lines = log.getvalue().splitlines()
    assert max(b - a for a, b in zip([0.0, *log.times], [*log.times, clock.now], strict=True)) <= 300
    beats = [i for i, line in enumerate(lines) if " still running: job job-1 " in line]
    assert lines[beats[0]] == "2026-12-01T00:00:00Z still running: job job-1 (pending), 4m00s elapsed"
    assert len(beats) >= 2400 // 300 - 1
    for i in beats:  # each a whole interval after the line before it, a change line or a heartbeat
        assert log.times[i] - log.times[i - 1] >= 240


def test_in_a_log_a_long_sleep_between_looks_still_lets_the_heartbeat_through() -> None:
    clock, stream = Clock(), io.StringIO()
    moment = datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC)
    progress = Progress(
        stream, live=False, monotonic=lambda: clock.now, now=lambda: moment, sleep=clock.sleep
    )
    progress.show(status(JobState.RUNNING, active=1))
    progress.sleep(600)  # a server's retry-after of ten minutes
    progress.show(status(JobState.RUNNING, active=1))
    progress.show(status(JobState.SUCCEEDED, succeeded=1))
    progress.close()
    assert clock.now == 600
    assert stream.getvalue().splitlines() == [
        "2026-12-01T08:00:05Z job job-1 running: 1 active, 0 succeeded, 0 failed (0s elapsed)",
        "2026-12-01T08:00:05Z still running: job job-1 (running), 4m00s elapsed",
        "2026-12-01T08:00:05Z still running: job job-1 (running), 8m00s elapsed",
        "2026-12-01T08:00:05Z job job-1 succeeded: 0 active, 1 succeeded, 0 failed (10m00s elapsed)",
    ]


@pytest.mark.sae_emulator(templates=[{"app_id": "quick", "run_seconds": 0.2}])
def test_the_cli_redraws_on_a_terminal_and_quiet_silences_it(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setenv("TERM", "xterm")
    assert cli.main(["exec", "quick", "--wait", "--", "true"]) == 0
    said, _, drawn = terminal.getvalue().partition("\n")
    assert said.startswith("sae-job: waiting up to ")  # the template's own timeout, and a tenth
    assert drawn.startswith("\r\x1b[Kjob ") and drawn.endswith("\r\x1b[K")  # cleared before the result
    quiet = Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    assert cli.main(["exec", "quick", "--wait", "-q", "--", "true"]) == 0
    assert quiet.getvalue() == ""


# --- every failure path, in flags, with the event ID ---------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "exit_code", "says"),
    [
        (["exec", "app", "--env", "BAD NAME=1", "--", "true"], 2, ["--env name 'BAD NAME'"]),
        (["exec", "app", "--event-id", " ", "--", "true"], 2, ["--event-id is empty"]),
        (["exec", "app", "--jar-start-options", "", "--", "true"], 2, ["--jar-start-options is empty"]),
        (["exec", "app", "--at", "-10m", "--", "true"], 2, ["--at '-10m' is in the past", "--at now"]),
        (["exec", "app", "--at", A_DAY_AGO, "--", "true"], 2, ["in the past", "--at now"]),
        (["exec", "app", "--wait-timeout", "soon", "--", "true"], 2, ["--wait-timeout", "30m"]),
        (["exec", "app", "echo", "hi", "--replicas", "2", "x"], 2, ["put the job's command after --"]),
        (["exec", "--", "echo", "hi"], 2, ["APP_ID is missing"]),
        (["status"], 2, ["APP_ID is missing"]),
        (["wait", "app"], 2, ["JOB_ID is missing"]),
        (["wait"], 2, ["APP_ID and JOB_ID are missing", "--app NAME"]),
        (["exec", "app", "--bogus", "--", "true"], 2, ["usage: sae-job exec", "sae-job exec --help"]),
        (["exec", "no-such-app", "--event-id", "evt-3", "--", "true"], 3, ["InvalidApplication.NotFound"]),
        (["status", "no-such-app", "job"], 3, ["InvalidApplication.NotFound"]),
    ],
)
def test_each_failure_speaks_in_flags(
    argv: list[str], exit_code: int, says: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([argv[0], "--json", *argv[1:]], capsys)
    assert code == exit_code, err
    error = json.loads(out)["error"]  # --json: one object on stdout, failures included
    assert error["exit_code"] == exit_code and error["code"] and error["message"]
    if "--event-id" in argv and exit_code != 2:
        assert error["event_id"] == argv[argv.index("--event-id") + 1]
    for text in says:
        assert text in err, (text, err)
    for name in PYTHON_NAMES:
        assert name not in err, (name, err)
    assert "Traceback" not in err


def test_no_region_names_the_flags_and_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SAE_JOB_ENDPOINT")
    code, out, err = run(["status", "app", "--json"], capsys)
    assert code == 2
    assert "--region cn-hangzhou" in err and "--endpoint URL" in err and "SAE_JOB_ENDPOINT" in err
    assert "ALIBABA_CLOUD_REGION_ID" in err and err.count("\n  - ") == 4
    assert json.loads(out)["error"]["code"] == "UsageError"
    for name in PYTHON_NAMES:
        assert name not in err
    code, _, err = run(["status", "app", "--region", "Hangzhou"], capsys)
    assert code == 2 and err == "sae-job: --region 'Hangzhou' is not a region ID such as 'cn-hangzhou'.\n"


def test_a_region_beside_an_endpoint_is_ignored_with_a_warning(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["status", sae_emulator.app_id, "--region", "cn-beijing"], capsys)
    assert code == 3  # no job yet
    assert err.startswith(
        f"sae-job: warning: --region is ignored: the endpoint {sae_emulator.url} "
        "comes from SAE_JOB_ENDPOINT\n"
    )


def test_a_wrong_secret_names_the_likeliest_causes_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "CANARY-WRONG-SECRET")
    code, out, err = run(["exec", "app", "--json", "--", "true"], capsys)
    assert code == cli.EXIT_AUTH
    causes = err.split("The likeliest causes, in order:\n")[1].splitlines()
    assert causes[0].startswith("  1. a wrong AccessKey secret (ALIBABA_CLOUD_ACCESS_KEY_SECRET)")
    assert causes[1].startswith("  2. an AccessKey ID that is disabled") and causes[2].startswith(
        "  3. this machine's clock"
    )
    assert "--dry-run" in err and "CANARY-WRONG-SECRET" not in err + out
    assert json.loads(out)["error"]["exit_code"] == 4


def test_no_answer_after_the_job_started_prints_the_event_id_and_the_command_that_finds_out(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from sae_job.emulator import Faults

    sae_emulator.emulator.set_faults(Faults(drop_after_commit=1.0))
    argv = ["exec", sae_emulator.app_id, "--max-attempts", "2", "--env", "A=b c", "--", "echo", "it's"]
    code, out, err = run(argv, capsys)
    assert (code, out) == (cli.EXIT_UNAVAILABLE, "")
    [job] = sae_emulator.emulator.jobs()
    assert f"Its event ID is {job.event_id}" in err and "The job may have started" in err
    command = err.split("cannot start a second job:\n  ")[1].splitlines()[0]
    assert shlex.split(command) == ["sae-job", *argv[:-3], "--event-id", job.event_id, *argv[-3:]]
    sae_emulator.emulator.set_faults(None)
    code, out, _ = run(shlex.split(command)[1:], capsys)
    assert code == 0 and f"Started job {job.job_id} " in out  # the same job: none started twice
    assert len(sae_emulator.emulator.jobs()) == 1


def test_a_server_error_prints_the_event_id_and_json_error(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from sae_job.emulator import Faults

    sae_emulator.emulator.set_faults(Faults(error_503=1.0))
    code, out, err = run(
        ["exec", sae_emulator.app_id, "--max-attempts", "1", "--event-id", "e-6", "--json"], capsys
    )
    assert code == cli.EXIT_UNAVAILABLE
    assert "--event-id e-6" in err and "may have started" in err
    error = json.loads(out)["error"]
    assert (error["event_id"], error["exit_code"]) == ("e-6", 6) and error["request_id"]


def test_dry_run_json_is_the_signed_request_with_the_token_redacted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "CANARY-TOKEN-77")
    code, out, err = run(["exec", "app", "--dry-run", "--json", "--event-id", "e-1", "--", "true"], capsys)
    assert (code, err) == (0, "")
    dry = json.loads(out)
    assert dry["method"] == "GET" and dry["event_id"] == "e-1" and dry["sent"] is False
    assert dry["headers"]["x-acs-security-token"] == "<redacted>" and "CANARY" not in out
    assert dry["string_to_sign"].startswith("ACS3-HMAC-SHA256\n")


def test_help_shows_an_example_of_each_command(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("exec", "wait", "status", "history"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        text = capsys.readouterr().out
        assert f"  sae-job {command} " in text and "exit codes:\n  0  done" in text
        assert "SAE_JOB_ENDPOINT" in text
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    for command in ("exec", "wait", "status", "history"):
        assert f"  sae-job {command} " in text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("1d", 86400), ("0.5s", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert cli.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "-5m", "5x", "m", "1.5m", "inf", "45"])
def test_bad_durations(text: str) -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        cli.parse_duration(text)


def test_a_duration_without_its_unit_says_which_units_there_are() -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="'30' has no unit: write 30s, 30m or 30h"):
        cli.parse_duration("30")


def test_wait_help_says_a_bare_number_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("wait", "exec"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        assert "(a bare 30 is refused)" in " ".join(capsys.readouterr().out.split())


def test_at_now_and_just_past_are_accepted() -> None:
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert cli.parse_at("now", now) is None
    assert cli.parse_at("2026-12-01T07:59:30Z", now) == datetime(2026, 12, 1, 7, 59, 30, tzinfo=UTC)
    with pytest.raises(cli.UsageError, match="in the past"):
        cli.parse_at("2026-12-01T07:58:30Z", now)


# --- job templates by name: `templates`, and --app wherever an APP_ID is taken ------------------------

NAMED_TEMPLATES = [
    {"app_id": "app-report", "name": "report", "run_seconds": 0, "tags": {"team": "data"}},
    {"app_id": "app-report-dev", "name": "report", "namespace_id": "cn-hangzhou:dev", "run_seconds": 0},
    {"app_id": "app-report-weekly", "name": "report-weekly", "run_seconds": 0},
    {"app_id": "app-paused", "name": "paused", "suspended": True},
]
named_templates = pytest.mark.sae_emulator(templates=NAMED_TEMPLATES)


def requests_sent(sae_emulator: Any) -> int:
    count: int = sae_emulator.emulator.stats()["requests"]
    return count


@named_templates
def test_templates_prints_a_table_with_each_templates_last_run(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    sae_emulator.client.exec_job("app-report-weekly")
    code, out, err = run(["templates"], capsys)
    assert (code, err) == (0, "")
    header, *rows = out.splitlines()
    columns = "NAME APP ID NAMESPACE SUSPENDED LAST RUN LAST START ACTIVE SUCCEEDED FAILED"
    assert header.split() == columns.split()
    assert [row.split()[:5] for row in rows] == [
        ["report", "app-report", "cn-hangzhou", "no", "never"],
        ["report", "app-report-dev", "cn-hangzhou:dev", "no", "never"],
        ["report-weekly", "app-report-weekly", "cn-hangzhou", "no", "succeeded"],
        ["paused", "app-paused", "cn-hangzhou", "yes", "never"],
    ]
    assert rows[2].split()[-3:] == ["0", "1", "0"] and rows[2].split()[5].endswith("Z")
    assert {row.index("cn-hangzhou") for row in rows} == {header.index("NAMESPACE")}


@named_templates
def test_templates_json_is_one_object_a_line_and_filters_by_name_and_namespace(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["templates", "--name", "report", "--namespace", "cn-hangzhou", "--json"], capsys)
    assert (code, err) == (0, "")
    found = [json.loads(line) for line in out.splitlines()]
    assert [(t["name"], t["app_id"]) for t in found] == [
        ("report", "app-report"),
        ("report-weekly", "app-report-weekly"),
    ]
    assert found[0]["tags"] == {"team": "data"} and found[0]["last_job_state"] is None
    assert found[0]["suspended"] is False and found[0]["namespace_id"] == "cn-hangzhou"
    code, out, err = run(["templates", "--name", "absent"], capsys)
    assert (code, out, err) == (0, "", "sae-job: no job templates whose name contains 'absent'\n")


@named_templates
@pytest.mark.parametrize(
    ("argv", "calls"),
    [
        (["exec", "--app", "report-weekly", "--json", "--", "true"], 2),  # ListJobs, ExecJob: no DescribeJob
        (["status", "--app", "report-weekly", "JOB", "--json"], 2),  # ListJobs, DescribeJobStatus
        (["wait", "--app", "report-weekly", "JOB", "--json", "-q"], 4),  # ListJobs, DescribeJob, two looks
        (
            ["wait", "--app", "report-weekly", "JOB", "--json", "-q", "--wait-timeout", "5m"],
            3,
        ),  # no DescribeJob
        (["history", "--app", "report-weekly", "--json"], 2),  # ListJobs, one page
    ],
)
def test_app_stands_for_app_id_in_each_command_resolved_with_one_call(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str], argv: list[str], calls: int
) -> None:
    job_id = sae_emulator.client.exec_job("app-report-weekly").job_id
    argv = [job_id if arg == "JOB" else arg for arg in argv]
    before = requests_sent(sae_emulator)
    code, out, err = run(argv, capsys)
    assert (code, err) == (0, "")
    assert json.loads(out.splitlines()[0])["app_id"] == "app-report-weekly"
    assert requests_sent(sae_emulator) - before == calls


@named_templates
def test_app_shows_the_resolved_id_in_verbose_output_and_the_text(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["exec", "--app", "report", "--namespace", "cn-hangzhou:dev", "-v", "--", "true"], capsys
    )
    assert code == 0
    assert "sae-job: --app report is job template app-report-dev (namespace cn-hangzhou:dev)" in err
    assert out.startswith("Started job manual-") and " for app app-report-dev (report); " in out
    [job] = sae_emulator.emulator.jobs()
    assert job.app_id == "app-report-dev"


@named_templates
@pytest.mark.parametrize(
    ("argv", "exit_code", "says"),
    [
        (
            ["exec", "--app", "report", "--", "true"],
            3,
            [
                "AmbiguousTemplate",
                "(app-report in cn-hangzhou, app-report-dev in cn-hangzhou:dev)",
                "--namespace NAMESPACE: cn-hangzhou, cn-hangzhou:dev",
            ],
        ),
        (
            ["status", "--app", "repor"],
            3,
            ["TemplateNotFound", "no job template is named 'repor'", "sae-job templates --name repor"],
        ),
        (
            ["history", "--app", "report-weekly", "--namespace", "cn-hangzhou:dev"],
            3,
            ["in namespace cn-hangzhou:dev"],
        ),
        (["exec", "--app", "paused", "--", "true"], 3, ["JobSuspend"]),
        (["exec", "app-report", "--app", "report", "--", "true"], 2, ["not both"]),
        (["exec", "--app", "report", "echo", "hi"], 2, ["not both; put the job's command after --"]),
        (["status", "app-report", "--namespace", "cn-hangzhou"], 2, ["give --app too"]),
        (["exec", "--app", "report-weekly", "--dry-run", "--", "true"], 2, ["--dry-run sends nothing"]),
        (["wait", "--app", "report"], 2, ["JOB_ID is missing"]),
        (["history"], 2, ["APP_ID is missing", "--app NAME"]),
    ],
)
def test_a_name_that_finds_no_single_template_or_a_bad_choice_fails_clearly(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str], argv: list[str], exit_code: int, says: list[str]
) -> None:
    tail = argv.index("--") if "--" in argv else len(argv)
    code, out, err = run([*argv[:tail], "--json", *argv[tail:]], capsys)
    assert code == exit_code, err
    assert json.loads(out.splitlines()[-1])["error"]["exit_code"] == exit_code
    for text in says:
        assert text in err, (text, err)
    assert "namespace_id" not in err and "Traceback" not in err
    assert [job.app_id for job in sae_emulator.emulator.jobs()] == []


@pytest.mark.sae_emulator(
    templates=[{"app_id": "app-replace", "concurrency_policy": "Replace", "run_seconds": 0}]
)
def test_exec_wait_warns_before_starting_a_job_that_replaces_a_running_one(
    sae_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["exec", "app-replace", "--wait", "-q", "--", "true"], capsys)
    assert code == 0
    warning, *_ = err.splitlines()
    assert warning.startswith("sae-job: warning: template app-replace has concurrency policy Replace")
    assert len(sae_emulator.emulator.jobs()) == 1
