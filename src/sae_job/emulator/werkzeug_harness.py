"""The ``pytest-httpserver`` harness: ``install(httpserver, Emulator())`` answers every request with the
emulator, faults honoured; :func:`verify_werkzeug` authenticates a werkzeug request as the gateway does."""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from sae_job.credentials import Credentials
from sae_job.emulator.auth import Caller, NonceCache, verify_request
from sae_job.emulator.gateway import Emulator
from sae_job.emulator.messages import Request

if TYPE_CHECKING:
    from pytest_httpserver import HTTPServer
    from werkzeug import Request as WerkzeugRequest
    from werkzeug import Response as WerkzeugResponse


def raw_target(request: WerkzeugRequest) -> tuple[str, str]:
    """The path and query as sent: the raw target's (``RAW_URI``) when the server kept it, else re-encoded."""
    target = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    path = target.partition("?")[0] if isinstance(target, str) and target.startswith("/") else None
    return path or quote(request.path, safe="/"), request.query_string.decode("latin-1")


def to_request(request: WerkzeugRequest) -> Request:
    """The emulator's :class:`~sae_job.emulator.Request` for a werkzeug request, path and query raw."""
    path, query = raw_target(request)
    return Request(request.method, path, query, tuple(request.headers.items()), request.get_data(cache=True))


def verify_werkzeug(
    request: WerkzeugRequest,
    credentials: Mapping[str, Credentials],
    *,
    now: datetime | None = None,
    nonces: NonceCache | None = None,
) -> Caller:
    """:func:`~sae_job.emulator.auth.verify_request` of a ``werkzeug.Request`` as it arrived."""
    when = now if now is not None else datetime.now(UTC)
    return verify_request(**asdict(to_request(request)), credentials=credentials, now=when, nonces=nonces)


def werkzeug_handler(emulator: Emulator) -> Callable[[WerkzeugRequest], WerkzeugResponse]:
    """A handler for ``httpserver.expect_request(...).respond_with_handler()`` answering as ``emulator``."""
    from werkzeug import Response as WerkzeugResponse

    def handler(request: WerkzeugRequest) -> WerkzeugResponse:
        answer = emulator.handle(to_request(request))
        time.sleep(answer.delay)
        connection = request.environ.get("werkzeug.socket")
        if answer.drop and isinstance(connection, socket.socket):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        return WerkzeugResponse(answer.body, status=answer.status, headers=list(answer.headers))

    return handler


def install(httpserver: HTTPServer, emulator: Emulator) -> None:
    """Answer every request to ``httpserver``, any path and method, with ``emulator``."""
    httpserver.expect_request(re.compile(r".*")).respond_with_handler(werkzeug_handler(emulator))
