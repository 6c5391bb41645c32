"""What an answer means, without I/O (``sae_job.answers``): each operation's result, or the typed error an
answer stands for, with the message a caller reads."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from sae_job.answers import (
    read_data,
    read_exec_job,
    read_history_page,
    read_job_status,
    read_reply,
)
from sae_job.errors import (
    NO_SECOND_JOB,
    ApplicationNotFoundError,
    AuthenticationError,
    JobSuspendError,
    SaeError,
    ServerError,
    ThrottlingError,
    TransportError,
    UnexpectedResponseError,
)
from sae_job.models import HistoryPage, JobState, JobStatus, Launch
from sae_job.operations import DESCRIBE_JOB_HISTORY, DESCRIBE_JOB_STATUS, EXEC_JOB, Operation
from sae_job.retries import Answer
from tests.conftest import generated_answer

REQUEST = httpx.Request("GET", "https://sae.cn-hangzhou.aliyuncs.com/pop/v1/sam/job/execJob")


def answer(
    status: int, body: object = None, headers: dict[str, str] | None = None, operation: Operation = EXEC_JOB
) -> Answer:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    heads = {"content-type": "application/json", **(headers or {})}
    return generated_answer(
        httpx.Response(status, content=content, headers=heads, request=REQUEST), operation
    )


def launched(**data: Any) -> dict[str, Any]:
    return {
        "RequestId": "R-1",
        "TraceId": "T-1",
        "Code": "200",
        "Message": "success",
        "Success": True,
        "Data": {"Data": "manual-1", "Success": "true", "Code": "200", "Msg": "success", **data},
    }


def exec_job(response: httpx.Response | httpx.TransportError, attempt: int = 1) -> object:
    return read_exec_job(response, attempt, app_id="app-1", event_id="evt-1")


# --- ExecJob ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("no SYN-ACK"), False),
        (httpx.ReadTimeout("no answer"), True),
        (httpx.RemoteProtocolError("closed mid-answer"), True),
        (httpx.WriteError("broken pipe"), True),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_no_answer_says_whether_the_request_may_have_reached_the_server(
    cause: httpx.TransportError, sent: bool
) -> None:
    error = exec_job(cause)
    assert isinstance(error, TransportError) and error.sent is sent


def test_a_started_job_is_a_launch_with_every_id() -> None:
    assert exec_job(answer(200, launched()), 2) == Launch("manual-1", "R-1", "T-1", "evt-1", "app-1", 2)


def test_no_answer_is_a_transport_error_that_says_a_retry_is_safe() -> None:
    cause = httpx.ConnectError("refused")
    error = exec_job(cause, 3)
    assert isinstance(error, TransportError)
    # the cause is a copy without the request, whose headers carry the STS token
    assert type(error.__cause__) is httpx.ConnectError and str(error.__cause__) == "refused"
    with pytest.raises(RuntimeError):
        error.__cause__.request  # noqa: B018
    assert (error.event_id, error.attempts) == ("evt-1", 3)
    assert str(error) == f"no answer from SAE (ConnectError: refused) for event evt-1; {NO_SECOND_JOB}"


def test_a_job_refused_inside_a_200_answer_takes_the_job_s_own_code_and_message() -> None:
    body = launched(Data="", Success="false", Code="JobSuspend", Msg="template is suspended")
    error = exec_job(answer(200, body))
    assert isinstance(error, JobSuspendError)
    assert (error.code, error.message, error.request_id, error.trace_id) == (
        "JobSuspend",
        "template is suspended",
        "R-1",
        "T-1",
    )
    assert (error.status_code, error.event_id) == (200, "evt-1")


def test_a_200_that_says_it_failed_without_saying_why_is_job_not_started() -> None:
    body = {**launched(Data=""), "Success": False, "Code": "200", "ErrorCode": "", "Message": "success"}
    error = exec_job(answer(200, body))
    assert type(error) is SaeError
    assert (error.code, error.message, error.event_id) == (
        "JobNotStarted",
        "the job was not started",
        "evt-1",
    )


def test_the_call_s_error_code_and_message_explain_a_failed_200() -> None:
    body = {**launched(), "Success": False, "ErrorCode": "Some.Code", "Message": "it failed"}
    error = exec_job(answer(200, body))
    assert isinstance(error, SaeError) and (error.code, error.message) == ("Some.Code", "it failed")


def test_a_200_with_no_job_id_is_unexpected() -> None:
    error = exec_job(answer(200, launched(Data="")))
    assert isinstance(error, UnexpectedResponseError) and (error.status_code, error.event_id) == (
        200,
        "evt-1",
    )
    assert str(error) == f"HTTP 200 answer with no job ID in Data.Data (event evt-1); {NO_SECOND_JOB}"


@pytest.mark.parametrize(
    ("status", "body", "named"),
    [
        (200, {**launched(), "Success": "yes"}, "Success is str 'yes'"),
        (200, {**launched(), "RequestId": 5}, "RequestId is int 5"),
        (200, {**launched(), "ErrorCode": 1}, "ErrorCode is int 1"),
        (200, {**launched(), "Code": 200}, "Code is int 200"),
        (200, {**launched(), "Message": ["a"]}, "Message is list ['a']"),
        (200, launched(Data=7), "Data.Data is int 7"),
        (200, launched(Success=False), "Data.Success is bool False"),
        (400, {"RequestId": "R", "Code": 7, "Message": "m"}, "Code is int 7"),
        (400, {"RequestId": "R", "Code": "C", "Message": True}, "Message is bool True"),
        (400, {"RequestId": 9, "Code": "C", "Message": "m"}, "RequestId is int 9"),
    ],
)
def test_a_field_of_the_wrong_type_is_named_in_the_error(status: int, body: object, named: str) -> None:
    # Rule: a field the client relies on, of a type the spec does not allow, is an unexpected answer that
    # names the field by its wire name; the error keeps the status and the event ID.
    error = exec_job(answer(status, body))
    assert isinstance(error, UnexpectedResponseError)
    assert error.problem == f"HTTP {status} answer whose {named}, which the spec does not allow"
    assert str(error) == f"{error.problem}; {NO_SECOND_JOB}"  # an ExecJob's: its event ID is known
    assert (error.status_code, error.event_id) == (status, "evt-1")


def test_a_200_with_a_null_request_id_names_it() -> None:
    error = exec_job(answer(200, {**launched(), "RequestId": None}))
    assert isinstance(error, UnexpectedResponseError) and (error.status_code, error.event_id) == (
        200,
        "evt-1",
    )
    assert error.problem == "HTTP 200 answer whose RequestId is NoneType None, which the spec does not allow"


def test_a_200_that_is_not_json_is_an_answer_the_spec_does_not_describe() -> None:
    error = exec_job(answer(200, b"<html>portal</html>"))
    assert isinstance(error, UnexpectedResponseError) and error.body == b"<html>portal</html>"
    assert (
        str(error)
        == f"HTTP 200 answer that the ExecJob spec does not describe (event evt-1); {NO_SECOND_JOB}"
    )


def test_a_200_with_no_data_has_no_job_id() -> None:
    body = launched()
    del body["Data"]
    error = exec_job(answer(200, body))
    assert isinstance(error, UnexpectedResponseError) and (error.status_code, error.event_id) == (
        200,
        "evt-1",
    )


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        ("InvalidApplication.NotFound", ApplicationNotFoundError),
        ("SignatureDoesNotMatch", AuthenticationError),
        ("Throttling.User", ThrottlingError),
        ("SomethingNew", SaeError),
    ],
)
def test_a_200_that_names_an_error_and_carries_no_data_is_that_error(
    code: str, error_class: type[SaeError]
) -> None:
    body = {"RequestId": "R-9", "Code": code, "Message": "what went wrong"}
    error = exec_job(answer(200, body))
    assert type(error) is error_class
    assert (error.code, error.message, error.request_id, error.event_id) == (
        code,
        "what went wrong",
        "R-9",
        "evt-1",
    )
    described = read_data(DESCRIBE_JOB_STATUS, answer(200, body, operation=DESCRIBE_JOB_STATUS), 1)
    assert type(described) is error_class and (described.code, described.message) == (code, "what went wrong")


def test_an_exec_job_error_answer_carries_the_event_id() -> None:
    error = exec_job(answer(404, {"RequestId": "R", "Code": "InvalidApplication.NotFound", "Message": "m"}))
    assert isinstance(error, ApplicationNotFoundError) and error.event_id == "evt-1"


# --- error answers -------------------------------------------------------------------------------------


def test_an_error_answer_keeps_every_field_and_the_retry_after() -> None:
    body = {
        "RequestId": "R-2",
        "Code": "Throttling.User",
        "Message": "slow down",
        "TraceId": "T-2",
        "Recommend": "https://api.aliyun.com/troubleshoot",
        "HostId": "sae.cn-hangzhou.aliyuncs.com",
    }
    error = read_reply(EXEC_JOB, answer(429, body, {"x-acs-retry-after": "2500"}), "evt-2")
    assert isinstance(error, ThrottlingError)
    assert vars(error) == {
        "code": "Throttling.User",
        "message": "slow down",
        "request_id": "R-2",
        "trace_id": "T-2",
        "status_code": 429,
        "recommend": "https://api.aliyun.com/troubleshoot",
        "host_id": "sae.cn-hangzhou.aliyuncs.com",
        "retry_after": 2.5,
        "event_id": "evt-2",
    }


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("1000", 1.0),
        ("3", 0.003),
        ("120000", 120.0),
        ("0", None),
        ("-1", None),
        ("2.5", None),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_is_whole_milliseconds_above_zero_as_the_sdk_reads_it(
    header: str | None, seconds: float | None
) -> None:
    headers = {"x-acs-retry-after": header} if header is not None else {}
    error = read_reply(EXEC_JOB, answer(503, b"<html>busy</html>", headers))
    assert isinstance(error, ServerError) and error.retry_after == seconds


def test_optional_fields_of_the_wrong_type_are_left_out() -> None:
    body = {"RequestId": "R", "Code": "C", "Message": "m", "TraceId": 1, "Recommend": 2, "HostId": 3}
    error = read_reply(EXEC_JOB, answer(400, body))
    assert isinstance(error, SaeError) and (error.trace_id, error.recommend, error.host_id) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(("status", "cls"), [(500, ServerError), (503, ServerError), (429, ThrottlingError)])
def test_an_unknown_code_in_the_spec_s_form_is_classed_by_its_status(
    status: int, cls: type[SaeError]
) -> None:
    error = read_reply(EXEC_JOB, answer(status, {"RequestId": "R", "Code": "Some.NewCode", "Message": "m"}))
    assert type(error) is cls and error.code == "Some.NewCode"


def test_an_error_answer_with_empty_code_and_message_is_named_after_its_status() -> None:
    error = read_reply(EXEC_JOB, answer(404, {"RequestId": "R-3", "Code": "", "Message": ""}))
    assert isinstance(error, SaeError)
    assert (error.code, error.message, error.request_id) == ("NotFound", "HTTP 404", "R-3")


@pytest.mark.parametrize(
    ("status", "cls", "code"),
    [(500, ServerError, "InternalServerError"), (503, ServerError, "ServiceUnavailable"),
     (599, ServerError, "HTTP599"), (429, ThrottlingError, "TooManyRequests")],
)  # fmt: skip
def test_a_5xx_or_429_outside_the_spec_is_still_a_server_or_throttling_error(
    status: int, cls: type[SaeError], code: str
) -> None:
    error = read_reply(EXEC_JOB, answer(status, b"<html>proxy</html>"), "evt-3")
    assert type(error) is cls
    assert (error.code, error.message) == (code, f"HTTP {status} with no error in the spec's form")
    assert (error.status_code, error.event_id, error.request_id) == (status, "evt-3", None)


def test_another_answer_outside_the_spec_is_unexpected_and_says_whether_a_retry_is_safe() -> None:
    with_event = read_reply(EXEC_JOB, answer(418, b"teapot"), "evt-4")
    assert isinstance(with_event, UnexpectedResponseError) and with_event.body == b"teapot"
    assert str(with_event) == (
        f"HTTP 418 answer that the ExecJob spec does not describe (event evt-4); {NO_SECOND_JOB}"
    )
    assert (with_event.status_code, with_event.event_id) == (418, "evt-4")
    without = read_reply(DESCRIBE_JOB_STATUS, answer(499, b"?", operation=DESCRIBE_JOB_STATUS))
    assert str(without) == "HTTP 499 answer that the DescribeJobStatus spec does not describe"


def test_a_200_without_a_request_id_is_unexpected() -> None:
    body = launched()
    del body["RequestId"]
    error = read_reply(EXEC_JOB, answer(200, body), "evt-5")
    assert isinstance(error, UnexpectedResponseError) and error.event_id == "evt-5"


# --- DescribeJobStatus and DescribeJobHistory -----------------------------------------------------------


def status_body(data: object = None, **envelope: object) -> dict[str, Any]:
    body: dict[str, Any] = {"RequestId": "R-6", "Success": True, "Code": "200", **envelope}
    if data is not None:
        body["Data"] = data
    return body


def test_a_job_status_answer_is_the_job_s_status() -> None:
    data = {"JobId": "manual-2", "State": "3", "Active": 2, "Succeeded": 1, "Failed": 0}
    found = read_job_status(
        answer(200, status_body(data), operation=DESCRIBE_JOB_STATUS), 1, job_id="manual-2"
    )
    assert not isinstance(found, BaseException)
    assert (found.job_id, found.state, found.active, found.request_id) == (
        "manual-2",
        JobState.RUNNING,
        2,
        "R-6",
    )


@pytest.mark.parametrize("message", ["success", "Success", "", None])
def test_a_healthy_job_s_message_is_no_reason(message: str | None) -> None:
    # Rule: a healthy job's Data.Message is "success" (the API reference's example): never a reason.
    data = {
        "JobId": "manual-2",
        "State": "2",
        "Failed": 1,
        **({"Message": message} if message is not None else {}),
    }
    status = read_job_status(
        answer(200, status_body(data), operation=DESCRIBE_JOB_STATUS), 1, job_id="manual-2"
    )
    assert isinstance(status, JobStatus) and status.message is None
    named = read_job_status(
        answer(200, status_body({**data, "Message": "OOMKilled"}), operation=DESCRIBE_JOB_STATUS),
        1,
        job_id=None,
    )
    assert isinstance(named, JobStatus) and named.message == "OOMKilled"


def test_a_job_status_without_a_job_id_is_the_job_asked_about() -> None:
    found = read_job_status(
        answer(200, status_body({"State": "0"}), operation=DESCRIBE_JOB_STATUS), 1, job_id="manual-asked"
    )
    assert not isinstance(found, BaseException) and found.job_id == "manual-asked"


def test_no_answer_to_a_describe_call_names_the_operation() -> None:
    error = read_job_status(httpx.ReadTimeout("slow"), 2, job_id="manual-2")
    assert isinstance(error, TransportError) and (error.event_id, error.attempts) == (None, 2)
    assert str(error) == "no answer from SAE to DescribeJobStatus (ReadTimeout: slow)"
    history = read_history_page(httpx.ConnectError("refused"), 3)
    assert isinstance(history, TransportError) and history.attempts == 3
    assert str(history) == "no answer from SAE to DescribeJobHistory (ConnectError: refused)"


def test_a_describe_call_that_says_it_failed_is_operation_failed() -> None:
    error = read_data(
        DESCRIBE_JOB_STATUS,
        answer(200, status_body({"State": "3"}, Success=False), operation=DESCRIBE_JOB_STATUS),
        1,
    )
    assert isinstance(error, SaeError)
    assert (error.code, error.message) == ("DescribeJobStatus.Failed", "the call failed")
    refused = status_body(Success=False, Code="InvalidApplication.NotFound", Message="no such app")
    error = read_data(DESCRIBE_JOB_STATUS, answer(200, refused, operation=DESCRIBE_JOB_STATUS), 1)
    assert isinstance(error, ApplicationNotFoundError) and error.message == "no such app"


def test_a_describe_answer_without_data_is_unexpected() -> None:
    error = read_job_status(answer(200, status_body(), operation=DESCRIBE_JOB_STATUS), 1, job_id="manual-2")
    assert isinstance(error, UnexpectedResponseError) and error.status_code == 200
    assert str(error) == "HTTP 200 answer to DescribeJobStatus with no Data"


def test_a_history_page_reads_its_jobs_and_where_it_stands() -> None:
    data = {
        "CurrentPage": 2,
        "PageSize": 10,
        "TotalSize": 11,
        "Jobs": [{"JobId": "manual-3", "State": "1"}, {"JobId": "manual-4", "State": "2"}],
    }
    page = read_history_page(answer(200, status_body(data), operation=DESCRIBE_JOB_HISTORY), 1)
    assert isinstance(page, HistoryPage)
    assert (page.current_page, page.page_size, page.total_size) == (2, 10, 11)
    assert [(job.job_id, job.state, job.request_id) for job in page.jobs] == [
        ("manual-3", JobState.SUCCEEDED, "R-6"),
        ("manual-4", JobState.FAILED, "R-6"),
    ]


def test_a_history_page_missing_its_numbers_and_jobs_reads_as_empty() -> None:
    page = read_history_page(answer(200, status_body({}), operation=DESCRIBE_JOB_HISTORY), 1)
    assert page == HistoryPage([], 0, 0, 0)
    error = read_history_page(answer(503, b"", operation=DESCRIBE_JOB_HISTORY), 1)
    assert isinstance(error, ServerError)
