"""The SAE operations this package calls, named once each. Adding one: describe it in
``openapi/sae-job.yaml``, ``make generate``, add its entry to :data:`OPERATIONS`, then its methods."""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "API_VERSION",
    "DESCRIBE_JOB",
    "DESCRIBE_JOB_HISTORY",
    "DESCRIBE_JOB_STATUS",
    "EXEC_JOB",
    "LIST_JOBS",
    "OPERATIONS",
    "Operation",
    "operation_for_path",
]

API_VERSION = "2019-05-06"


# A named tuple, not a frozen dataclass: 3.7 M instructions less at each start (bench/LIMITS.md).
class Operation(NamedTuple):
    """One SAE operation: ``action`` and ``version`` (its ``x-acs-*`` headers; ``action`` is the spec's
    operationId), ``method`` and ROA ``path``, the generated ``module`` (imported when first used) and
    the name of the ``TypedDict`` in :mod:`sae_job.arguments` declaring its ``arguments``."""

    action: str
    version: str
    method: str
    path: str
    module: str
    arguments: str


def _job_operation(action: str) -> Operation:
    # As SAE routes job operations (ROA GET /pop/v1/sam/job/<lowerCamelCase>) and as openapi-python-client
    # names their modules (snake_case); tests/test_operations.py checks each against the generated code.
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()
    path = f"/pop/v1/sam/job/{action[0].lower()}{action[1:]}"
    return Operation(
        action, API_VERSION, "GET", path, f"sae_job_api.api.default.{snake}", f"{action}Arguments"
    )


EXEC_JOB = _job_operation("ExecJob")
DESCRIBE_JOB_STATUS = _job_operation("DescribeJobStatus")
DESCRIBE_JOB_HISTORY = _job_operation("DescribeJobHistory")
LIST_JOBS = _job_operation("ListJobs")
DESCRIBE_JOB = _job_operation("DescribeJob")

OPERATIONS = (EXEC_JOB, DESCRIBE_JOB_STATUS, DESCRIBE_JOB_HISTORY, LIST_JOBS, DESCRIBE_JOB)

_BY_PATH = {operation.path: operation for operation in OPERATIONS}


def operation_for_path(path: str) -> Operation | None:
    """The operation a request to ``path`` calls, or None."""
    return _BY_PATH.get(path)
