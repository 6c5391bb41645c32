"""``openapi/sae-job.yaml`` (``sae_job_api``'s ``openapi.json``) enforced with ``jsonschema``, as the gateway:
``pattern`` is ECMA-262's and ``contentMediaType: application/json`` content is decoded and checked."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any, cast

import jsonschema
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match

# An escape or a character class, kept as it is; or a "$" outside both, which ECMA-262 reads as the end.
_ESCAPE_CLASS_OR_DOLLAR = re.compile(r"(\\.|\[(?:\\.|[^\]\\])*\])|\$")
_INTEGER = re.compile(r"-?[0-9]{1,18}", re.ASCII)


class ParameterError(Exception):
    """A request's query breaks the spec: ``code`` and ``message`` as the gateway answers them."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@lru_cache(maxsize=64)
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` as ECMA-262 reads it: ``$`` outside a class is the end of input, ``\\d`` is ASCII."""
    return re.compile(_ESCAPE_CLASS_OR_DOLLAR.sub(lambda m: m.group(1) or r"\Z", pattern), re.ASCII)


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield ValidationError(f"must match the pattern {pattern}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})  # type: ignore[no-untyped-call]


def _json_type(instance: object) -> str:
    if isinstance(instance, float):  # never "integer": a setting's integer must be an int
        return "number" if math.isfinite(instance) else str(instance)  # a TOML setting's nan or inf
    names = ("null", "boolean", "integer", "number", "string", "array", "object")
    return next((n for n in names if _Validator.TYPE_CHECKER.is_type(instance, n)), type(instance).__name__)


def _reason(error: ValidationError, relative: bool = False, within: tuple[str, ...] = ()) -> str:
    """What ``error`` says, in the gateway's words: where, then the rule broken; never the value."""
    keyword = str(error.validator)
    value, instance = cast(Any, error.validator_value), cast(Any, error.instance)
    if keyword == "type":
        names = [name for name in (value if isinstance(value, list) else [value]) if name != "null"]  # absent
        rule = f"must be of type {' or '.join(names)}, not {_json_type(instance)}"
    elif keyword == "required":
        rule = f"lacks the required property {next(n for n in value if n not in instance)!r}"
    elif keyword == "additionalProperties":
        allowed = cast(Mapping[str, Any], error.schema).get("properties", {})
        extra = sorted(set(instance) - set(allowed))
        rule = f"has the property {extra[0]!r}, which is not allowed here (allowed: {', '.join(allowed)})"
    elif keyword in ("minimum", "maximum", "minLength", "maxLength"):
        long = " character(s) long" if keyword.endswith("Length") else ""
        rule = f"must be at {'least' if keyword.startswith('min') else 'most'} {value}{long}"
    elif keyword == "enum":
        rule = f"must be one of {json.dumps(value)}"
    elif keyword == "oneOf" and error.context:
        forms: dict[int, list[str]] = {}
        for sub in error.context:
            forms.setdefault(int(sub.schema_path[0]), []).append(_reason(sub, relative=True))
        names = [str(form.get("$ref", "")).rsplit("/", 1)[-1] or form.get("title") for form in value]
        shown = [f"as {names[i] or f'choice {i + 1}'}: {'; '.join(reasons)}" for i, reasons in forms.items()]
        rule = "matches none of the allowed forms (" + "; ".join(shown) + ")"
    elif keyword == "oneOf":
        rule = "matches more than one of the allowed forms"
    else:
        rule = error.message if keyword == "pattern" else f"breaks the rule {keyword}"
    path = [*within, *(error.relative_path if relative else error.absolute_path)]
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).removeprefix(".")
    return f"{where} {rule}" if where else rule if relative else f"it {rule}"


def _strict_integer(checker: Any, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


def _finite_number(checker: Any, instance: object) -> bool:  # nan and inf would make a clock sum infinite
    return isinstance(instance, int | float) and not isinstance(instance, bool) and math.isfinite(instance)


_SETTING_TYPES = _Validator.TYPE_CHECKER.redefine_many({"integer": _strict_integer, "number": _finite_number})
#: Checks the emulator's own settings (a TOML file, a ``Template``, ``Faults``): stricter than JSON, an
#: integer is an ``int`` and a number finite.
SettingsValidator = validators.extend(_Validator, type_checker=_SETTING_TYPES)  # type: ignore[no-untyped-call]


def table_schema(required: Iterable[str] = (), **properties: object) -> dict[str, object]:
    """The JSON Schema of a settings table (an object) with these keys, no other."""
    closed = {"type": "object", "required": list(required), "additionalProperties": False}
    return {**closed, "properties": properties}


def settings_schema(settings: Any, required: Iterable[str] = ()) -> dict[str, object]:
    """The table schema of a settings dataclass: its fields, each by the schema in its ``metadata``."""
    return table_schema(required, **{f.name: dict(f.metadata) for f in fields(settings)})


def conform(validator: Any, instance: object, within: str = "") -> None:
    """``ValueError`` unless ``instance`` conforms: where (under ``within``), which rule, never the value."""
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise ValueError(_reason(error, within=(within,) if within else ()))


@dataclass(frozen=True, slots=True)
class Parameter:
    """One query parameter: its wire and Python names, validators of its value and JSON content, its type."""

    name: str
    python_name: str
    required: bool
    validator: Any
    content_validator: Any | None
    kind: str

    def decoded(self, value: str) -> Any:
        """The value as the service reads it: JSON decoded, an integer or boolean read (else as sent)."""
        if self.kind == "integer" and _INTEGER.fullmatch(value):
            return int(value)
        if self.kind == "boolean" and value in ("true", "false"):
            return value == "true"
        return json.loads(value) if self.content_validator is not None else value

    def reasons(self, value: str) -> list[str]:
        """Every way ``value`` breaks the spec; empty when it conforms."""
        read = self.kind in ("integer", "boolean")
        errors = list(self.validator.iter_errors(self.decoded(value) if read else value))
        if not errors and self.content_validator is not None:
            try:
                errors = list(self.content_validator.iter_errors(json.loads(value)))
            except ValueError as exc:
                where = f" at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
                return [f"it is not valid JSON{where}"]
        return [_reason(error) for error in errors]


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec: where it is served and the query parameters it takes."""

    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]

    def check_query(self, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
        """The query's parameters the spec names, by name; :class:`ParameterError` if it breaks the spec."""
        given: dict[str, str] = {}
        known = {p.name for p in self.parameters}
        for name, value in pairs:
            if name in known and name in given:
                raise ParameterError("InvalidParameter", f"The parameter {name} is given more than once.")
            given[name] = value
        for parameter in self.parameters:
            name = parameter.name
            if name not in given and parameter.required:
                raise ParameterError(f"Missing{name}", f"{name} is mandatory for this action.")
            if name in given and (reasons := "; ".join(parameter.reasons(given[name]))):
                raise ParameterError("InvalidParameter", f"The parameter {name} is invalid: {reasons}.")
        return {name: value for name, value in given.items() if name in known}


@dataclass(frozen=True, slots=True)
class Spec:
    """The loaded OpenAPI document and its operations."""

    document: Mapping[str, Any]
    operations: tuple[Operation, ...]

    @property
    def version(self) -> str:
        """The API version (``info.version``), which requests carry in ``x-acs-version``."""
        return str(self.document["info"]["version"])

    def operation(self, operation_id: str) -> Operation:
        """The operation named ``operation_id``; ``KeyError`` if the spec has none."""
        return {op.operation_id: op for op in self.operations}[operation_id]

    def route(self, method: str, path: str) -> Operation | None:
        """The operation served at ``method`` and ``path`` (decoded), or None."""
        return next((op for op in self.operations if (op.method, op.path) == (method, path)), None)


def python_name(name: str) -> str:
    """The generated client's name for a wire name: ``command_args`` of ``CommandArgs``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _parameter(raw: Mapping[str, Any], document: Mapping[str, Any]) -> Parameter:
    if raw.get("in") != "query" or "schema" not in raw:
        raise ValueError(f"the emulator reads query parameters with a schema, not {raw!r}")
    components = {"components": document.get("components", {})}  # where #/components/... resolve
    schema = raw["schema"]
    _Validator.check_schema(schema)
    content_type = schema.get("contentMediaType")  # a string if given: check_schema saw to it
    if content_type not in (None, "application/json"):
        raise ValueError(f"the emulator decodes JSON content only, not {content_type!r}")
    content = _Validator({**schema.get("contentSchema", {}), **components}) if content_type else None
    name = str(raw["name"])
    validator = _Validator({**schema, **components})
    kind = str(schema.get("type", "string"))
    return Parameter(name, python_name(name), bool(raw.get("required")), validator, content, kind)


def parse_spec(document: Mapping[str, Any]) -> Spec:
    """A :class:`Spec` of an OpenAPI document; ``ValueError`` for a parameter it cannot enforce."""
    operations = []
    for path, item in document.get("paths", {}).items():
        for method, node in item.items():
            if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                try:
                    parameters = tuple(_parameter(raw, document) for raw in node.get("parameters", []))
                except jsonschema.SchemaError as exc:
                    raise ValueError(f"{node['operationId']}: {exc.message}") from None
                operations.append(Operation(str(node["operationId"]), method.upper(), str(path), parameters))
    return Spec(document, tuple(operations))


@lru_cache(maxsize=1)
def load_spec() -> Spec:
    """The spec shipped in the installed ``sae_job_api`` package (its ``openapi.json``)."""
    text = resources.files("sae_job_api").joinpath("openapi.json").read_text(encoding="utf-8")
    return parse_spec(json.loads(text))
