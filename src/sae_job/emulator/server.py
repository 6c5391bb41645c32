"""The standalone harness: the emulator's handler behind HTTP/1.1 on h11. A selector reads each request line;
only then does a connection take a thread, so one closing before it costs none. Beyond h11's checks: 414,
431, 505, 411 for any Transfer-Encoding, 413 over :data:`MAX_BODY`; :data:`IDLE_TIMEOUT` ends idle ones."""

from __future__ import annotations

import _thread
import contextlib
import ipaddress
import logging
import secrets
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import h11

from sae_job.credentials import Credentials
from sae_job.emulator.gateway import Emulator, Refusal
from sae_job.emulator.messages import Request, Response

if TYPE_CHECKING:
    from sae_job.client import SaeJobClient

logger = logging.getLogger("sae_job.emulator")

IDLE_TIMEOUT = 120.0
MAX_BODY = 1 << 20  # ExecJob has no body; a large one is refused before it is read
# The gateway's (Tengine's) request-line buffer, as the client's MAX_REQUEST_TARGET: longer is 414.
MAX_REQUEST_LINE = 8192
MAX_HEADERS, MAX_HEADER_LINE = 100, 1 << 16  # as http.server's: more or longer is 431
_RECEIVE = 1 << 16


class _Connection:
    """One client connection: h11 reads its requests, the emulator answers them, until it closes."""

    def __init__(self, server: RunningEmulator, sock: socket.socket, received: bytes) -> None:
        self.server, self.sock, self.method = server, sock, b""
        self.h11 = _parser(received, closed=False)

    def serve(self) -> None:
        self.sock.settimeout(IDLE_TIMEOUT)
        while True:
            try:
                request = self._request()
            except h11.RemoteProtocolError as refused:
                if self.h11.their_state is h11.ERROR and self.h11.trailing_data[1]:  # closed: none to answer
                    return
                # h11 answers 501 to a Transfer-Encoding other than chunked; here any is 411
                status = 411 if refused.error_status_hint == 501 else refused.error_status_hint
                message = f"The request is malformed: {HTTPStatus(status).phrase}."
                refusal = Refusal(status, "MalformedRequest", message, headers=(("Connection", "close"),))
                with contextlib.suppress(OSError, h11.LocalProtocolError):  # the client may be gone
                    self._send(refusal.answer())
                return
            if request is None:
                return
            logger.debug("%s %s", request.method, request.path)  # not the query: its Envs may be private
            response = self.server.emulator.handle(request)
            if response.delay > 0 and self.server._closing.wait(response.delay):
                response = replace(response, drop=True)  # the server is closing: no answer after all
            if response.drop:  # an injected fault: the request was handled, its answer is lost
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_RDWR)
                return
            self._send(response)
            if (self.h11.our_state, self.h11.their_state) != (h11.DONE, h11.DONE):
                return
            self.h11.start_next_cycle()

    def _request(self) -> Request | None:
        """The next request, its body read; None once the client closed between requests."""
        hostless, self.method = False, b""
        while True:
            unread, closed = self.h11.trailing_data
            line_end = unread.find(b"\n")
            if (line_end if line_end >= 0 else len(unread) - 1) >= MAX_REQUEST_LINE:
                raise h11.RemoteProtocolError("request line too long", 414)
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                if closed or str(exc) != "Missing mandatory Host: header" or hostless:
                    raise
                # http.server served HTTP/1.1 without a Host, and so does the emulator: h11 is lent one
                hostless = True
                self.h11 = _parser(unread[: line_end + 1] + b"Host: \r\n" + unread[line_end + 1 :], closed)
                continue
            if event is not h11.NEED_DATA:
                break
            self.h11.receive_data(self.sock.recv(_RECEIVE))
        if not isinstance(event, h11.Request):  # the client closed between requests
            return None
        self.method = event.method
        headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in event.headers.raw_items()]
        headers = [(n, v) for n, v in headers if not (hostless and n.lower() == "host")]
        fields = dict(event.headers)
        if event.http_version not in (b"1.0", b"1.1"):
            raise h11.RemoteProtocolError("HTTP version", 505)
        if len(headers) > MAX_HEADERS or any(len(n) + len(v) + 2 > MAX_HEADER_LINE for n, v in headers):
            raise h11.RemoteProtocolError("headers", 431)
        if b"transfer-encoding" in fields:
            raise h11.RemoteProtocolError("Transfer-Encoding", 411)
        if int(fields.get(b"content-length", 0)) > MAX_BODY:
            raise h11.RemoteProtocolError("body", 413)
        body = b""
        while not isinstance(part := self.h11.next_event(), h11.EndOfMessage):
            if part is h11.NEED_DATA:
                self.h11.receive_data(self.sock.recv(_RECEIVE))
            elif isinstance(part, h11.Data):  # a body cut short raises: h11 knows its Content-Length
                body += part.data
        return Request.from_target(event.method.decode("ascii"), event.target.decode("ascii"), headers, body)

    def _send(self, response: Response) -> None:
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        reason = HTTPStatus(response.status).phrase
        data = self.h11.send(h11.Response(status_code=response.status, headers=headers, reason=reason))
        if self.method != b"HEAD":
            data += self.h11.send(h11.Data(data=response.body))
        self.sock.sendall(data + self.h11.send(h11.EndOfMessage()))


