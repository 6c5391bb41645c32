"""The one seam to the generated ``sae_job_api``'s private names, ``_get_kwargs`` (the request's wire
names) and ``_parse_response`` (the answer as the spec's models); ``tests/test_generated_client.py``
pins :data:`PRIVATE_NAMES`."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import httpx

from sae_job.operations import Operation
from sae_job_api import Client

__all__ = ["PRIVATE_NAMES", "parse_answer", "request_parameters"]

PRIVATE_NAMES = ("_get_kwargs", "_parse_response")

# The generated parser reads only raise_on_unexpected_status from its client.
_PARSER = Client(base_url="http://parser.invalid", raise_on_unexpected_status=False)


def _module(operation: Operation) -> ModuleType:
    return importlib.import_module(operation.module)


def request_parameters(operation: Operation, wire: Mapping[str, object]) -> dict[str, str]:
    """The query parameters under their wire names (``AppId``, ``Envs``, …) for ``wire``, which is keyed
    by the generated function's argument names (``app_id``, ``envs``, …)."""
    kwargs: dict[str, Any] = _module(operation)._get_kwargs(**wire)
    return {name: _query_text(value) for name, value in kwargs["params"].items()}


def _query_text(value: object) -> str:
    # as httpx writes a query value: booleans in lower case
    return "true" if value is True else "false" if value is False else str(value)


def parse_answer(operation: Operation, response: httpx.Response) -> Any:
    """The answer as the spec's model for its status (the operation's result, or ``Error``); None when
    the body is not JSON of the spec's shape, or the status is one the spec does not declare."""
    try:
        return _module(operation)._parse_response(client=_PARSER, response=response)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
