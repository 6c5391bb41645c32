"""`sae-job exec`: options into the wire, output, --dry-run, exit codes, help, argparse mistakes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pytest_httpserver import HTTPServer

from sae_job import cli
from sae_job.emulator import RunningEmulator
from tests.conftest import APP, KEY, PATH

# A trigger time to come, whenever the tests run: 30 days ahead, to the second, in +08:00.
AT = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
AT_TEXT = AT.astimezone(timezone(timedelta(hours=8))).isoformat()
AT_WIRE = AT.strftime("%Y-%m-%dT%H:%M:%SZ")
KEY_ID = "LTAI-cli-test"
SECRET = "CANARY-CLI-SECRET-55"
TOKEN = "CANARY-CLI-TOKEN-66"


@pytest.fixture(autouse=True)
def credentials_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in (
        "ALIBABA_CLOUD_PROFILE",
        "ALIBABA_CLOUD_CONFIG_FILE",
        "ALIBABA_CLOUD_REGION_ID",
        "SAE_JOB_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN)


def ok(job_id: str = "manual-cli-1") -> dict[str, object]:
    return {
        "RequestId": "REQ-CLI",
        "TraceId": "TRACE-CLI",
        "Message": "success",
        "Code": "200",
        "Success": True,
        "Data": {"Data": job_id, "Success": "true", "Code": "200", "Msg": "success"},
    }


def error(code: str) -> dict[str, object]:
    return {
        "RequestId": "REQ-ERR",
        "Code": code,
        "Message": f"{code} happened.",
        "Success": False,
    }


def test_parse_at() -> None:
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert cli.parse_at("+10m", now) == now + timedelta(minutes=10)
    assert cli.parse_at("+2h", now) == now + timedelta(hours=2)
    assert cli.parse_at("+1d", now) == now + timedelta(days=1)
    assert cli.parse_at("+30s", now) == now + timedelta(seconds=30)
    assert cli.parse_at("2026-12-01T16:00:00+08:00", now) == now
    assert cli.parse_at("2026-12-01T08:00:00Z", now) == now
    for bad in ("tomorrow", "+10x", "2026-12-01T08:00:00", "10m"):
        with pytest.raises(cli.UsageError):
            cli.parse_at(bad, now)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_every_option_reaches_the_wire(httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request(PATH).respond_with_json(ok())
    code, out, err = run(
        [
            "exec",
            "app-1",
            "--endpoint",
            httpserver.url_for("/"),
            "--env",
            "A=1",
            "--env",
            "URL=https://x?a=b=c",
            "--env-from-configmap",
            "DB_HOST=123:db_host",
            "--env-all-from-configmap",
            "app-config=124",
            "--replicas",
            "3",
            "--at",
            AT_TEXT,
            "--event-id",
            "evt-cli",
            "--jar-start-options",
            "-Xms4G -Xmx4G",
            "--jar-start-args",
            "custom-args",
            "--war-start-options",
            "catalina.sh run",
            "--signature-version",
            "v2",
            "--timeout",
            "5",
            "--max-attempts",
            "2",
            "--",
            "echo",
            "abc",
            ">",
            "file0",
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    assert (
        out == f"Started job manual-cli-1 for app app-1; it triggers at {AT_WIRE} "
        "(event evt-cli, request REQ-CLI)\n"
    )
    ((request, _),) = httpserver.log
    sent = dict(parse_qsl(request.query_string.decode()))
    assert sent["Command"] == "echo" and json.loads(sent["CommandArgs"]) == [
        "abc",
        ">",
        "file0",
    ]
    assert json.loads(sent["Envs"]) == [
        {"name": "A", "value": "1"},
        {"name": "URL", "value": "https://x?a=b=c"},
        {
            "name": "DB_HOST",
            "valueFrom": {"configMapRef": {"configMapId": 123, "key": "db_host"}},
        },
        {
            "name": "sae-sys-configmap-all-app-config",
            "valueFrom": {"configMapRef": {"configMapId": 124, "key": ""}},
        },
    ]
    assert sent["Replicas"] == "3" and sent["Time"] == AT_WIRE and sent["EventId"] == "evt-cli"
    assert sent["JarStartOptions"] == "-Xms4G -Xmx4G" and sent["JarStartArgs"] == "custom-args"
    assert sent["WarStartOptions"] == "catalina.sh run"
    assert request.headers["Authorization"].startswith(f"acs {KEY_ID}:")
    assert request.headers["x-acs-security-token"] == TOKEN


def test_json_output(httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request(PATH).respond_with_json(ok("manual-json"))
    code, out, _ = run(
        [
            "exec",
            "app-1",
            "--endpoint",
            httpserver.url_for("/"),
            "--json",
            "--",
            "true",
        ],
        capsys,
    )
    assert code == 0
    parsed = json.loads(out)
    assert parsed["job_id"] == "manual-json" and parsed["app_id"] == "app-1"
    assert set(parsed) == {"job_id", "request_id", "trace_id", "event_id", "app_id", "trigger_time"}
    assert parsed["trigger_time"] is None


def test_dry_run_sends_nothing_and_shows_no_secret(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        [
            "exec",
            "app-1",
            "--endpoint",
            httpserver.url_for("/"),
            "--dry-run",
            "--env",
            "A=1",
            "--",
            "echo",
            "hi",
        ],
        capsys,
    )
    assert code == 0 and err == ""
    assert httpserver.log == []
    assert out.startswith("GET http://localhost:")
    assert "canonical request:\nGET\n/pop/v1/sam/job/execJob\n" in out
    assert "string to sign (ACS3-HMAC-SHA256):\nACS3-HMAC-SHA256\n" in out
    assert "x-acs-security-token: <redacted>" in out
    assert SECRET not in out and TOKEN not in out


def test_dry_run_v2_shows_the_roa_string_to_sign(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        [
            "exec",
            "app-1",
            "--endpoint",
            "http://127.0.0.1:9",
            "--dry-run",
            "--signature-version",
            "v2",
        ],
        capsys,
    )
    assert code == 0
    assert "string to sign (HMAC-SHA1):\nGET\napplication/json\n" in out
    assert "canonical request" not in out
    assert TOKEN not in out


@pytest.mark.parametrize(
    ("code", "status", "exit_code"),
    [
        ("InvalidApplication.NotFound", 400, cli.EXIT_REFUSED),
        ("InvalidAppId.NotFound", 404, cli.EXIT_REFUSED),
        ("InvalidNamespaceId.NotFound", 404, cli.EXIT_REFUSED),
        ("JobForbidPolicy", 400, cli.EXIT_REFUSED),
        ("JobSuspend", 400, cli.EXIT_REFUSED),
        ("user.indebt", 400, cli.EXIT_REFUSED),
        ("SignatureDoesNotMatch", 400, cli.EXIT_AUTH),
        ("InvalidAccessKeyId.NotFound", 404, cli.EXIT_AUTH),
        ("Throttling.User", 400, cli.EXIT_THROTTLED),
        ("ServiceUnavailable", 503, cli.EXIT_UNAVAILABLE),
    ],
)
def test_each_failure_has_its_exit_code_and_a_one_line_reason(
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
    code: str,
    status: int,
    exit_code: int,
) -> None:
    httpserver.expect_request(PATH).respond_with_json(error(code), status=status)
    result, out, err = run(
        [
            "exec",
            "app-1",
            "--endpoint",
            httpserver.url_for("/"),
            "--max-attempts",
            "1",
            "--",
            "true",
        ],
        capsys,
    )
    assert result == exit_code and out == ""
    assert err.startswith(f"sae-job: {code}: {code} happened. (request REQ-ERR)")
    assert "Traceback" not in err


def test_a_refused_connection_is_exit_9_and_says_nothing_was_sent(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        [
            "exec",
            "app-1",
            "--endpoint",
            "http://127.0.0.1:9",
            "--max-attempts",
            "2",
            "--event-id",
            "evt-x",
            "--json",
        ],
        capsys,
    )
    assert code == cli.EXIT_NOT_CONNECTED == 9
    assert err == (
        "sae-job: could not connect to http://127.0.0.1:9 (from --endpoint): the connection was refused. "
        "Nothing was sent, so no job started.\n"
    )
    assert json.loads(out)["error"] == {
        "code": "ConnectionFailed",
        "message": err.removeprefix("sae-job: ").removesuffix(".\n"),
        "request_id": None,
        "event_id": "evt-x",
        "exit_code": 9,
    }


def test_a_region_typo_is_a_warning_naming_the_nearest_regions_and_the_host(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["exec", "app-1", "--region", "cn-hangzou", "--dry-run", "--", "true"], capsys)
    assert code == 0 and out.startswith("GET https://sae.cn-hangzou.aliyuncs.com/")
    assert err == (
        "sae-job: warning: region 'cn-hangzou' (from --region) is not a known SAE region; "
        "the nearest known: cn-hangzhou, cn-guangzhou, cn-zhangjiakou\n"
    )


def test_verbose_shows_the_traceback_and_logs_but_no_secret(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request(PATH).respond_with_json(error("JobSuspend"), status=400)
    code, _, err = run(
        ["exec", "app-1", "--endpoint", httpserver.url_for("/"), "-v", "--", "true"],
        capsys,
    )
    assert code == cli.EXIT_REFUSED
    assert "Traceback" in err and "JobSuspendError" in err
    assert SECRET not in err and TOKEN not in err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["exec", "app", "--env", "NOVALUE"], "NAME=VALUE"),
        (["exec", "app", "--env", "=x"], "NAME=VALUE"),
        (["exec", "app", "--env-from-configmap", "A=12"], "NAME=CONFIGMAP_ID:KEY"),
        (["exec", "app", "--env-from-configmap", "A=x:k"], "positive integer"),
        (["exec", "app", "--env-all-from-configmap", "cm=0"], "positive integer"),
        (["exec", "app", "--at", "tomorrow"], "--at"),
        (["exec", "app", "--at", "2026-12-01T08:00:00"], "no timezone"),
        (["exec", " ", "--", "true"], "APP_ID is empty"),
        (["exec", "app", "--endpoint", "http://example.com"], "plain http"),
        (["exec", "app", "--region", "Hangzhou"], "not a region ID"),
        (["exec", "app", "--env", "A=1", "--env", "A=2"], "twice"),
    ],
)
def test_bad_input_is_exit_2_with_a_reason(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if "--endpoint" not in argv and "--region" not in argv:
        argv = [*argv[:2], "--endpoint", "http://127.0.0.1:9", *argv[2:]]
    code, _, err = run(argv, capsys)
    assert code == cli.EXIT_USAGE
    assert says in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [["exec"], ["exec", "app", "--replicas", "0"], ["exec", "app", "--nope"], [], ["wait", "app"], ["bogus"]],
)
def test_argparse_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("usage: sae-job") and "error: " in err and "Traceback" not in err


def _without_key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(name)


def test_no_credentials_lists_what_was_tried_and_the_fixes_one_a_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _without_key_in_env(monkeypatch)
    code, _, err = run(["exec", "app", "--region", "cn-hangzhou", "--", "true"], capsys)
    assert code == cli.EXIT_AUTH
    assert err.startswith("sae-job: no Alibaba Cloud credentials found. Tried:\n  - environment variables")
    assert (
        "\nFix, one of:\n  - export ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET\n" in err
    )
    assert "--profile NAME" in err and "credentials=" not in err and "Traceback" not in err
    fixes = err.partition("Fix, one of:\n")[2].splitlines()
    assert len(fixes) == 5 and max(len(line) for line in fixes) <= 100


def test_help_lists_every_option_with_an_example_and_the_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["exec", "--help"])
    text = capsys.readouterr().out
    options = [
        "--env",
        "--env-from-configmap",
        "--env-all-from-configmap",
        "--replicas",
        "--at",
        "--event-id",
        "--jar-start-options",
        "--jar-start-args",
        "--war-start-options",
        "--region",
        "--vpc",
        "--endpoint",
        "--profile",
        "--signature-version",
        "--timeout",
        "--max-attempts",
        "--json",
        "--dry-run",
        "--verbose",
    ]
    for option in options:
        assert option in text, option
    assert "exit codes:" in text and "sae-job exec" in text and "e.g." in text
    for code in range(7):
        assert f"  {code}  " in text


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_every_option_reaches_the_job_the_emulator_holds(
    sae_emulator: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", sae_emulator.credentials.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", sae_emulator.credentials.access_key_secret)
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN")
    code, out, err = run(
        [
            "exec",
            sae_emulator.app_id,
            "--endpoint",
            sae_emulator.url,
            "--signature-version",
            version,
            "--env",
            "A=1=2",
            "--env-from-configmap",
            "DB_HOST=123:db_host",
            "--env-all-from-configmap",
            "cm=124",
            "--replicas",
            "2",
            "--at",
            AT_TEXT,
            "--event-id",
            f"evt-{version}",
            "--jar-start-options",
            "-Xms4G",
            "--jar-start-args",
            "a b",
            "--war-start-options",
            "catalina.sh run",
            "--json",
            "--",
            "echo",
            "abc",
            ">",
            "file0",
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    [job] = sae_emulator.emulator.jobs()
    assert json.loads(out)["job_id"] == job.job_id
    assert (job.command, job.command_args) == ("echo", ["abc", ">", "file0"])
    assert job.envs == [
        {"name": "A", "value": "1=2"},
        {"name": "DB_HOST", "valueFrom": {"configMapRef": {"configMapId": 123, "key": "db_host"}}},
        {"name": "sae-sys-configmap-all-cm", "valueFrom": {"configMapRef": {"configMapId": 124, "key": ""}}},
    ]
    assert (job.replicas, job.time, job.event_id) == (2, AT_WIRE, f"evt-{version}")
    assert (job.jar_start_options, job.jar_start_args, job.war_start_options) == (
        "-Xms4G",
        "a b",
        "catalina.sh run",
    )
    assert job.signature_version == version


# --- the console script: no garbage collected while a one-shot command runs ---------------------------


@pytest.fixture
def collecting() -> Iterator[None]:
    """Garbage collection as the test found it, whatever the test does to it."""
    import gc

    enabled = gc.isenabled()
    try:
        yield
    finally:
        gc.unfreeze()
        (gc.enable if enabled else gc.disable)()


def test_the_console_script_collects_no_garbage_in_a_one_shot_command(
    collecting: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    seen: list[bool] = []
    monkeypatch.setattr(cli, "main", lambda: seen.append(gc.isenabled()) or 3)
    with pytest.raises(SystemExit) as exited:
        cli.run()
    assert exited.value.code == 3 and seen == [False] and not gc.isenabled()


def test_a_command_that_lasts_collects_again(collecting: None, running: RunningEmulator) -> None:
    import gc

    gc.disable()
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": KEY.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": KEY.access_key_secret,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
        assert cli.main(["exec", APP.app_id, "--endpoint", running.url, "--json", "--", "true"]) == 0
        assert not gc.isenabled()  # a plain exec never lasts
        assert (
            cli.main(["exec", APP.app_id, "--endpoint", running.url, "--json", "--wait", "--", "true"]) == 0
        )
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("code", "exit_code"),
    [("InvalidApplication.NotFound", cli.EXIT_REFUSED), ("SignatureDoesNotMatch", cli.EXIT_AUTH)],
)
def test_a_200_naming_an_error_without_data_exits_as_that_error(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str], code: str, exit_code: int
) -> None:
    # Not "no job ID in Data.Data" and exit 6 (the job may have started): the answer says what went wrong.
    body = {"RequestId": "REQ-ERR", "Code": code, "Message": f"{code} happened."}
    httpserver.expect_request(PATH).respond_with_json(body, status=200)
    argv = ["exec", "app-1", "--endpoint", httpserver.url_for("/"), "--max-attempts", "1", "--", "true"]
    result, out, err = run(argv, capsys)
    assert result == exit_code and out == ""
    assert err.startswith(f"sae-job: {code}: {code} happened. (request REQ-ERR)")


# --- templates --show: one template's settings (DescribeJob) ------------------------------------------


@pytest.mark.parametrize("chosen", ["id", "name"])
def test_templates_show_prints_one_template_s_settings_and_no_oss_key(
    running: RunningEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, chosen: str
) -> None:
    from sae_job.emulator.backend import OSS_KEY

    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", KEY.access_key_secret)
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
    template = APP.app_id if chosen == "id" else (APP.name or APP.app_id)
    code, out, err = run(["templates", "--endpoint", running.url, "--show", template], capsys)
    assert code == 0 and err == ""
    assert out.startswith(f"Job template {APP.name} ({APP.app_id})\n") and "  timeout:" in out
    code, out_json, _ = run(["templates", "--endpoint", running.url, "--show", template, "--json"], capsys)
    shown = json.loads(out_json)
    assert code == 0 and shown["app_id"] == APP.app_id and shown["timeout"] == APP.timeout
    for secret in OSS_KEY:
        assert secret not in out + out_json


# --- the messages a newcomer meets first ----------------------------------------------------------------


def test_no_command_and_an_unknown_one_name_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([], capsys)
    assert (
        code == 2 and "error: a command is missing: exec, wait, status, history, templates, emulator" in err
    )
    code, _, err = run(["bogus"], capsys)
    assert (
        code == 2
        and "'bogus' is not a command: choose from exec, wait, status, history, templates, emulator" in err
    )
    code, out, err = run(["--json", "--region", "cn-hangzhou", "bogus"], capsys)  # after global options too
    assert code == 2 and "'bogus' is not a command: choose from exec, wait," in err
    assert json.loads(out)["error"]["message"].startswith("'bogus' is not a command")


def test_an_unknown_option_before_the_command_is_named_not_taken_for_a_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["--bogus", "status", "APP"], capsys)
    assert code == 2 and "error: unrecognized arguments: --bogus" in err
    assert "hint: a command's own options go after it" in err and "invalid choice" not in err
    code, _, err = run(["-v", "exec", "APP", "--", "true"], capsys)  # exec's own option, given too early
    assert code == 2 and "unrecognized arguments: -v" in err
    code, _, err = run(["-"], capsys)
    assert code == 2 and "'-' is not a command: choose from exec," in err and "invalid choice" not in err
    code, _, err = run(["--js", "status"], capsys)  # a global option abbreviated, as argparse allows
    assert code == 2 and "APP_ID is missing" in err


def test_status_and_history_show_the_state_by_name_and_fit_the_job_id() -> None:
    from sae_job.cli.output import HISTORY_HEADER, history_row, status_text
    from sae_job.models import JobState, JobStatus

    job_id = "manual-13ec2687-27df-42e4-841e-afbb214a1cc0"  # 43 characters, as SAE's are
    known = JobStatus(job_id, JobState.RUNNING, "3", 1, 0, 0, None, None, None, "R")
    assert "state      running\n" in status_text(known, "app")
    odd = JobStatus(job_id, JobState.UNKNOWN, "9", 0, 0, 0, None, None, None, "R")
    assert "state      unknown (State '9')\n" in status_text(odd, "app")
    row = history_row(known)
    assert row.index("running") == HISTORY_HEADER.index("STATE") and row[len(job_id)] == " "


def test_history_rows_and_the_live_line_count_display_width() -> None:
    from sae_job.cli.output import HISTORY_HEADER, Progress, display_width, history_row
    from sae_job.models import JobState, JobStatus

    wide = JobStatus("每日报表-13ec2687", JobState.RUNNING, "3", 1, 0, 0, None, None, None, "R")
    row = history_row(wide)
    assert display_width(row[: row.index("running")]) == HISTORY_HEADER.index("STATE")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress(stream, live=True, monotonic=lambda: 0.0, columns=lambda: 12)
    progress.show(wide)
    progress.close()
    drawn = stream.getvalue().split("\r\x1b[K")[1]
    assert drawn == "job 每日报" and display_width(drawn) == 10  # 11 columns at most, a wide one not halved


def test_a_name_that_finds_no_template_carries_no_event_id(
    running: RunningEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing was sent to ExecJob: no event ID stands for a job that may have started.
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", KEY.access_key_secret)
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
    code, out, _ = run(
        ["exec", "--app", "no-such-name", "--endpoint", running.url, "--json", "--", "true"], capsys
    )
    error = json.loads(out)["error"]
    assert (code, error["code"], error["event_id"]) == (3, "TemplateNotFound", None)


def test_a_bad_value_after_a_request_was_sent_is_no_usage_error(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # A job ID no check accepts, from the server: the job started, so exit 2 ("nothing was sent") would lie.
    httpserver.expect_request(PATH).respond_with_json(ok("job with space"))
    argv = ["exec", "app-1", "--endpoint", httpserver.url_for("/"), "--max-attempts", "1", "--wait"]
    code, out, err = run([*argv, "--wait-timeout", "1m", "--json", "--", "true"], capsys)
    error = json.loads(out)["error"]
    assert code == cli.EXIT_ERROR and error["event_id"] is not None
    assert "The job job with space did start; see it with:\n  sae-job status app-1 'job with space'" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["exec", "--app", "report", "--", "", "x"],  # the executable empty: ExecJob's own check
        ["exec", "app-1", "--wait", "--", "", "x"],
        ["wait", "--app", "report", "job with space"],
        ["wait", "app-1", "job with space"],
        ["status", "--app", "report", "job with space"],
    ],
)
def test_bad_input_is_refused_before_any_request_even_where_a_lookup_comes_first(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, _, err = run([argv[0], "--endpoint", httpserver.url_for("/"), *argv[1:]], capsys)
    assert code == cli.EXIT_USAGE and len(httpserver.log) == 0, err


def test_a_message_ending_in_a_url_gets_no_full_stop() -> None:
    from sae_job.cli.failures import Failure

    url = "https://api.aliyun.com/troubleshoot?q=InternalError&product=sae"

    def text(message: str) -> str:
        return Failure(3, "InternalError", message).text()

    assert text(f"InternalError: failed\nsee {url}") == f"sae-job: InternalError: failed\nsee {url}\n"
    assert text("InternalError: failed") == "sae-job: InternalError: failed.\n"


def test_a_leftover_security_token_is_named_among_the_likeliest_causes(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "left-over-token")
    httpserver.expect_request(PATH).respond_with_json(error("SignatureDoesNotMatch"), status=400)
    argv = ["exec", "app-1", "--endpoint", httpserver.url_for("/"), "--max-attempts", "1", "--", "true"]
    code, _, err = run(argv, capsys)
    assert code == cli.EXIT_AUTH
    assert "  1. ALIBABA_CLOUD_SECURITY_TOKEN is set, perhaps left over from an STS session" in err
    assert "left-over-token" not in err


@pytest.mark.parametrize(("command", "waits"), [("status", False), ("history", False), ("templates", False),
                                                ("wait", True), ("exec", True)])  # fmt: skip
def test_each_command_s_help_lists_the_exit_codes_it_can_end_with(
    capsys: pytest.CaptureFixture[str], command: str, waits: bool
) -> None:
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = capsys.readouterr().out.partition("exit codes:\n")[2]
    assert "  0  done" in text and "  9  could not connect" in text and "  141  " in text
    assert ("  7  the job failed" in text) is waits and ("  8  the wait timed out" in text) is waits


def test_templates_table_pads_by_display_width_for_cjk_and_combining_names() -> None:
    from sae_job.cli.output import display_width, templates_table
    from sae_job.models import JobTemplate

    names = ["每日报表", "e\u0301t\u00e9", "ascii-name"]
    found = [
        JobTemplate(f"app-{i}", name, "ns", None, None, False, None, None, None, None, 0, 0, 0, None)
        for i, name in enumerate(names)
    ]
    lines = templates_table(found).splitlines()
    starts = {line[: line.index("app-") if "app-" in line else line.index("APP ID")] for line in lines}
    assert len({display_width(start) for start in starts}) == 1
    assert display_width("每日报表") == 8 and display_width("e\u0301") == 1


def test_global_options_before_the_command_are_taken_and_the_one_after_wins() -> None:
    from sae_job.cli import _hoist_global_options, build_parser

    argv = ["--json", "--region", "cn-beijing", "--endpoint=http://x", "status", "APP", "JOB"]
    assert _hoist_global_options(argv) == [
        "status",
        "--json",
        "--region",
        "cn-beijing",
        "--endpoint=http://x",
        "APP",
        "JOB",
    ]
    args = build_parser().parse_args(
        _hoist_global_options(["--region", "a", "status", "APP", "--region", "b"])
    )
    assert (args.region, args.app_id) == ("b", "APP")
    assert "global options" in build_parser().format_help()
    # abbreviated, as argparse allows: spelled out, or the subcommand's default would overwrite them
    abbreviated = _hoist_global_options(["--js", "--reg=cn-x", "--end", "http://y", "status", "APP"])
    assert abbreviated == ["status", "--json", "--region=cn-x", "--endpoint", "http://y", "APP"]
    args = build_parser().parse_args(abbreviated)
    assert (args.json, args.region, args.endpoint) == (True, "cn-x", "http://y")
    assert _hoist_global_options(["--", "status"]) == ["--", "status"]  # "--" abbreviates nothing


@pytest.mark.parametrize("broken", [False, True])
def test_no_region_lists_the_ways_to_give_one_and_why_the_profile_gave_none(
    broken: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if broken:  # a directory where the config file should be: the profile could not be read
        (tmp_path / "config.json").mkdir()
        monkeypatch.setenv("ALIBABA_CLOUD_CONFIG_FILE", str(tmp_path / "config.json"))
    code, out, err = run(["status", "app-1"], capsys)
    assert (code, out) == (2, "")
    assert "no region. Give one of:\n  - --region cn-hangzhou" in err
    assert "--endpoint URL, or the environment variable SAE_JOB_ENDPOINT" in err
    assert ("(the aliyun CLI config file was not read: " in err) is broken


def test_a_profile_mode_sae_job_does_not_read_is_explained_in_the_shells_terms(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _without_key_in_env(monkeypatch)
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"current": "default", "profiles": [{"name": "default", "mode": "RamRoleArn"}]})
    )
    monkeypatch.setenv("ALIBABA_CLOUD_CONFIG_FILE", str(config))
    code, out, err = run(["status", "app-1", "--region", "cn-hangzhou"], capsys)
    assert (code, out) == (cli.EXIT_AUTH, "")
    assert err == (
        f"sae-job: credentials: profile 'default' in {config} uses mode 'RamRoleArn', which sae-job does not "
        "read itself; for that mode, export the temporary key's ALIBABA_CLOUD_ACCESS_KEY_ID, "
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN "
        "(from `aliyun sts AssumeRole`, say).\n"
    )