def _parser(data: bytes, closed: bool) -> h11.Connection:
    # A head larger than this is answered 431 by h11 before it is whole.
    connection = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADERS * MAX_HEADER_LINE)
    connection.receive_data(data)
    if closed:
        connection.receive_data(b"")
    return connection


@dataclass
class _Pending:  # a connection accepted, its request line not yet complete
    connection: socket.socket
    deadline: float
    received: bytearray = field(default_factory=bytearray)


def serve(emulator: Emulator | None = None, *, host: str = "127.0.0.1", port: int = 0) -> RunningEmulator:
    """Serve ``emulator`` (default: the demo's) on ``host:port`` (0: any free) until the result is closed,
    ``OSError`` if it cannot bind; beyond loopback ``/_emulator/*`` needs its token (made if unset)."""
    return RunningEmulator(emulator if emulator is not None else Emulator(), (host, port))


class RunningEmulator(contextlib.AbstractContextManager["RunningEmulator"]):
    """An emulator served (:func:`serve`): ``emulator`` what, ``url`` where; ended by :meth:`close`."""

    def __init__(self, emulator: Emulator, address: tuple[str, int]) -> None:
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        # A backlog of thousands: as many clients may connect at once.
        self._socket = socket.create_server(address, family=family, backlog=4096)
        host, port = str(self._socket.getsockname()[0]), self._socket.getsockname()[1]
        self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        self.emulator, self.accepted_connections = emulator, 0  # connections accepted since the start
        self._client: SaeJobClient | None = None
        self._connections: set[socket.socket] = set()
        self._closing, self._lock = threading.Event(), threading.Lock()
        self._wake_reader, self._wake_writer = socket.socketpair()
        emulator.add_stat("connections_accepted", lambda: self.accepted_connections)
        if not ipaddress.ip_address(host).is_loopback:
            emulator.introspection_token = emulator.introspection_token or secrets.token_urlsafe(24)
            logger.warning(
                "WARNING: listening on %s, beyond loopback: whoever reaches it may call it with the keys "
                "configured, and /_emulator/* needs the Bearer token given at start",
                self.url,
            )
        self._thread = threading.Thread(target=self._serve_until_closed, name="sae-emulator", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return f"RunningEmulator(url={self.url!r})"

    def _serve_until_closed(self) -> None:
        self._socket.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(self._socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            next_sweep = time.monotonic() + 1.0
            while not self._closing.is_set():
                for key, _ in selector.select(timeout=1.0):
                    if key.fileobj is self._socket:
                        self._accept_all(selector)
                    elif key.data is not None:
                        self._read_request_line(selector, key.data)
                if (now := time.monotonic()) >= next_sweep:  # once a second: cheap under a mass close
                    next_sweep = now + 1.0
                    for key in list(selector.get_map().values()):
                        if key.data is not None and key.data.deadline <= now:  # silent too long
                            selector.unregister(key.fileobj)
                            self._close(key.data.connection)
            for key in list(selector.get_map().values()):
                if key.data is not None:
                    self._close(key.data.connection)

    def _accept_all(self, selector: selectors.BaseSelector) -> None:
        # Every connection waiting, not one per select(): the listen queue empties as fast as it fills.
        deadline = time.monotonic() + IDLE_TIMEOUT
        while True:
            try:
                connection, _ = self._socket.accept()
            except BlockingIOError:  # none left
                return
            except OSError:  # out of files: the queue stays readable, so pause rather than spin
                self._closing.wait(0.05)
                return
            connection.setblocking(False)
            # A large body's last segment would otherwise wait for the client's delayed ACK (40 ms).
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._connections.add(connection)
                self.accepted_connections += 1
            selector.register(connection, selectors.EVENT_READ, _Pending(connection, deadline))

    def _read_request_line(self, selector: selectors.BaseSelector, pending: _Pending) -> None:
        connection = pending.connection
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
            self._close(connection)
            return
        connection.setblocking(True)
        # Not threading.Thread.start(), which waits until the thread runs.
        _thread.start_new_thread(self._serve, (connection, bytes(pending.received)))

    def _serve(self, connection: socket.socket, received: bytes) -> None:
        try:
            _Connection(self, connection, received).serve()
        except Exception:  # a client gone mid-answer is no news: no traceback per connection
            logger.debug("a connection ended with an error", exc_info=True)
        finally:
            self._close(connection)

    def _close(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)
        with contextlib.suppress(OSError):  # already closed by the client
            connection.shutdown(socket.SHUT_WR)
        connection.close()

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
        """A new :class:`~sae_job.SaeJobClient` here, ``options`` to its constructor; the caller closes it."""
        from sae_job.client import SaeJobClient

        options.setdefault("credentials", self.credentials)
        return SaeJobClient(endpoint=self.url, **options)

    @property
    def open_connections(self) -> int:
        """How many client connections the server holds open now."""
        return len(self._connections)

    def close(self) -> None:
        """Stop serving, wake stalled answers, close the client and every open connection; safe twice."""
        if self._client is not None:
            self._client.close()
            self._client = None
        self._closing.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"x")
        self._thread.join()
        for closed in (self._socket, self._wake_reader, self._wake_writer):
            closed.close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:  # wakes the threads that wait on them
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def __exit__(self, *exc_info: object) -> None:
        self.close()
