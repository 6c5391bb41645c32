"""The SAE operations this package calls: one entry each, the one place that names them.

Adding an operation: describe it in ``openapi/sae-job.yaml``, run ``make generate``, add its entry to
:data:`OPERATIONS`, then add the public methods that call it. The signers take ``x-acs-action`` and
``x-acs-version`` from here by the request's path; the client takes the generated module from here.
"""

from __future__ import annotations

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


EXEC_JOB = Operation(
    action="ExecJob",
    version=API_VERSION,
    method="GET",
    path="/pop/v1/sam/job/execJob",
    module="sae_job_api.api.default.exec_job",
    arguments="ExecJobArguments",
)

DESCRIBE_JOB_STATUS = Operation(
    action="DescribeJobStatus",
    version=API_VERSION,
    method="GET",
    path="/pop/v1/sam/job/describeJobStatus",
    module="sae_job_api.api.default.describe_job_status",
    arguments="DescribeJobStatusArguments",
)

DESCRIBE_JOB_HISTORY = Operation(
    action="DescribeJobHistory",
    version=API_VERSION,
    method="GET",
    path="/pop/v1/sam/job/describeJobHistory",
    module="sae_job_api.api.default.describe_job_history",
    arguments="DescribeJobHistoryArguments",
)

LIST_JOBS = Operation(
    action="ListJobs",
    version=API_VERSION,
    method="GET",
    path="/pop/v1/sam/job/listJobs",
    module="sae_job_api.api.default.list_jobs",
    arguments="ListJobsArguments",
)

OPERATIONS: tuple[Operation, ...] = (EXEC_JOB, DESCRIBE_JOB_STATUS, DESCRIBE_JOB_HISTORY, LIST_JOBS)

_BY_PATH = {operation.path: operation for operation in OPERATIONS}


def operation_for_path(path: str) -> Operation | None:
    """The operation a request to ``path`` calls, or None when no operation has that path."""
    return _BY_PATH.get(path)
