from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.config_map_env_value_from_config_map_ref import (
        ConfigMapEnvValueFromConfigMapRef,
    )


T = TypeVar("T", bound="ConfigMapEnvValueFrom")


@_attrs_define
class ConfigMapEnvValueFrom:
    """
    Attributes:
        config_map_ref (ConfigMapEnvValueFromConfigMapRef):
    """

    config_map_ref: ConfigMapEnvValueFromConfigMapRef

    def to_dict(self) -> dict[str, Any]:
        config_map_ref = self.config_map_ref.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "configMapRef": config_map_ref,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.config_map_env_value_from_config_map_ref import (
            ConfigMapEnvValueFromConfigMapRef,
        )

        d = dict(src_dict)
        config_map_ref = ConfigMapEnvValueFromConfigMapRef.from_dict(
            d.pop("configMapRef")
        )

        config_map_env_value_from = cls(
            config_map_ref=config_map_ref,
        )

        return config_map_env_value_from
