"""The emulator under abuse: connections opening and closing by the thousand, replayed nonces, paths
that differ from the one signed, hostile configuration files, a bind beyond loopback."""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from sae_job import AuthenticationError, Credentials, SaeJobClient, ThrottlingError
from sae_job.emulator import ConfigError, Emulator, Faults, Request, default_config, load_config, serve
from sae_job.emulator.config import MAX_CONFIG_BYTES, parse_config
from sae_job.signing import AcsV3Auth
from tests.conftest import PATH, StandaloneEmulator, size


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
        app_id = template.split(":")[1].split()[0]  # "  job template: ID  STATE"
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


# --- replays and paths ---------------------------------------------------------------------------------


def _signed(url: str, clock: Callable[[], datetime], nonce: str = "nonce-1", **params: str) -> httpx.Request:
    """An ExecJob request for the demo template, signed with the demo key at ``clock()``."""
    config = default_config()
    signer = AcsV3Auth(
        config.credentials[0], action="ExecJob", version="2019-05-06", clock=clock, nonce=lambda: nonce
    )
    request = httpx.Request("GET", url + PATH, params={"AppId": config.templates[0].app_id, **params})
    return next(signer.auth_flow(request))


def _handle(emulator: Emulator, request: httpx.Request) -> tuple[int, str]:
    target = request.url.raw_path.decode("ascii")
    answer = emulator.handle(Request.from_target("GET", target, request.headers.multi_items()))
    return answer.status, answer.json()["Code"]


def test_a_nonce_is_remembered_as_long_as_the_request_date_keeps_it_valid() -> None:
    arrival = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
    now = [arrival]
    emulator = Emulator(clock=lambda: now[0])
    request = _signed("https://sae.cn-hangzhou.aliyuncs.com", lambda: arrival + timedelta(minutes=14))
    assert _handle(emulator, request) == (200, "200")
    now[0] = arrival + timedelta(minutes=15, seconds=30)  # the request is valid until 29 minutes
    assert _handle(emulator, request) == (400, "SignatureNonceUsed")
    now[0] = arrival + timedelta(minutes=29, seconds=1)
    assert _handle(emulator, request) == (400, "InvalidTimeStamp.Expired")
    assert len(emulator.jobs()) == 1


def test_a_path_is_verified_as_received_not_as_http_server_normalises_it() -> None:
    with serve() as running:
        signed = _signed(running.url, lambda: datetime.now(UTC))
        target = "/" + signed.url.raw_path.decode("ascii")  # "//pop/v1/...": not the path signed
        head = "".join(f"{name}: {value}\r\n" for name, value in signed.headers.multi_items())
        host, port = running.url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(f"GET {target} HTTP/1.1\r\n{head}Connection: close\r\n\r\n".encode())
            answer = b"".join(iter(lambda: connection.recv(65536), b""))
        assert answer.split()[1] in (b"400", b"404")
        assert running.emulator.jobs() == []


# --- hostile configuration files -------------------------------------------------------------------

_KEY_TOML = '[[credentials]]\naccess_key_id = "k"\naccess_key_secret = "s"\n'


@pytest.mark.parametrize(
    ("table", "entry", "named"),
    [
        ("templates", 'app_id = "a"\nrun_seconds = nan', "run_seconds"),
        ("templates", 'app_id = "a"\nrun_seconds = inf', "run_seconds"),
        ("templates", 'app_id = "a"\nrun_seconds = 1e300', "run_seconds"),
        ("templates", 'app_id = "a"\nrun_seconds = -1', "run_seconds"),
        ("faults", "stall_seconds = 1e300", "faults.stall_seconds"),
        ("faults", "retry_after = inf", "faults.retry_after"),
        ("faults", "latency_ms = nan", "faults.latency_ms"),
        ("faults", "latency_ms = 1e300", "faults.latency_ms"),
    ],
)
def test_config_numbers_must_be_finite_and_in_range(table: str, entry: str, named: str) -> None:
    header = f"[[{table}]]" if table == "templates" else f"[{table}]"
    with pytest.raises(ConfigError, match=re.escape(named)):
        parse_config(f"{_KEY_TOML}\n{header}\n{entry}\n", source="emulator.toml")


def test_a_deeply_nested_config_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(_KEY_TOML + "x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load_config(path)


def test_a_config_path_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path) -> None:
    fifo, zero, big = tmp_path / "fifo.toml", tmp_path / "zero.toml", tmp_path / "big.toml"
    os.mkfifo(fifo)  # nothing ever writes to it: reading would wait forever
    zero.symlink_to("/dev/zero")  # reading would never end
    big.write_bytes(_KEY_TOML.encode() + b"#" * MAX_CONFIG_BYTES)
    for path, says in [(fifo, "not a regular file"), (zero, "not a regular file"), (big, "larger than")]:
        started = time.monotonic()
        with pytest.raises(ConfigError, match=says):
            load_config(path)
        assert time.monotonic() - started < 2


