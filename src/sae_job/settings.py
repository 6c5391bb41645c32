"""A job template's settings, as DescribeJob answers them: :class:`TemplateSettings` and its reader.
Apart from :mod:`sae_job.models` so that only a call that asks for settings defines this class (a
frozen dataclass of this size costs a start-up 9 M instructions: bench/LIMITS.md)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sae_job.answers import read_data
from sae_job.errors import SaeJobError, UnexpectedResponseError
from sae_job.operations import DESCRIBE_JOB
from sae_job.retries import Answer
from sae_job.signing import REDACTED

__all__ = ["TemplateSettings", "read_template_settings"]


@dataclass(frozen=True, slots=True)
class TemplateSettings:
    """A job template's settings, as DescribeJob gave them; None where the answer had none. ``raw`` is
    every field of ``Data`` under its wire name, the OSS key pair (``OssAkId``, ``OssAkSecret``) as
    ``<redacted>``: no settings object holds it."""

    app_id: str
    name: str | None
    namespace_id: str | None
    region_id: str | None
    timeout: int | None
    """How long a job may run, in seconds, before SAE ends it."""
    backoff_limit: int | None
    """How many times a failed instance is retried."""
    concurrency_policy: str | None
    """``Allow``, ``Forbid`` or ``Replace``."""
    replicas: int | None
    suspended: bool
    slice: bool
    """Whether jobs are sharded."""
    timezone: str | None
    trigger_config: str | None
    """How jobs are triggered, the JSON string SAE keeps."""
    command: str | None
    command_args: list[str] | None
    envs: list[dict[str, object]] | None
    image_url: str | None
    raw: dict[str, object] = field(default_factory=dict, hash=False, repr=False)


# The OSS key pair a DescribeJob answer carries: kept by no result, shown by no error.
_OSS_KEY_FIELDS = ("OssAkId", "OssAkSecret")
_OSS_KEY_IN_BODY = re.compile(rb'("OssAk(?:Id|Secret)"\s*:\s*)"(?:[^"\\]|\\.)*"')


def _typed(value: object, kind: type) -> Any:
    return value if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)) else None


def _json_list(value: object) -> list[Any] | None:
    try:
        decoded = json.loads(value) if isinstance(value, str) else None
    except (ValueError, RecursionError):
        return None
    return decoded if isinstance(decoded, list) else None


def read_template_settings(answer: Answer, attempt: int) -> TemplateSettings | SaeJobError:
    """What a DescribeJob answer means: the template's settings (the OSS key pair redacted), or the
    error; an answer refused unread keeps its body, the OSS key pair redacted in it."""
    reply = read_data(DESCRIBE_JOB, answer, attempt)
    if isinstance(reply, UnexpectedResponseError):
        return UnexpectedResponseError(
            str(reply),
            status_code=reply.status_code,
            body=_OSS_KEY_IN_BODY.sub(rb'\1"' + REDACTED.encode() + b'"', reply.body),
        )
    if isinstance(reply, SaeJobError):
        return reply
    data = reply.data
    raw: dict[str, object] = data.to_dict() if hasattr(data, "to_dict") else {}
    raw.update({name: REDACTED for name in _OSS_KEY_FIELDS if name in raw})
    command_args = _json_list(raw.get("CommandArgs"))
    envs = _json_list(raw.get("Envs"))
    return TemplateSettings(
        app_id=_typed(raw.get("AppId"), str) or "",
        name=_typed(raw.get("AppName"), str),
        namespace_id=_typed(raw.get("NamespaceId"), str),
        region_id=_typed(raw.get("RegionId"), str),
        timeout=_typed(raw.get("Timeout"), int),
        backoff_limit=_typed(raw.get("BackoffLimit"), int),
        concurrency_policy=_typed(raw.get("ConcurrencyPolicy"), str),
        replicas=_typed(raw.get("Replicas"), int),
        suspended=raw.get("Suspend") is True,
        slice=raw.get("Slice") is True,
        timezone=_typed(raw.get("Timezone"), str),
        trigger_config=_typed(raw.get("TriggerConfig"), str) or None,
        command=_typed(raw.get("Command"), str) or None,
        command_args=[str(item) for item in command_args] if command_args is not None else None,
        envs=[item for item in envs if isinstance(item, dict)] if envs is not None else None,
        image_url=_typed(raw.get("ImageUrl"), str) or None,
        raw=raw,
    )
