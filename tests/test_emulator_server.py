"""The emulator's two harnesses: the standalone threaded server (in process, and as `python -m
sae_job.emulator` until a signal) and the pytest-httpserver handler. Both answer with the same handler.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from pytest_httpserver import HTTPServer

from sae_job import ApplicationNotFoundError, AuthenticationError, Credentials, SaeJobClient
from sae_job.emulator import Emulator, EmulatorConfig, RunningEmulator, serve
from sae_job.emulator.werkzeug_harness import install
from tests.conftest import APP, KEY, SECRET, STS_KEY, TOKEN, StandaloneEmulator, resolve


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def roundtrip(connection: socket.socket, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one HTTP/1.1 request on an open connection and read the whole answer (no body for HEAD)."""
    connection.sendall(request)
    reader = connection.makefile("rb")
    status = int(reader.readline().split()[1])
    headers: dict[str, str] = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b"" if request.startswith(b"HEAD ") else reader.read(int(headers.get("content-length", 0)))
    return status, headers, body


JOBS = b"GET /_emulator/jobs HTTP/1.1\r\nHost: emulator\r\n\r\n"


# --- in process ----------------------------------------------------------------------------------


def test_serve_binds_loopback_on_a_free_port(running: RunningEmulator) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", running.url)
    assert running.credentials == KEY
    assert running.app_id == APP.app_id
    assert "CANARY" not in repr(running)


@pytest.mark.parametrize("version", ["v3", "v2"])
@pytest.mark.parametrize("credentials", [KEY, STS_KEY], ids=["ak", "sts"])
def test_the_client_starts_a_job_over_http(
    running: RunningEmulator, version: str, credentials: Credentials
) -> None:
    with running.new_client(signature_version=version, credentials=credentials) as client:
        launch = client.exec_job(APP.app_id, command=["echo", "a b"], envs={"K": "v"})
        with pytest.raises(ApplicationNotFoundError):
            client.exec_job("app-absent")
    [job] = running.emulator.jobs()
    assert (job.job_id, job.command_args, job.envs) == (launch.job_id, ["a b"], [{"name": "K", "value": "v"}])
    assert (job.access_key_id, job.signature_version) == (credentials.access_key_id, version)


def test_the_ready_client_and_introspection_over_http(running: RunningEmulator) -> None:
    launch = running.client.exec_job(running.app_id, command="true")
    assert running.client is running.client
    listed = httpx.get(running.url + "/_emulator/jobs").json()
    assert [job["job_id"] for job in listed["jobs"]] == [launch.job_id]
    assert httpx.post(running.url + "/_emulator/reset").json() == {"reset": True}
    assert running.emulator.jobs() == []
    running.emulator.reset()


def test_it_holds_200_concurrent_keep_alive_connections(running: RunningEmulator) -> None:
    connections = [socket.create_connection(address(running.url), timeout=10) for _ in range(200)]
    try:
        for _ in range(2):  # a second request on each: the connections were kept alive
            for connection in connections:
                status, headers, _ = roundtrip(connection, JOBS)
                assert status == 200 and headers.get("connection") != "close"
        assert running.open_connections == 200
    finally:
        for connection in connections:
            connection.close()


def test_200_clients_at_once_each_start_their_jobs(running: RunningEmulator) -> None:
    clients = [running.new_client() for _ in range(200)]
    barrier = threading.Barrier(len(clients))
    failures: list[BaseException] = []

    def work(client: SaeJobClient) -> None:
        barrier.wait()
        try:
            client.exec_job(APP.app_id, command="true")
        except BaseException as exc:  # collected: an assertion in a thread would be lost
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert failures == []
    assert len({job.job_id for job in running.emulator.jobs()}) == 200


def test_50_identical_racing_requests_over_http_start_one_job(running: RunningEmulator) -> None:
    clients = [running.new_client() for _ in range(50)]
    barrier = threading.Barrier(50)
    job_ids: list[str] = []

    def work(client: SaeJobClient) -> None:
        barrier.wait()
        job_ids.append(client.exec_job(APP.app_id, command="true", event_id="the-event").job_id)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert len(job_ids) == 50 and len(set(job_ids)) == 1
    assert [job.job_id for job in running.emulator.jobs()] == job_ids[:1]


def test_close_ends_open_connections_and_is_idempotent() -> None:
    served = serve(Emulator())
    connection = socket.create_connection(address(served.url), timeout=5)
    assert roundtrip(connection, JOBS)[0] == 200
    served.close()
    assert connection.recv(1) == b""  # closed by the server, not left to time out
    connection.close()
    served.close()
    with pytest.raises(OSError):
        socket.create_connection(address(served.url), timeout=1)


