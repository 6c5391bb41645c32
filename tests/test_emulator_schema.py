"""The spec as the emulator enforces it (sae_job.emulator.spec, on jsonschema), seen through its handler.

What jsonschema itself gets right is its own suite's business; these tests pin what the emulator decides:
which parameters it reads from the spec, the ECMA-262 reading of ``pattern``, JSON content decoded and
checked, messages that name where the fault is and never the value, and agreement with plain jsonschema
on the content schemas.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

import httpx
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sae_job.credentials import Credentials
from sae_job.emulator import Emulator, Request, Response, default_config
from sae_job.emulator.spec import load_spec, parse_spec
from sae_job.signing import AcsV3Auth

PATH = "/pop/v1/sam/job/execJob"
CONFIG = default_config()
KEY: Credentials = CONFIG.credentials[0]
APP_ID = CONFIG.templates[0].app_id
EMULATOR = Emulator(CONFIG, max_jobs=10)  # shared: every test here only reads or starts jobs


def exec_job(**params: str) -> Response:
    """ExecJob on the emulator's handler, signed, with ``params`` beside the demo template's AppId."""
    query = urlencode({"AppId": APP_ID, **params})
    request = next(AcsV3Auth(KEY).auth_flow(httpx.Request("GET", f"https://sae.example{PATH}?{query}")))
    path, _, raw_query = str(request.url.raw_path, "ascii").partition("?")
    return EMULATOR.handle(Request("GET", path, raw_query, tuple(request.headers.items())))


def refusal(name: str, value: str) -> str:
    """The message of the InvalidParameter answer to ``name=value``."""
    response = exec_job(**{name: value})
    assert (response.status, response.json()["Code"]) == (400, "InvalidParameter"), response.json()
    message: str = response.json()["Message"]
    assert message.startswith(f"The parameter {name} is invalid: ")
    return message


def test_the_emulator_reads_the_parameters_from_the_installed_spec(spec: dict[str, Any]) -> None:
    loaded = load_spec()
    assert loaded.document == spec and loaded.version == "2019-05-06"
    op = loaded.operation("ExecJob")
    assert (op.method, op.path) == ("GET", PATH)
    assert [p.name for p in op.parameters] == [p["name"] for p in spec["paths"][PATH]["get"]["parameters"]]
    assert [p.name for p in op.parameters if p.required] == ["AppId"]
    assert {p.name: p.python_name for p in op.parameters}["CommandArgs"] == "command_args"


def test_a_spec_the_emulator_cannot_enforce_fails_at_load(spec: dict[str, Any]) -> None:
    header_parameter = copy.deepcopy(spec)
    header_parameter["paths"][PATH]["get"]["parameters"].append({"name": "X", "in": "header", "schema": {}})
    with pytest.raises(ValueError, match="query"):
        parse_spec(header_parameter)
    bad_schema = copy.deepcopy(spec)
    bad_schema["paths"][PATH]["get"]["parameters"][0]["schema"] = {"type": "float"}
    with pytest.raises(ValueError, match="ExecJob"):
        parse_spec(bad_schema)
    xml = copy.deepcopy(spec)
    xml["paths"][PATH]["get"]["parameters"][0]["schema"]["contentMediaType"] = "application/xml"
    with pytest.raises(ValueError, match="JSON content only"):
        parse_spec(xml)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Replicas", "3\n"),  # Python's $ would match before the newline; ECMA-262's does not
        ("Replicas", "\u0663"),  # ARABIC-INDIC DIGIT THREE is no \d in ECMA-262
        ("Time", "2023-09-14T14:25:02Z\n"),
        ("Time", "\u0662\u0660\u0662\u0663-09-14T14:25:02Z"),
    ],
)
def test_patterns_are_read_as_ecma_262_reads_them(name: str, value: str) -> None:
    assert "must match the pattern" in refusal(name, value)


def test_json_parameters_are_decoded_and_checked_where_the_fault_is() -> None:
    assert refusal("CommandArgs", "[1") == (
        "The parameter CommandArgs is invalid: it is not valid JSON at character 2."
    )
    assert refusal("CommandArgs", "{}").endswith("it must be of type array, not object.")
    envs = [{"name": "a", "value": "b"}, {"name": "c", "valueFrom": {"configMapRef": {"configMapId": "x"}}}]
    message = refusal("Envs", json.dumps(envs))
    assert message == (
        "The parameter Envs is invalid: [1] matches none of the allowed forms ("
        "as ValueEnv: has the property 'valueFrom', which is not allowed here (allowed: name, value); "
        "lacks the required property 'value'; "
        "as ConfigMapEnv: valueFrom.configMapRef.configMapId must be of type integer, not string)."
    )


def test_messages_never_hold_the_value() -> None:
    private = "CANARY-PRIVATE"
    for name, value in [
        ("Envs", json.dumps([{"name": "a", "value": 1, private: private}])),
        ("CommandArgs", json.dumps([private, 1])),
        ("Replicas", private),
        ("Time", private),
    ]:
        assert private not in refusal(name, value).replace(f"'{private}'", "")  # a key may be named


def test_values_are_kept_as_the_service_reads_them() -> None:
    response = exec_job(Replicas="3", CommandArgs='["a"]', Envs="[]", Command="echo", EventId="")
    assert response.status == 200, response.json()
    job = next(j for j in EMULATOR.jobs() if j.job_id == response.json()["Data"]["Data"])
    assert (job.replicas, job.command_args, job.envs, job.command, job.event_id) == (
        3,
        ["a"],
        [],
        "echo",
        None,
    )
    assert job.time is None
    with pytest.raises(AttributeError):
        _ = job.not_a_parameter


def test_a_float_with_no_fraction_is_an_integer_as_json_schema_says() -> None:
    envs = '[{"name": "a", "valueFrom": {"configMapRef": {"configMapId": 7.0, "key": "k"}}}]'
    assert exec_job(Envs=envs).status == 200


# --- agreement with plain jsonschema ------------------------------------------------------------

KEYS = ["name", "value", "valueFrom", "configMapRef", "configMapId", "key", "extra"]
scalars = st.none() | st.booleans() | st.integers(-2, 2**40) | st.text(max_size=3)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
)
valid_env = st.one_of(
    st.fixed_dictionaries({"name": st.text(min_size=1, max_size=3), "value": st.text(max_size=3)}),
    st.fixed_dictionaries(
        {
            "name": st.text(min_size=1, max_size=3),
            "valueFrom": st.fixed_dictionaries(
                {
                    "configMapRef": st.fixed_dictionaries(
                        {"configMapId": st.integers(-1, 5), "key": st.text(max_size=2)}
                    )
                }
            ),
        }
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(["CommandArgs", "Envs"]),
    instance=json_values | st.lists(valid_env, max_size=3) | st.lists(st.text(max_size=2), max_size=3),
)
def test_the_emulator_accepts_json_content_exactly_when_jsonschema_does(
    spec: dict[str, Any], name: str, instance: Any
) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    valid = jsonschema.Draft202012Validator(schema).is_valid(instance)
    response = exec_job(**{name: json.dumps(instance)})
    assert response.status == (200 if valid else 400), response.json()
