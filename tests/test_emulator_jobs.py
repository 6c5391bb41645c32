"""A job's whole life in the emulator: pending, running, ended; DescribeJobStatus and DescribeJobHistory;
finishing a job by hand; and answers shaped as the official SDK's models read them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from sae_job.emulator import Emulator, EmulatorConfig, Request, Response, Template, default_config, serve
from sae_job.signing import AcsV3Auth

START = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
KEY = default_config().credentials[0]
ALLOW = Template("app-allow", run_seconds=10)
FAILING = Template("app-failing", run_seconds=10, outcome="failed")
FORBID = Template("app-forbid", concurrency_policy="Forbid", run_seconds=10)
REPLACE = Template("app-replace", concurrency_policy="Replace", run_seconds=10)
SDK_MODELS = json.loads((Path(__file__).parent / "data" / "sdk_job_models.json").read_text(encoding="utf-8"))
TYPES = {"str": str, "int": int, "bool": bool, "object": dict, "list": list}


class Rig:
    def __init__(self, *templates: Template) -> None:
        self.now = START
        config = EmulatorConfig([KEY], templates or [ALLOW, FAILING, FORBID, REPLACE])
        self.emulator = Emulator(config, clock=lambda: self.now)

    def call(self, action: str, **params: Any) -> Response:
        path = "/pop/v1/sam/job/" + action[0].lower() + action[1:]
        signer = AcsV3Auth(KEY, clock=lambda: self.now)
        sent = next(signer.auth_flow(httpx.Request("GET", f"https://sae.example{path}?{urlencode(params)}")))
        raw_path, _, query = sent.url.raw_path.decode("ascii").partition("?")
        return self.emulator.handle(Request("GET", raw_path, query, tuple(sent.headers.items())))

    def start(self, app_id: str = ALLOW.app_id, **params: Any) -> str:
        response = self.call("ExecJob", AppId=app_id, **params)
        assert response.status == 200, response.json()
        return str(response.json()["Data"]["Data"])

    def status(self, app_id: str = ALLOW.app_id, **params: Any) -> dict[str, Any]:
        response = self.call("DescribeJobStatus", AppId=app_id, **params)
        assert response.status == 200, response.json()
        check_sdk_shape(response.json(), "DescribeJobStatus.Data")
        data: dict[str, Any] = response.json()["Data"]
        return data

    def later(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def rig() -> Rig:
    return Rig()


def check_sdk_shape(body: dict[str, Any], data: str) -> None:
    """Every field is one the official SDK's model reads, of the type it declares."""
    for key, value in body.items():
        assert isinstance(value, TYPES[SDK_MODELS["envelope"][key]]), key
    for key, value in body["Data"].items():
        kind = TYPES[SDK_MODELS[data][key]]
        assert isinstance(value, kind) and not (kind is int and isinstance(value, bool)), key
    for job in body["Data"].get("Jobs", []):
        for key, value in job.items():
            assert isinstance(value, TYPES[SDK_MODELS[data + ".Jobs[]"][key]]), key


def test_a_job_runs_its_time_then_succeeds_with_every_replica(rig: Rig) -> None:
    job_id = rig.start(Replicas="3")
    running = rig.status(JobId=job_id)
    assert running == {
        "JobId": job_id, "State": "3", "Active": 3, "Succeeded": 0, "Failed": 0,
        "StartTime": int(START.timestamp()), "Message": "success",
    }  # fmt: skip  # "success" on a healthy job, as the API reference's example shows
    rig.later(10)
    done = rig.status(JobId=job_id)
    assert (done["State"], done["Active"], done["Succeeded"], done["Failed"]) == ("1", 0, 3, 0)
    assert done["CompletionTime"] - done["StartTime"] == 10 and len(str(done["StartTime"])) == 10


