from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TemplateSettings")


@_attrs_define
class TemplateSettings:
    """A job template's settings, as DescribeJob answers them: these fields are modelled (their types as the official SDK's
    DescribeJobResponseBodyData declares them); the service sends many more (mounts, probes, hooks, packages, network),
    allowed and kept by the generated model.

        Attributes:
            app_id (str | Unset): The ID of the job template.
            app_name (str | Unset): The name of the job template.
            app_description (str | Unset): The description of the job template.
            namespace_id (str | Unset): The namespace of the job template.
            region_id (str | Unset): The region of the job template.
            timeout (int | Unset): How long a job may run, in seconds, before SAE ends it.
            backoff_limit (int | Unset): How many times a failed instance is retried.
            concurrency_policy (str | Unset): `Allow`, `Forbid` or `Replace`: what a new job does while another runs.
            replicas (int | Unset): How many instances a job runs.
            suspend (bool | Unset): Whether the template is suspended (ExecJob then answers `JobSuspend`).
            slice_ (bool | Unset): Whether jobs are sharded.
            slice_envs (str | Unset): The shards' parameters, a JSON string.
            timezone (str | Unset): The time zone the trigger's schedule is read in (default Asia/Shanghai).
            trigger_config (str | Unset): How jobs are triggered, a JSON string.
            command (str | Unset): The image's start command.
            command_args (str | Unset): The start command's arguments, a JSON array as a string.
            envs (str | Unset): The environment variables, a JSON array as a string.
            image_url (str | Unset): The image, for an Image package.
            package_type (str | Unset): The package type (`Image`, `FatJar`, `War`, `PythonZip`, ...).
            cpu (int | Unset): Each instance's CPU, in millicores.
            memory (int | Unset): Each instance's memory, in MB.
            oss_ak_id (str | Unset): The AccessKey ID the template mounts OSS with; never shown by a client.
            oss_ak_secret (str | Unset): The AccessKey secret the template mounts OSS with; never shown by a client.
    """

    app_id: str | Unset = UNSET
    app_name: str | Unset = UNSET
    app_description: str | Unset = UNSET
    namespace_id: str | Unset = UNSET
    region_id: str | Unset = UNSET
    timeout: int | Unset = UNSET
    backoff_limit: int | Unset = UNSET
    concurrency_policy: str | Unset = UNSET
    replicas: int | Unset = UNSET
    suspend: bool | Unset = UNSET
    slice_: bool | Unset = UNSET
    slice_envs: str | Unset = UNSET
    timezone: str | Unset = UNSET
    trigger_config: str | Unset = UNSET
    command: str | Unset = UNSET
    command_args: str | Unset = UNSET
    envs: str | Unset = UNSET
    image_url: str | Unset = UNSET
    package_type: str | Unset = UNSET
    cpu: int | Unset = UNSET
    memory: int | Unset = UNSET
    oss_ak_id: str | Unset = UNSET
    oss_ak_secret: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        app_id = self.app_id

        app_name = self.app_name

        app_description = self.app_description

        namespace_id = self.namespace_id

        region_id = self.region_id

        timeout = self.timeout

        backoff_limit = self.backoff_limit

        concurrency_policy = self.concurrency_policy

        replicas = self.replicas

        suspend = self.suspend

        slice_ = self.slice_

        slice_envs = self.slice_envs

        timezone = self.timezone

        trigger_config = self.trigger_config

        command = self.command

        command_args = self.command_args

        envs = self.envs

        image_url = self.image_url

        package_type = self.package_type

        cpu = self.cpu

        memory = self.memory

        oss_ak_id = self.oss_ak_id

        oss_ak_secret = self.oss_ak_secret

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
        if timeout is not UNSET:
            field_dict["Timeout"] = timeout
        if backoff_limit is not UNSET:
            field_dict["BackoffLimit"] = backoff_limit
        if concurrency_policy is not UNSET:
            field_dict["ConcurrencyPolicy"] = concurrency_policy
        if replicas is not UNSET:
            field_dict["Replicas"] = replicas
        if suspend is not UNSET:
            field_dict["Suspend"] = suspend
        if slice_ is not UNSET:
            field_dict["Slice"] = slice_
        if slice_envs is not UNSET:
            field_dict["SliceEnvs"] = slice_envs
        if timezone is not UNSET:
            field_dict["Timezone"] = timezone
        if trigger_config is not UNSET:
            field_dict["TriggerConfig"] = trigger_config
        if command is not UNSET:
            field_dict["Command"] = command
        if command_args is not UNSET:
            field_dict["CommandArgs"] = command_args
        if envs is not UNSET:
            field_dict["Envs"] = envs
        if image_url is not UNSET:
            field_dict["ImageUrl"] = image_url
        if package_type is not UNSET:
            field_dict["PackageType"] = package_type
        if cpu is not UNSET:
            field_dict["Cpu"] = cpu
        if memory is not UNSET:
            field_dict["Memory"] = memory
        if oss_ak_id is not UNSET:
            field_dict["OssAkId"] = oss_ak_id
        if oss_ak_secret is not UNSET:
            field_dict["OssAkSecret"] = oss_ak_secret

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        app_id = d.pop("AppId", UNSET)

        app_name = d.pop("AppName", UNSET)

        app_description = d.pop("AppDescription", UNSET)

        namespace_id = d.pop("NamespaceId", UNSET)

        region_id = d.pop("RegionId", UNSET)

        timeout = d.pop("Timeout", UNSET)

        backoff_limit = d.pop("BackoffLimit", UNSET)

        concurrency_policy = d.pop("ConcurrencyPolicy", UNSET)

        replicas = d.pop("Replicas", UNSET)

        suspend = d.pop("Suspend", UNSET)

        slice_ = d.pop("Slice", UNSET)

        slice_envs = d.pop("SliceEnvs", UNSET)

        timezone = d.pop("Timezone", UNSET)

        trigger_config = d.pop("TriggerConfig", UNSET)

        command = d.pop("Command", UNSET)

        command_args = d.pop("CommandArgs", UNSET)

        envs = d.pop("Envs", UNSET)

        image_url = d.pop("ImageUrl", UNSET)

        package_type = d.pop("PackageType", UNSET)

        cpu = d.pop("Cpu", UNSET)

        memory = d.pop("Memory", UNSET)

        oss_ak_id = d.pop("OssAkId", UNSET)

        oss_ak_secret = d.pop("OssAkSecret", UNSET)

        template_settings = cls(
            app_id=app_id,
            app_name=app_name,
            app_description=app_description,
            namespace_id=namespace_id,
            region_id=region_id,
            timeout=timeout,
            backoff_limit=backoff_limit,
            concurrency_policy=concurrency_policy,
            replicas=replicas,
            suspend=suspend,
            slice_=slice_,
            slice_envs=slice_envs,
            timezone=timezone,
            trigger_config=trigger_config,
            command=command,
            command_args=command_args,
            envs=envs,
            image_url=image_url,
            package_type=package_type,
            cpu=cpu,
            memory=memory,
            oss_ak_id=oss_ak_id,
            oss_ak_secret=oss_ak_secret,
        )

        template_settings.additional_properties = d
        return template_settings

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
