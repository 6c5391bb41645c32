"""A client library for accessing Serverless App Engine (SAE) ExecJob"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
