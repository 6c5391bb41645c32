"""A small validator for the subset of JSON Schema (2020-12) that the ExecJob spec uses.

The emulator enforces ``openapi/sae-job.yaml`` at run time without a runtime dependency, so it carries
this validator instead of ``jsonschema``. It refuses, with :class:`UnsupportedSchema`, any keyword it
does not implement rather than ignoring it: a spec that grows a new keyword fails loudly (and a test
walks the spec for that, too).

Where JSON Schema's meaning differs from Python's, the validator follows JSON Schema:

- ``pattern`` is an ECMA-262 regular expression, searched, not matched: ``\\d`` is ASCII only and
  ``$`` matches only at the very end (Python's ``$`` also matches before a final newline).
- ``integer`` accepts a float with no fractional part (``1.0``), never a bool.
- ``contentMediaType: application/json`` with ``contentSchema`` decodes the string and validates the
  decoded value (2020-12 leaves this to the application; the emulator is that application).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = [
    "ANNOTATIONS",
    "ASSERTIONS",
    "SchemaError",
    "UnsupportedSchema",
    "check_supported",
    "ecma_pattern",
    "validate",
]

#: Keywords the validator checks.
ASSERTIONS = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "oneOf",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "contentMediaType",
        "contentSchema",
    }
)
#: Keywords that say nothing about validity and are skipped.
ANNOTATIONS = frozenset({"title", "description", "example", "examples", "default", "deprecated", "$comment"})

# ECMA-262 and Python disagree on these; the spec uses none of them, so refuse rather than guess.
_UNPORTABLE_REGEX = re.compile(r"\\[sSbBpPuUcxk]|\(\?<|\(\?[a-zA-Z]")
_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "boolean": bool,
    "array": list,
    "object": dict,
}


class UnsupportedSchema(ValueError):
    """The schema uses a keyword or a construct this validator does not implement."""


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One way an instance breaks its schema: where (``path``, keys and indexes) and why."""

    path: tuple[str | int, ...]
    message: str

    @property
    def location(self) -> str:
        """The path as ``[0].valueFrom.configMapRef``; empty for the value itself."""
        text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in self.path)
        return text.removeprefix(".")

    def __str__(self) -> str:
        return f"{self.location} {self.message}" if self.path else self.message


@lru_cache(maxsize=64)
def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """A Python regex that behaves like ECMA-262's ``pattern`` when searched.

    Raises :class:`UnsupportedSchema` for constructs whose meaning differs between the two.

    >>> bool(ecma_pattern(r"^[1-9][0-9]{0,8}$").search("3\\n"))
    False
    >>> bool(ecma_pattern(r"^\\d$").search("\\u0663"))  # ARABIC-INDIC DIGIT THREE is no ECMA digit
    False
    """
    if _UNPORTABLE_REGEX.search(pattern):
        raise UnsupportedSchema(
            f"pattern {pattern!r} uses a construct that differs between ECMA-262 and Python"
        )
    out: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "$" and not in_class:
            out.append(r"\Z")  # end of input only, as ECMA's $ without the m flag
            continue
        out.append(char)
    try:
        return re.compile("".join(out), re.ASCII)
    except re.error as exc:
        raise UnsupportedSchema(f"pattern {pattern!r} does not compile: {exc}") from None


def _is_type(instance: object, name: str) -> bool:
    if name == "integer":
        if isinstance(instance, bool):
            return False
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    if name == "number":
        return (
            isinstance(instance, int | float) and not isinstance(instance, bool) and math.isfinite(instance)
        )
    if name == "null":
        return instance is None
    if name not in _TYPES:
        raise UnsupportedSchema(f"unknown type {name!r}")
    expected = _TYPES[name]
    return isinstance(instance, expected)


def _describe(instance: object) -> str:
    """The JSON type of ``instance``, for a message (never the value: it may be private)."""
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_type(instance, name):
            return name
    return type(instance).__name__


