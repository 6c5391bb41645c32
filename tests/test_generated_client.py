"""The generated sae_job_api client against the spec, with pytest-httpserver as the fake server."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sae_job_api import Client
from sae_job_api.api.default import exec_job
from sae_job_api.models import Error, ExecJobResponse
from sae_job_api.types import Unset
from tests.conftest import PATH, error_examples, operation

ALL_TEN = {
    "app_id": "ee1a7a07-abcb-4652-a1d3-2d57f415****",
    "event_id": "custom event",
    "command": "echo",
    "command_args": '["abc", ">", "file0"]',
    "envs": '[{"name":"envtmp","value":"0"}]',
    "jar_start_options": "-Xms4G -Xmx4G",
    "jar_start_args": "custom-args",
    "war_start_options": 'CATALINA_OPTS="$CATALINA_OPTS $Options" catalina.sh run',
    "time": "2023-09-14T14:25:02Z",
    "replicas": "3",
}
WIRE_NAMES = {
    "app_id": "AppId",
    "event_id": "EventId",
    "command": "Command",
    "command_args": "CommandArgs",
    "envs": "Envs",
    "jar_start_options": "JarStartOptions",
    "jar_start_args": "JarStartArgs",
    "war_start_options": "WarStartOptions",
    "time": "Time",
    "replicas": "Replicas",
}


def test_exec_job_sends_all_ten_parameters_by_their_wire_names(
    httpserver: HTTPServer, spec: dict[str, Any]
) -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response(status=200, content_type="application/json", response=_ok_body(spec))

    httpserver.expect_request(PATH, method="GET").respond_with_handler(handler)
    client = Client(base_url=httpserver.url_for(""))
    parsed = exec_job.sync(client=client, **ALL_TEN)

    assert isinstance(parsed, ExecJobResponse)
    (request,) = seen
    sent = parse_qsl(request.query_string.decode(), keep_blank_values=True, strict_parsing=True)
    assert sorted(sent) == sorted((WIRE_NAMES[k], v) for k, v in ALL_TEN.items())
    assert {p["name"] for p in operation(spec)["parameters"]} == set(WIRE_NAMES.values())


def test_exec_job_leaves_out_what_is_not_given(httpserver: HTTPServer, spec: dict[str, Any]) -> None:
    httpserver.expect_request(PATH, method="GET", query_string="AppId=app").respond_with_data(
        _ok_body(spec), content_type="application/json"
    )
    assert isinstance(
        exec_job.sync(client=Client(base_url=httpserver.url_for("")), app_id="app"), ExecJobResponse
    )


def _ok_body(spec: dict[str, Any]) -> str:
    return json.dumps(operation(spec)["responses"]["200"]["content"]["application/json"]["example"])


def test_the_success_example_parses_and_round_trips(spec: dict[str, Any]) -> None:
    example = operation(spec)["responses"]["200"]["content"]["application/json"]["example"]
    model = ExecJobResponse.from_dict(example)
    assert not isinstance(model.data, Unset)
    assert model.data.data == example["Data"]["Data"]
    assert model.success is True
    assert model.to_dict() == example


def _served_errors() -> list[tuple[str, str, dict[str, Any]]]:
    spec = json.loads(resources.files("sae_job_api").joinpath("openapi.json").read_text(encoding="utf-8"))
    return [(code, status, body) for code, (status, body) in sorted(error_examples(spec).items())]


@pytest.mark.parametrize(
    ("code", "status", "body"), _served_errors(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_error_example_is_served_parsed_and_round_trips(
    httpserver: HTTPServer, code: str, status: str, body: dict[str, Any]
) -> None:
    headers = {"x-acs-retry-after": "2"} if code.startswith("Throttling") else {}
    httpserver.expect_request(PATH).respond_with_json(body, status=int(status), headers=headers)
    response = exec_job.sync_detailed(client=Client(base_url=httpserver.url_for("")), app_id="app")
    assert isinstance(response.parsed, Error)
    assert response.parsed.code == code
    assert response.parsed.to_dict() == body
    assert Error.from_dict(response.parsed.to_dict()) == response.parsed


def test_an_undeclared_status_is_not_silently_parsed(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data("teapot", status=418)
    response = exec_job.sync_detailed(client=Client(base_url=httpserver.url_for("")), app_id="app")
    assert response.parsed is None
    assert response.status_code == 418


@pytest.mark.parametrize("signer", ["AcsV3Auth", "RoaV2Auth"])
def test_the_generated_client_signed_by_either_signer_starts_a_job(sae_emulator: Any, signer: str) -> None:
    # The README's "Using the generated client directly", with the signer taking the action from the path.
    from sae_job import Credentials, signing

    auth = getattr(signing, signer)
    url, app_id = sae_emulator.url, sae_emulator.app_id
    key_id, secret = sae_emulator.credentials.access_key_id, sae_emulator.credentials.access_key_secret

    client = Client(base_url=url, httpx_args={"auth": auth(Credentials(key_id, secret))})
    with client:
        answer = exec_job.sync(client=client, app_id=app_id, command="echo")

    assert isinstance(answer, ExecJobResponse) and answer.success is True
    [job] = sae_emulator.emulator.jobs()
    assert (job.job_id, job.command) == (answer.data.data, "echo")
    assert job.signature_version == ("v3" if signer == "AcsV3Auth" else "v2")
