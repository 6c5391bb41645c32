"""sae-job: start jobs on Alibaba Cloud Serverless App Engine (SAE) through its ExecJob API."""

__version__ = "0.1.0"

__all__ = ["__version__"]
