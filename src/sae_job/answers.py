"""What any answer means: the operation's typed result, or the :class:`~sae_job.SaeJobError` it stands
for. The generated call's ``Response.parsed`` is read; this module checks the fields the client relies on."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx

from sae_job.attempts import Answer
from sae_job.errors import (
    SaeError,
    SaeJobError,
    ServerError,
    ThrottlingError,
    TransportError,
    UnexpectedResponseError,
    error_class_for,
)
from sae_job.jobs import HistoryPage, JobStatus, job_status
from sae_job.operations import DESCRIBE_JOB_HISTORY, DESCRIBE_JOB_STATUS, EXEC_JOB, Operation
from sae_job_api.models import Error as ApiError
from sae_job_api.types import Response, Unset

__all__ = [
    "Launch",
    "Reply",
    "failed_call",
    "read_data",
    "read_exec_job",
    "read_history_page",
    "read_job_status",
    "read_reply",
    "transport_error",
]

NO_SECOND_JOB = "calling again with the same event_id cannot start a second job"


@dataclass(frozen=True, slots=True)
class Launch:
    """A job that ExecJob started."""

    job_id: str
    """The new job's ID, ``manual-…``."""
    request_id: str
    trace_id: str | None
    event_id: str
    """The event ID the job was started under: the caller's, or the one generated for the call."""
    app_id: str
    attempts: int = 1
    """How many requests it took (retries included)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A 200 answer in the spec's form: its envelope and its ``Data``, as the generated model read them."""

    request_id: str
    trace_id: str | None
    success: bool | None
    codes: tuple[str | None, ...]
    """``ErrorCode`` and ``Code``, the first that says more than ``200`` explaining a failure."""
    message: str | None
    data: Any
    """The generated model of ``Data``, or None when the answer had none."""
    status_code: int


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _field(
    model: object,
    attribute: str,
    wire_name: str,
    kind: type | tuple[type, ...],
    response: Response[Any],
    event_id: str | None,
) -> Any:
    """``model.attribute`` when absent (None) or of ``kind``; else the error naming ``wire_name``."""
    value = getattr(model, attribute, None)
    if value is None or isinstance(value, Unset):
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise _WrongType(wire_name, value, response, event_id)
    if not isinstance(value, kind):
        raise _WrongType(wire_name, value, response, event_id)
    return value


class _WrongType(Exception):
    def __init__(self, wire_name: str, value: object, response: Response[Any], event_id: str | None) -> None:
        super().__init__(wire_name)
        self.error = UnexpectedResponseError(
            f"HTTP {int(response.status_code)} answer whose {wire_name} is {type(value).__name__} "
            f"{value!r:.60}, which the spec does not allow",
            status_code=int(response.status_code),
            body=response.content,
            event_id=event_id,
        )


def _retry_after(response: Response[Any]) -> float | None:
    value = response.headers.get("x-acs-retry-after")  # pragma: no mutate (header names are case-insensitive)
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < float("inf") else None


def _status_code_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.replace(" ", "")
    except ValueError:
        return f"HTTP{status}"


def transport_error(
    exc: httpx.TransportError, operation: Operation, event_id: str | None, attempt: int
) -> TransportError:
    """No answer: what the caller is told, with the httpx error as its cause."""
    if event_id is not None:
        message = f"no answer from SAE ({type(exc).__name__}: {exc}) for event {event_id}; {NO_SECOND_JOB}"
    else:
        message = f"no answer from SAE to {operation.action} ({type(exc).__name__}: {exc})"
    # Could not connect (no such name, refused, TLS handshake failed, connect timeout): nothing was sent.
    sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
    error = TransportError(message, event_id=event_id, attempts=attempt, sent=sent)
    # The cause without its request: the request's headers carry the STS token.
    error.__cause__ = type(exc)(str(exc))
    return error


def _error_answer(parsed: Any, response: Response[Any], event_id: str | None) -> SaeError:
    code = _field(parsed, "code", "Code", str, response, event_id)
    message = _field(parsed, "message", "Message", str, response, event_id)
    request_id = _field(parsed, "request_id", "RequestId", str, response, event_id)
    status = int(response.status_code)
    if not code:
        code = _status_code_name(status)
    return error_class_for(code, status)(
        code,
        message or f"HTTP {status}",
        request_id=request_id,
        trace_id=_text(getattr(parsed, "trace_id", None)),
        status_code=status,
        recommend=_text(getattr(parsed, "recommend", None)),
        host_id=_text(getattr(parsed, "host_id", None)),
        retry_after=_retry_after(response),
        event_id=event_id,
    )


