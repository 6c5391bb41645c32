"""A local stand-in for SAE's ExecJob API and its gateway, for demos and tests (as moto is for boto3); the
README's emulator section shows it all (the ``emulator`` extra).

>>> from sae_job.emulator import serve
>>> with serve() as running:  # the embedded demo key and template, a free loopback port
...     launch = running.client.exec_job(running.app_id, command=["echo", "hi"])
...     [job.command_args for job in running.emulator.jobs() if job.job_id == launch.job_id]
[['hi']]
"""

try:
    import jsonschema  # noqa: F401  (a dependency the emulator adds to the client's)
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the SAE emulator needs jsonschema: pip install 'sae-job[emulator]'", name=exc.name
    ) from exc

from sae_job.emulator.auth import AuthFailure, Caller, NonceCache, verify_request
from sae_job.emulator.backend import Job
from sae_job.emulator.config import ConfigError, EmulatorConfig, Template, default_config, load_config
from sae_job.emulator.control import JOBS_PATH, RESET_PATH, STATS_PATH
from sae_job.emulator.faults import Faults
from sae_job.emulator.gateway import Emulator
from sae_job.emulator.messages import Request, Response
from sae_job.emulator.server import RunningEmulator, serve
from sae_job.emulator.werkzeug_harness import verify_werkzeug

__all__ = [
    "JOBS_PATH",
    "RESET_PATH",
    "STATS_PATH",
    "AuthFailure",
    "Caller",
    "ConfigError",
    "Emulator",
    "EmulatorConfig",
    "Faults",
    "Job",
    "NonceCache",
    "Request",
    "Response",
    "RunningEmulator",
    "Template",
    "default_config",
    "load_config",
    "serve",
    "verify_request",
    "verify_werkzeug",
]
