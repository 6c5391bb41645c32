"""What any answer means: the operation's typed result, or the :class:`~sae_job.SaeJobError` it stands
for. The generated call's ``Response.parsed`` is read; this module checks the fields the client relies on."""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, NamedTuple

import httpx

from sae_job.errors import (
    AmbiguousTemplateError,
    SaeError,
    SaeJobError,
    ServerError,
    TemplateNotFoundError,
    ThrottlingError,
    TransportError,
    UnexpectedResponseError,
    error_class_for,
)
from sae_job.models import HistoryPage, JobState, JobStatus, JobTemplate, Launch, TemplatePage
from sae_job.operations import DESCRIBE_JOB_HISTORY, DESCRIBE_JOB_STATUS, EXEC_JOB, LIST_JOBS, Operation
from sae_job.retries import Answer
from sae_job_api.models import Error as ApiError
from sae_job_api.types import Response, Unset

__all__ = [
    "job_status",
    "matching",
    "picked",
    "read_data",
    "read_exec_job",
    "read_history_page",
    "read_job_status",
    "read_reply",
    "read_templates_page",
]

# Epoch values at or above this are milliseconds (it is 2286 in seconds, 1970-04-26 in milliseconds).
_MILLISECONDS_FROM = 10_000_000_000


def epoch_time(value: object) -> datetime | None:
    """A wire timestamp (epoch seconds, or milliseconds told apart by magnitude) in UTC; None if none."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:  # NaN is not > 0
        return None
    seconds = value / 1000 if value >= _MILLISECONDS_FROM else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):  # infinity among them
        return None


def instance_count(value: object) -> int:
    """A wire instance count; 0 when missing, negative or not an integer."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def wire_value(model: object, name: str) -> Any:
    """A generated model's field; None when it is absent (``Unset``)."""
    value = getattr(model, name, None)
    return None if type(value).__name__ == "Unset" else value  # the name: sae_job_api loads later


def _reason(message: object) -> str | None:
    """A job's ``Message`` when it says what went wrong: ``success`` (a healthy job's) or nothing is none."""
    return message if isinstance(message, str) and message and message.lower() != "success" else None


def _instances(data: Any) -> dict[str, int]:
    """A job's ``Active``, ``Succeeded`` and ``Failed`` instance counts."""
    return {name: instance_count(wire_value(data, name)) for name in ("active", "succeeded", "failed")}


def job_status(data: Any, request_id: str | None, job_id: str | None = None) -> JobStatus:
    """A job's fields (the model of ``Data`` or of a ``Jobs`` entry); bad counts read as 0, times as None."""
    raw = wire_value(data, "state")
    raw_state = raw if isinstance(raw, str) else None if raw is None else str(raw)
    message = wire_value(data, "message")
    found = wire_value(data, "job_id")
    return JobStatus(
        job_id=found if isinstance(found, str) and found else job_id or "",
        state=JobState.from_wire(raw_state),
        raw_state=raw_state,
        **_instances(data),
        created_at=epoch_time(wire_value(data, "start_time")),  # StartTime: the creation time
        completed_at=epoch_time(wire_value(data, "completion_time")),
        message=_reason(message),
        request_id=request_id,
    )


class Reply(NamedTuple):
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
    kind: type[str] | type[bool],
    response: Response[Any],
    event_id: str | None,
) -> Any:
    """``model.attribute`` when absent (None) or of ``kind``; else the error naming ``wire_name``."""
    value = getattr(model, attribute, None)
    if value is None or isinstance(value, kind):
        return value
    if isinstance(value, Unset):
        return None
    raise _WrongType(wire_name, value, response, event_id)


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
    """``x-acs-retry-after`` in seconds: the header is whole milliseconds, as the official SDK reads it
    (``int(value)``; 0 or less, or anything else, is no wait asked for)."""
    value = response.headers.get("x-acs-retry-after")  # pragma: no mutate (header names are case-insensitive)
    try:
        milliseconds = int(value) if value is not None else 0
    except ValueError:
        return None
    return milliseconds / 1000 if milliseconds > 0 else None


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
        message = f"no answer from SAE ({type(exc).__name__}: {exc}) for event {event_id}"
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
    tail = f" (event {event_id})" if event_id is not None else ""
    return UnexpectedResponseError(
        f"HTTP {status} answer that the {operation.action} spec does not describe{tail}",
        status_code=status,
        body=response.content,
        event_id=event_id,
    )


