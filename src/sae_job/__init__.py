"""sae-job: start jobs on Alibaba Cloud Serverless App Engine (SAE) through its ExecJob API.

from sae_job import SaeJobClient
with SaeJobClient(region="cn-hangzhou") as client:
    launch = client.exec_job("ee1a7a07-…", command=["echo", "abc"], envs={"STAGE": "prod"})
print(launch.job_id)
"""

__version__ = "0.1.0"

from sae_job.arguments import ConfigMapEnv, Env
from sae_job.client import AsyncSaeJobClient, Launch, RetryPolicy, SaeJobClient
from sae_job.credentials import Credentials, CredentialsProvider, default_credentials
from sae_job.errors import (
    ApplicationNotFoundError,
    AuthenticationError,
    CredentialsError,
    CredentialsNotFoundError,
    InvalidParameterError,
    JobForbidPolicyError,
    JobRefusedError,
    JobSuspendError,
    SaeError,
    SaeJobError,
    ServerError,
    ThrottlingError,
    TransportError,
    UnexpectedResponseError,
    UserInDebtError,
)

__all__ = [
    "ApplicationNotFoundError",
    "AsyncSaeJobClient",
    "AuthenticationError",
    "ConfigMapEnv",
    "Credentials",
    "CredentialsError",
    "CredentialsNotFoundError",
    "CredentialsProvider",
    "Env",
    "InvalidParameterError",
    "JobForbidPolicyError",
    "JobRefusedError",
    "JobSuspendError",
    "Launch",
    "RetryPolicy",
    "SaeError",
    "SaeJobClient",
    "SaeJobError",
    "ServerError",
    "ThrottlingError",
    "TransportError",
    "UnexpectedResponseError",
    "UserInDebtError",
    "__version__",
    "default_credentials",
]
