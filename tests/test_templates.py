"""Job templates by name, from Python: list_templates pages through ListJobs, find_template keeps the exact
name only, resolves it with one call and remembers it for the client's lifetime."""

from __future__ import annotations

import asyncio
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest

from sae_job import (
    AmbiguousTemplateError,
    AsyncSaeJobClient,
    JobState,
    JobSuspendError,
    JobTemplate,
    TemplateNotFoundError,
)

# "report" is used in two namespaces, and is a prefix of "report-weekly"; "paused" is suspended.
TEMPLATES = [
    {"app_id": "app-report", "name": "report", "tags": {"team": "data"}, "description": "Daily"},
    {"app_id": "app-report-dev", "name": "report", "namespace_id": "cn-hangzhou:dev"},
    {"app_id": "app-report-weekly", "name": "report-weekly"},
    {"app_id": "app-paused", "name": "paused", "suspended": True},
]
named = pytest.mark.sae_emulator(templates=TEMPLATES)
MANY = pytest.mark.sae_emulator(
    templates=[{"app_id": f"app-{i:03}", "name": f"batch-{i:03}"} for i in range(205)]
)


def requests(sae_emulator: Any) -> int:
    count: int = sae_emulator.emulator.stats()["requests"]
    return count


@named
def test_a_name_shared_across_namespaces_is_ambiguous_and_a_namespace_picks_one(sae_emulator: Any) -> None:
    client = sae_emulator.client
    with pytest.raises(AmbiguousTemplateError) as raised:
        client.find_template("report")
    error = raised.value
    assert (error.code, error.name, error.namespaces) == (
        "AmbiguousTemplate",
        "report",
        ("cn-hangzhou", "cn-hangzhou:dev"),
    )
    assert "namespace_id=NAMESPACE: cn-hangzhou, cn-hangzhou:dev" in str(error) and error.request_id
    assert error.templates == (("app-report", "cn-hangzhou"), ("app-report-dev", "cn-hangzhou:dev"))
    assert pickle.loads(pickle.dumps(error)).templates == error.templates
    assert pickle.loads(pickle.dumps(error)).namespaces == error.namespaces
    assert client.find_template("report", namespace_id="cn-hangzhou:dev").app_id == "app-report-dev"
    assert client.find_template("report", "cn-hangzhou").app_id == "app-report"


@named
def test_a_name_that_is_a_prefix_of_another_finds_only_its_own(sae_emulator: Any) -> None:
    # ListJobs answers both report-weekly and report for "report-weekly"... and all three for "report".
    assert sae_emulator.client.find_template("report-weekly").app_id == "app-report-weekly"
    assert [t.name for t in sae_emulator.client.list_templates(name="report")] == [
        "report",
        "report",
        "report-weekly",
    ]


@named
def test_an_absent_name_is_not_found_even_when_listjobs_matches_longer_names(sae_emulator: Any) -> None:
    for name, namespace in (("absent", None), ("repor", None), ("report-weekly", "cn-hangzhou:dev")):
        with pytest.raises(TemplateNotFoundError) as raised:
            sae_emulator.client.find_template(name, namespace)
        assert (raised.value.code, raised.value.name, raised.value.namespace_id) == (
            "TemplateNotFound",
            name,
            namespace,
        )
        assert repr(name) in str(raised.value)


@named
def test_a_suspended_template_is_found_and_says_so_and_refuses_jobs(sae_emulator: Any) -> None:
    paused = sae_emulator.client.find_template("paused")
    assert paused.suspended is True and paused.last_job_state is None
    with pytest.raises(JobSuspendError):
        sae_emulator.client.exec_job(paused.app_id)


@named
def test_templates_are_typed_with_their_last_job(sae_emulator: Any) -> None:
    client = sae_emulator.client
    report = client.find_template("report", "cn-hangzhou")
    assert (report.last_job_state, report.active, report.last_start_time) == (None, 0, None)
    launch = client.exec_job(report.app_id, replicas=2)
    sae_emulator.emulator.finish(launch.job_id, failed=True, message="disk full")
    [fresh] = [
        t for t in client.list_templates(namespace_id="cn-hangzhou", name="report") if t.name == "report"
    ]
    assert isinstance(fresh, JobTemplate)
    assert (fresh.last_job_state, fresh.raw_last_job_state, fresh.failed, fresh.message) == (
        JobState.FAILED,
        "2",
        2,
        "disk full",
    )
    assert fresh.last_start_time is not None and fresh.last_start_time.tzinfo is UTC
    assert fresh.completion_time is not None and fresh.completion_time <= datetime.now(UTC)
    assert (fresh.description, fresh.tags, fresh.region_id) == ("Daily", {"team": "data"}, "cn-hangzhou")


