"""The standalone harness: the emulator's handler behind a threaded HTTP/1.1 server (stdlib only).

One thread accepts connections and reads each one's request line with a selector; only then does a
connection take a thread (an idle one when there is), which serves it with keep-alive. So a connection
that closes before its request line costs no thread, and thousands closing together delay no one.
Connections idle for :data:`IDLE_TIMEOUT` seconds close.
"""

from __future__ import annotations

import _thread
import contextlib
import functools
import io
import ipaddress
import logging
import queue
import secrets
import selectors
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any, Self

from sae_job.credentials import Credentials
from sae_job.emulator.gateway import Emulator, error_response
from sae_job.emulator.messages import Request, Response

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

    from sae_job.client import SaeJobClient

logger = logging.getLogger("sae_job.emulator")

IDLE_TIMEOUT = 120.0
MAX_BODY = 1 << 20  # ExecJob has no body; a large one is refused before it is read
# The gateway's (Tengine's) request-line buffer, as the client's MAX_REQUEST_TARGET: a longer line
# is handed over unfinished, to be answered 414.
MAX_REQUEST_LINE = 8192


class _ReceivedFirst(io.RawIOBase):
    """A connection's input: the bytes the acceptor already read from it, then the rest."""

    def __init__(self, received: bytes, connection: socket.socket) -> None:
        self._received, self._connection = memoryview(received), connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        if not self._received:
            return self._connection.recv_into(buffer)
        view = memoryview(buffer).cast("B")
        count = min(len(view), len(self._received))
        view[:count], self._received = self._received[:count], self._received[count:]
        return count


@dataclass
class _Pending:
    """A connection accepted, its request line not yet complete."""

    address: Any
    deadline: float
    received: bytearray = field(default_factory=bytearray)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many requests
    server_version = "sae-job-emulator"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: EmulatorHTTPServer

    def __init__(self, request: Any, client_address: Any, server: Any, received: bytes = b"") -> None:
        self.received = received
        super().__init__(request, client_address, server)

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = io.BufferedReader(_ReceivedFirst(self.received, self.connection))
        # The headers and the body go out in two writes: with Nagle's algorithm the body would wait for
        # the client's delayed ACK of the headers, about 40 ms per answer on Linux.
        with contextlib.suppress(OSError):  # not TCP (a test's socket pair)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def parse_request(self) -> bool:
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.command, self.requestline = "", ""  # as http.server leaves them for its own 414
            self.send_error(414, "Request-URI Too Long")
            return False
        # A request line cut short by the client closing: nobody to answer.
        return self.raw_requestline.endswith(b"\n") and super().parse_request()

    def _serve(self) -> None:
        if self.headers.get("Transfer-Encoding"):
            self.send_error(411, "Length Required", "send a Content-Length, not a chunked body")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.send_error(413 if length > MAX_BODY else 400, "Bad Content-Length")
            return
        body = self.rfile.read(length) if length else b""
        # The target as received: http.server's self.path has "//" collapsed, which a signature must see.
        target = self.requestline.split()[1]
        request = Request.from_target(self.command, target, self.headers.items(), body)
        response = self.server.emulator.handle(request)
        if response.delay > 0 and self.server.closing.wait(response.delay):
            response = replace(response, drop=True)  # the server is closing: no answer after all
        if response.drop:  # an injected fault: the request was handled, its answer is lost
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self._send(response)
        except OSError:  # the client gave up waiting (a stalled answer) and closed the connection
            self.close_connection = True

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def __getattr__(self, name: str) -> Any:
        # Every method (TRACE, QUERY, ...) reaches the emulator, which answers the spec's 404, not a 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Answers http.server makes itself (a malformed request line, 414, 431, 505) close the connection,
        # in the spec's error form; a 501 (an unknown method) cannot happen here (see __getattr__).
        self.close_connection = True
        self.request_version = "HTTP/1.1"  # a garbled request line leaves HTTP/0.9, which has no headers
        answer = error_response(code, "MalformedRequest", f"The request is malformed: {message or code}.")
        with contextlib.suppress(OSError):  # the client may be gone already
            self._send(replace(answer, headers=(*answer.headers, ("Connection", "close"))))

    def log_message(self, format: str, *args: Any) -> None:
        # The request line carries the query, whose values (Envs) may be private: the path only.
        logger.debug("%s %s", self.command, (getattr(self, "path", None) or "").partition("?")[0])


