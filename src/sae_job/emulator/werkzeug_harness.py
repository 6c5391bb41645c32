"""The ``pytest-httpserver`` harness: the emulator's handler as a werkzeug request handler.

    from sae_job.emulator import Emulator
    from sae_job.emulator.werkzeug_harness import install

    def test_something(httpserver):
        emulator = Emulator()
        install(httpserver, emulator)          # every request to httpserver is the emulator's
        ...

Injected faults are honoured: a held-back answer sleeps on the server's thread, a dropped one shuts the
connection.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from sae_job.emulator.auth import raw_target
from sae_job.emulator.core import Emulator, Request

if TYPE_CHECKING:
    from pytest_httpserver import HTTPServer
    from werkzeug import Request as WerkzeugRequest
    from werkzeug import Response as WerkzeugResponse

__all__ = ["install", "to_request", "werkzeug_handler"]


def to_request(request: WerkzeugRequest) -> Request:
    """The emulator's :class:`~sae_job.emulator.Request` for a werkzeug request, path and query raw."""
    path, query = raw_target(request)
    return Request(request.method, path, query, tuple(request.headers.items()), request.get_data(cache=True))


def werkzeug_handler(emulator: Emulator) -> Callable[[WerkzeugRequest], WerkzeugResponse]:
    """A handler for ``httpserver.expect_request(...).respond_with_handler(...)`` that answers as
    ``emulator`` does."""
    from werkzeug import Response as WerkzeugResponse

    def handler(request: WerkzeugRequest) -> WerkzeugResponse:
        answer = emulator.handle(to_request(request))
        if answer.delay > 0:
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
