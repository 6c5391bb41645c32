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

from sae_job import errors as _errors
from sae_job.errors import *  # noqa: F403  (the error classes are small: they load with the package)

__version__ = "0.1.0"

if TYPE_CHECKING:  # the names imported on first use, for type checkers
    from sae_job.arguments import ArgumentError as ArgumentError
    from sae_job.arguments import ArgumentTypeError as ArgumentTypeError
    from sae_job.arguments import ConfigMapEnv as ConfigMapEnv
    from sae_job.arguments import Env as Env
    from sae_job.arguments import ExecJobArguments as ExecJobArguments
    from sae_job.arguments import JobRequest as JobRequest
    from sae_job.client import AsyncSaeJobClient as AsyncSaeJobClient
    from sae_job.client import ClientSettings as ClientSettings
    from sae_job.client import DryRun as DryRun
    from sae_job.client import JobOutcome as JobOutcome
    from sae_job.client import SaeJobClient as SaeJobClient
    from sae_job.credentials import Credentials as Credentials
    from sae_job.credentials import CredentialsProvider as CredentialsProvider
    from sae_job.credentials import default_credentials as default_credentials
    from sae_job.models import JobState as JobState
    from sae_job.models import JobStatus as JobStatus
    from sae_job.models import JobTemplate as JobTemplate
    from sae_job.models import Launch as Launch
    from sae_job.retries import RetryPolicy as RetryPolicy
    from sae_job.settings import TemplateSettings as TemplateSettings
    from sae_job.signing import AcsV3Auth as AcsV3Auth
    from sae_job.signing import RoaV2Auth as RoaV2Auth
    from sae_job.waiting import WaitPolicy as WaitPolicy

_EXPORTS = {
    name: module
    for module, names in {
        "sae_job.arguments": "ArgumentError ArgumentTypeError ConfigMapEnv Env ExecJobArguments JobRequest",
        "sae_job.client": "AsyncSaeJobClient ClientSettings DryRun JobOutcome SaeJobClient",
        "sae_job.credentials": "Credentials CredentialsProvider default_credentials",
        "sae_job.models": "JobState JobStatus JobTemplate Launch",
        "sae_job.settings": "TemplateSettings",
        "sae_job.retries": "RetryPolicy",
        "sae_job.signing": "AcsV3Auth RoaV2Auth",
        "sae_job.waiting": "WaitPolicy",
    }.items()
    for name in names.split()
} | dict.fromkeys(_errors.__all__, "sae_job.errors")
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sae_job' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
