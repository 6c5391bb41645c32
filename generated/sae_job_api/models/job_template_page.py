from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_template import JobTemplate


T = TypeVar("T", bound="JobTemplatePage")


@_attrs_define
class JobTemplatePage:
    """One page of job templates.

    Attributes:
        current_page (int | Unset): The page answered, from 1. Example: 1.
        page_size (int | Unset): The number of templates on a page. Example: 20.
        total_size (int | Unset): The number of templates on every page together. Example: 1.
        applications (list[JobTemplate] | Unset): The job templates on this page.
    """

    current_page: int | Unset = UNSET
    page_size: int | Unset = UNSET
    total_size: int | Unset = UNSET
    applications: list[JobTemplate] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        current_page = self.current_page

        page_size = self.page_size

        total_size = self.total_size

        applications: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.applications, Unset):
            applications = []
            for applications_item_data in self.applications:
                applications_item = applications_item_data.to_dict()
                applications.append(applications_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if current_page is not UNSET:
            field_dict["CurrentPage"] = current_page
        if page_size is not UNSET:
            field_dict["PageSize"] = page_size
        if total_size is not UNSET:
            field_dict["TotalSize"] = total_size
        if applications is not UNSET:
            field_dict["Applications"] = applications

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.job_template import JobTemplate

        d = dict(src_dict)
        current_page = d.pop("CurrentPage", UNSET)

        page_size = d.pop("PageSize", UNSET)

        total_size = d.pop("TotalSize", UNSET)

        _applications = d.pop("Applications", UNSET)
        applications: list[JobTemplate] | Unset = UNSET
        if _applications is not UNSET:
            applications = []
            for applications_item_data in _applications:
                applications_item = JobTemplate.from_dict(applications_item_data)

                applications.append(applications_item)

        job_template_page = cls(
            current_page=current_page,
            page_size=page_size,
            total_size=total_size,
            applications=applications,
        )

        job_template_page.additional_properties = d
        return job_template_page

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
