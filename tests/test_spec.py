"""The contract, openapi/sae-job.yaml: valid, and complete against the ExecJob API reference."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from tests.conftest import SPEC_PATH, error_examples, operation, resolve

PARAMETERS = [
    "AppId",
    "EventId",
    "Command",
    "CommandArgs",
    "Envs",
    "JarStartOptions",
    "JarStartArgs",
    "WarStartOptions",
    "Time",
    "Replicas",
]
DOCUMENTED_ERRORS = ["InvalidApplication.NotFound", "JobForbidPolicy", "JobSuspend", "user.indebt"]
GATEWAY_ERRORS = [
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidAccessKeyId.NotFound",
    "InvalidTimeStamp.Expired",
    "SignatureNonceUsed",
    "InvalidSecurityToken.Expired",
    "InvalidSecurityToken.MismatchWithAccessKey",
    "InvalidSecurityToken.Malformed",
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
    "ServiceUnavailable",
    "InternalError",
]


@pytest.fixture(scope="module")
def yaml_spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def test_the_spec_validates(yaml_spec: dict[str, Any]) -> None:
    validate(yaml_spec)


def test_the_packaged_json_is_the_yaml(yaml_spec: dict[str, Any], spec: dict[str, Any]) -> None:
    assert spec == yaml_spec


def test_operation_and_servers(spec: dict[str, Any]) -> None:
    assert operation(spec)["operationId"] == "ExecJob"
    assert spec["info"]["version"] == "2019-05-06"
    urls = [server["url"] for server in spec["servers"]]
    assert "https://sae.{regionId}.aliyuncs.com" in urls
    assert all("regionId" in server["variables"] for server in spec["servers"])


def test_every_parameter_is_a_query_string_with_description_and_example(spec: dict[str, Any]) -> None:
    params = {p["name"]: p for p in operation(spec)["parameters"]}
    assert list(params) == PARAMETERS
    for name, param in params.items():
        assert param["in"] == "query", name
        assert param["schema"]["type"] == "string", name
        assert "content" not in param, f"{name}: the generator drops parameters declared with content:"
        assert param["description"].strip(), name
        assert "example" in param, name
        assert param["required"] is (name == "AppId"), name


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2023-09-14T14:25:02Z", True),
        ("2023-09-14 14:25:02Z", False),
        ("2023-09-14T14:25:02+08:00", False),
        ("2023-13-14T14:25:02Z", False),
        ("2023-09-14T24:00:00Z", False),
        ("2023-09-14T14:25Z", False),
    ],
)
def test_time_pattern(spec: dict[str, Any], value: str, ok: bool) -> None:
    param = next(p for p in operation(spec)["parameters"] if p["name"] == "Time")
    assert bool(re.search(param["schema"]["pattern"], value)) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1", True),
        ("3", True),
        ("10", True),
        ("0", False),
        ("-1", False),
        ("01", False),
        ("1.5", False),
        ("", False),
    ],
)
def test_replicas_pattern(spec: dict[str, Any], value: str, ok: bool) -> None:
    param = next(p for p in operation(spec)["parameters"] if p["name"] == "Replicas")
    assert bool(re.search(param["schema"]["pattern"], value)) is ok


def test_json_parameters_describe_their_decoded_shape(spec: dict[str, Any]) -> None:
    params = {p["name"]: p for p in operation(spec)["parameters"]}
    args = params["CommandArgs"]["schema"]
    assert args["contentMediaType"] == "application/json"
    assert resolve(spec, args["contentSchema"]) == {**resolve(spec, args["contentSchema"]), "type": "array"}
    assert resolve(spec, args["contentSchema"])["items"] == {"type": "string"}
    envs = resolve(spec, params["Envs"]["schema"]["contentSchema"])
    shapes = [resolve(spec, s) for s in resolve(spec, envs["items"])["oneOf"]]
    assert {tuple(sorted(s["required"])) for s in shapes} == {("name", "value"), ("name", "valueFrom")}
    config_map = next(s for s in shapes if "valueFrom" in s["properties"])
    ref = config_map["properties"]["valueFrom"]["properties"]["configMapRef"]
    assert ref["required"] == ["configMapId"]  # without key: every key of the ConfigMap


def test_success_answer_has_every_field_with_the_reference_example(spec: dict[str, Any]) -> None:
    ok = operation(spec)["responses"]["200"]["content"]["application/json"]
    body = resolve(spec, ok["schema"])
    assert set(body["properties"]) == {
        "RequestId",
        "Message",
        "TraceId",
        "Data",
        "ErrorCode",
        "Code",
        "Success",
    }
    assert body["properties"]["Success"]["type"] == "boolean"
    data = resolve(spec, body["properties"]["Data"])
    assert set(data["properties"]) == {"Data", "Msg", "Success", "Code"}
    assert data["properties"]["Success"]["type"] == "string"
    assert ok["example"]["Data"]["Data"].startswith("manual-")
    assert ok["example"]["Data"]["Success"] == "true"


def test_every_error_answer_uses_the_one_error_schema(spec: dict[str, Any]) -> None:
    responses = operation(spec)["responses"]
    assert {"400", "404", "500", "503"} <= set(responses)
    for status, response in responses.items():
        if status != "200":
            schema = resolve(spec, response)["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, status
    error = spec["components"]["schemas"]["Error"]
    assert {"RequestId", "Code", "Message", "HostId", "Recommend", "TraceId", "Success"} <= set(
        error["properties"]
    )


@pytest.mark.parametrize("code", DOCUMENTED_ERRORS + GATEWAY_ERRORS)
def test_every_documented_error_code_has_an_example(spec: dict[str, Any], code: str) -> None:
    status, body = error_examples(spec)[code]
    assert body["Message"].strip()
    if code in DOCUMENTED_ERRORS:
        assert status == "400"


def test_throttling_answers_carry_retry_after(spec: dict[str, Any]) -> None:
    for status in ("400", "429", "503"):
        response = resolve(spec, operation(spec)["responses"][status])
        assert "x-acs-retry-after" in response["headers"], status


def test_signature_is_described_but_not_required_as_bearer(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]
    assert "security" not in operation(spec)
    assert "security" not in spec


def test_every_operation_declares_the_same_error_answers(spec: dict[str, Any]) -> None:
    # Each is one the emulator sends (tests/test_emulator_server.py, test_emulator_abuse.py, test_faults.py)
    errors = {"400", "403", "404", "411", "413", "414", "429", "431", "500", "503", "505"}
    for path, item in spec["paths"].items():
        assert set(item["get"]["responses"]) == {"200"} | errors, path
