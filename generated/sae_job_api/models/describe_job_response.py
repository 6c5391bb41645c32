from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.template_settings import TemplateSettings


T = TypeVar("T", bound="DescribeJobResponse")


@_attrs_define
class DescribeJobResponse:
    """The answer to DescribeJob.

    Attributes:
        request_id (str): The ID of the request.
        trace_id (str | Unset): The ID of the trace.
        code (str | Unset): The HTTP status code, or a POP error code when the call failed.
        message (str | Unset): Additional information.
        success (bool | Unset): Whether the call succeeded.
        error_code (str | Unset): The error code; only when the call failed.
        data (TemplateSettings | Unset): A job template's settings, as DescribeJob answers them: these fields are
            modelled (their types as the official SDK's DescribeJobResponseBodyData declares them); the service sends many
            more (mounts, probes, hooks, packages, network), allowed and kept by the generated model.
    """

    request_id: str
    trace_id: str | Unset = UNSET
    code: str | Unset = UNSET
    message: str | Unset = UNSET
    success: bool | Unset = UNSET
    error_code: str | Unset = UNSET
    data: TemplateSettings | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        trace_id = self.trace_id

        code = self.code

        message = self.message

        success = self.success

        error_code = self.error_code

        data: dict[str, Any] | Unset = UNSET
        if not isinstance(self.data, Unset):
            data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "RequestId": request_id,
            }
        )
        if trace_id is not UNSET:
            field_dict["TraceId"] = trace_id
        if code is not UNSET:
            field_dict["Code"] = code
        if message is not UNSET:
            field_dict["Message"] = message
        if success is not UNSET:
            field_dict["Success"] = success
        if error_code is not UNSET:
            field_dict["ErrorCode"] = error_code
        if data is not UNSET:
            field_dict["Data"] = data

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.template_settings import TemplateSettings

        d = dict(src_dict)
        request_id = d.pop("RequestId")

        trace_id = d.pop("TraceId", UNSET)

        code = d.pop("Code", UNSET)

        message = d.pop("Message", UNSET)

        success = d.pop("Success", UNSET)

        error_code = d.pop("ErrorCode", UNSET)

        _data = d.pop("Data", UNSET)
        data: TemplateSettings | Unset
        if isinstance(_data, Unset):
            data = UNSET
        else:
            data = TemplateSettings.from_dict(_data)

        describe_job_response = cls(
            request_id=request_id,
            trace_id=trace_id,
            code=code,
            message=message,
            success=success,
            error_code=error_code,
            data=data,
        )

        describe_job_response.additional_properties = d
        return describe_job_response

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
