from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_template_tag import JobTemplateTag


T = TypeVar("T", bound="JobTemplate")


@_attrs_define
class JobTemplate:
    """A job template (an SAE application whose workload is `job`) and the state of its last job. The service sends more
    fields than these; they are allowed, and kept by the generated model.

        Attributes:
            app_id (str | Unset): The ID of the job template. Example: ee1a7a07-abcb-4652-a1d3-2d57f415****.
            app_name (str | Unset): The name of the job template, unique in its namespace. Example: nightly-report.
            app_description (str | Unset): The description of the job template. Example: The nightly sales report..
            namespace_id (str | Unset): The namespace of the job template; the region's default namespace is the region ID.
                Example: cn-hangzhou.
            region_id (str | Unset): The region of the job template. Example: cn-hangzhou.
            suspend (bool | Unset): Whether the job template is suspended (ExecJob then answers `JobSuspend`). Example:
                False.
            trigger_config (str | Unset): How the template's jobs are triggered, a JSON string (for a timed template, its
                cron expression and time zone); what ListJobs' reference example shows. Example: {"type":"time","config":"0 0 4
                ? * Sat","timezone":"GMT+08:00"}.
            last_changeorder_state (str | Unset): The state of the template's last change order (deployment). Example:
                SUCCESS.
            last_job_state (str | Unset): The state of the template's last job, in the codes of `JobStatus.State`; absent
                when no job has run. Example: 1.
            last_start_time (int | Unset): When the last job was created, in epoch seconds (milliseconds are told apart by
                magnitude). Example: 1657522800.
            completion_time (int | Unset): When the last job ended, in the same form as `LastStartTime`. Example:
                1657522830.
            active (int | Unset): The last job's instances running now. Example: 0.
            succeeded (int | Unset): The last job's instances that succeeded. Example: 1.
            failed (int | Unset): The last job's instances that failed. Example: 0.
            message (str | Unset): Set when something went wrong during the last job.
            tags (list[JobTemplateTag] | Unset): The tags of the job template.
            cpu (int | Unset): The CPU of each instance, in millicores. Example: 1000.
            mem (int | Unset): The memory of each instance, in MB. Example: 2048.
            image_url (str | Unset): The image the jobs run. Example: registry.cn-hangzhou.aliyuncs.com/demo/report:1.0.
    """

    app_id: str | Unset = UNSET
    app_name: str | Unset = UNSET
    app_description: str | Unset = UNSET
    namespace_id: str | Unset = UNSET
    region_id: str | Unset = UNSET
    suspend: bool | Unset = UNSET
    trigger_config: str | Unset = UNSET
    last_changeorder_state: str | Unset = UNSET
    last_job_state: str | Unset = UNSET
    last_start_time: int | Unset = UNSET
    completion_time: int | Unset = UNSET
    active: int | Unset = UNSET
    succeeded: int | Unset = UNSET
    failed: int | Unset = UNSET
    message: str | Unset = UNSET
    tags: list[JobTemplateTag] | Unset = UNSET
    cpu: int | Unset = UNSET
    mem: int | Unset = UNSET
    image_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        app_id = self.app_id

        app_name = self.app_name

        app_description = self.app_description

        namespace_id = self.namespace_id

        region_id = self.region_id

        suspend = self.suspend

        trigger_config = self.trigger_config

        last_changeorder_state = self.last_changeorder_state

        last_job_state = self.last_job_state

        last_start_time = self.last_start_time

        completion_time = self.completion_time

        active = self.active

        succeeded = self.succeeded

        failed = self.failed

        message = self.message

        tags: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = []
            for tags_item_data in self.tags:
                tags_item = tags_item_data.to_dict()
                tags.append(tags_item)

        cpu = self.cpu

        mem = self.mem

        image_url = self.image_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if app_id is not UNSET:
            field_dict["AppId"] = app_id
        if app_name is not UNSET:
            field_dict["AppName"] = app_name
        if app_description is not UNSET:
            field_dict["AppDescription"] = app_description
        if namespace_id is not UNSET:
            field_dict["NamespaceId"] = namespace_id
        if region_id is not UNSET:
            field_dict["RegionId"] = region_id
        if suspend is not UNSET:
            field_dict["Suspend"] = suspend
        if trigger_config is not UNSET:
            field_dict["TriggerConfig"] = trigger_config
        if last_changeorder_state is not UNSET:
            field_dict["LastChangeorderState"] = last_changeorder_state
        if last_job_state is not UNSET:
            field_dict["LastJobState"] = last_job_state
        if last_start_time is not UNSET:
            field_dict["LastStartTime"] = last_start_time
        if completion_time is not UNSET:
            field_dict["CompletionTime"] = completion_time
        if active is not UNSET:
            field_dict["Active"] = active
        if succeeded is not UNSET:
            field_dict["Succeeded"] = succeeded
        if failed is not UNSET:
            field_dict["Failed"] = failed
        if message is not UNSET:
            field_dict["Message"] = message
        if tags is not UNSET:
            field_dict["Tags"] = tags
        if cpu is not UNSET:
            field_dict["Cpu"] = cpu
        if mem is not UNSET:
            field_dict["Mem"] = mem
        if image_url is not UNSET:
            field_dict["ImageUrl"] = image_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.job_template_tag import JobTemplateTag

        d = dict(src_dict)
        app_id = d.pop("AppId", UNSET)

        app_name = d.pop("AppName", UNSET)

        app_description = d.pop("AppDescription", UNSET)

        namespace_id = d.pop("NamespaceId", UNSET)

        region_id = d.pop("RegionId", UNSET)

        suspend = d.pop("Suspend", UNSET)

        trigger_config = d.pop("TriggerConfig", UNSET)

        last_changeorder_state = d.pop("LastChangeorderState", UNSET)

        last_job_state = d.pop("LastJobState", UNSET)

        last_start_time = d.pop("LastStartTime", UNSET)

        completion_time = d.pop("CompletionTime", UNSET)

        active = d.pop("Active", UNSET)

        succeeded = d.pop("Succeeded", UNSET)

        failed = d.pop("Failed", UNSET)

        message = d.pop("Message", UNSET)

        _tags = d.pop("Tags", UNSET)
        tags: list[JobTemplateTag] | Unset = UNSET
        if _tags is not UNSET:
            tags = []
            for tags_item_data in _tags:
                tags_item = JobTemplateTag.from_dict(tags_item_data)

                tags.append(tags_item)

        cpu = d.pop("Cpu", UNSET)

        mem = d.pop("Mem", UNSET)

        image_url = d.pop("ImageUrl", UNSET)

        job_template = cls(
            app_id=app_id,
            app_name=app_name,
            app_description=app_description,
            namespace_id=namespace_id,
            region_id=region_id,
            suspend=suspend,
            trigger_config=trigger_config,
            last_changeorder_state=last_changeorder_state,
            last_job_state=last_job_state,
            last_start_time=last_start_time,
            completion_time=completion_time,
            active=active,
            succeeded=succeeded,
            failed=failed,
            message=message,
            tags=tags,
            cpu=cpu,
            mem=mem,
            image_url=image_url,
        )

        job_template.additional_properties = d
        return job_template

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