def _names_an_error(reply: Reply) -> bool:
    """Whether a 200 answer's ``Code``/``ErrorCode`` names an error (a gateway may answer 200 so)."""
    return any(code and code != "200" for code in reply.codes)


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
            f"{answer.problem} (event {event_id})",
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
    if reply.success is False or (data is None and _names_an_error(reply)):
        return failed_call(reply, event_id)
    if not job_id:
        return UnexpectedResponseError(
            f"HTTP 200 answer with no job ID in Data.Data (event {event_id})",
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
    if reply.success is False or (reply.data is None and _names_an_error(reply)):
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


def _named_text(model: object, name: str) -> str | None:
    value = wire_value(model, name)
    return value if isinstance(value, str) and value else None


def job_template(data: Any) -> JobTemplate | None:
    """An ``Applications`` entry as a :class:`JobTemplate`; None without ``AppId`` or ``AppName``."""
    app_id, name = _named_text(data, "app_id"), _named_text(data, "app_name")
    if app_id is None or name is None:
        return None
    raw = wire_value(data, "last_job_state")
    raw_state = None if raw is None or isinstance(raw, bool) else str(raw)
    tags = {}
    for tag in wire_value(data, "tags") or ():
        key, value = wire_value(tag, "key"), wire_value(tag, "value")
        if isinstance(key, str):
            tags[key] = value if isinstance(value, str) else ""
    return JobTemplate(
        app_id=app_id,
        name=name,
        namespace_id=_named_text(data, "namespace_id"),
        region_id=_named_text(data, "region_id"),
        description=_named_text(data, "app_description"),
        suspended=wire_value(data, "suspend") is True,
        last_job_state=None if raw_state is None else JobState.from_wire(raw_state),
        raw_last_job_state=raw_state,
        last_start_time=epoch_time(wire_value(data, "last_start_time")),
        completion_time=epoch_time(wire_value(data, "completion_time")),
        **_instances(data),
        message=_reason(wire_value(data, "message")),
        tags=tags,
    )


def read_templates_page(answer: Answer, attempt: int) -> TemplatePage | SaeJobError:
    """What a ListJobs answer means: one page of templates, or the error."""
    reply = read_data(LIST_JOBS, answer, attempt)
    if isinstance(reply, SaeJobError):
        return reply
    assert isinstance(answer, Response)  # read_data answered a transport error already
    entries = wire_value(reply.data, "applications") or []
    templates = [job_template(entry) for entry in entries]
    if None in templates:
        return UnexpectedResponseError(
            "HTTP 200 answer to ListJobs with a template that has no AppId or AppName",
            status_code=int(answer.status_code),
            body=answer.content,
        )

    def number(name: str) -> int:
        # The page's position is in Data and again at the top; Data's first.
        return instance_count(wire_value(reply.data, name)) or instance_count(wire_value(reply, name))

    found = [template for template in templates if template is not None]
    return TemplatePage(
        found, number("current_page"), number("page_size"), number("total_size"), reply.request_id
    )


def matching(name: str, namespace_id: str | None, page: TemplatePage) -> list[JobTemplate]:
    """The templates of ``page`` named exactly ``name`` (in ``namespace_id``): all a name lookup keeps."""
    return [t for t in page.templates if t.name == name and namespace_id in (None, t.namespace_id)]


def picked(
    name: str, namespace_id: str | None, matches: list[JobTemplate], request_id: str | None
) -> JobTemplate:
    """The one of ``matches``; else raises :class:`~sae_job.TemplateNotFoundError` or
    :class:`~sae_job.AmbiguousTemplateError`."""
    if len(matches) == 1:
        return matches[0]
    where = f" in namespace {namespace_id}" if namespace_id is not None else ""
    if not matches:
        error = TemplateNotFoundError(
            "TemplateNotFound",
            f"no job template is named {name!r}{where} (the name must match exactly)",
            request_id=request_id,
        )
        error.name, error.namespace_id = name, namespace_id
        raise error
    namespaces = tuple(sorted({t.namespace_id or "?" for t in matches}))
    ids = ", ".join(f"{t.app_id} in {t.namespace_id or '?'}" for t in matches)
    ambiguous = AmbiguousTemplateError(
        "AmbiguousTemplate",
        f"{len(matches)} job templates are named {name!r}{where} ({ids}); pick one with "
        f"namespace_id=NAMESPACE: {', '.join(namespaces)}",
        request_id=request_id,
    )
    ambiguous.name, ambiguous.namespaces = name, namespaces
    ambiguous.templates = tuple((t.app_id, t.namespace_id) for t in matches)
    raise ambiguous