def _resolve(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    if not ref.startswith("#/"):
        raise UnsupportedSchema(f"only local references are supported, not {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            raise UnsupportedSchema(f"reference {ref!r} does not resolve")
        node = node[part]
    if not isinstance(node, Mapping):
        raise UnsupportedSchema(f"reference {ref!r} is not a schema")
    return node


def _name(schema: Mapping[str, Any], root: Mapping[str, Any], index: int) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    return str(schema.get("title", f"choice {index + 1}"))


def check_supported(schema: Mapping[str, Any] | bool, *, root: Mapping[str, Any] | None = None) -> None:
    """Walk ``schema`` (and what its ``$ref`` pointers reach) and raise :class:`UnsupportedSchema` at the
    first keyword, type, ``contentMediaType`` or pattern construct :func:`validate` does not implement.

    Run at load time, so an unsupported spec fails at start, not on the request that reaches it.
    """
    _check(schema, root if root is not None else _as_root(schema), set())


def _check(schema: Any, root: Mapping[str, Any], seen: set[str]) -> None:
    if isinstance(schema, bool):
        return
    if not isinstance(schema, Mapping):
        raise UnsupportedSchema(f"a schema must be an object or a boolean, not {type(schema).__name__}")
    unknown = set(schema) - ASSERTIONS - ANNOTATIONS
    if unknown:
        raise UnsupportedSchema(f"unsupported keyword(s): {', '.join(sorted(unknown))}")
    if "$ref" in schema and schema["$ref"] not in seen:
        seen.add(schema["$ref"])
        _check(_resolve(schema["$ref"], root), root, seen)
    names = schema.get("type", [])
    for name in names if isinstance(names, list) else [names]:
        _is_type(None, name)  # raises for an unknown type name
    if "pattern" in schema:
        ecma_pattern(schema["pattern"])
    if schema.get("contentMediaType", "application/json") != "application/json":
        raise UnsupportedSchema(f"contentMediaType {schema['contentMediaType']!r}")
    children = [*schema.get("properties", {}).values(), *schema.get("oneOf", [])]
    for key in ("items", "additionalProperties", "contentSchema"):
        if key in schema:
            children.append(schema[key])
    for child in children:
        _check(child, root, seen)


def validate(
    schema: Mapping[str, Any] | bool,
    instance: object,
    *,
    root: Mapping[str, Any] | None = None,
) -> list[SchemaError]:
    """Every way ``instance`` breaks ``schema``; an empty list when it conforms.

    ``root`` is the document that ``$ref`` pointers (``#/...``) resolve in; by default the schema
    itself. Raises :class:`UnsupportedSchema` when the schema uses a keyword this module does not
    implement, or a ``$ref`` that does not resolve. Messages name types and rules, never values.
    """
    errors: list[SchemaError] = []
    _validate(schema, instance, root if root is not None else _as_root(schema), (), errors)
    return errors


def _as_root(schema: Mapping[str, Any] | bool) -> Mapping[str, Any]:
    return schema if isinstance(schema, Mapping) else {}


def _validate(
    schema: Mapping[str, Any] | bool,
    instance: object,
    root: Mapping[str, Any],
    path: tuple[str | int, ...],
    errors: list[SchemaError],
) -> None:
    if schema is True:
        return
    if schema is False:
        errors.append(SchemaError(path, "is not allowed"))
        return
    unknown = set(schema) - ASSERTIONS - ANNOTATIONS
    if unknown:
        raise UnsupportedSchema(f"unsupported keyword(s): {', '.join(sorted(unknown))}")
    if "$ref" in schema:
        _validate(_resolve(schema["$ref"], root), instance, root, path, errors)

    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(instance, name) for name in names):
            errors.append(
                SchemaError(
                    path,
                    f"must be of type {' or '.join(names)}, not {_describe(instance)}",
                )
            )
            return  # the other keywords would only repeat the type error
    if "enum" in schema and not any(_equal(instance, option) for option in schema["enum"]):
        errors.append(SchemaError(path, f"must be one of {json.dumps(schema['enum'])}"))

    if isinstance(instance, str):
        _validate_string(schema, instance, root, path, errors)
    elif _is_type(instance, "number"):
        assert isinstance(instance, int | float)
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(SchemaError(path, f"must be at least {schema['minimum']}"))
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(SchemaError(path, f"must be at most {schema['maximum']}"))
    elif isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            _validate(schema["items"], item, root, (*path, index), errors)
    elif isinstance(instance, dict):
        _validate_object(schema, instance, root, path, errors)

    if "oneOf" in schema:
        _validate_one_of(schema["oneOf"], instance, root, path, errors)


def _validate_string(
    schema: Mapping[str, Any],
    instance: str,
    root: Mapping[str, Any],
    path: tuple[str | int, ...],
    errors: list[SchemaError],
) -> None:
    if "minLength" in schema and len(instance) < schema["minLength"]:
        errors.append(SchemaError(path, f"must be at least {schema['minLength']} character(s) long"))
    if "maxLength" in schema and len(instance) > schema["maxLength"]:
        errors.append(SchemaError(path, f"must be at most {schema['maxLength']} character(s) long"))
    if "pattern" in schema and not ecma_pattern(schema["pattern"]).search(instance):
        errors.append(SchemaError(path, f"must match the pattern {schema['pattern']}"))
    media_type = schema.get("contentMediaType")
    if media_type is not None and media_type != "application/json":
        raise UnsupportedSchema(f"contentMediaType {media_type!r} (only application/json is supported)")
    if media_type is not None:
        try:
            decoded = json.loads(instance)
        except ValueError as exc:
            where = f" at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
            errors.append(SchemaError(path, f"is not valid JSON{where}"))
            return
        if "contentSchema" in schema:
            _validate(schema["contentSchema"], decoded, root, path, errors)


def _validate_object(
    schema: Mapping[str, Any],
    instance: dict[Any, Any],
    root: Mapping[str, Any],
    path: tuple[str | int, ...],
    errors: list[SchemaError],
) -> None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in instance:
            errors.append(SchemaError(path, f"lacks the required property {name!r}"))
    for name, value in instance.items():
        if name in properties:
            _validate(properties[name], value, root, (*path, name), errors)
        elif "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            if extra is False:
                errors.append(SchemaError(path, f"has the property {name!r}, which is not allowed here"))
            else:
                _validate(extra, value, root, (*path, name), errors)


def _validate_one_of(
    choices: list[Any],
    instance: object,
    root: Mapping[str, Any],
    path: tuple[str | int, ...],
    errors: list[SchemaError],
) -> None:
    reasons: list[str] = []
    matched: list[str] = []
    for index, choice in enumerate(choices):
        found: list[SchemaError] = []
        _validate(choice, instance, root, path, found)
        name = _name(choice, root, index) if isinstance(choice, Mapping) else f"choice {index + 1}"
        if found:
            reasons.append(f"as {name}: " + "; ".join(_relative(e, path) for e in found))
        else:
            matched.append(name)
    if not matched:
        errors.append(SchemaError(path, "matches none of the allowed forms (" + "; ".join(reasons) + ")"))
    elif len(matched) > 1:
        errors.append(SchemaError(path, f"matches more than one of the forms {', '.join(matched)}"))


def _relative(error: SchemaError, base: tuple[str | int, ...]) -> str:
    return str(SchemaError(error.path[len(base) :], error.message))


def _equal(a: object, b: object) -> bool:
    # JSON equality: true is not 1, unlike Python's.
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b