def test_http_edge_cases(running: RunningEmulator) -> None:
    with socket.create_connection(address(running.url), timeout=5) as connection:
        status, headers, _ = roundtrip(
            connection, b"HEAD /pop/v1/sam/job/execJob HTTP/1.1\r\nHost: e\r\n\r\n"
        )
        assert status == 404 and int(headers["content-length"]) > 0  # the headers of the GET answer
        assert roundtrip(connection, JOBS)[0] == 200  # no body was sent: the connection is still in step
        chunked = b"POST /_emulator/reset HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        assert roundtrip(connection, chunked)[0] == 411
    with socket.create_connection(address(running.url), timeout=5) as connection:
        big = b"POST /_emulator/reset HTTP/1.1\r\nHost: e\r\nContent-Length: 99999999\r\n\r\n"
        assert roundtrip(connection, big)[0] == 413
    with socket.create_connection(address(running.url), timeout=5) as connection:
        assert roundtrip(connection, b"POST /_emulator/reset HTTP/1.1\r\nContent-Length: x\r\n\r\n")[0] == 400
    answer = httpx.request("PATCH", running.url + "/pop/v1/sam/job/execJob")
    assert answer.status_code == 404 and answer.json()["Code"] == "InvalidAction.NotFound"


def test_a_request_line_sent_a_byte_at_a_time_is_served(running: RunningEmulator) -> None:
    with socket.create_connection(address(running.url), timeout=5) as connection:
        line, rest = JOBS.split(b"\r\n", 1)
        for byte in line:  # the acceptor reads the line in pieces; the handler gets them all
            connection.sendall(bytes([byte]))
        assert roundtrip(connection, b"\r\n" + rest)[0] == 200
        assert roundtrip(connection, JOBS)[0] == 200


def test_connections_that_close_or_idle_before_a_request_line_are_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sae_job.emulator import server

    monkeypatch.setattr(server, "IDLE_TIMEOUT", 0.1)
    with serve() as running:
        silent = socket.create_connection(address(running.url), timeout=5)
        for _ in range(100):  # each closes after a byte, before its request line is complete
            with socket.create_connection(address(running.url), timeout=5) as connection:
                connection.sendall(b"G")
        assert silent.recv(1) == b""  # closed once idle, not held forever
        silent.close()
        assert running.accepted_connections == 101 and running.open_connections == 0


def test_a_port_in_use_is_an_os_error(running: RunningEmulator) -> None:
    with pytest.raises(OSError):
        serve(Emulator(), port=address(running.url)[1])


# --- pytest-httpserver ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_the_httpserver_harness_answers_as_the_emulator(httpserver: HTTPServer, version: str) -> None:
    emulator = Emulator(EmulatorConfig([STS_KEY], [APP]))
    install(httpserver, emulator)
    endpoint = httpserver.url_for("/").rstrip("/")
    with SaeJobClient(endpoint=endpoint, credentials=STS_KEY, signature_version=version) as client:
        launch = client.exec_job(APP.app_id, args=["x+y z"], event_id="e+1")
        assert client.exec_job(APP.app_id, args=["x+y z"], event_id="e+1").job_id == launch.job_id
    with SaeJobClient(
        endpoint=endpoint, credentials=Credentials(STS_KEY.access_key_id, "wrong", TOKEN)
    ) as client:
        with pytest.raises(AuthenticationError) as caught:
            client.exec_job(APP.app_id)
        assert caught.value.code == "SignatureDoesNotMatch"
    [job] = emulator.jobs()
    assert (job.command_args, job.event_id, job.signature_version) == (["x+y z"], "e+1", version)
    assert httpx.get(httpserver.url_for("/_emulator/jobs")).json()["jobs"][0]["job_id"] == launch.job_id


