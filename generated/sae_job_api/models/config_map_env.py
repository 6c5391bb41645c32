from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.config_map_env_value_from import ConfigMapEnvValueFrom


T = TypeVar("T", bound="ConfigMapEnv")


@_attrs_define
class ConfigMapEnv:
    """A variable taken from a ConfigMap (the nested form the service reads). With `key` empty or left out and the name
    `sae-sys-configmap-all-<ConfigMap name>`, every key of the ConfigMap becomes a variable.

        Attributes:
            name (str): The variable's name.
            value_from (ConfigMapEnvValueFrom):
    """

    name: str
    value_from: ConfigMapEnvValueFrom

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        value_from = self.value_from.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "valueFrom": value_from,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.config_map_env_value_from import ConfigMapEnvValueFrom

        d = dict(src_dict)
        name = d.pop("name")

        value_from = ConfigMapEnvValueFrom.from_dict(d.pop("valueFrom"))

        config_map_env = cls(
            name=name,
            value_from=value_from,
        )

        return config_map_env
