from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Error")


@_attrs_define
class Error:
    """An error, from SAE or from the API gateway in front of it. `Code` says what went wrong and is what a client branches
    on; `Recommend` links the gateway's diagnosis.

        Attributes:
            request_id (str): The ID of the request. Example: 67DD9A98-9CCC-5BE8-8C9E-B45E72F4****.
            code (str): The error code. Example: InvalidApplication.NotFound.
            message (str): The error message. Example: The current application does not exist..
            host_id (str | Unset): The endpoint that answered. Example: sae.cn-hangzhou.aliyuncs.com.
            recommend (str | Unset): A link to the gateway's diagnosis of the request. Example:
                https://api.aliyun.com/troubleshoot?q=InvalidApplication.NotFound&product=sae.
            trace_id (str | Unset): The ID of the trace. Example: 0b87b7e716575071334387401e****.
            success (bool | Unset): Always false for an error. Example: False.
    """

    request_id: str
    code: str
    message: str
    host_id: str | Unset = UNSET
    recommend: str | Unset = UNSET
    trace_id: str | Unset = UNSET
    success: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        code = self.code

        message = self.message

        host_id = self.host_id

        recommend = self.recommend

        trace_id = self.trace_id

        success = self.success

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "RequestId": request_id,
                "Code": code,
                "Message": message,
            }
        )
        if host_id is not UNSET:
            field_dict["HostId"] = host_id
        if recommend is not UNSET:
            field_dict["Recommend"] = recommend
        if trace_id is not UNSET:
            field_dict["TraceId"] = trace_id
        if success is not UNSET:
            field_dict["Success"] = success

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        request_id = d.pop("RequestId")

        code = d.pop("Code")

        message = d.pop("Message")

        host_id = d.pop("HostId", UNSET)

        recommend = d.pop("Recommend", UNSET)

        trace_id = d.pop("TraceId", UNSET)

        success = d.pop("Success", UNSET)

        error = cls(
            request_id=request_id,
            code=code,
            message=message,
            host_id=host_id,
            recommend=recommend,
            trace_id=trace_id,
            success=success,
        )

        error.additional_properties = d
        return error

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
