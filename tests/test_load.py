"""The emulator under load from a second process, and the client in a long soak.

Sizes are reduced in ``make test``; ``make soak`` (``SAE_JOB_SOAK=full``) runs them in full.
"""

from __future__ import annotations

import socket

from sae_job import Credentials
from sae_job.emulator import Emulator, EmulatorConfig, Template

KEY = Credentials("AKID-LOAD", "CANARY-SECRET-load-0123456789")
APP = Template("app-load", run_seconds=0)


def test_answers_are_not_held_back_by_nagle() -> None:
    # Found under load: headers and body went out in two writes, and the body waited for the client's
    # delayed ACK, about 40 ms a request. The server's sockets must not delay small writes.
    with Emulator(EmulatorConfig([KEY], [APP])).serve() as running, running.new_client() as client:
        client.exec_job(APP.app_id)
        connections = list(running._server._connections)
        assert connections
        for connection in connections:
            assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
