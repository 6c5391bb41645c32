"""The SAE operations this package calls: one entry each, the one place that names them.

Adding an operation: describe it in ``openapi/sae-job.yaml``, run ``make generate``, add its entry to
:data:`OPERATIONS`, then add the public methods that call it. The signers take ``x-acs-action`` and
``x-acs-version`` from here by the request's path; the client takes the generated module from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "API_VERSION",
    "DESCRIBE_JOB_HISTORY",
    "DESCRIBE_JOB_STATUS",
    "EXEC_JOB",
    "LIST_JOBS",
    "OPERATIONS",
    "Operation",
    "operation_for_path",
]

API_VERSION = "2019-05-06"


@dataclass(frozen=True, slots=True)
class Operation:
    """One SAE API operation, as the gateway routes and signs it."""

    action: str
    """The ``x-acs-action`` header, and the spec's ``operationId``: ``ExecJob``."""
    version: str
    """The ``x-acs-version`` header: ``2019-05-06``."""
    method: str
    path: str
    """The ROA path the request goes to, ``/pop/v1/sam/job/execJob``."""
    module: str
    """The generated module that builds the request and parses the answer (imported when first used)."""
    arguments: str
    """The name of the ``TypedDict`` in :mod:`sae_job.arguments` that declares its keyword arguments."""


def _job_operation(action: str) -> Operation:
    """A job operation as SAE routes it: ROA, ``GET /pop/v1/sam/job/<action in lowerCamelCase>``, its
    generated module named after the action in snake_case (as openapi-python-client names it), its
    arguments declared by ``<action>Arguments``. ``tests/test_operations.py`` checks each against the
    generated module."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()
    path = f"/pop/v1/sam/job/{action[0].lower()}{action[1:]}"
    return Operation(
        action, API_VERSION, "GET", path, f"sae_job_api.api.default.{snake}", f"{action}Arguments"
    )


EXEC_JOB = _job_operation("ExecJob")
DESCRIBE_JOB_STATUS = _job_operation("DescribeJobStatus")
DESCRIBE_JOB_HISTORY = _job_operation("DescribeJobHistory")
LIST_JOBS = _job_operation("ListJobs")

OPERATIONS: tuple[Operation, ...] = (EXEC_JOB, DESCRIBE_JOB_STATUS, DESCRIBE_JOB_HISTORY, LIST_JOBS)

_BY_PATH = {operation.path: operation for operation in OPERATIONS}


def operation_for_path(path: str) -> Operation | None:
    """The operation a request to ``path`` calls, or None when no operation has that path."""
    return _BY_PATH.get(path)
