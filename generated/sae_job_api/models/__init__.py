"""Contains all the data models used in inputs/outputs

A model's module is imported when its name is first used (PEP 562), so that
importing one operation or one model does not import every model.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config_map_env import ConfigMapEnv
    from .config_map_env_value_from import ConfigMapEnvValueFrom
    from .config_map_env_value_from_config_map_ref import (
        ConfigMapEnvValueFromConfigMapRef,
    )
    from .describe_job_history_response import DescribeJobHistoryResponse
    from .describe_job_history_state import DescribeJobHistoryState
    from .describe_job_response import DescribeJobResponse
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
    from .template_settings import TemplateSettings
    from .value_env import ValueEnv

_MODULES = {
    "ConfigMapEnv": ".config_map_env",
    "ConfigMapEnvValueFrom": ".config_map_env_value_from",
    "ConfigMapEnvValueFromConfigMapRef": ".config_map_env_value_from_config_map_ref",
    "DescribeJobHistoryResponse": ".describe_job_history_response",
    "DescribeJobHistoryState": ".describe_job_history_state",
    "DescribeJobResponse": ".describe_job_response",
    "DescribeJobStatusResponse": ".describe_job_status_response",
    "Error": ".error",
    "ExecJobResponse": ".exec_job_response",
    "ExecJobResult": ".exec_job_result",
    "JobHistory": ".job_history",
    "JobStatus": ".job_status",
    "JobTemplate": ".job_template",
    "JobTemplatePage": ".job_template_page",
    "JobTemplateTag": ".job_template_tag",
    "ListJobsResponse": ".list_jobs_response",
    "TemplateSettings": ".template_settings",
    "ValueEnv": ".value_env",
}

__all__ = (
    "ConfigMapEnv",
    "ConfigMapEnvValueFrom",
    "ConfigMapEnvValueFromConfigMapRef",
    "DescribeJobHistoryResponse",
    "DescribeJobHistoryState",
    "DescribeJobResponse",
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
    "TemplateSettings",
    "ValueEnv",
)


# Not for type checkers: they read the imports above, so unknown names stay errors.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name not in _MODULES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(_MODULES[name], __name__), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
