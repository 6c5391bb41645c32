"""The names users import from sae_job: all there, all lazy."""

from __future__ import annotations

import subprocess
import sys

import sae_job


def test_every_exported_name_resolves() -> None:
    assert set(sae_job.__all__) == set(sae_job._EXPORTS) | {"__version__"}
    for name in sae_job.__all__:
        assert getattr(sae_job, name) is not None, name


def test_importing_the_package_loads_no_http_stack() -> None:
    heavy = "('httpx', 'asyncio', 'sae_job.client')"
    probe = f"import sys, sae_job; print(sorted(m for m in {heavy} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_type_checkers_see_every_lazy_name_from_its_module() -> None:
    # The `if TYPE_CHECKING:` imports in sae_job/__init__.py are what mypy and editors see of the lazy names.
    import ast
    from pathlib import Path

    tree = ast.parse(Path(sae_job.__file__).read_text(encoding="utf-8"))
    (block,) = [n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    seen = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    lazy = {name: module for name, module in sae_job._EXPORTS.items() if module != "sae_job.errors"}
    assert seen == lazy