@MANY
def test_list_templates_pages_past_a_page_boundary(sae_emulator: Any) -> None:
    before = requests(sae_emulator)
    listed = list(sae_emulator.client.list_templates(page_size=100))
    assert [t.app_id for t in listed] == [f"app-{i:03}" for i in range(205)]
    assert requests(sae_emulator) - before == 3  # 100 + 100 + 5
    assert len(list(sae_emulator.client.list_templates(name="batch-20", page_size=4))) == 5  # 200-204


@MANY
def test_a_name_past_the_first_page_of_a_listing_is_found_with_one_call(sae_emulator: Any) -> None:
    before = requests(sae_emulator)
    assert sae_emulator.client.find_template("batch-204").app_id == "app-204"
    assert requests(sae_emulator) - before == 1


@named
def test_a_name_is_resolved_once_per_client_and_again_by_a_new_client(sae_emulator: Any) -> None:
    client = sae_emulator.client
    before = requests(sae_emulator)
    first = client.find_template("report-weekly")
    assert client.find_template("report-weekly") is first
    assert requests(sae_emulator) - before == 1
    with sae_emulator.new_client() as other:
        other.find_template("report-weekly")
    assert requests(sae_emulator) - before == 2
    with pytest.raises(TemplateNotFoundError):
        client.find_template("absent")
    with pytest.raises(TemplateNotFoundError):
        client.find_template("absent")
    assert requests(sae_emulator) - before == 4  # a name not found is asked again: it may be created


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"name": ""}, ValueError, "name is empty"),
        ({"name": 3}, TypeError, "name must be a str"),
        ({"name": "a", "namespace_id": "cn hangzhou"}, ValueError, "namespace_id"),
        ({"page_size": 201}, ValueError, "page_size must be from 1 to 200"),
        ({"page_size": 0}, ValueError, "page_size"),
    ],
)
def test_bad_arguments_raise_at_the_call_before_anything_is_sent(
    sae_emulator: Any, arguments: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        sae_emulator.client.list_templates(**arguments)
    if "page_size" not in arguments:
        with pytest.raises(error, match=match):
            sae_emulator.client.find_template(**arguments)
    assert requests(sae_emulator) == 0


@named
def test_the_async_client_lists_finds_and_remembers_the_same(sae_emulator: Any) -> None:
    async def main() -> tuple[list[str], str, BaseException]:
        async with AsyncSaeJobClient(
            endpoint=sae_emulator.url, credentials=sae_emulator.credentials
        ) as client:
            names = [t.name async for t in client.list_templates(page_size=1)]
            found = await client.find_template("report-weekly")
            assert await client.find_template("report-weekly") is found
            try:
                await client.find_template("report")
            except AmbiguousTemplateError as error:
                return names, found.app_id, error
        raise AssertionError("report is in two namespaces")

    names, app_id, error = asyncio.run(main())
    assert names == ["report", "report", "report-weekly", "paused"]
    assert app_id == "app-report-weekly" and isinstance(error, AmbiguousTemplateError)
    assert requests(sae_emulator) == 4 + 1 + 1  # four pages of one; one call per name


def _answer(applications: list[dict[str, Any]], **top: Any) -> Any:
    import httpx

    body = {"RequestId": "r-1", "Success": True, **top, "Data": {"Applications": applications, **top}}
    from sae_job.operations import LIST_JOBS
    from tests.conftest import generated_answer

    return generated_answer(httpx.Response(200, json=body), LIST_JOBS)


def test_a_page_reads_milliseconds_unknown_states_and_refuses_a_template_without_an_id() -> None:
    from sae_job import UnexpectedResponseError
    from sae_job.answers import read_templates_page

    entry = {"AppId": "a", "AppName": "n", "LastJobState": "9", "LastStartTime": 1657522800000, "Active": -1}
    page = read_templates_page(_answer([entry], CurrentPage=1, PageSize=1, TotalSize=7), 1)
    assert not isinstance(page, Exception)
    [template] = page.templates
    assert (page.total_size, page.request_id, template.last_job_state, template.raw_last_job_state) == (
        7,
        "r-1",
        JobState.UNKNOWN,
        "9",
    )
    assert template.last_start_time == datetime(2022, 7, 11, 7, 0, tzinfo=UTC) and template.active == 0
    assert isinstance(read_templates_page(_answer([{"AppName": "n"}]), 1), UnexpectedResponseError)
