"""Contains all the data models used in inputs/outputs"""

from .config_map_env import ConfigMapEnv
from .config_map_env_value_from import ConfigMapEnvValueFrom
from .config_map_env_value_from_config_map_ref import ConfigMapEnvValueFromConfigMapRef
from .describe_job_history_response import DescribeJobHistoryResponse
from .describe_job_status_response import DescribeJobStatusResponse
from .error import Error
from .exec_job_response import ExecJobResponse
from .exec_job_result import ExecJobResult
from .job_history import JobHistory
from .job_status import JobStatus
from .job_template import JobTemplate
from .job_template_page import JobTemplatePage
from .job_template_tag import JobTemplateTag
from .list_jobs_response import ListJobsResponse
from .value_env import ValueEnv

__all__ = (
    "ConfigMapEnv",
    "ConfigMapEnvValueFrom",
    "ConfigMapEnvValueFromConfigMapRef",
    "DescribeJobHistoryResponse",
    "DescribeJobStatusResponse",
    "Error",
    "ExecJobResponse",
    "ExecJobResult",
    "JobHistory",
    "JobStatus",
    "JobTemplate",
    "JobTemplatePage",
    "JobTemplateTag",
    "ListJobsResponse",
    "ValueEnv",
)