# --- standalone: python -m sae_job.emulator ---------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_standalone_prints_where_it_listens_serves_and_exits_0_on_a_signal(signum: int) -> None:
    process = StandaloneEmulator("--port", "0")
    try:
        lines = process.read_lines(10)
        url = re.fullmatch(r"SAE emulator listening on (http://127\.0\.0\.1:\d+)\n", lines[0])
        assert url is not None, lines[0]
        exports = dict(
            line.removeprefix("export ").strip().split("=", 1) for line in lines if line.startswith("export ")
        )
        assert exports["SAE_JOB_ENDPOINT"] == url.group(1)
        credentials = Credentials(
            exports["ALIBABA_CLOUD_ACCESS_KEY_ID"], exports["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
        )
        template = next(line.split()[2] for line in lines if line.startswith("  job template: "))
        with SaeJobClient(endpoint=url.group(1), credentials=credentials) as client:
            launch = client.exec_job(template, command="true")
        assert launch.job_id.startswith("manual-")
    finally:
        code, _, err = process.stop(signum)
    assert code == 0, err
    assert "-> 200 manual-" in err  # the request log: path and outcome
    assert "SAE emulator stopped" in err


def test_standalone_with_a_config_file_never_prints_its_secrets(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text(
        f"""
[[credentials]]
access_key_id = "{STS_KEY.access_key_id}"
access_key_secret = "{STS_KEY.access_key_secret}"
security_token = "{TOKEN}"

[[templates]]
app_id = "{APP.app_id}"
concurrency_policy = "Forbid"
""",
        encoding="utf-8",
    )
    process = StandaloneEmulator("--config", str(config), "--host", "127.0.0.1")
    try:
        lines = process.read_lines(8)
        url = lines[0].removeprefix("SAE emulator listening on ").strip()
        assert STS_KEY.access_key_id in lines[2] and "Forbid: " in lines[3]
        # The key's ID is exported; where its secret and token live is said, in comments, not their values.
        assert lines[5:8] == [
            f"export ALIBABA_CLOUD_ACCESS_KEY_ID={STS_KEY.access_key_id}\n",
            "# export ALIBABA_CLOUD_ACCESS_KEY_SECRET=…  "
            f"(the access_key_secret of {STS_KEY.access_key_id!r} in {config}; secrets are never printed)\n",
            f"# export ALIBABA_CLOUD_SECURITY_TOKEN=…  (its security_token in {config})\n",
        ]
        wrong = Credentials(STS_KEY.access_key_id, STS_KEY.access_key_secret, TOKEN + "-other")
        for credentials in (STS_KEY, wrong, Credentials(STS_KEY.access_key_id, "bad", TOKEN)):
            client = SaeJobClient(endpoint=url, credentials=credentials, max_attempts=1)
            with client, contextlib.suppress(AuthenticationError):  # two of the three are refused
                client.exec_job(APP.app_id, command="true")
    finally:
        code, out, err = process.stop(signal.SIGTERM)
    assert code == 0
    for secret in (SECRET, TOKEN):
        assert secret not in out and secret not in err


def test_standalone_refuses_a_bad_config_with_exit_2_and_no_secret(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        f'[[credentials]]\naccess_key_id = "a"\naccess_key_secret = "{SECRET} "\n', encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "sae_job.emulator", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 2
    assert str(config) in done.stderr and "access_key_secret" in done.stderr
    assert SECRET not in done.stderr + done.stdout


def test_standalone_exits_2_when_the_port_is_taken_and_says_what_to_do(running: RunningEmulator) -> None:
    port = str(address(running.url)[1])
    done = subprocess.run(
        [sys.executable, "-m", "sae_job.emulator", "--port", port], capture_output=True, text=True, timeout=20
    )
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "--port 0 for any free port" in done.stderr and "Traceback" not in done.stderr


def test_the_banner_shows_each_templates_state_and_the_account(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text(
        f"""
[[credentials]]
access_key_id = "{KEY.access_key_id}"
access_key_secret = "{SECRET}"
[[templates]]
app_id = "nightly"
concurrency_policy = "Forbid"
run_seconds = 0
outcome = "failed"
[[templates]]
app_id = "paused"
suspended = true
[[templates]]
app_id = "hourly"
concurrency_policy = "Replace"
run_seconds = 2.5
[account]
in_debt = true
""",
        encoding="utf-8",
    )
    process = StandaloneEmulator("--config", str(config))
    try:
        lines = process.read_lines(11)
    finally:
        process.stop(signal.SIGTERM)
    templates = [line.rstrip("\n") for line in lines if line.startswith("  job template: ")]
    assert templates == [
        "  job template: nightly  Forbid: a new job is refused while one runs; "
        "each job ends at once and fails",
        "  job template: paused   SUSPENDED: every ExecJob is refused (JobSuspend); "
        "Allow: jobs run side by side; each job runs 30 s, then succeeds",
        "  job template: hourly   Replace: a new job ends the running one; "
        "each job runs 2.5 s, then succeeds",
    ]
    assert "  account: in debt (every ExecJob answers user.indebt)\n" in lines
    assert "unset ALIBABA_CLOUD_SECURITY_TOKEN  # this key takes none\n" in lines
    assert SECRET not in "".join(lines)


def test_the_package_docstring_example_runs() -> None:
    import doctest

    import sae_job.emulator

    results = doctest.testmod(sae_job.emulator)
    assert results.attempted > 0 and results.failed == 0


def _raw_exchange(running: RunningEmulator, data: bytes) -> tuple[int, dict[str, object], str]:
    """Send ``data`` on a fresh connection; the status, the JSON body and the whole answer's head."""
    import json
    import socket

    host, port = running.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body), head.decode("latin-1")


EXEC = b"GET /pop/v1/sam/job/execJob"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"\x00\xff garbage\r\n\r\n", 400),
        (EXEC + b" HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
        (EXEC + b" HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
        (EXEC + b" HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413),
        # the gateway's request-line buffer is 8 KiB: one byte over it
        (EXEC + b"?a=" + b"a" * (8192 - len(EXEC + b"?a= HTTP/1.1\r\n") + 1) + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (EXEC + b" HTTP/9.9\r\n\r\n", 505),
        (EXEC + b" HTTP/1.1\r\n" + b"X-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        (EXEC + b" HTTP/1.1\r\n" + b"X: y\r\n" * 101 + b"\r\n", 431),
    ],
)
def test_a_malformed_request_gets_an_answer_the_spec_declares_without_a_traceback(
    data: bytes,
    status: int,
    spec: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    with serve() as running:
        got, body, head = _raw_exchange(running, data)
    assert got == status
    assert body["Code"] == "MalformedRequest" and body["Success"] is False and body["RequestId"]
    assert "application/json" in head and "Connection: close" in head
    for item in spec["paths"].values():  # every operation declares the answer, in the error form
        declared = resolve(spec, item["get"]["responses"][str(status)])
        jsonschema.validate(body, resolve(spec, declared["content"]["application/json"]["schema"]))
    assert "Traceback" not in caplog.text + capfd.readouterr().err


def test_a_request_line_of_8_kib_is_read() -> None:
    line = EXEC + b"?a=" + b"a" * (8192 - len(EXEC + b"?a= HTTP/1.1\r\n")) + b" HTTP/1.1\r\n"
    assert len(line) == 8192
    with serve() as running:
        got, body, _ = _raw_exchange(running, line + b"Connection: close\r\n\r\n")
    assert (got, body["Code"]) == (400, "IncompleteSignature")  # read and handled: only unsigned


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "BREW"])
def test_every_method_gets_the_spec_not_found(method: str) -> None:
    with serve() as running:
        got, body, head = _raw_exchange(running, f"{method} / HTTP/1.1\r\nConnection: close\r\n\r\n".encode())
    assert (got, body["Code"]) == (404, "InvalidAction.NotFound")
    assert "application/json" in head


@pytest.mark.parametrize(
    ("flags", "wait_timeout", "code", "state"),
    [
        (("--outcome", "failed", "--run-seconds", "0.5"), "1m", 7, "runs 0.5 s, then fails"),
        (("--run-seconds", "60"), "1s", 8, "runs 60 s, then succeeds"),
    ],
)
def test_run_seconds_and_outcome_set_the_demo_templates_jobs(
    tmp_path: Path, flags: tuple[str, ...], wait_timeout: str, code: int, state: str
) -> None:
    process = StandaloneEmulator("--port", "0", *flags)
    try:
        lines = process.read_lines(10)
        assert any(line.startswith("  job template: ") and state in line for line in lines), lines
        url = lines[0].removeprefix("SAE emulator listening on ").strip()
        env = {**os.environ, "HOME": str(tmp_path), "ALIBABA_CLOUD_ACCESS_KEY_ID": "emulator-demo-key-id"}
        env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "emulator-demo-key-secret"
        env.pop("ALIBABA_CLOUD_SECURITY_TOKEN", None)
        env.pop("ALIBABA_CLOUD_PROFILE", None)
        sae_job = str(Path(sys.executable).parent / "sae-job")
        args = ["--app", "nightly-report", "--endpoint", url, "--wait", "--wait-timeout", wait_timeout]
        done = subprocess.run(
            [sae_job, "exec", *args, "-q", "--", "./nightly-report.sh"],
            capture_output=True,
            text=True,
            timeout=90,
            env=env,
        )
    finally:
        process.stop(signal.SIGTERM)
    assert done.returncode == code, done.stdout + done.stderr


def test_run_seconds_and_outcome_are_refused_with_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text(
        f'[[credentials]]\naccess_key_id = "k"\naccess_key_secret = "{SECRET}"\n', encoding="utf-8"
    )
    for flag, value in (("--run-seconds", "2"), ("--outcome", "failed")):
        done = subprocess.run(
            [sys.executable, "-m", "sae_job.emulator", "--config", str(config), flag, value],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert (
            done.returncode == 2 and "with --config, set run_seconds and outcome in the file" in done.stderr
        )


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf"])
def test_a_bad_run_seconds_is_a_usage_error(value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sae_job.emulator", "--run-seconds", value],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 2 and "argument --run-seconds: " in done.stderr, done.stderr
