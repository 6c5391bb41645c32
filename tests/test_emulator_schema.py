"""The emulator's JSON Schema subset validator (sae_job.emulator.schema) and the spec it enforces.

The validator is checked three ways: every keyword the spec uses is one it implements (so the spec
cannot outgrow it silently); each rule alone; and against ``jsonschema`` (dev only) on generated values,
where the two must agree except on the documented ECMA-262 points.
"""

from __future__ import annotations

import copy
import doctest
import json
import string
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sae_job.emulator import schema as schema_module
from sae_job.emulator.schema import SchemaError, UnsupportedSchema, check_supported, ecma_pattern, validate
from sae_job.emulator.spec import ParameterError, load_spec, parse_spec
from tests.conftest import PATH, size


def schemas_in(node: Any) -> Iterator[Any]:
    """Every schema object the spec holds: values of ``schema`` keys anywhere, and components.schemas."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("schema", "contentSchema"):
                yield value
            elif key == "schemas" and isinstance(value, dict):
                yield from value.values()
            yield from schemas_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from schemas_in(item)


def test_the_spec_uses_only_what_the_validator_implements(spec: dict[str, Any]) -> None:
    found = list(schemas_in(spec))
    assert len(found) > 15  # parameters, components.schemas, responses, headers
    for schema in found:
        check_supported(schema, root=spec)  # raises UnsupportedSchema naming the keyword


def test_the_emulator_loads_the_installed_spec(spec: dict[str, Any]) -> None:
    loaded = load_spec()
    assert loaded.document == spec
    assert loaded.version == "2019-05-06"
    op = loaded.operation("ExecJob")
    assert (op.method, op.path) == ("GET", PATH)
    assert [p.name for p in op.parameters] == [p["name"] for p in spec["paths"][PATH]["get"]["parameters"]]
    assert [p.name for p in op.parameters if p.required] == ["AppId"]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "format": "date-time"},
        {"type": "object", "properties": {"deep": {"type": "string", "maxItems": 2}}},
        {"oneOf": [{"type": "string"}, {"anyOf": [{"type": "integer"}]}]},
        {"type": "string", "contentMediaType": "application/xml"},
        {"type": "string", "pattern": r"^\s+$"},
        {"type": "float"},
        {"$ref": "#/nowhere"},
        {"$ref": "other.json#/x"},
    ],
)
def test_what_it_does_not_implement_is_refused_not_ignored(schema: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedSchema):
        check_supported(schema)


def test_a_keyword_reached_at_validation_time_is_refused_too() -> None:
    with pytest.raises(UnsupportedSchema, match="format"):
        validate({"type": "string", "format": "date-time"}, "x")


def test_a_spec_the_validator_cannot_enforce_fails_at_load(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    changed["components"]["schemas"]["ValueEnv"]["properties"]["name"]["format"] = "hostname"
    with pytest.raises(UnsupportedSchema, match="format"):
        parse_spec(changed)
    header_parameter = copy.deepcopy(spec)
    header_parameter["paths"][PATH]["get"]["parameters"].append({"name": "X", "in": "header", "schema": {}})
    with pytest.raises(UnsupportedSchema, match="query"):
        parse_spec(header_parameter)


# --- the rules, one by one ----------------------------------------------------------------------


def messages(schema: Any, instance: Any, root: Any = None) -> list[str]:
    return [str(e) for e in validate(schema, instance, root=root)]


def test_type() -> None:
    assert messages({"type": "string"}, "x") == []
    assert messages({"type": "string"}, 1) == ["must be of type string, not integer"]
    assert messages({"type": ["string", "null"]}, None) == []
    assert messages({"type": "boolean"}, 0) == ["must be of type boolean, not integer"]
    assert messages({"type": "array"}, {}) == ["must be of type array, not object"]
    assert messages({"type": "number"}, 1.5) == []
    assert messages({"type": "number"}, True) == ["must be of type number, not boolean"]


def test_integer_follows_json_schema_not_python() -> None:
    assert messages({"type": "integer"}, 7.0) == []
    assert messages({"type": "integer"}, 7.5) == ["must be of type integer, not number"]
    assert messages({"type": "integer"}, True) == ["must be of type integer, not boolean"]


def test_numbers_strings_and_enums() -> None:
    assert messages({"minimum": 1, "maximum": 3}, 0) == ["must be at least 1"]
    assert messages({"minimum": 1, "maximum": 3}, 4) == ["must be at most 3"]
    assert messages({"minLength": 2, "maxLength": 3}, "é") == ["must be at least 2 character(s) long"]
    assert messages({"maxLength": 3}, "abcd") == ["must be at most 3 character(s) long"]
    assert messages({"enum": ["a", 1]}, "a") == []
    assert messages({"enum": [1]}, True) == ["must be one of [1]"]  # true is not 1 in JSON


def test_patterns_follow_ecma_262() -> None:
    replicas = {"pattern": "^[1-9][0-9]{0,8}$"}
    assert messages(replicas, "30") == []
    assert messages(replicas, "3\n") == ["must match the pattern ^[1-9][0-9]{0,8}$"]  # Python's $ would pass
    assert messages({"pattern": r"^\d$"}, "\u0663") != []  # an Arabic-Indic digit is not \d in ECMA
    assert messages({"pattern": "b"}, "abc") == []  # searched, not anchored
    assert messages({"pattern": "^a[$]$"}, "a$") == []  # a $ in a class is a character
    assert messages({"pattern": r"^a\$$"}, "a$") == []  # so is an escaped one
    assert ecma_pattern("x$").pattern == r"x\Z"


def test_objects() -> None:
    schema = {
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"type": "string"}},
        "additionalProperties": False,
    }
    assert messages(schema, {"a": "x"}) == []
    assert messages(schema, {}) == ["lacks the required property 'a'"]
    assert messages(schema, {"a": "x", "b": 1}) == ["has the property 'b', which is not allowed here"]
    assert messages(schema, {"a": 1}) == ["a must be of type string, not integer"]
    open_schema = {"type": "object", "additionalProperties": {"type": "integer"}}
    assert messages(open_schema, {"n": "x"}) == ["n must be of type integer, not string"]
    assert messages({"type": "object"}, {"anything": [1]}) == []


def test_arrays_and_paths() -> None:
    schema = {
        "type": "array",
        "items": {"type": "object", "properties": {"k": {"type": "array", "items": {"type": "string"}}}},
    }
    assert messages(schema, [{"k": ["a", 1]}]) == ["[0].k[1] must be of type string, not integer"]
    assert validate(schema, [{"k": [1]}])[0].path == (0, "k", 0)


def test_boolean_schemas() -> None:
    assert messages(True, object()) == []
    assert messages({"properties": {"x": False}}, {"x": 1}) == ["x is not allowed"]


def test_one_of_names_each_form_and_why() -> None:
    root = {
        "A": {"title": "A", "type": "object", "required": ["a"]},
        "B": {"type": "object", "required": ["b"]},
    }
    schema = {"oneOf": [{"$ref": "#/A"}, {"$ref": "#/B"}]}
    assert messages(schema, {"a": 1}, root) == []
    [none] = messages(schema, {}, root)
    assert none == (
        "matches none of the allowed forms (as A: lacks the required property 'a'; "
        "as B: lacks the required property 'b')"
    )
    assert messages(schema, {"a": 1, "b": 2}, root) == ["matches more than one of the forms A, B"]
    assert messages({"oneOf": [{"type": "string"}, {"minLength": 1}]}, "") == []


def test_json_content_is_decoded_and_checked() -> None:
    schema = {"type": "string", "contentMediaType": "application/json", "contentSchema": {"type": "array"}}
    assert messages(schema, "[1]") == []
    assert messages(schema, "{}") == ["must be of type array, not object"]
    assert messages(schema, "[1") == ["is not valid JSON at character 2"]
    assert messages({"type": "string", "contentMediaType": "application/json"}, "null") == []


def test_messages_never_hold_the_value() -> None:
    schema = {"type": "object", "properties": {"v": {"type": "integer"}}, "required": ["w"]}
    for error in validate(schema, {"v": "CANARY-PRIVATE"}):
        assert "CANARY" not in str(error)
    assert SchemaError((), "x").location == ""


def test_the_schema_doctests() -> None:
    results = doctest.testmod(schema_module)
    assert results.attempted > 0 and results.failed == 0


# --- agreement with jsonschema --------------------------------------------------------------------

KEYS = ["name", "value", "valueFrom", "configMapRef", "configMapId", "key", "extra"]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-2, 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=3)
)
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


def jsonschema_errors(spec: dict[str, Any], name: str, instance: Any) -> bool:
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    )
    return not validator.is_valid(instance)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["CommandArgs", "Envs", "Env", "ValueEnv", "ConfigMapEnv"]),
    instance=json_values
    | st.lists(valid_env, max_size=3)
    | valid_env
    | st.lists(st.text(max_size=2), max_size=3),
)
def test_content_schemas_agree_with_jsonschema(spec: dict[str, Any], name: str, instance: Any) -> None:
    ours = validate({"$ref": f"#/components/schemas/{name}"}, instance, root=spec)
    assert bool(ours) == jsonschema_errors(spec, name, instance), ours


def portable(text: str) -> bool:
    """Strings on which ECMA-262 and Python's re (as jsonschema uses it) agree."""
    return text.isascii() and not text.endswith("\n")


