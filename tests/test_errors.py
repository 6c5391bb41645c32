"""The error mapping (``sae_job.errors``): which class an answer becomes, what ``str()`` reads, what an
error keeps of a body, and that every error survives pickling (a process pool, a task queue)."""

from __future__ import annotations

import pickle

import pytest

from sae_job import errors
from sae_job.errors import (
    NO_SECOND_JOB,
    AmbiguousTemplateError,
    ApplicationNotFoundError,
    AuthenticationError,
    CredentialsError,
    CredentialsNotFoundError,
    InvalidParameterError,
    JobFailedError,
    JobForbidPolicyError,
    JobRefusedError,
    JobSuspendError,
    NamespaceNotFoundError,
    SaeError,
    SaeJobError,
    ServerError,
    TemplateNotFoundError,
    ThrottlingError,
    TransportError,
    UnexpectedResponseError,
    UserInDebtError,
    WaitTimeoutError,
    error_class_for,
)

# --- error_class_for: an unknown code falls back on the HTTP status ------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_an_unknown_code_with_a_5xx_status_is_a_server_error(status: int) -> None:
    # Rule: any status from 500 up means the service failed, whatever the code (500 itself included).
    assert error_class_for("Some.NewCode", status) is ServerError


@pytest.mark.parametrize("status", [499, 400, 404, 200, None])
def test_an_unknown_code_below_500_is_not_a_server_error(status: int | None) -> None:
    # Rule: a status under 500 (or none) does not make an unknown code a server failure.
    assert error_class_for("Some.NewCode", status) is SaeError


@pytest.mark.parametrize("code", ["ServiceUnavailable", "InternalError"])
@pytest.mark.parametrize("status", [None, 200, 400])
def test_service_unavailable_and_internal_error_are_server_errors_whatever_the_status(
    code: str, status: int | None
) -> None:
    # Rule: these two codes mean the service failed even when no 5xx status came with them.
    assert error_class_for(code, status) is ServerError


def test_an_unknown_code_with_http_429_is_throttling() -> None:
    # Rule: HTTP 429 means "too many requests" even when the code is not one of the Throttling.* codes.
    assert error_class_for("Some.NewCode", 429) is ThrottlingError


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("InvalidApplication.NotFound", ApplicationNotFoundError),
        ("JobForbidPolicy", JobForbidPolicyError),
        ("JobSuspend", JobSuspendError),
        ("user.indebt", UserInDebtError),
        ("SignatureDoesNotMatch", AuthenticationError),
        ("InvalidAccessKeyId.NotFound", AuthenticationError),
        ("Throttling.User", ThrottlingError),
        ("MissingAppId", InvalidParameterError),
    ],
)
@pytest.mark.parametrize("status", [None, 400, 500, 503, 429])
def test_a_known_code_wins_over_the_status(code: str, cls: type[SaeError], status: int | None) -> None:
    # Rule: the code is more specific than the status: a documented code keeps its class on any status.
    assert error_class_for(code, status) is cls


# --- what str() reads -----------------------------------------------------------------------------------


def test_str_of_an_error_with_a_request_id_names_it() -> None:
    error = ApplicationNotFoundError("InvalidApplication.NotFound", "No such app.", request_id="67DD-1")
    assert str(error) == "InvalidApplication.NotFound: No such app. (request 67DD-1)"


@pytest.mark.parametrize("request_id", [None, ""])
def test_str_of_an_error_without_a_request_id_says_nothing_of_one(request_id: str | None) -> None:
    # Rule: no request ID, no "(request ...)": never "(request None)".
    error = SaeError("Some.Code", "Something failed.", request_id=request_id)
    assert str(error) == "Some.Code: Something failed."
    assert "request" not in str(error) and "None" not in str(error)
    assert error.args == ("Some.Code: Something failed.",)


def test_repr_names_the_class_code_message_and_request_id() -> None:
    # Rule: a log line or a debugger shows which class it is, and the three fields a reader acts on.
    error = JobSuspendError("JobSuspend", "The job is suspended.", request_id="67DD-7")
    assert repr(error) == (
        "JobSuspendError(code='JobSuspend', message='The job is suspended.', request_id='67DD-7')"
    )


# --- what an error carries ------------------------------------------------------------------------------


def test_an_sae_error_keeps_every_field_the_answer_gave() -> None:
    # Rule: each field of the error answer reaches the caller under its own name (a support ticket needs
    # the request, trace and host IDs; the recommend link says what to do).
    error = SaeError(
        "Some.Code",
        "Something failed.",
        request_id="67DD-2",
        trace_id="trace-3",
        status_code=503,
        recommend="https://api.aliyun.com/troubleshoot?q=Some.Code",
        host_id="sae.cn-hangzhou.aliyuncs.com",
        retry_after=1.5,
        event_id="evt-4",
    )
    assert vars(error) == {
        "code": "Some.Code",
        "message": "Something failed.",
        "request_id": "67DD-2",
        "trace_id": "trace-3",
        "status_code": 503,
        "recommend": "https://api.aliyun.com/troubleshoot?q=Some.Code",
        "host_id": "sae.cn-hangzhou.aliyuncs.com",
        "retry_after": 1.5,
        "event_id": "evt-4",
    }


