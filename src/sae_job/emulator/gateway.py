"""SAE's API gateway before the backend (moto's ``responses`` and ``urls``): :meth:`Emulator.handle` routes by
the spec, injects faults, authenticates, checks the query, calls the operation and answers."""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from sae_job.emulator.auth import DEFAULT_WINDOW, AuthFailure, Caller, NonceCache, verify_request
from sae_job.emulator.backend import Backend, Job, JobError
from sae_job.emulator.config import EmulatorConfig, default_config
from sae_job.emulator.control import answer_control
from sae_job.emulator.faults import FaultInjector, FaultKind, Faults
from sae_job.emulator.messages import Request, Response, json_response
from sae_job.emulator.spec import Operation, ParameterError, Spec, load_spec, python_name
from sae_job.signing import decoded_query

logger = logging.getLogger("sae_job.emulator")

DEFAULT_HOST_ID = "sae.cn-hangzhou.aliyuncs.com"
_UTC_NOW = functools.partial(datetime.now, UTC)
_NOT_FOUND = (404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
_UNAVAILABLE = (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
_RAM_DENIED = "User not authorized to operate on the specified resource, or this API doesn't support RAM."


@dataclass(slots=True)
class Refusal(Exception):
    """An error answer (a harness's own refusals too); ``gateway``: the gateway sends it, not the service."""

    status: int
    code: str
    message: str
    gateway: bool = True
    headers: tuple[tuple[str, str], ...] = ()

    def answer(self, host_id: str = DEFAULT_HOST_ID) -> Response:
        request_id = str(uuid.uuid4()).upper()
        body = {"RequestId": request_id, "Code": self.code, "Message": self.message, "HostId": host_id}
        if self.gateway:
            body["Recommend"] = f"https://api.aliyun.com/troubleshoot?q={self.code}&product=sae"
        extra = [("x-acs-request-id", request_id), *self.headers]
        return json_response(self.status, {**body, "Success": False}, extra)


class Emulator:
    """SAE's job operations behind its gateway, in memory, thread-safe. ``clock`` (aware) drives signatures
    and jobs; ``window``: the clock skew allowed; ``nonce_window``: nonces kept that long after arrival,
    whatever their date; ``max_jobs`` kept, the oldest forgotten first."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        clock: Callable[[], datetime] = _UTC_NOW,
        window: timedelta = DEFAULT_WINDOW,
        nonce_window: timedelta | None = None,
        max_jobs: int = 10_000,
        spec: Spec | None = None,
    ) -> None:
        self.config = config if config is not None else default_config()
        self.spec = spec if spec is not None else load_spec()
        self.backend = Backend(self.config, self.spec.operation("ExecJob"), clock=clock, max_jobs=max_jobs)
        self._clock, self._nonces = clock, NonceCache(nonce_window or window, by_date=nonce_window is None)
        keys = {c.access_key_id: c for c in self.config.credentials}
        self._verify = functools.partial(verify_request, credentials=keys, nonces=self._nonces, window=window)
        self._injector = FaultInjector(self.config.faults)
        self._stats_lock = threading.Lock()
        self._answers, self._faults = Counter[str](), Counter[str]()  # by code, and the faults by kind
        self._stat_sources: dict[str, Callable[[], int]] = {}
        #: When set, ``/_emulator/*`` needs ``Authorization: Bearer <it>`` (else 401); set beyond loopback.
        self.introspection_token: str | None = None

    def __repr__(self) -> str:
        return f"Emulator({self.config!r})"

    @property
    def faults(self) -> Faults:
        """The faults injected now (``config.faults`` until :meth:`set_faults`)."""
        return self._injector.faults

    def set_faults(self, faults: Faults | None = None) -> None:
        """Inject ``faults`` from now on (None or ``Faults()``: none), their draws seeded afresh."""
        self._injector = FaultInjector(faults if faults is not None else Faults())

    def jobs(self) -> list[Job]:
        """Every job started since the start or :meth:`reset`, oldest first, as it is now."""
        return self.backend.jobs()

    def finish(self, job_id: str, failed: bool = False, message: str | None = None) -> Job:
        """End the job ``job_id`` now, succeeded or ``failed``, and return it; ``KeyError`` for none held."""
        return self.backend.finish(job_id, failed, message)

    def reset(self) -> None:
        """Forget every job, event ID, nonce and count (not the configuration or the faults)."""
        self.backend.reset()
        self._nonces.clear()
        with self._stats_lock:
            self._answers, self._faults = Counter(), Counter()

    def stats(self) -> dict[str, Any]:
        """Counts since the start or :meth:`reset`, as ``GET /_emulator/stats`` shows them."""
        with self._stats_lock:
            answers, faults = dict(self._answers), dict(self._faults)
        counts = {"requests": sum(answers.values()), "answers": answers, "faults": faults}
        counts |= self.backend.counts() | {"nonces_held": len(self._nonces)}
        return counts | {name: source() for name, source in self._stat_sources.items()}

    def add_stat(self, name: str, source: Callable[[], int]) -> None:
        """Show ``source()`` as ``name`` in :meth:`stats` (a harness adds what only it counts)."""
        self._stat_sources[name] = source

    def handle(self, request: Request) -> Response:
        """The answer to ``request``, faults included; never raises (a bug answers 500 ``InternalError``)."""
        host_id = request.header("host") or DEFAULT_HOST_ID
        injector = self._injector
        operation = self.spec.route(request.method, unquote(request.path))
        fault = injector.draw() if operation is not None else None  # introspection is never faulted
        try:
            response, code = self._answer(request, operation, fault), "200"
        except Refusal as refusal:
            logger.info("%s %s -> %d %s", request.method, request.path, refusal.status, refusal.code)
            response, code = refusal.answer(host_id), refusal.code
        except Exception:  # an emulator bug must still answer in the spec's form
            logger.exception("%s %s -> 500 InternalError", request.method, request.path)
            message = "The request processing has failed due to some unknown error."
            response, code = Refusal(500, "InternalError", message, False).answer(host_id), "InternalError"
        with self._stats_lock:
            self._answers[code] += 1
            if fault is not None:
                self._faults[fault] += 1
        if fault is None and not (injector.faults.latency_ms and operation is not None):
            return response
        delay = injector.faults.latency_ms / 1000 + (injector.faults.stall_seconds if fault == "stall" else 0)
        if fault is not None:
            logger.info("%s %s: injected %s", request.method, request.path, fault)
        return replace(response, delay=delay, drop=fault == "drop_after_commit")

    def _answer(self, request: Request, operation: Operation | None, fault: FaultKind | None) -> Response:
        if operation is None:
            if (answer := answer_control(self, request)) is None:
                raise Refusal(*_NOT_FOUND)
            return answer
        if fault == "error_503":  # before anything is done: no job, no nonce used up
            raise Refusal(*_UNAVAILABLE)
        if fault == "throttle":  # x-acs-retry-after in whole milliseconds, as the gateway sends it
            retry_after = (("x-acs-retry-after", str(round(self.faults.retry_after * 1000))),)
            message = "Request was denied due to user flow control."
            raise Refusal(self.faults.throttle_status, "Throttling.User", message, headers=retry_after)
        caller = self._authenticate(request, operation)
        try:
            params = operation.check_query(decoded_query(request.query))
            # As moto dispatches: an operation of the spec to the backend's method of its name (exec_job).
            fields = getattr(self.backend, python_name(operation.operation_id))(params, caller, self._clock())
        except ParameterError as exc:
            raise Refusal(400, exc.code, exc.message) from None
        except JobError as exc:
            raise Refusal(400, exc.code, exc.message, gateway=False) from None
        request_id = str(uuid.uuid4()).upper()
        body = {"RequestId": request_id, "Message": "success", "TraceId": uuid.uuid4().hex[:30], **fields}
        body |= {"Code": "200", "Success": True}
        return json_response(200, body, [("x-acs-request-id", request_id)])

    def _authenticate(self, request: Request, operation: Operation) -> Caller:
        try:
            caller = self._verify(**asdict(request), now=self._clock())
        except AuthFailure as failure:
            logger.info("authentication failed: %s", failure.reason or failure.code)
            raise Refusal(failure.status, failure.code, failure.message) from None
        if caller.access_key_id in self.config.ram_denied:
            raise Refusal(403, "Forbidden.RAM", _RAM_DENIED)
        if request.header("x-acs-version") != self.spec.version:
            raise Refusal(400, "InvalidVersion", "Specified parameter Version is not valid.")
        action = request.header("x-acs-action")
        # V3 routes by x-acs-action; ROA by the path, and the SDKs send the action too.
        if (caller.signature_version == "v3" or action is not None) and action != operation.operation_id:
            raise Refusal(*_NOT_FOUND)
        return caller
