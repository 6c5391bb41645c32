"""The table of operations and the one seam to the generated package."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import sae_job
from sae_job import arguments
from sae_job.generated_api import PRIVATE_NAMES
from sae_job.operations import OPERATIONS, operation_for_path

SRC = Path(sae_job.__file__).parent


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.action)
def test_every_operation_has_its_generated_module_with_the_private_names_the_seam_uses(
    operation: object,
) -> None:
    module = importlib.import_module(operation.module)  # type: ignore[attr-defined]
    for name in PRIVATE_NAMES:
        assert callable(getattr(module, name, None)), (
            f"{operation.module}.{name} moved: update generated_api.py"
        )  # type: ignore[attr-defined]
    required = {
        name: "a"
        for name, parameter in inspect.signature(module._get_kwargs).parameters.items()
        if parameter.default is inspect.Parameter.empty
    }  # AppId for the job operations; nothing for ListJobs
    assert module._get_kwargs(**required)["url"] == operation.path  # type: ignore[attr-defined]
    assert module._get_kwargs(**required)["method"].upper() == operation.method  # type: ignore[attr-defined]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.action)
def test_every_operation_names_its_argument_declaration_and_is_found_by_its_path(operation: object) -> None:
    assert isinstance(getattr(arguments, operation.arguments), type)  # type: ignore[attr-defined]
    assert operation_for_path(operation.path) is operation  # type: ignore[attr-defined]
    assert operation.version == "2019-05-06"  # type: ignore[attr-defined]


def test_only_the_seam_touches_private_names_of_the_generated_package() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "generated_api.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE_NAMES:
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sae_job_api"):
                offenders += [
                    f"{path.relative_to(SRC)}:{node.lineno} {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    assert offenders == []


def _runtime_imports(tree: ast.AST) -> set[str]:
    """``sae_job.*`` modules imported when the module runs (``if TYPE_CHECKING:`` blocks left out)."""
    found: set[str] = set()
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            pending += node.orelse
            continue
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").startswith("sae_job.")
        ):
            found.add(node.module or "")
        pending += ast.iter_child_nodes(node)
    return found


def test_no_import_cycle_in_the_package() -> None:
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        name = ".".join(("sae_job", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
        graph[name] = _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))) - {name}
    done: set[str] = set()

    def visit(node: str, trail: tuple[str, ...]) -> None:
        assert node not in trail, " -> ".join((*trail, node))
        if node in done:
            return
        for after in graph.get(node, ()):
            visit(after, (*trail, node))
        done.add(node)

    for start in graph:
        visit(start, ())
