"""Job templates as ListJobs lists them, and the one template a name stands for (ListJobs matches by
prefix or substring, and a name may be used in several namespaces)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sae_job.answers import read_data
from sae_job.attempts import Answer
from sae_job.errors import AmbiguousTemplateError, SaeJobError, TemplateNotFoundError, UnexpectedResponseError
from sae_job.jobs import JobState, epoch_time, instance_count
from sae_job.jobs import wire_value as _value
from sae_job.operations import LIST_JOBS
from sae_job_api.types import Response

__all__ = ["JobTemplate", "TemplatePage", "job_template", "pick_template", "read_templates_page"]


@dataclass(frozen=True, slots=True)
class JobTemplate:
    """A job template (an SAE application of workload ``job``) and its last job, as ListJobs gave them."""

    app_id: str
    """What ``exec_job``, ``describe_job`` and the rest take: ``ee1a7a07-…``."""
    name: str
    """Unique in its namespace, not across namespaces."""
    namespace_id: str | None
    """``cn-hangzhou`` (a region's default namespace has the region's ID) or ``cn-hangzhou:dev``."""
    region_id: str | None
    description: str | None
    suspended: bool
    """A suspended template starts no job (ExecJob answers ``JobSuspend``)."""
    last_job_state: JobState | None
    """The state of the template's last job; None when no job has run."""
    raw_last_job_state: str | None
    """``LastJobState`` as the service sent it."""
    last_start_time: datetime | None
    completion_time: datetime | None
    """When the last job ended; None while it runs, or when none has."""
    active: int
    """The last job's instances running now."""
    succeeded: int
    failed: int
    message: str | None
    """What went wrong in the last job, when the service says."""
    tags: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class TemplatePage:
    """One page of ListJobs: its templates, where it stands among all of them, and its request ID."""

    templates: list[JobTemplate]
    current_page: int
    page_size: int
    total_size: int
    request_id: str


def _text(model: object, name: str) -> str | None:
    value = _value(model, name)
    return value if isinstance(value, str) and value else None


def job_template(data: Any) -> JobTemplate | None:
    """An ``Applications`` entry as a :class:`JobTemplate`; None without ``AppId`` or ``AppName``."""
    app_id, name = _text(data, "app_id"), _text(data, "app_name")
    if app_id is None or name is None:
        return None
    raw = _value(data, "last_job_state")
    raw_state = None if raw is None or isinstance(raw, bool) else str(raw)
    tags = {}
    for tag in _value(data, "tags") or ():
        key, value = _value(tag, "key"), _value(tag, "value")
        if isinstance(key, str):
            tags[key] = value if isinstance(value, str) else ""
    return JobTemplate(
        app_id=app_id,
        name=name,
        namespace_id=_text(data, "namespace_id"),
        region_id=_text(data, "region_id"),
        description=_text(data, "app_description"),
        suspended=_value(data, "suspend") is True,
        last_job_state=None if raw_state is None else JobState.from_wire(raw_state),
        raw_last_job_state=raw_state,
        last_start_time=epoch_time(_value(data, "last_start_time")),
        completion_time=epoch_time(_value(data, "completion_time")),
        active=instance_count(_value(data, "active")),
        succeeded=instance_count(_value(data, "succeeded")),
        failed=instance_count(_value(data, "failed")),
        message=_text(data, "message"),
        tags=tags,
    )


def read_templates_page(answer: Answer, attempt: int) -> TemplatePage | SaeJobError:
    """What a ListJobs answer means: one page of templates, or the error."""
    reply = read_data(LIST_JOBS, answer, attempt)
    if isinstance(reply, SaeJobError):
        return reply
    assert isinstance(answer, Response)  # read_data answered a transport error already
    entries = _value(reply.data, "applications") or []
    templates = [job_template(entry) for entry in entries]
    if None in templates:
        return UnexpectedResponseError(
            "HTTP 200 answer to ListJobs with a template that has no AppId or AppName",
            status_code=int(answer.status_code),
            body=answer.content,
        )

    def number(name: str) -> int:
        # The page's position is in Data and again at the top; Data's first.
        return instance_count(_value(reply.data, name)) or instance_count(_value(reply, name))

    found = [template for template in templates if template is not None]
    return TemplatePage(
        found, number("current_page"), number("page_size"), number("total_size"), reply.request_id
    )


def pick_template(name: str, namespace_id: str | None, pages: Iterable[TemplatePage]) -> JobTemplate:
    """The one template named exactly ``name`` (in ``namespace_id``) among ``pages``; raises
    :class:`~sae_job.TemplateNotFoundError` or :class:`~sae_job.AmbiguousTemplateError`."""
    matches: list[JobTemplate] = []
    request_id = None
    for page in pages:
        request_id = request_id or page.request_id
        matches += [
            template
            for template in page.templates
            if template.name == name and namespace_id in (None, template.namespace_id)
        ]
    if len(matches) == 1:
        return matches[0]
    where = f" in namespace {namespace_id}" if namespace_id is not None else ""
    if not matches:
        error = TemplateNotFoundError(
            "TemplateNotFound",
            f"no job template is named {name!r}{where} (the name must match exactly)",
            request_id=request_id,
        )
        error.name, error.namespace_id = name, namespace_id
        raise error
    namespaces = tuple(sorted({t.namespace_id or "?" for t in matches}))
    ids = ", ".join(f"{t.app_id} in {t.namespace_id or '?'}" for t in matches)
    ambiguous = AmbiguousTemplateError(
        "AmbiguousTemplate",
        f"{len(matches)} job templates are named {name!r}{where} ({ids}); pick one with "
        f"namespace_id=NAMESPACE: {', '.join(namespaces)}",
        request_id=request_id,
    )
    ambiguous.name, ambiguous.namespaces = name, namespaces
    raise ambiguous
