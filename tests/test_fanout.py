"""exec_jobs: many jobs, bounded concurrency, results in order, one retry budget, one throttle gate.

A threaded pytest-httpserver plays SAE and keeps count: how many requests are in flight at once, when
each arrived, with which AppId and EventId. The last tests run the fan-out against the emulator, whose
gateway verifies every signature.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sae_job import (
    ApplicationNotFoundError,
    AsyncSaeJobClient,
    Credentials,
    JobRequest,
    Launch,
    RetryPolicy,
    SaeJobClient,
    ServerError,
)

PATH = "/pop/v1/sam/job/execJob"
CREDENTIALS = Credentials("AKIDfanout", "fanout-secret")
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)

TRANSPORTS = ["httpx"] + (["aiohttp"] if importlib.util.find_spec("aiohttp") else [])


def launched(app_id: str) -> Response:
    body = {
        "RequestId": f"req-{app_id}",
        "Code": "200",
        "Success": True,
        "Data": {"Code": "200", "Data": f"manual-{app_id}", "Msg": "success", "Success": "true"},
    }
    return Response(json.dumps(body), status=200, content_type="application/json")


def error(code: str, status: int, retry_after: float | None = None) -> Response:
    body = {"RequestId": "req-error", "Code": code, "Message": f"{code} (test)"}
    headers = {"x-acs-retry-after": str(round(retry_after * 1000))} if retry_after is not None else {}
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


@dataclass
class Arrival:
    at: float
    app_id: str
    event_id: str


@dataclass
class Service:
    """What the fake SAE saw; ``answer(arrival_number, app_id)`` decides each answer."""

    answer: Callable[[int, str], Response]
    delay: float = 0.02
    arrivals: list[Arrival] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    throttled_at: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.arrivals.append(Arrival(time.monotonic(), request.args["AppId"], request.args["EventId"]))
            number = len(self.arrivals)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            response = self.answer(number, request.args["AppId"])
            if response.status_code == 429:
                with self.lock:
                    self.throttled_at.append(time.monotonic())
            return response
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.fixture(scope="module")
def threaded_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def serve(threaded_server: HTTPServer) -> Iterator[Callable[[Service], str]]:
    def install(service: Service) -> str:
        threaded_server.expect_request(PATH).respond_with_handler(service)
        return threaded_server.url_for("/")

    yield install
    threaded_server.clear()


def run_sync(endpoint: str, requests: list[JobRequest], **options: object) -> list[Launch | Exception]:
    with SaeJobClient(endpoint=endpoint, credentials=CREDENTIALS, retry=FAST) as client:
        return list(client.exec_jobs(requests, **options))  # type: ignore[arg-type]


def run_async(
    endpoint: str, requests: list[JobRequest], transport: str = "httpx", **options: object
) -> list[Launch | Exception]:
    async def main() -> list[Launch | Exception]:
        chosen = httpx.AsyncHTTPTransport() if transport == "httpx" else None  # None: the aiohttp default
        async with AsyncSaeJobClient(
            endpoint=endpoint, credentials=CREDENTIALS, retry=FAST, transport=chosen
        ) as client:
            return list(await client.exec_jobs(requests, **options))  # type: ignore[arg-type]

    return asyncio.run(main())


FLAVOURS = [pytest.param("sync", id="sync")] + [pytest.param(t, id=f"async-{t}") for t in TRANSPORTS]


def fan_out(
    flavour: str, endpoint: str, requests: list[JobRequest], **options: object
) -> list[Launch | Exception]:
    if flavour == "sync":
        return run_sync(endpoint, requests, **options)
    return run_async(endpoint, requests, flavour, **options)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_results_come_back_in_request_order_and_failures_are_returned(
    flavour: str, serve: Callable[[Service], str]
) -> None:
    def answer(_: int, app_id: str) -> Response:
        if app_id.startswith("missing"):
            return error("InvalidApplication.NotFound", 400)
        return launched(app_id)

    # later requests answer sooner, so completion order is not request order
    service = Service(answer)
    endpoint = serve(service)
    app_ids = [f"missing-{i}" if i % 4 == 1 else f"app-{i}" for i in range(12)]
    results = fan_out(
        flavour,
        endpoint,
        [JobRequest(app_id, command=["echo", str(i)]) for i, app_id in enumerate(app_ids)],
        concurrency=3,
    )

    assert len(results) == len(app_ids)
    for app_id, result in zip(app_ids, results, strict=True):
        if app_id.startswith("missing"):
            assert isinstance(result, ApplicationNotFoundError)
            assert result.code == "InvalidApplication.NotFound"
        else:
            assert isinstance(result, Launch)
            assert (result.app_id, result.job_id) == (app_id, f"manual-{app_id}")
    assert len(service.arrivals) == len(app_ids)  # a refusal is not retried
    assert len({a.event_id for a in service.arrivals}) == len(app_ids)  # one EventId per request


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_no_more_than_concurrency_calls_are_in_flight(flavour: str, serve: Callable[[Service], str]) -> None:
    service = Service(lambda _, app_id: launched(app_id), delay=0.05)
    endpoint = serve(service)
    results = fan_out(flavour, endpoint, [JobRequest(f"app-{i}") for i in range(20)], concurrency=4)

    assert all(isinstance(result, Launch) for result in results)
    assert service.max_in_flight == 4


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_one_throttled_answer_pauses_every_call(flavour: str, serve: Callable[[Service], str]) -> None:
    pause = 1.0

    def answer(number: int, app_id: str) -> Response:
        return error("Throttling.User", 429, retry_after=pause) if number == 6 else launched(app_id)

    service = Service(answer, delay=0.04)  # 60 calls take about 0.6 s: the pause falls in the middle
    endpoint = serve(service)
    results = fan_out(flavour, endpoint, [JobRequest(f"app-{i}") for i in range(60)], concurrency=4)

    assert all(isinstance(result, Launch) for result in results)
    [throttled] = service.throttled_at
    # Calls already on their way when the answer went out may still land just after it; after that,
    # nothing until the pause the server asked for is over.
    during_pause = [
        a.at - throttled for a in service.arrivals if throttled + 0.25 < a.at < throttled + pause - 0.1
    ]
    assert during_pause == []
    assert sum(a.at > throttled + pause - 0.1 for a in service.arrivals) >= 10
    assert len(service.arrivals) == 61
    retried = [a for a in service.arrivals if a.app_id == service.arrivals[5].app_id]
    assert len(retried) == 2 and retried[0].event_id == retried[1].event_id  # the same job, asked again
    assert sorted(r.attempts for r in results if isinstance(r, Launch))[-1] == 2


def test_without_the_gate_the_same_server_is_hit_during_the_pause(serve: Callable[[Service], str]) -> None:
    """The control for the test above: plain concurrent exec_job calls keep sending while one waits."""
    pause = 1.0

    def answer(number: int, app_id: str) -> Response:
        return error("Throttling.User", 429, retry_after=pause) if number == 6 else launched(app_id)

    service = Service(answer, delay=0.04)
    endpoint = serve(service)

    async def main() -> None:
        gate = asyncio.Semaphore(4)
        async with AsyncSaeJobClient(endpoint=endpoint, credentials=CREDENTIALS, retry=FAST) as client:

            async def one(i: int) -> None:
                async with gate:
                    await client.exec_job(f"app-{i}")

            await asyncio.gather(*(one(i) for i in range(60)))

    asyncio.run(main())
    [throttled] = service.throttled_at
    assert [a for a in service.arrivals if throttled + 0.25 < a.at < throttled + pause - 0.1] != []


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_retries_share_one_budget(flavour: str, serve: Callable[[Service], str]) -> None:
    service = Service(lambda *_: error("ServiceUnavailable", 503), delay=0.0)
    endpoint = serve(service)
    results = fan_out(
        flavour, endpoint, [JobRequest(f"app-{i}") for i in range(8)], concurrency=4, retry_budget=3
    )

    assert all(isinstance(result, ServerError) for result in results)
    assert len(service.arrivals) == 8 + 3  # not 8 x max_attempts


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_bad_request_raises_before_anything_is_sent(flavour: str, serve: Callable[[Service], str]) -> None:
    service = Service(lambda _, app_id: launched(app_id))
    endpoint = serve(service)
    with pytest.raises(ValueError, match=r"requests\[1\]\.app_id is empty"):
        fan_out(flavour, endpoint, [JobRequest("app-0"), JobRequest(""), JobRequest("app-2")])
    with pytest.raises(TypeError, match=r"requests\[0\] must be a JobRequest"):
        fan_out(flavour, endpoint, ["app-0"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="concurrency"):
        fan_out(flavour, endpoint, [JobRequest("app-0")], concurrency=0)
    assert service.arrivals == []
    assert fan_out(flavour, endpoint, []) == []


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_against_the_emulator_every_signature_verified(flavour: str) -> None:
    from sae_job.emulator import Emulator, serve

    with serve(Emulator()) as running:
        requests = [
            JobRequest(running.app_id, command=["echo", str(i)], envs={"N": str(i)}) for i in range(6)
        ] + [JobRequest("ee1a7a07-0000-0000-0000-00000000dead", command="true")]
        endpoint, credentials = running.url, running.credentials
        if flavour == "sync":
            with SaeJobClient(endpoint=endpoint, credentials=credentials) as client:
                results = client.exec_jobs(requests, concurrency=3)
        else:

            async def main() -> list[Launch | Exception]:
                async with AsyncSaeJobClient(endpoint=endpoint, credentials=credentials) as client:
                    return list(await client.exec_jobs(requests, concurrency=3))

            results = asyncio.run(main())  # type: ignore[assignment]

        *launches, refused = results
        assert isinstance(refused, ApplicationNotFoundError)
        assert all(isinstance(launch, Launch) for launch in launches)
        jobs = {job.job_id: job for job in running.emulator.jobs()}
        assert sorted(jobs) == sorted(launch.job_id for launch in launches)  # type: ignore[union-attr]
        for i, launch in enumerate(launches):
            assert jobs[launch.job_id].command_args == [str(i)]  # type: ignore[union-attr]


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_against_the_emulator_throttling_and_failing_every_job_is_accounted_for(flavour: str) -> None:
    from sae_job.emulator import Emulator, Faults, serve

    policy = RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.05)
    with serve(Emulator()) as running:
        running.emulator.set_faults(Faults(throttle=0.25, error_503=0.1, retry_after=0.05, seed=7))
        requests = [
            JobRequest(running.app_id, command=["echo", str(i)], event_id=f"fan-{i}") for i in range(30)
        ]
        endpoint, credentials = running.url, running.credentials
        if flavour == "sync":
            with SaeJobClient(endpoint=endpoint, credentials=credentials, retry=policy) as client:
                results = client.exec_jobs(requests, concurrency=5, retry_budget=200)
        else:

            async def main() -> list[Launch | Exception]:
                async with AsyncSaeJobClient(
                    endpoint=endpoint, credentials=credentials, retry=policy
                ) as client:
                    return list(await client.exec_jobs(requests, concurrency=5, retry_budget=200))

            results = asyncio.run(main())  # type: ignore[assignment]
        stats = running.emulator.stats()
        jobs = running.emulator.jobs()

    assert stats["faults"].get("throttle", 0) > 0  # the gate had something to do
    assert all(isinstance(result, Launch) for result in results)
    # in order, each the job its own EventId started, and one job per EventId however often it was asked
    assert [result.event_id for result in results] == [f"fan-{i}" for i in range(30)]  # type: ignore[union-attr]
    assert sorted(job.job_id for job in jobs) == sorted(result.job_id for result in results)  # type: ignore[union-attr]
