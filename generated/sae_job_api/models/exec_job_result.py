from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ExecJobResult")


@_attrs_define
class ExecJobResult:
    """The result of starting the job.

    Attributes:
        data (str | Unset): The ID of the job that was started. Example: manual-3db7a8fa-5d40-4edc-92e4-49d50eab****.
        msg (str | Unset): Additional information. Example: success.
        success (str | Unset): Whether the job was started, as the string `true` or `false`. Example: true.
        code (str | Unset): The status code of the job's start. Example: 200.
    """

    data: str | Unset = UNSET
    msg: str | Unset = UNSET
    success: str | Unset = UNSET
    code: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.data

        msg = self.msg

        success = self.success

        code = self.code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if data is not UNSET:
            field_dict["Data"] = data
        if msg is not UNSET:
            field_dict["Msg"] = msg
        if success is not UNSET:
            field_dict["Success"] = success
        if code is not UNSET:
            field_dict["Code"] = code

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        data = d.pop("Data", UNSET)

        msg = d.pop("Msg", UNSET)

        success = d.pop("Success", UNSET)

        code = d.pop("Code", UNSET)

        exec_job_result = cls(
            data=data,
            msg=msg,
            success=success,
            code=code,
        )

        exec_job_result.additional_properties = d
        return exec_job_result

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
