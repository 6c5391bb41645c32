from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ConfigMapEnvValueFromConfigMapRef")


@_attrs_define
class ConfigMapEnvValueFromConfigMapRef:
    """
    Attributes:
        config_map_id (int): The ID of the ConfigMap.
        key (str | Unset): The key in the ConfigMap; empty or left out to take every key.
    """

    config_map_id: int
    key: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        config_map_id = self.config_map_id

        key = self.key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "configMapId": config_map_id,
            }
        )
        if key is not UNSET:
            field_dict["key"] = key

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        config_map_id = d.pop("configMapId")

        key = d.pop("key", UNSET)

        config_map_env_value_from_config_map_ref = cls(
            config_map_id=config_map_id,
            key=key,
        )

        return config_map_env_value_from_config_map_ref
