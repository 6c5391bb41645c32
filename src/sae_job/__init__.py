"""sae-job: start jobs on Alibaba Cloud Serverless App Engine (SAE) through its ExecJob API.

    from sae_job import SaeJobClient
    with SaeJobClient(region="cn-hangzhou") as client:
        launch = client.exec_job("ee1a7a07-…", command=["echo", "abc"], envs={"STAGE": "prod"})
    print(launch.job_id)

Names are imported on first use, so `import sae_job` (and the `sae-job` command's start) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Where each public name lives; the TYPE_CHECKING block below names them again for type checkers.
_MODULES = {
    "sae_job.answers": ("Launch",),
    "sae_job.arguments": ("ConfigMapEnv", "Env", "ExecJobArguments", "JobRequest"),
    "sae_job.attempts": ("RetryPolicy",),
    "sae_job.client": ("AsyncSaeJobClient", "ClientSettings", "DryRun", "JobOutcome", "SaeJobClient"),
    "sae_job.credentials": ("Credentials", "CredentialsProvider", "default_credentials"),
    "sae_job.jobs": ("JobState", "JobStatus", "WaitPolicy"),
    "sae_job.signing": ("AcsV3Auth", "RoaV2Auth"),
    "sae_job.templates": ("JobTemplate",),
    "sae_job.errors": (
        "AmbiguousTemplateError",
        "ApplicationNotFoundError",
        "AuthenticationError",
        "CredentialsError",
        "CredentialsNotFoundError",
        "InvalidParameterError",
        "JobFailedError",
        "JobForbidPolicyError",
        "JobRefusedError",
        "JobSuspendError",
        "SaeError",
        "SaeJobError",
        "ServerError",
        "TemplateNotFoundError",
        "ThrottlingError",
        "TransportError",
        "UnexpectedResponseError",
        "UserInDebtError",
        "WaitTimeoutError",
    ),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "AcsV3Auth",
    "AmbiguousTemplateError",
    "ApplicationNotFoundError",
    "AsyncSaeJobClient",
    "AuthenticationError",
    "ClientSettings",
    "ConfigMapEnv",
    "Credentials",
    "CredentialsError",
    "CredentialsNotFoundError",
    "CredentialsProvider",
    "DryRun",
    "Env",
    "ExecJobArguments",
    "InvalidParameterError",
    "JobFailedError",
    "JobForbidPolicyError",
    "JobOutcome",
    "JobRefusedError",
    "JobRequest",
    "JobState",
    "JobStatus",
    "JobSuspendError",
    "JobTemplate",
    "Launch",
    "RetryPolicy",
    "RoaV2Auth",
    "SaeError",
    "SaeJobClient",
    "SaeJobError",
    "ServerError",
    "TemplateNotFoundError",
    "ThrottlingError",
    "TransportError",
    "UnexpectedResponseError",
    "UserInDebtError",
    "WaitPolicy",
    "WaitTimeoutError",
    "__version__",
    "default_credentials",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sae_job' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from sae_job.answers import Launch
    from sae_job.arguments import ConfigMapEnv, Env, ExecJobArguments, JobRequest
    from sae_job.attempts import RetryPolicy
    from sae_job.client import AsyncSaeJobClient, ClientSettings, DryRun, JobOutcome, SaeJobClient
    from sae_job.credentials import Credentials, CredentialsProvider, default_credentials
    from sae_job.errors import (
        AmbiguousTemplateError,
        ApplicationNotFoundError,
        AuthenticationError,
        CredentialsError,
        CredentialsNotFoundError,
        InvalidParameterError,
        JobFailedError,
        JobForbidPolicyError,
        JobRefusedError,
        JobSuspendError,
        SaeError,
        SaeJobError,
        ServerError,
        TemplateNotFoundError,
        ThrottlingError,
        TransportError,
        UnexpectedResponseError,
        UserInDebtError,
        WaitTimeoutError,
    )
    from sae_job.jobs import JobState, JobStatus, WaitPolicy
    from sae_job.signing import AcsV3Auth, RoaV2Auth
    from sae_job.templates import JobTemplate