def test_a_job_dated_later_is_pending_until_then(rig: Rig) -> None:
    job_id = rig.start(Time=(START + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    pending = rig.status(JobId=job_id)
    # StartTime is the job's creation time (SAE's reference: 任务的创建时间), sent from creation on.
    assert (pending["State"], pending["StartTime"]) == ("0", int(START.timestamp()))
    rig.later(60)
    assert rig.status(JobId=job_id)["State"] == "3"


def test_the_templates_outcome_decides_how_jobs_end(rig: Rig) -> None:
    job_id = rig.start(FAILING.app_id)
    rig.later(10)
    done = rig.status(FAILING.app_id, JobId=job_id)
    assert (done["State"], done["Failed"], done["Succeeded"], done["Message"]) == ("2", 1, 0, "")


def test_forbid_refuses_while_a_job_is_active_and_replace_fails_the_old_one(rig: Rig) -> None:
    rig.start(FORBID.app_id)
    assert rig.call("ExecJob", AppId=FORBID.app_id).json()["Code"] == "JobForbidPolicy"
    rig.later(10)
    rig.start(FORBID.app_id)
    first = rig.start(REPLACE.app_id)
    rig.start(REPLACE.app_id)
    replaced = rig.status(REPLACE.app_id, JobId=first)
    assert replaced["State"] == "2" and "newer job" in replaced["Message"]


def test_without_a_job_id_the_latest_job_answers(rig: Rig) -> None:
    rig.start()
    latest = rig.start()
    assert rig.status()["JobId"] == latest


def test_unknown_app_or_job_is_refused_as_exec_job_refuses(rig: Rig) -> None:
    for params in (
        {"AppId": "nope"},
        {"AppId": ALLOW.app_id, "JobId": "manual-nope"},
        {"AppId": ALLOW.app_id},
    ):
        response = rig.call("DescribeJobStatus", **params)
        assert response.status == 400 and response.json()["Success"] is False
        assert response.json()["Code"] in ("InvalidApplication.NotFound", "InvalidJob.NotFound")
    assert rig.call("DescribeJobHistory", AppId="nope").json()["Code"] == "InvalidApplication.NotFound"
    assert (
        rig.call("DescribeJobHistory", AppId=ALLOW.app_id, PageSize="x").json()["Code"] == "InvalidParameter"
    )


def test_history_pages_newest_first_and_filters_by_state(rig: Rig) -> None:
    ids = [rig.start() for _ in range(5)]
    rig.emulator.finish(ids[0], failed=True, message="boom")
    response = rig.call("DescribeJobHistory", AppId=ALLOW.app_id, CurrentPage="2", PageSize="2")
    check_sdk_shape(response.json(), "DescribeJobHistory.Data")
    data = response.json()["Data"]
    assert (data["CurrentPage"], data["PageSize"], data["TotalSize"]) == (2, 2, 5)
    assert [job["JobId"] for job in data["Jobs"]] == [ids[2], ids[1]]
    failed = rig.call("DescribeJobHistory", AppId=ALLOW.app_id, State="2").json()["Data"]
    assert [(job["JobId"], job["Message"]) for job in failed["Jobs"]] == [(ids[0], "boom")]
    far = str(2**59)  # times the page size, past any index islice takes: an empty page, not a 500
    for state in ({}, {"State": "2"}):
        beyond = rig.call("DescribeJobHistory", AppId=ALLOW.app_id, CurrentPage=far, PageSize="2930", **state)
        assert (beyond.status, beyond.json()["Data"]["Jobs"]) == (200, [])


def test_finish_over_http_and_from_the_fixture_api() -> None:
    with serve(Emulator(EmulatorConfig([KEY], [ALLOW]))) as running:
        launch = running.client.exec_job(ALLOW.app_id)
        url = f"{running.url}/_emulator/jobs/{launch.job_id}/finish"
        answer = httpx.post(url, json={"outcome": "failed", "message": "disk full"})
        assert answer.status_code == 200 and answer.json()["status"] == "Failed"
        assert httpx.post(url, json={"outcome": "maybe"}).status_code == 400
        assert httpx.post(url.replace(launch.job_id, "nope"), json={}).status_code == 404
        [job] = running.emulator.jobs()
        assert (job.status, job.message) == ("Failed", "disk full")
        assert running.emulator.finish(launch.job_id).status == "Succeeded"


@pytest.mark.sae_emulator(templates=[{"app_id": "app-marked", "outcome": "failed", "run_seconds": 0}])
def test_the_marker_takes_outcome(sae_emulator: Any) -> None:
    launch = sae_emulator.client.exec_job("app-marked")
    [job] = sae_emulator.emulator.jobs()
    assert (job.job_id, job.status) == (launch.job_id, "Failed")


def test_the_official_sdk_parses_the_emulators_answers() -> None:
    pytest.importorskip("alibabacloud_sae20190506")
    from alibabacloud_sae20190506 import models
    from alibabacloud_sae20190506.client import Client
    from alibabacloud_tea_openapi import models as openapi_models

    with serve(Emulator(EmulatorConfig([KEY], [ALLOW]))) as running:
        launch = running.client.exec_job(ALLOW.app_id, replicas=2)
        host = running.url.removeprefix("http://")
        config = openapi_models.Config(
            access_key_id=KEY.access_key_id,
            access_key_secret=KEY.access_key_secret,
            endpoint=host,
            protocol="http",
        )
        sdk = Client(config)
        status = sdk.describe_job_status(
            models.DescribeJobStatusRequest(app_id=ALLOW.app_id, job_id=launch.job_id)
        )
        assert (status.body.data.job_id, status.body.data.state, status.body.data.active) == (
            launch.job_id,
            "3",
            2,
        )
        history = sdk.describe_job_history(models.DescribeJobHistoryRequest(app_id=ALLOW.app_id, page_size=5))
        assert [job.job_id for job in history.body.data.jobs] == [launch.job_id]


def test_the_official_sdk_reads_a_throttled_answer_s_wait_as_the_emulator_meant_it() -> None:
    # x-acs-retry-after is whole milliseconds: the SDK waits value / 1000 s; so does SaeJobClient.
    pytest.importorskip("alibabacloud_sae20190506")
    from alibabacloud_sae20190506 import models
    from alibabacloud_sae20190506.client import Client
    from alibabacloud_tea_openapi import exceptions
    from alibabacloud_tea_openapi import models as openapi_models

    from sae_job import RetryPolicy, ThrottlingError
    from sae_job.emulator import Faults

    config = EmulatorConfig([KEY], [ALLOW], faults=Faults(throttle=1.0, retry_after=0.25))
    with serve(Emulator(config)) as running:
        host = running.url.removeprefix("http://")
        sdk = Client(
            openapi_models.Config(
                access_key_id=KEY.access_key_id,
                access_key_secret=KEY.access_key_secret,
                endpoint=host,
                protocol="http",
            )
        )
        with pytest.raises(exceptions.ThrottlingException) as sdk_caught:
            sdk.exec_job(models.ExecJobRequest(app_id=ALLOW.app_id, command="echo"))
        with (
            running.new_client(retry=RetryPolicy(max_attempts=1)) as client,
            pytest.raises(ThrottlingError) as ours,
        ):
            client.exec_job(ALLOW.app_id)
    assert sdk_caught.value.retry_after == 250  # milliseconds, as the SDK keeps it
    assert ours.value.retry_after == 0.25


# Job templates as ListJobs lists them: two share a name across namespaces, one name is a prefix of another.
NAMED = (
    Template("app-report", name="report", namespace_id="cn-hangzhou", run_seconds=10, tags={"team": "data"}),
    Template("app-report-dev", name="report", namespace_id="cn-hangzhou:dev", run_seconds=10),
    Template("app-report-weekly", name="report-weekly", description="Sundays", run_seconds=10),
    Template("app-paused", name="paused", suspended=True),
)


def list_jobs(rig: Rig, **params: Any) -> dict[str, Any]:
    response = rig.call("ListJobs", **params)
    assert response.status == 200, response.json()
    body: dict[str, Any] = response.json()
    for key, value in body.items():
        assert isinstance(value, TYPES[SDK_MODELS["ListJobs"][key]]), key
    for key, value in body["Data"].items():
        assert isinstance(value, TYPES[SDK_MODELS["ListJobs.Data"][key]]), key
    for application in body["Data"]["Applications"]:
        for key, value in application.items():
            kind = TYPES[SDK_MODELS["ListJobs.Data.Applications[]"][key]]
            assert isinstance(value, kind) and not (kind is int and isinstance(value, bool)), key
        for tag in application["Tags"]:
            assert {k: type(v).__name__ for k, v in tag.items()} == SDK_MODELS[
                "ListJobs.Data.Applications[].Tags[]"
            ]
    return body


def test_list_jobs_filters_by_name_substring_id_and_namespace() -> None:
    rig = Rig(*NAMED)

    def names(**params: Any) -> list[str]:
        return [a["AppId"] for a in list_jobs(rig, **params)["Data"]["Applications"]]

    assert names() == [t.app_id for t in NAMED]
    assert names(FieldType="appName", FieldValue="report") == [
        "app-report",
        "app-report-dev",
        "app-report-weekly",
    ]
    assert names(AppName="weekly") == ["app-report-weekly"]
    assert names(FieldType="appName", FieldValue="report", NamespaceId="cn-hangzhou:dev") == [
        "app-report-dev"
    ]
    assert names(FieldType="appIds", FieldValue="app-paused,app-report") == ["app-report", "app-paused"]
    assert names(FieldType="appName", FieldValue="absent") == []
    assert rig.call("ListJobs", FieldType="name").json()["Code"] == "InvalidParameter"
    assert rig.call("ListJobs", PageSize="201").json()["Code"] == "InvalidParameter"


def test_list_jobs_pages_and_gives_the_page_at_the_top_and_in_data() -> None:
    rig = Rig(*(Template(f"app-{i:02}", name=f"job-{i:02}") for i in range(5)))
    body = list_jobs(rig, CurrentPage="2", PageSize="2")
    position = {"CurrentPage": 2, "PageSize": 2, "TotalSize": 5}
    assert {k: body[k] for k in position} == position == {k: body["Data"][k] for k in position}
    assert [a["AppName"] for a in body["Data"]["Applications"]] == ["job-02", "job-03"]
    assert [a["AppName"] for a in list_jobs(rig, CurrentPage="3", PageSize="2")["Data"]["Applications"]] == [
        "job-04"
    ]


def test_list_jobs_shows_each_templates_last_job_from_its_history() -> None:
    rig = Rig(*NAMED)
    first = rig.start("app-report", Replicas="2")
    rig.later(10)
    rig.start("app-report-weekly")
    rig.emulator.finish(first, failed=True, message="disk full")
    report, dev, weekly, paused = list_jobs(rig)["Data"]["Applications"]
    assert (report["LastJobState"], report["Failed"], report["Message"]) == ("2", 2, "disk full")
    assert (
        report["LastStartTime"] == int(START.timestamp())
        and report["CompletionTime"] >= report["LastStartTime"]
    )
    assert report["Tags"] == [{"Key": "team", "Value": "data"}] and report["RegionId"] == "cn-hangzhou"
    assert (weekly["LastJobState"], weekly["Active"], weekly["AppDescription"]) == ("3", 1, "Sundays")
    assert "CompletionTime" not in weekly
    assert "LastJobState" not in dev and (dev["Active"], dev["Succeeded"], dev["Failed"]) == (0, 0, 0)
    assert paused["Suspend"] is True and report["Suspend"] is False


def test_template_names_are_unique_in_a_namespace_and_default_to_the_app_id() -> None:
    assert Template("app-x").name == "app-x"
    with pytest.raises(ValueError, match="twice in namespace 'cn-hangzhou'"):
        EmulatorConfig([KEY], [Template("a", name="same"), Template("b", name="same")])
    with pytest.raises(ValueError, match="tags"):
        Template("a", tags={"team": 1})  # type: ignore[dict-item]


def test_the_official_sdk_parses_the_emulators_list_of_templates() -> None:
    pytest.importorskip("alibabacloud_sae20190506")
    from alibabacloud_sae20190506 import models
    from alibabacloud_sae20190506.client import Client
    from alibabacloud_tea_openapi import models as openapi_models

    with serve(Emulator(EmulatorConfig([KEY], NAMED))) as running:
        launch = running.client.exec_job("app-report")
        config = openapi_models.Config(
            access_key_id=KEY.access_key_id,
            access_key_secret=KEY.access_key_secret,
            endpoint=running.url.removeprefix("http://"),
            protocol="http",
        )
        sdk = Client(config)
        request = models.ListJobsRequest(
            current_page=1, page_size=2, field_type="appName", field_value="report", workload="job"
        )
        listed = sdk.list_jobs(request).body
        assert (listed.current_page, listed.page_size, listed.total_size) == (1, 2, 3)
        report, dev = listed.data.applications
        assert (report.app_id, report.app_name, report.namespace_id, report.last_job_state) == (
            "app-report",
            "report",
            "cn-hangzhou",
            "3",
        )
        assert [(tag.key, tag.value) for tag in report.tags] == [("team", "data")] and report.active == 1
        assert (dev.namespace_id, dev.last_job_state, dev.suspend) == ("cn-hangzhou:dev", None, False)
        [job] = running.emulator.jobs()
        assert job.job_id == launch.job_id


def test_templates_take_their_listing_from_toml_and_the_marker_too(sae_emulator: Any) -> None:
    from sae_job.emulator.config import ConfigError, parse_config

    text = f"""
[[credentials]]
access_key_id = "{KEY.access_key_id}"
access_key_secret = "s"

[[templates]]
app_id = "app-1"
name = "db-migrate"
namespace_id = "cn-shanghai:prod"
description = "Schema changes"
tags = {{ team = "platform" }}
"""
    [template] = parse_config(text).templates
    assert (template.name, template.namespace_id, template.region_id) == (
        "db-migrate",
        "cn-shanghai:prod",
        "cn-shanghai",
    )
    assert (template.description, template.tags) == ("Schema changes", {"team": "platform"})
    with pytest.raises(ConfigError, match=r"templates\[0\]\.tags\.team must be of type string, not integer"):
        parse_config(text.replace('team = "platform"', "team = 1"))
    assert default_config().templates[0].name == "nightly-report"


@pytest.mark.sae_emulator(templates=[{"app_id": "app-m", "name": "marked", "namespace_id": "cn-hangzhou:qa"}])
def test_the_marker_takes_the_listing_fields(sae_emulator: Any) -> None:
    [template] = sae_emulator.emulator.config.templates
    assert (template.name, template.namespace_id) == ("marked", "cn-hangzhou:qa")


def test_a_template_can_start_event_jobs_and_nothing_reads_the_prefix() -> None:
    # HTTP- and event-triggered jobs carry event-… IDs in SAE's examples; the client parses no prefix.
    triggered = Template("app-triggered", run_seconds=0, job_id_prefix="event")
    with serve(Emulator(EmulatorConfig([KEY], [triggered]))) as running, running.new_client() as client:
        launch = client.exec_job(triggered.app_id)
        assert launch.job_id.startswith("event-")
        assert client.wait_for_job(launch, timeout=10).job_id == launch.job_id
        assert [status.job_id for status in client.job_history(triggered.app_id)] == [launch.job_id]
    with pytest.raises(ValueError, match="job_id_prefix"):
        Template("app-x", job_id_prefix="cron")  # type: ignore[arg-type]


def test_the_emulator_reads_state_as_its_four_codes_and_reverse_as_a_boolean() -> None:
    with serve(Emulator(EmulatorConfig([KEY], [ALLOW]))) as running:
        auth = AcsV3Auth(KEY)

        def get(path: str, **params: str) -> httpx.Response:
            return httpx.get(running.url + path, params=params, auth=auth)

        history = "/pop/v1/sam/job/describeJobHistory"
        assert get(history, AppId=ALLOW.app_id, State="1").status_code == 200
        refused = get(history, AppId=ALLOW.app_id, State="5")
        assert (refused.status_code, refused.json()["Code"]) == (400, "InvalidParameter")
        listing = "/pop/v1/sam/job/listJobs"
        for reverse in ("true", "false"):
            assert get(listing, Workload="job", OrderBy="running", Reverse=reverse).status_code == 200
        refused = get(listing, Workload="job", Reverse="yes")
        assert (refused.status_code, refused.json()["Code"]) == (400, "InvalidParameter")
        assert "Reverse" in refused.json()["Message"]


def test_failed_instances_that_are_retried_do_not_end_the_job_for_the_client() -> None:
    # Counts are per instance (BackoffLimit retries them): Failed > 0 while State is 3 is a running job.
    from sae_job.answers import read_job_status
    from sae_job.models import JobState, JobStatus
    from sae_job.operations import DESCRIBE_JOB_STATUS
    from tests.conftest import generated_answer

    flaky = Template("app-flaky", run_seconds=10, retried_failures=4)
    rig = Rig(flaky)
    job_id = rig.start(flaky.app_id)
    rig.later(5)
    running = rig.status(flaky.app_id, JobId=job_id)
    assert (running["State"], running["Active"], running["Failed"]) == ("3", 1, 2)
    answer = generated_answer(
        httpx.Response(200, json={"RequestId": "R", "Data": running}), DESCRIBE_JOB_STATUS
    )
    status = read_job_status(answer, 1, job_id=job_id)
    assert isinstance(status, JobStatus)
    assert (status.state, status.failed, status.done) == (JobState.RUNNING, 2, False)  # by State alone
    rig.later(5)
    done = rig.status(flaky.app_id, JobId=job_id)
    assert (done["State"], done["Succeeded"], done["Failed"]) == ("1", 1, 4)