class EmulatorHTTPServer(HTTPServer):
    """An ``HTTPServer`` answering every request with ``emulator.handle``, as the module says."""

    request_queue_size = 4096  # the listen backlog: thousands of clients may connect at once
    allow_reuse_address = True
    thread_idle_seconds = 5.0  # how long a thread with no connection waits for one before it ends

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.emulator = emulator
        self.closing = threading.Event()
        self.accepted_connections = 0
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._idle_threads = 0
        self._accepted: queue.SimpleQueue[tuple[socket.socket, Any, bytes]] = queue.SimpleQueue()
        self._wake_reader, self._wake_writer = socket.socketpair()
        super().__init__(address, _Handler)
        emulator.add_stat("connections_accepted", lambda: self.accepted_connections)

    def serve_until_closed(self) -> None:
        """Accept connections and read their request lines until :meth:`close`."""
        self.socket.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            next_sweep = time.monotonic() + 1.0
            while not self.closing.is_set():
                for key, _ in selector.select(timeout=1.0):
                    if key.fileobj is self.socket:
                        self._accept_all(selector)
                    elif key.data is not None:
                        self._read_request_line(selector, key.fileobj, key.data)  # type: ignore[arg-type]
                if (now := time.monotonic()) >= next_sweep:  # once a second: cheap under a mass close
                    next_sweep = now + 1.0
                    for key in list(selector.get_map().values()):
                        if key.data is not None and key.data.deadline <= now:  # silent too long
                            selector.unregister(key.fileobj)
                            self.shutdown_request(key.fileobj)
            for key in list(selector.get_map().values()):
                if key.data is not None:
                    self.shutdown_request(key.fileobj)

    def _accept_all(self, selector: selectors.BaseSelector) -> None:
        # Every connection waiting, not one per select(): the listen queue empties as fast as it fills.
        deadline = time.monotonic() + IDLE_TIMEOUT
        while True:
            try:
                connection, address = self.socket.accept()
            except BlockingIOError:  # none left
                return
            except OSError:  # out of files: the queue stays readable, so pause rather than spin
                self.closing.wait(0.05)
                return
            connection.setblocking(False)
            with self._lock:
                self._connections.add(connection)
                self.accepted_connections += 1
            selector.register(connection, selectors.EVENT_READ, _Pending(address, deadline))

    def _read_request_line(
        self, selector: selectors.BaseSelector, connection: socket.socket, pending: _Pending
    ) -> None:
        try:
            data = connection.recv(MAX_REQUEST_LINE + 1)
        except BlockingIOError:
            return
        except OSError:  # reset by the client
            data = b""
        pending.received += data
        if data and b"\n" not in pending.received and len(pending.received) <= MAX_REQUEST_LINE:
            return
        selector.unregister(connection)
        if not data:  # closed before its request line was complete: nobody to answer
            self.shutdown_request(connection)
            return
        connection.setblocking(True)
        with self._lock:
            start = self._idle_threads == 0
            if not start:
                self._idle_threads -= 1  # that idle thread's next connection is this one
        self._accepted.put((connection, pending.address, bytes(pending.received)))
        if start:  # not threading.Thread.start(), which waits until the thread runs
            _thread.start_new_thread(self._serve_connections, ())

    def _serve_connections(self) -> None:
        while True:
            try:
                request, client_address, received = self._accepted.get(timeout=self.thread_idle_seconds)
            except queue.Empty:
                with self._lock:  # end unless a connection was promised to this thread
                    if self._idle_threads > 0:
                        self._idle_threads -= 1
                        return
                continue
            try:
                _Handler(request, client_address, self, received)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
            with self._lock:
                self._idle_threads += 1

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanished mid-answer is no news; a traceback per connection would flood stderr.
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close(self) -> None:
        """Stop accepting, wake answers held back by a stall, close every connection still open."""
        self.closing.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"x")

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:  # wakes the threads that wait on them
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    @property
    def url(self) -> str:
        """``http://host:port`` (an IPv6 host in brackets)."""
        host, port = str(self.server_address[0]), self.server_address[1]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def serve(emulator: Emulator | None = None, *, host: str = "127.0.0.1", port: int = 0) -> RunningEmulator:
    """Serve ``emulator`` (default: one on the embedded demo configuration) over HTTP on ``host:port`` (0:
    a free port) in a daemon thread, until the result is closed. Beyond loopback, ``/_emulator/*`` needs
    ``emulator.introspection_token`` (one is made when unset) as a Bearer token. Raises ``OSError`` when
    the address cannot be bound."""
    emulator = emulator if emulator is not None else Emulator()
    server = EmulatorHTTPServer((host, port), emulator)
    if not ipaddress.ip_address(str(server.server_address[0])).is_loopback:
        emulator.introspection_token = emulator.introspection_token or secrets.token_urlsafe(24)
        logger.warning(
            "WARNING: listening on %s, beyond loopback: whoever reaches it may call it with the keys "
            "configured, and /_emulator/* needs the Bearer token given at start",
            server.url,
        )
    thread = threading.Thread(target=server.serve_until_closed, name="sae-emulator", daemon=True)
    thread.start()
    return RunningEmulator(emulator, server, thread)


