from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_status import JobStatus


T = TypeVar("T", bound="JobHistory")


@_attrs_define
class JobHistory:
    """One page of jobs.

    Attributes:
        current_page (int | Unset): The page answered, from 1. Example: 1.
        page_size (int | Unset): The number of jobs on a page. Example: 10.
        total_size (int | Unset): The number of jobs on every page together. Example: 1.
        jobs (list[JobStatus] | Unset): The jobs on this page, newest first.
    """

    current_page: int | Unset = UNSET
    page_size: int | Unset = UNSET
    total_size: int | Unset = UNSET
    jobs: list[JobStatus] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        current_page = self.current_page

        page_size = self.page_size

        total_size = self.total_size

        jobs: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.jobs, Unset):
            jobs = []
            for jobs_item_data in self.jobs:
                jobs_item = jobs_item_data.to_dict()
                jobs.append(jobs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if current_page is not UNSET:
            field_dict["CurrentPage"] = current_page
        if page_size is not UNSET:
            field_dict["PageSize"] = page_size
        if total_size is not UNSET:
            field_dict["TotalSize"] = total_size
        if jobs is not UNSET:
            field_dict["Jobs"] = jobs

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.job_status import JobStatus

        d = dict(src_dict)
        current_page = d.pop("CurrentPage", UNSET)

        page_size = d.pop("PageSize", UNSET)

        total_size = d.pop("TotalSize", UNSET)

        _jobs = d.pop("Jobs", UNSET)
        jobs: list[JobStatus] | Unset = UNSET
        if _jobs is not UNSET:
            jobs = []
            for jobs_item_data in _jobs:
                jobs_item = JobStatus.from_dict(jobs_item_data)

                jobs.append(jobs_item)

        job_history = cls(
            current_page=current_page,
            page_size=page_size,
            total_size=total_size,
            jobs=jobs,
        )

        job_history.additional_properties = d
        return job_history

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
