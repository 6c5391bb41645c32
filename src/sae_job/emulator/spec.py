"""The ExecJob contract as the emulator enforces it: ``openapi/sae-job.yaml``, loaded, not re-typed.

``make generate`` writes the spec as JSON into the ``sae_job_api`` package (``openapi.json``); it is read
from there with ``importlib.resources``, so an installed emulator enforces the spec it was built from.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sae_job.emulator.schema import UnsupportedSchema, check_supported, validate

__all__ = ["Operation", "Parameter", "ParameterError", "Spec", "load_spec"]


class ParameterError(Exception):
    """A request's query breaks the spec: ``code`` (``Missing<Name>`` or ``InvalidParameter``) and a
    ``message`` naming the parameter, as the gateway answers them."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Parameter:
    """One query parameter of an operation, with its schema (``$ref`` pointers resolve in the spec)."""

    name: str
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec: where it is served and the query parameters it takes."""

    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    document: Mapping[str, Any]

    def check_query(self, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
        """The decoded query as ``{name: value}``, once it conforms to the spec.

        Parameters the spec does not name are left out (the gateway ignores them). Raises
        :class:`ParameterError`: ``Missing<Name>`` for an absent required parameter,
        ``InvalidParameter`` for a value its schema refuses (a JSON parameter is decoded and checked
        against its ``contentSchema``) or for a parameter given twice.
        """
        given: dict[str, str] = {}
        known = {p.name for p in self.parameters}
        for name, value in pairs:
            if name in known and name in given:
                raise ParameterError("InvalidParameter", f"The parameter {name} is given more than once.")
            given[name] = value
        for parameter in self.parameters:
            if parameter.name not in given:
                if parameter.required:
                    raise ParameterError(
                        f"Missing{parameter.name}",
                        f"{parameter.name} is mandatory for this action.",
                    )
                continue
            errors = validate(parameter.schema, given[parameter.name], root=self.document)
            if errors:
                reasons = "; ".join(str(e) if e.path else f"it {e.message}" for e in errors)
                raise ParameterError(
                    "InvalidParameter",
                    f"The parameter {parameter.name} is invalid: {reasons}.",
                )
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
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)

    def route(self, path: str) -> list[Operation]:
        """The operations served at ``path`` (decoded), any method."""
        return [op for op in self.operations if op.path == path]


def _parameters(node: Mapping[str, Any], document: Mapping[str, Any]) -> tuple[Parameter, ...]:
    out = []
    for raw in node.get("parameters", []):
        if raw.get("in") != "query" or "$ref" in raw:
            raise UnsupportedSchema(f"only inline query parameters are supported, not {raw!r}")
        schema = raw.get("schema", {})
        check_supported(schema, root=document)
        out.append(Parameter(str(raw["name"]), bool(raw.get("required", False)), schema))
    return tuple(out)


def parse_spec(document: Mapping[str, Any]) -> Spec:
    """A :class:`Spec` from an OpenAPI document already parsed.

    Raises :class:`~sae_job.emulator.schema.UnsupportedSchema` when a parameter uses what the
    emulator's validator does not implement, so such a spec fails at start.
    """
    operations = []
    for path, item in document.get("paths", {}).items():
        for method, node in item.items():
            if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                operations.append(
                    Operation(
                        str(node["operationId"]),
                        method.upper(),
                        str(path),
                        _parameters(node, document),
                        document,
                    )
                )
    return Spec(document, tuple(operations))


@lru_cache(maxsize=1)
def load_spec() -> Spec:
    """The spec shipped in the installed ``sae_job_api`` package (its ``openapi.json``)."""
    text = resources.files("sae_job_api").joinpath("openapi.json").read_text(encoding="utf-8")
    return parse_spec(json.loads(text))