@pytest.mark.soak
@settings(max_examples=size(100, 300), deadline=None)
@given(data=st.data(), parameter=st.sampled_from(["AppId", "Time", "Replicas", "EventId"]))
def test_parameter_schemas_agree_with_jsonschema(
    spec: dict[str, Any], data: st.DataObject, parameter: str
) -> None:
    [raw] = [p for p in spec["paths"][PATH]["get"]["parameters"] if p["name"] == parameter]
    schema = raw["schema"]
    candidates = st.text(alphabet=string.printable, max_size=25)
    if "pattern" in schema:
        candidates |= st.from_regex(schema["pattern"])
    value = data.draw(candidates.filter(portable))
    ours = validate(schema, value, root=spec)
    theirs = not jsonschema.Draft202012Validator(schema).is_valid(value)
    assert bool(ours) == theirs, (value, ours)


def test_check_query_refuses_before_deciding_anything() -> None:
    op = load_spec().operation("ExecJob")
    assert op.check_query([("AppId", "a"), ("Other", "x")]) == {"AppId": "a"}
    with pytest.raises(ParameterError) as caught:
        op.check_query([("Replicas", "1")])
    assert (caught.value.code, caught.value.message) == (
        "MissingAppId",
        "AppId is mandatory for this action.",
    )
    with pytest.raises(ParameterError, match="CommandArgs is invalid: it is not valid JSON"):
        op.check_query([("AppId", "a"), ("CommandArgs", "x")])
    assert json.loads(op.check_query([("AppId", "a"), ("Envs", "[]")])["Envs"]) == []
