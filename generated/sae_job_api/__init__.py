"""A client library for accessing Serverless App Engine (SAE) jobs"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