def test_a_transport_error_counts_one_attempt_and_may_have_been_sent_unless_told_otherwise() -> None:
    error = TransportError("connection refused")
    assert (error.attempts, error.event_id, error.sent, str(error)) == (1, None, True, "connection refused")
    assert TransportError("refused", sent=False).sent is False


# --- UnexpectedResponseError: the message, and at most 2,000 bytes of the body ------------------------


def test_an_unexpected_response_keeps_its_message_status_and_body() -> None:
    error = UnexpectedResponseError("not JSON: teapot", status_code=418, body=b"teapot", event_id="e-1")
    # with an event ID (ExecJob's), the message says what calling again does; problem is the rest
    assert str(error) == f"not JSON: teapot; {NO_SECOND_JOB}" and error.problem == "not JSON: teapot"
    assert (error.status_code, error.body, error.event_id) == (418, b"teapot", "e-1")
    assert str(UnexpectedResponseError("not JSON", status_code=418, body=b"")) == "not JSON"
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_an_unexpected_response_keeps_only_the_first_2000_bytes_of_the_body() -> None:
    # Rule: an error held in memory or logged never carries a whole (maybe huge) answer.
    body = bytes(range(256)) * 20  # 5,120 bytes
    error = UnexpectedResponseError("too long", status_code=200, body=body)
    assert error.body == body[:2000] and len(error.body) == 2000
    assert UnexpectedResponseError("exact", status_code=200, body=body[:2000]).body == body[:2000]
    assert UnexpectedResponseError("short", status_code=200, body=body[:1999]).body == body[:1999]


# --- pickling: every class, every attribute ---------------------------------------------------------


SAE_ERROR_CLASSES = [
    SaeError,
    JobRefusedError,
    ApplicationNotFoundError,
    JobForbidPolicyError,
    JobSuspendError,
    NamespaceNotFoundError,
    UserInDebtError,
    WaitTimeoutError,
    AuthenticationError,
    ThrottlingError,
    ServerError,
    InvalidParameterError,
    JobFailedError,
    WaitTimeoutError,
    TemplateNotFoundError,
    AmbiguousTemplateError,
]


def test_the_list_above_is_every_error_class() -> None:
    public = {getattr(errors, name) for name in errors.__all__ if isinstance(getattr(errors, name), type)}
    others = {
        SaeJobError,
        CredentialsError,
        CredentialsNotFoundError,
        TransportError,
        UnexpectedResponseError,
    }
    assert public == set(SAE_ERROR_CLASSES) | others


@pytest.mark.parametrize("cls", SAE_ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_pickling_an_sae_error_keeps_its_class_and_every_attribute(cls: type[SaeError]) -> None:
    error = cls(
        "Some.Code",
        "Something failed.",
        request_id="67DD-2",
        trace_id="trace-3",
        status_code=503,
        recommend="https://api.aliyun.com/troubleshoot?q=Some.Code",
        host_id="sae.cn-hangzhou.aliyuncs.com",
        retry_after=1.5,
        event_id="evt-4",
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert vars(copy) == vars(error)
    assert (str(copy), repr(copy)) == (str(error), repr(error))


def test_pickling_an_sae_error_keeps_its_args() -> None:
    error = SaeError("Some.Code", "Something failed.", request_id="67DD-2")
    assert pickle.loads(pickle.dumps(error)).args == error.args


@pytest.mark.parametrize(
    "error",
    [
        SaeJobError("plain"),
        CredentialsError("unusable"),
        CredentialsNotFoundError("none found"),
        TransportError("connection reset", event_id="evt-5", attempts=3),
        TransportError("connection refused", event_id="evt-7", attempts=2, sent=False),
        UnexpectedResponseError("not JSON", status_code=502, body=b"<html>", event_id="evt-6"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_pickling_the_other_errors_keeps_their_class_and_every_attribute(error: SaeJobError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert vars(copy) == vars(error)
    assert (copy.args, str(copy)) == (error.args, str(error))


# --- an STS token quoted back by the server ---------------------------------------------------------


@pytest.mark.parametrize(
    ("quoted", "shown"),
    [
        ("x-acs-security-token:CAIS.a/b+c==\n/pop", "x-acs-security-token:<redacted>\n/pop"),
        ('{"x-acs-security-token": "CAIS1"}', '{"x-acs-security-token": "<redacted>"}'),
        ("X-Acs-Security-Token = CAIS1, next", "X-Acs-Security-Token = <redacted>, next"),
        ("?SecurityToken=CAIS%2F1&AppId=a", "?SecurityToken=<redacted>&AppId=a"),
        ("no token here", "no token here"),
    ],
)
def test_a_token_quoted_as_a_header_or_a_parameter_is_replaced_by_redacted_and_the_rest_kept(
    quoted: str, shown: str
) -> None:
    assert errors.redact_secrets(quoted) == shown
    assert SaeError("SignatureDoesNotMatch", quoted).message == shown
    unexpected = UnexpectedResponseError(quoted, status_code=400, body=quoted.encode())
    assert (str(unexpected), unexpected.body) == (shown, shown.encode())
