"""The emulator under abuse: connections opening and closing by the thousand, replayed nonces, paths
that differ from the one signed, hostile configuration files, a bind beyond loopback."""

from __future__ import annotations

import resource
import signal
import socket
import time

import pytest

from sae_job import Credentials, SaeJobClient
from tests.conftest import StandaloneEmulator, size


def _allow_open_files(count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(count, hard), hard))


def _open_and_close_together(url: str, count: int) -> None:
    """``count`` connections that each send one byte, then all close at once."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    connections = [socket.create_connection((host, int(port)), timeout=10) for _ in range(count)]
    for connection in connections:
        connection.sendall(b"G")
    for connection in connections:
        connection.close()


@pytest.mark.soak
def test_a_mass_close_stalls_neither_a_signed_call_nor_sigterm() -> None:
    count = size(300, 5000)
    _allow_open_files(2 * count + 200)  # the emulator (a child) inherits the limit
    process = StandaloneEmulator("--port", "0")
    try:
        first, _, key_id, secret, template = process.read_lines(5)
        url = first.split()[-1]
        credentials = Credentials(key_id.split(":")[1].strip(), secret.split(":")[1].strip())
        app_id = template.split(":")[1].strip()
        _open_and_close_together(url, count)
        started = time.monotonic()
        with SaeJobClient(endpoint=url, credentials=credentials, max_attempts=1, timeout=10) as client:
            assert client.exec_job(app_id, command="true").job_id
        assert time.monotonic() - started < 1.0
        _open_and_close_together(url, count)
        started = time.monotonic()
        process.popen.send_signal(signal.SIGTERM)
        assert process.popen.wait(timeout=10) == 0
        assert time.monotonic() - started < 1.0
    finally:
        if process.popen.poll() is None:
            process.popen.kill()
        process.popen.communicate(timeout=10)
