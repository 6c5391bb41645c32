from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="JobStatus")


@_attrs_define
class JobStatus:
    """A job's state and instance counts.

    Attributes:
        job_id (str | Unset): The ID of the job. Example: manual-3db7a8fa-5d40-4edc-92e4-49d50eab****.
        state (str | Unset): `0` not yet run, `3` running, `1` succeeded, `2` failed. Other values may appear: a client
            keeps them and reports the state as unknown. Example: 1.
        active (int | Unset): The instances running now. Example: 0.
        succeeded (int | Unset): The instances that succeeded. Example: 1.
        failed (int | Unset): The instances that failed. Example: 0.
        start_time (int | Unset): When the job was created (the SDK's field docs; the Chinese API page: 任务的创建时间), in
            epoch seconds (milliseconds are told apart by magnitude); sent from creation on, while the job is pending too.
            Example: 1657522800.
        completion_time (int | Unset): When the job ended, in the same form as `StartTime`; absent while it runs.
            Example: 1657522830.
        message (str | Unset): Set when something went wrong during the run.
    """

    job_id: str | Unset = UNSET
    state: str | Unset = UNSET
    active: int | Unset = UNSET
    succeeded: int | Unset = UNSET
    failed: int | Unset = UNSET
    start_time: int | Unset = UNSET
    completion_time: int | Unset = UNSET
    message: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        state = self.state

        active = self.active

        succeeded = self.succeeded

        failed = self.failed

        start_time = self.start_time

        completion_time = self.completion_time

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if job_id is not UNSET:
            field_dict["JobId"] = job_id
        if state is not UNSET:
            field_dict["State"] = state
        if active is not UNSET:
            field_dict["Active"] = active
        if succeeded is not UNSET:
            field_dict["Succeeded"] = succeeded
        if failed is not UNSET:
            field_dict["Failed"] = failed
        if start_time is not UNSET:
            field_dict["StartTime"] = start_time
        if completion_time is not UNSET:
            field_dict["CompletionTime"] = completion_time
        if message is not UNSET:
            field_dict["Message"] = message

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        job_id = d.pop("JobId", UNSET)

        state = d.pop("State", UNSET)

        active = d.pop("Active", UNSET)

        succeeded = d.pop("Succeeded", UNSET)

        failed = d.pop("Failed", UNSET)

        start_time = d.pop("StartTime", UNSET)

        completion_time = d.pop("CompletionTime", UNSET)

        message = d.pop("Message", UNSET)

        job_status = cls(
            job_id=job_id,
            state=state,
            active=active,
            succeeded=succeeded,
            failed=failed,
            start_time=start_time,
            completion_time=completion_time,
            message=message,
        )

        job_status.additional_properties = d
        return job_status

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