class RunningEmulator:
    """An emulator served over HTTP (see :func:`serve`): ``emulator`` is what it serves, ``url`` where.
    Stop it with :meth:`close` or by leaving a ``with`` block."""

    def __init__(self, emulator: Emulator, server: EmulatorHTTPServer, thread: threading.Thread) -> None:
        self.emulator, self.url = emulator, server.url
        self._server, self._thread = server, thread
        self._client: SaeJobClient | None = None

    def __repr__(self) -> str:
        return f"RunningEmulator(url={self.url!r})"

    @property
    def credentials(self) -> Credentials:
        """The first configured AccessKey (the demo key with the embedded configuration)."""
        return self.emulator.config.credentials[0]

    @property
    def app_id(self) -> str:
        """The first configured template's app ID; ``LookupError`` when none is configured."""
        if not self.emulator.config.templates:
            raise LookupError("the emulator has no job template configured")
        return self.emulator.config.templates[0].app_id

    @property
    def client(self) -> SaeJobClient:
        """A :class:`~sae_job.SaeJobClient` with :attr:`credentials`, made on first use, closed with this."""
        if self._client is None:
            self._client = self.new_client()
        return self._client

    def new_client(self, **options: Any) -> SaeJobClient:
        """A new :class:`~sae_job.SaeJobClient` for this emulator, ``options`` given to its constructor
        (``signature_version="v2"``, other ``credentials=``, ...); the caller closes it."""
        import httpx

        from sae_job.client import SaeJobClient

        options.setdefault("credentials", self.credentials)
        # Plain HTTP: one shared TLS context spares each client building its own (about 15 ms).
        options.setdefault("transport", httpx.HTTPTransport(verify=_tls_context()))
        return SaeJobClient(endpoint=self.url, **options)

    @property
    def open_connections(self) -> int:
        """How many client connections the server holds open now."""
        return len(self._server._connections)

    @property
    def accepted_connections(self) -> int:
        """How many client connections the server accepted since it started."""
        return self._server.accepted_connections

    def close(self) -> None:
        """Stop serving, close open connections and the client; safe to call twice."""
        if self._client is not None:
            self._client.close()
            self._client = None
        self._server.close()
        self._thread.join()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
