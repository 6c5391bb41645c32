from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.exec_job_result import ExecJobResult


T = TypeVar("T", bound="ExecJobResponse")


@_attrs_define
class ExecJobResponse:
    """The answer to ExecJob.

    Attributes:
        request_id (str): The ID of the request. Example: 67DD9A98-9CCC-5BE8-8C9E-B45E72F4****.
        message (str | Unset): Additional information: `success` when the call succeeded, otherwise an error message.
            Example: success.
        trace_id (str | Unset): The ID of the trace, used to look up the call's details. Example:
            0b87b7e716575071334387401e****.
        data (ExecJobResult | Unset): The result of starting the job.
        error_code (str | Unset): The error code; empty when the call succeeded.
        code (str | Unset): The HTTP status code, or a POP error code when the call failed. Example: 200.
        success (bool | Unset): Whether the call succeeded. Example: True.
    """

    request_id: str
    message: str | Unset = UNSET
    trace_id: str | Unset = UNSET
    data: ExecJobResult | Unset = UNSET
    error_code: str | Unset = UNSET
    code: str | Unset = UNSET
    success: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        message = self.message

        trace_id = self.trace_id

        data: dict[str, Any] | Unset = UNSET
        if not isinstance(self.data, Unset):
            data = self.data.to_dict()

        error_code = self.error_code

        code = self.code

        success = self.success

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "RequestId": request_id,
            }
        )
        if message is not UNSET:
            field_dict["Message"] = message
        if trace_id is not UNSET:
            field_dict["TraceId"] = trace_id
        if data is not UNSET:
            field_dict["Data"] = data
        if error_code is not UNSET:
            field_dict["ErrorCode"] = error_code
        if code is not UNSET:
            field_dict["Code"] = code
        if success is not UNSET:
            field_dict["Success"] = success

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.exec_job_result import ExecJobResult

        d = dict(src_dict)
        request_id = d.pop("RequestId")

        message = d.pop("Message", UNSET)

        trace_id = d.pop("TraceId", UNSET)

        _data = d.pop("Data", UNSET)
        data: ExecJobResult | Unset
        if isinstance(_data, Unset):
            data = UNSET
        else:
            data = ExecJobResult.from_dict(_data)

        error_code = d.pop("ErrorCode", UNSET)

        code = d.pop("Code", UNSET)

        success = d.pop("Success", UNSET)

        exec_job_response = cls(
            request_id=request_id,
            message=message,
            trace_id=trace_id,
            data=data,
            error_code=error_code,
            code=code,
            success=success,
        )

        exec_job_response.additional_properties = d
        return exec_job_response

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
