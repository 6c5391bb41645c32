"""Every query parameter of every operation in the spec is either reachable through the client's
keyword arguments (``<Action>Arguments`` in ``src/sae_job/arguments.py``, plus the positional ones)
or listed in :data:`NOT_EXPOSED` with a reason; ExecJob's exposed ones each have a CLI flag."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from sae_job import arguments
from sae_job.operations import OPERATIONS

SPEC = Path(__file__).parent.parent / "openapi" / "sae-job.yaml"

# Parameters the client fills itself or takes positionally, by operation: keyword -> how it is given.
GIVEN_OTHERWISE: dict[str, dict[str, str]] = {
    "ExecJob": {"AppId": "positional app_id"},
    "DescribeJobStatus": {"AppId": "positional app_id"},
    "DescribeJob": {"AppId": "positional app_id"},
    "DescribeJobHistory": {"AppId": "positional app_id", "CurrentPage": "set by the pager"},
    "ListJobs": {
        "CurrentPage": "set by the pager",
        "FieldType": "set to appName when name= is given",
        "FieldValue": "the name= keyword",
        "Workload": "always job: only job templates are listed",
    },
}

# Spec parameters deliberately not exposed, each with the reason.
NOT_EXPOSED: dict[str, dict[str, str]] = {
    "ListJobs": {
        "AppName": "superseded by FieldType=appName/FieldValue, which name= uses",
        "OrderBy": "the pager keeps the service's order; find_template needs no other",
        "Reverse": "as OrderBy",
        "Tags": "no filter by tag yet: the client's templates are found by name",
    },
}

# Keywords whose wire name is not their UpperCamelCase form (arguments._wire_name).
WIRE_NAME: dict[str, str] = {"args": "CommandArgs"}

# ExecJob keywords with no CLI flag of the same name, and how the CLI gives them instead.
CLI_OTHERWISE: dict[str, str] = {
    "command": "the words after --",
    "args": "the words after --",
    "envs": "--env, --env-from-configmap, --env-all-from-configmap",
    "time": "--at",
}


def _spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def _query_parameters(spec: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            names = found.setdefault(operation["operationId"], set())
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                if "$ref" in parameter:
                    ref = parameter["$ref"].rsplit("/", 1)[-1]
                    parameter = spec["components"]["parameters"][ref]
                if parameter.get("in") == "query":
                    names.add(parameter["name"])
    return found


def _keywords(action: str) -> frozenset[str]:
    (operation,) = (op for op in OPERATIONS if op.action == action)
    declaration = getattr(arguments, operation.arguments)
    keys: frozenset[str] = declaration.__optional_keys__ | declaration.__required_keys__
    return keys


def _wire(keyword: str) -> str:
    return WIRE_NAME.get(keyword) or arguments._wire_name(keyword)


def _gaps(spec: dict[str, Any]) -> list[str]:
    gaps = []
    for action, names in sorted(_query_parameters(spec).items()):
        if action not in {op.action for op in OPERATIONS}:
            gaps.append(f"{action}: in the spec but not in OPERATIONS")
            continue
        exposed = {_wire(keyword) for keyword in _keywords(action)}
        accounted = exposed | GIVEN_OTHERWISE.get(action, {}).keys() | NOT_EXPOSED.get(action, {}).keys()
        gaps += [f"{action}.{name}: neither exposed nor in NOT_EXPOSED" for name in sorted(names - accounted)]
    return gaps


def test_every_spec_parameter_is_exposed_or_listed_as_not_exposed() -> None:
    assert _gaps(_spec()) == []


def test_every_listed_exception_is_a_spec_parameter_and_not_also_exposed() -> None:
    parameters = _query_parameters(_spec())
    for table in (GIVEN_OTHERWISE, NOT_EXPOSED):
        for action, entries in table.items():
            assert entries.keys() <= parameters[action], action
            assert all(reason.strip() for reason in entries.values())
            assert not entries.keys() & {_wire(keyword) for keyword in _keywords(action)}


def test_every_keyword_names_a_spec_parameter() -> None:
    parameters = _query_parameters(_spec())
    renamed = {"ListJobs": {"name": "FieldValue"}}  # name= sets FieldType and FieldValue
    for operation in OPERATIONS:
        for keyword in _keywords(operation.action):
            wire = renamed.get(operation.action, {}).get(keyword) or _wire(keyword)
            assert wire in parameters[operation.action], f"{operation.action}: {keyword}"


@pytest.mark.parametrize(
    ("action", "added"),
    [("ExecJob", "NewOption"), ("ListJobs", "Tags2"), ("DescribeJobStatus", "Verbose")],
)
def test_a_parameter_added_to_the_spec_only_is_caught(action: str, added: str) -> None:
    spec = copy.deepcopy(_spec())
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == action:
                operation.setdefault("parameters", []).append(
                    {"name": added, "in": "query", "schema": {"type": "string"}}
                )
    assert _gaps(spec) == [f"{action}.{added}: neither exposed nor in NOT_EXPOSED"]


def test_every_exec_job_keyword_has_a_cli_flag_or_a_listed_way() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "sae_job.cli", "exec", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "200", "PATH": ""},
    ).stdout
    missing = [
        keyword
        for keyword in sorted(arguments.EXEC_JOB_ARGUMENTS - CLI_OTHERWISE.keys())
        if f"--{keyword.replace('_', '-')}" not in shown
    ]
    assert missing == []
    assert CLI_OTHERWISE.keys() <= arguments.EXEC_JOB_ARGUMENTS