def read_reply(
    operation: Operation, response: Response[Any], event_id: str | None = None
) -> Reply | SaeJobError:
    """A 200 answer in the spec's form as a :class:`Reply` (``Success`` may still be false); any other
    answer as the error it stands for, carrying ``event_id``."""
    parsed = response.parsed
    status = int(response.status_code)
    try:
        if status == 200 and parsed is not None and not isinstance(parsed, ApiError):
            request_id = _field(parsed, "request_id", "RequestId", str, response, event_id)
            if request_id is None:
                raise _WrongType("RequestId", None, response, event_id)
            data = getattr(parsed, "data", None)
            return Reply(
                request_id,
                _text(getattr(parsed, "trace_id", None)),
                _field(parsed, "success", "Success", bool, response, event_id),
                (
                    _field(parsed, "error_code", "ErrorCode", str, response, event_id),
                    _field(parsed, "code", "Code", str, response, event_id),
                ),
                _field(parsed, "message", "Message", str, response, event_id),
                None if isinstance(data, Unset) else data,
                status,
            )
        if isinstance(parsed, ApiError):
            return _error_answer(parsed, response, event_id)
    except _WrongType as wrong:
        return wrong.error
    if status >= 500 or status == 429:
        cls = ServerError if status >= 500 else ThrottlingError
        return cls(
            _status_code_name(status),
            f"HTTP {status} with no error in the spec's form",
            status_code=status,
            retry_after=_retry_after(response),
            event_id=event_id,
        )
    tail = f" (event {event_id}); {NO_SECOND_JOB}" if event_id is not None else ""
    return UnexpectedResponseError(
        f"HTTP {status} answer that the {operation.action} spec does not describe{tail}",
        status_code=status,
        body=response.content,
        event_id=event_id,
    )


def failed_call(
    reply: Reply,
    event_id: str | None,
    codes: tuple[str | None, ...] = (),
    messages: tuple[str | None, ...] = (),
    fallback: tuple[str, str] = ("JobNotStarted", "the job was not started"),
) -> SaeError:
    """The error of a 200 answer saying it failed: the first telling code and message, ``codes`` and
    ``messages`` first."""
    code = next((c for c in (*codes, *reply.codes) if c and c != "200"), fallback[0])
    message = next((m for m in (*messages, reply.message) if m and m != "success"), fallback[1])
    return error_class_for(code, reply.status_code)(
        code,
        message,
        request_id=reply.request_id,
        trace_id=reply.trace_id,
        status_code=reply.status_code,
        event_id=event_id,
    )


def read_exec_job(answer: Answer, attempt: int, *, app_id: str, event_id: str) -> Launch | SaeJobError:
    """What an ExecJob answer means: the started job, or the error to raise (or retry on)."""
    if isinstance(answer, httpx.TransportError):
        return transport_error(answer, EXEC_JOB, event_id, attempt)
    if isinstance(answer, UnexpectedResponseError):
        return UnexpectedResponseError(
            f"{answer} (event {event_id}); {NO_SECOND_JOB}",
            status_code=int(answer.status_code),
            body=answer.body,
            event_id=event_id,
        )
    reply = read_reply(EXEC_JOB, answer, event_id)
    if isinstance(reply, SaeJobError):
        return reply
    data = reply.data
    try:
        job_id = _field(data, "data", "Data.Data", str, answer, event_id)
        inner_failed = _field(data, "success", "Data.Success", str, answer, event_id) == "false"
    except _WrongType as wrong:
        return wrong.error
    if inner_failed:  # the job's own verdict explains more than the call's
        return failed_call(
            reply, event_id, (_text(getattr(data, "code", None)),), (_text(getattr(data, "msg", None)),)
        )
    if reply.success is False:
        return failed_call(reply, event_id)
    if not job_id:
        return UnexpectedResponseError(
            f"HTTP 200 answer with no job ID in Data.Data (event {event_id}); {NO_SECOND_JOB}",
            status_code=int(answer.status_code),
            body=answer.content,
            event_id=event_id,
        )
    return Launch(job_id, reply.request_id, reply.trace_id, event_id, app_id, attempt)


def read_data(operation: Operation, answer: Answer, attempt: int) -> Reply | SaeJobError:
    """A successful answer that carries ``Data``, or the error any other answer stands for."""
    if isinstance(answer, httpx.TransportError):
        return transport_error(answer, operation, None, attempt)
    if isinstance(answer, UnexpectedResponseError):
        return answer
    reply = read_reply(operation, answer)
    if isinstance(reply, SaeJobError):
        return reply
    if reply.success is False:
        return failed_call(reply, None, fallback=(f"{operation.action}.Failed", "the call failed"))
    if reply.data is None:
        return UnexpectedResponseError(
            f"HTTP 200 answer to {operation.action} with no Data",
            status_code=int(answer.status_code),
            body=answer.content,
        )
    return reply


def read_job_status(answer: Answer, attempt: int, *, job_id: str | None) -> JobStatus | SaeJobError:
    """What a DescribeJobStatus answer means: the job's status, or the error."""
    reply = read_data(DESCRIBE_JOB_STATUS, answer, attempt)
    if isinstance(reply, SaeJobError):
        return reply
    return job_status(reply.data, reply.request_id, job_id)


def read_history_page(answer: Answer, attempt: int) -> HistoryPage | SaeJobError:
    """What a DescribeJobHistory answer means: one page of jobs, or the error."""
    reply = read_data(DESCRIBE_JOB_HISTORY, answer, attempt)
    if isinstance(reply, SaeJobError):
        return reply
    data = reply.data
    entries = getattr(data, "jobs", None)
    jobs = [job_status(entry, reply.request_id) for entry in entries] if isinstance(entries, list) else []

    def number(name: str) -> int:
        value = getattr(data, name, None)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    return HistoryPage(jobs, number("current_page"), number("page_size"), number("total_size"))
