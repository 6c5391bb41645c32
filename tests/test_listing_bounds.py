"""A listing always ends, and lists each job once: DescribeJobHistory and ListJobs against servers that
misbehave (page 1 for ever, a page again, pages past TotalSize, jobs arriving between pages)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sae_job import (
    AsyncSaeJobClient,
    Credentials,
    RetryPolicy,
    SaeJobClient,
    TransportError,
    UnexpectedResponseError,
)

KEY = Credentials("AKID-LISTING", "secret")
HISTORY = "/pop/v1/sam/job/describeJobHistory"
LIST = "/pop/v1/sam/job/listJobs"
Pages = Callable[[int], tuple[int, list[str], int, int]]  # asked -> (answered, ids, page size, total)


def job(job_id: str) -> dict[str, Any]:
    return {"JobId": job_id, "State": "1", "Active": 0, "Succeeded": 1, "Failed": 0}


def serving(httpserver: HTTPServer, path: str, pages: Pages) -> list[int]:
    asked: list[int] = []

    def answer(request: Request) -> Response:
        number = int(dict(parse_qsl(request.query_string.decode()))["CurrentPage"])
        asked.append(number)
        current, ids, size, total = pages(number)
        if path == HISTORY:
            data: dict[str, Any] = {"Jobs": [job(i) for i in ids]}
        else:
            data = {"Applications": [{"AppId": i, "AppName": i} for i in ids]}
        data |= {"CurrentPage": current, "PageSize": size, "TotalSize": total}
        body = {"RequestId": f"R-{number}", "Success": True, "Data": data}
        return Response(json.dumps(body), 200, content_type="application/json")

    httpserver.expect_request(path).respond_with_handler(answer)
    return asked


@pytest.fixture
def client(httpserver: HTTPServer) -> Iterator[SaeJobClient]:
    with SaeJobClient(
        endpoint=httpserver.url_for("/"), credentials=KEY, retry=RetryPolicy(max_attempts=1)
    ) as c:
        yield c


BROKEN: dict[str, tuple[Pages, str]] = {
    "page 1 for ever": (lambda n: (1, ["a", "b"], 2, 1_000_000_000), "page 1 answered"),
    "the same page again": (lambda n: (n, ["a", "b"], 2, 1_000_000_000), "the page before answered again"),
    "pages past TotalSize": (lambda n: (n, [f"j{n}"], 10, 15), "past the 2 pages its TotalSize allows"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_a_history_listing_always_ends(httpserver: HTTPServer, client: SaeJobClient, broken: str) -> None:
    pages, says = BROKEN[broken]
    asked = serving(httpserver, HISTORY, pages)
    seen: list[str] = []
    with pytest.raises(UnexpectedResponseError, match=says):
        seen.extend(status.job_id for status in client.job_history("app"))
    assert len(asked) <= 3 and len(seen) == len(set(seen)) <= 2


@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_a_template_listing_and_a_name_lookup_always_end(
    httpserver: HTTPServer, client: SaeJobClient, broken: str
) -> None:
    pages, says = BROKEN[broken]
    asked = serving(httpserver, LIST, pages)
    with pytest.raises(UnexpectedResponseError, match=says):
        list(client.list_templates())
    with pytest.raises(UnexpectedResponseError, match=says):
        client.find_template("nightly")
    assert len(asked) <= 6


def test_the_async_listing_ends_too(httpserver: HTTPServer) -> None:
    serving(httpserver, HISTORY, BROKEN["page 1 for ever"][0])

    async def main() -> None:
        async with AsyncSaeJobClient(endpoint=httpserver.url_for("/"), credentials=KEY) as client:
            [status async for status in client.job_history("app")]

    with pytest.raises(UnexpectedResponseError, match="page 1 answered"):
        asyncio.run(main())


def test_each_job_is_listed_once_when_jobs_arrive_between_pages(
    httpserver: HTTPServer, client: SaeJobClient
) -> None:
    # Two jobs started after page 1 push page 1's last two onto page 2 (newest first).
    history = {1: ["j10", "j9", "j8"], 2: ["j9", "j8", "j7"], 3: ["j6", "j5"]}
    serving(httpserver, HISTORY, lambda n: (n, history[n], 3, 8))
    listed = [status.job_id for status in client.job_history("app")]
    assert listed == ["j10", "j9", "j8", "j7", "j6", "j5"]


def endless(n: int) -> tuple[int, list[str], int, int]:
    # every page new and in order, TotalSize a billion: only the listing's own deadline ends it
    return (n, [f"j{n}-a", f"j{n}-b"], 2, 1_000_000_000)


def test_a_listing_that_never_runs_out_of_pages_ends_at_its_listing_deadline(httpserver: HTTPServer) -> None:
    asked = serving(httpserver, HISTORY, endless)
    says = r"past its listing_deadline of 0\.3s; it stopped at page"
    client = SaeJobClient(endpoint=httpserver.url_for("/"), credentials=KEY, listing_deadline=0.3)
    with client, pytest.raises(TransportError, match=says):
        for _ in client.job_history("app"):
            pass
    assert len(asked) >= 1


def test_a_name_lookup_on_endless_pages_ends_at_the_listing_deadline_both_ways(
    httpserver: HTTPServer,
) -> None:
    serving(httpserver, LIST, endless)
    client = SaeJobClient(endpoint=httpserver.url_for("/"), credentials=KEY, listing_deadline=0.3)
    with client, pytest.raises(TransportError, match="listing_deadline"):
        client.find_template("nightly")

    async def main() -> None:
        async with AsyncSaeJobClient(
            endpoint=httpserver.url_for("/"), credentials=KEY, listing_deadline=0.3
        ) as c:
            await c.find_template("nightly")

    with pytest.raises(TransportError, match="listing_deadline"):
        asyncio.run(main())


def test_the_time_a_caller_spends_between_pages_is_not_the_listing_s(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clock jumps an hour while the caller holds each page; the listing's own calls take no time.
    import sae_job.client as client_module

    now = [1000.0]
    monkeypatch.setattr(client_module._time, "monotonic", lambda: now[0])
    history = {1: ["j3", "j2"], 2: ["j1"]}
    serving(httpserver, HISTORY, lambda n: (n, history[n], 2, 3))
    with SaeJobClient(endpoint=httpserver.url_for("/"), credentials=KEY, listing_deadline=5) as client:
        listed = []
        for status in client.job_history("app"):
            listed.append(status.job_id)
            now[0] += 3600
    assert listed == ["j3", "j2", "j1"]


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "10"])
def test_a_listing_deadline_must_be_a_positive_number(bad: object) -> None:
    with pytest.raises(ValueError, match="listing_deadline") as refused:
        SaeJobClient(endpoint="http://127.0.0.1:1/", credentials=KEY, listing_deadline=bad)  # type: ignore[arg-type]
    assert isinstance(refused.value, TypeError) is isinstance(bad, str)  # a wrong type, as for an argument
