"""Contains all the data models used in inputs/outputs"""

from .config_map_env import ConfigMapEnv
from .config_map_env_value_from import ConfigMapEnvValueFrom
from .config_map_env_value_from_config_map_ref import ConfigMapEnvValueFromConfigMapRef
from .error import Error
from .exec_job_response import ExecJobResponse
from .exec_job_result import ExecJobResult
from .value_env import ValueEnv

__all__ = (
    "ConfigMapEnv",
    "ConfigMapEnvValueFrom",
    "ConfigMapEnvValueFromConfigMapRef",
    "Error",
    "ExecJobResponse",
    "ExecJobResult",
    "ValueEnv",
)