# --- a bind beyond loopback --------------------------------------------------------------------------


def _introspect(url: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.get(url.replace("0.0.0.0", "127.0.0.1") + "/_emulator/jobs", headers=headers, timeout=5)


def test_beyond_loopback_introspection_needs_the_token_and_loopback_does_not() -> None:
    with serve(host="0.0.0.0") as running:
        token = running.emulator.introspection_token
        assert token
        for sent in (None, "wrong", token + "x"):
            refused = _introspect(running.url, sent)
            assert refused.status_code == 401 and "Bearer" in refused.json()["error"]
        assert _introspect(running.url, token).json() == {"jobs": []}
        missing = httpx.get(running.url.replace("0.0.0.0", "127.0.0.1") + "/elsewhere", timeout=5)
        assert missing.json()["Code"] == "InvalidAction.NotFound"  # only /_emulator/* is guarded
    with serve() as running:
        assert running.emulator.introspection_token is None
        assert _introspect(running.url).status_code == 200


def test_standalone_beyond_loopback_warns_and_prints_the_token() -> None:
    process = StandaloneEmulator("--host", "0.0.0.0", "--port", "0")
    try:
        first, second = process.read_lines(2)
        token = second.strip().removeprefix("/_emulator/* needs: Authorization: Bearer ")
        assert token != second.strip()
        assert _introspect(first.split()[-1]).status_code == 401
        assert _introspect(first.split()[-1], token).status_code == 200
    finally:
        code, _, err = process.stop(signal.SIGTERM)
    assert code == 0
    assert "WARNING" in err and "beyond loopback" in err


def test_the_help_documents_the_bind_rule() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "sae_job.emulator", "--help"], capture_output=True, text=True, timeout=20
    )
    assert "Authorization: Bearer" in " ".join(shown.stdout.split())


# --- what the spec declares, the emulator can send ------------------------------------------------------


def test_a_configmap_all_keys_reference_without_key_starts_a_job() -> None:
    envs = '[{"name":"sae-sys-configmap-all-x","valueFrom":{"configMapRef":{"configMapId":124}}}]'
    with serve() as running, httpx.Client() as client:
        answer = client.send(_signed(running.url, lambda: datetime.now(UTC), Envs=envs))
        (job,) = running.emulator.jobs()
    assert answer.json()["Data"]["Data"] == job.job_id
    assert job.envs == [
        {"name": "sae-sys-configmap-all-x", "valueFrom": {"configMapRef": {"configMapId": 124}}}
    ]


def test_a_ram_denied_key_is_answered_403_forbidden_ram(tmp_path: Path) -> None:
    path = tmp_path / "denied.toml"
    path.write_text(_KEY_TOML + 'ram_denied = true\n[[templates]]\napp_id = "a"\n', encoding="utf-8")
    config = load_config(path)
    assert config.ram_denied == {"k"}
    with serve(Emulator(config)) as running, pytest.raises(AuthenticationError) as caught:
        running.client.exec_job("a", command="true")
    assert (caught.value.status_code, caught.value.code) == (403, "Forbidden.RAM")
    assert running.emulator.jobs() == []


def test_throttling_is_400_as_the_gateway_answers_or_429_when_configured() -> None:
    for status in (400, 429):
        with serve() as running:
            running.emulator.set_faults(Faults(throttle=1.0, throttle_status=status, retry_after=0))
            with running.new_client(max_attempts=1) as client, pytest.raises(ThrottlingError) as caught:
                client.exec_job(running.app_id, command="true")
        assert (caught.value.status_code, caught.value.code) == (status, "Throttling.User")
    with pytest.raises(ValueError, match="throttle_status"):
        Faults(throttle_status=503)


@pytest.mark.real_clock_only(reason="the acceptor's pause is a timed Event.wait: endless under libfaketime")
def test_out_of_files_the_acceptor_pauses_instead_of_spinning_and_recovers() -> None:
    # With no file descriptor left, accept() fails while the listen queue stays readable.
    process = StandaloneEmulator(open_files=40)
    try:
        first, _, key_id, secret, template = process.read_lines(5)
        url = first.split()[-1]
        host, port = url.removeprefix("http://").rsplit(":", 1)
        connections = [socket.create_connection((host, int(port)), timeout=10) for _ in range(60)]
        time.sleep(0.2)  # the acceptor has run out of files by now

        def cpu_seconds() -> float:
            fields = Path(f"/proc/{process.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        before = cpu_seconds()
        time.sleep(1.0)
        assert cpu_seconds() - before < 0.5  # spinning would burn the whole second
        for connection in connections:
            connection.close()
        credentials = Credentials(key_id.split(":")[1].strip(), secret.split(":")[1].strip())
        with SaeJobClient(endpoint=url, credentials=credentials, max_attempts=3, timeout=5) as client:
            assert client.exec_job(template.split(":")[1].split()[0], command="true").job_id
    finally:
        process.popen.kill()
        process.popen.communicate(timeout=10)
