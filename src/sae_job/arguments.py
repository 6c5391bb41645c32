"""Each operation's keyword arguments, declared once (``<Action>Arguments``), and their wire form,
checked before anything is sent: bad input raises ``TypeError`` or ``ValueError`` naming the parameter."""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, TypedDict, Unpack
from urllib.parse import quote_plus

from sae_job.models import JobState
from sae_job.signing import format_acs_date

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "ConfigMapEnv",
    "DescribeJobArguments",
    "DescribeJobHistoryArguments",
    "DescribeJobStatusArguments",
    "Env",
    "EnvsArg",
    "ExecJobArguments",
    "JobRequest",
    "ListJobsArguments",
    "check_number",
    "check_request_size",
    "describe_job_history_params",
    "describe_job_status_params",
    "exec_job_params",
    "job_state",
    "list_jobs_params",
    "new_event_id",
    "request_target",
    "template_name",
]

CONFIG_MAP_ALL_PREFIX = "sae-sys-configmap-all-"
# Kubernetes' classic rule for environment variable names, which SAE's containers follow.
_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
# Characters that cannot be part of an ID: they would change how the URL or a log line reads.
_ID_FORBIDDEN = re.compile(r"[\s/?#&%\\\"'<>\x00-\x1f\x7f]")
_MAX_REPLICAS = 999_999_999  # the spec's pattern allows up to nine digits
# The gateway (Tengine) reads the request line into an 8 KiB buffer: "GET <target> HTTP/1.1\r\n".
MAX_REQUEST_TARGET = 8192 - len("GET  HTTP/1.1\r\n")


class ArgumentError(ValueError):
    """A bad argument, refused before anything is sent: ``parameter`` as the caller wrote it (``app_id``,
    ``command[2]``, ``envs['A']``, ``Env.value``; for a URL too long, its wire name), ``problem`` what is
    wrong with it; the message is the two together."""

    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(f"{parameter} {problem}")
        self.parameter = parameter
        self.problem = problem

    def __reduce__(self) -> tuple[object, ...]:
        return type(self), (self.parameter, self.problem)


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument of the wrong type."""


@dataclass(frozen=True, slots=True)
class Env:
    """A custom environment variable: ``{"name": name, "value": value}`` on the wire."""

    name: str
    value: str

    def __post_init__(self) -> None:
        _check_env_name(self.name, "Env.name")
        _check_text(self.value, "Env.value", of=f"of {self.name!r} ")

    def to_wire(self) -> dict[str, Any]:
        """The variable as the service reads it."""
        return {"name": self.name, "value": self.value}


@dataclass(frozen=True, slots=True)
class ConfigMapEnv:
    """A variable taken from a ConfigMap key (:meth:`all`: every key of a ConfigMap)."""

    name: str
    config_map_id: int
    key: str

    def __post_init__(self) -> None:
        _check_env_name(self.name, "ConfigMapEnv.name")
        _check_count(self.config_map_id, "ConfigMapEnv.config_map_id", "must be a positive ConfigMap ID")
        if not isinstance(self.key, str):
            raise ArgumentTypeError("ConfigMapEnv.key", f"must be a str, not {type(self.key).__name__}")
        _check_utf8(self.key, "ConfigMapEnv.key")
        if not self.key and not self.name.startswith(CONFIG_MAP_ALL_PREFIX):
            raise ArgumentError(
                "ConfigMapEnv.key",
                f"is empty for {self.name!r}: name a key, or use "
                "ConfigMapEnv.all(config_map_name, config_map_id) to take every key",
            )

    @classmethod
    def all(cls, config_map_name: str, config_map_id: int) -> ConfigMapEnv:
        """Every key of the ConfigMap as a variable: named ``sae-sys-configmap-all-<name>``, key ``""``."""
        if not isinstance(config_map_name, str) or not config_map_name:
            raise ArgumentError("config_map_name", "must be the ConfigMap's non-empty name")
        return cls(CONFIG_MAP_ALL_PREFIX + config_map_name, config_map_id, "")

    def to_wire(self) -> dict[str, Any]:
        """The reference as the service reads it."""
        ref = {"configMapId": self.config_map_id, "key": self.key}
        return {"name": self.name, "valueFrom": {"configMapRef": ref}}


EnvsArg: TypeAlias = Mapping[str, str] | Iterable[Env | ConfigMapEnv]


class ExecJobArguments(TypedDict, total=False):
    """ExecJob's keyword arguments beside ``app_id`` (None: left out). ``command``: a list, or a string
    with ``args``; ``envs``: a mapping or a list of :class:`Env`/:class:`ConfigMapEnv`; ``event_id`` makes
    the call idempotent (default: one per call); ``time`` (aware) when it triggers; ``replicas``."""

    command: str | Sequence[str] | None
    args: Sequence[str] | None
    envs: EnvsArg | None
    event_id: str | None
    replicas: int | None
    time: datetime | None
    jar_start_options: str | None
    jar_start_args: str | None
    war_start_options: str | None


EXEC_JOB_ARGUMENTS: frozenset[str] = ExecJobArguments.__optional_keys__


class JobRequest:
    """One job to start, ``exec_job``'s arguments held for ``exec_jobs``; ``TypeError`` for another one."""

    __slots__ = ("app_id", "arguments")

    def __init__(self, app_id: str, /, **arguments: Unpack[ExecJobArguments]) -> None:
        _check_names(arguments)
        self.app_id = app_id
        self.arguments = arguments

    def __getattr__(self, name: str) -> Any:
        if name in EXEC_JOB_ARGUMENTS:
            return self.arguments.get(name)
        raise AttributeError(f"'JobRequest' object has no attribute {name!r}")

    def __repr__(self) -> str:
        given = "".join(f", {name}={value!r}" for name, value in self.arguments.items() if value is not None)
        return f"JobRequest({self.app_id!r}{given})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JobRequest):
            return NotImplemented
        return (self.app_id, _given(self.arguments)) == (other.app_id, _given(other.arguments))

    __hash__ = None  # type: ignore[assignment]  # it holds lists and mappings


def _given(arguments: ExecJobArguments) -> dict[str, object]:
    return {name: value for name, value in arguments.items() if value is not None}


def _check_names(arguments: Mapping[str, object]) -> None:
    unknown = arguments.keys() - EXEC_JOB_ARGUMENTS
    if unknown:
        takes = ", ".join(sorted(EXEC_JOB_ARGUMENTS))
        raise TypeError(f"unexpected keyword argument {min(unknown)!r}; ExecJob takes {takes}")


def check_number(
    parameter: str,
    value: Any,
    *,
    minimum: float = 0,
    above: bool = False,
    integer: bool = False,
    unit: str = "",
) -> Any:
    """``value`` when it is a finite number (``integer``: an int) ``>= minimum`` (``above``: ``>``); else
    the :class:`ArgumentError` naming ``parameter`` (:class:`ArgumentTypeError` for another type).

    >>> check_number("timeout", 0, above=True, unit="seconds")
    Traceback (most recent call last):
    sae_job.arguments.ArgumentError: timeout must be a finite number of seconds > 0, got 0
    """
    kind = "an int" if integer else f"a finite number of {unit}" if unit else "a finite number"
    bad = isinstance(value, bool) or not isinstance(value, int if integer else int | float)
    if bad or not math.isfinite(value) or value < minimum or (above and value == minimum):
        problem = f"must be {kind} {'>' if above else '>='} {minimum:g}, got {value!r}"
        raise (ArgumentTypeError if bad else ArgumentError)(parameter, problem)  # a bool or a str: a type
    return value


def _check_count(value: object, name: str, problem: str, maximum: float = math.inf) -> int:
    # An int from 1 to ``maximum``: else the error naming ``name``, ``problem`` saying what is wanted.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(name, f"must be an int, not {type(value).__name__}")
    if not 1 <= value <= maximum:
        raise ArgumentError(name, f"{problem}, got {value}")
    return value


def new_event_id() -> str:
    """A fresh event ID (uuid4): one per ``exec_job`` call, reused by every retry of it."""
    return str(uuid.uuid4())


def _check_utf8(value: str, name: str, of: str = "") -> None:
    # A lone surrogate (from a mis-decoded file name, say) cannot be sent: say where it is. ASCII (a flag
    # of the string: no scan) holds none.
    if value.isascii():
        return
    try:
        # equivalent mutants: codec names ignore case
        value.encode("utf-8")  # pragma: no mutate
    except UnicodeEncodeError as exc:
        raise ArgumentError(
            name,
            f"{of}holds {value[exc.start]!r} at position {exc.start}, which UTF-8 cannot carry "
            "(a lone surrogate, usually from text decoded with errors='surrogateescape')",
        ) from None


def _check_env_name(name: object, where: str) -> None:
    if isinstance(name, str) and _ENV_NAME.fullmatch(name):
        return
    if not isinstance(name, str):
        raise ArgumentTypeError(where, f"must be a str, not {type(name).__name__}")
    if not name:
        raise ArgumentError(where, "is empty")
    if "=" in name:
        raise ArgumentError(where, f"{name!r} contains '=': give the name and the value separately")
    raise ArgumentError(
        where,
        f"{name!r} is not a valid environment variable name: use letters, digits, '-', '.', '_',"
        " not starting with a digit",
    )


def _check_id(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ArgumentTypeError(name, f"must be a str, not {type(value).__name__}")
    if not value.strip():
        raise ArgumentError(name, "is empty")
    _check_utf8(value, name)
    bad = _ID_FORBIDDEN.search(value)
    if bad:
        raise ArgumentError(name, f"{value!r} contains {bad.group()!r}, which no ID has")
    return value


def _check_text(value: object, name: str, key: int | str | None = None, of: str = "") -> str:
    # No NUL (no process environment can hold one), no lone surrogate; ``key``: the item of ``name``.
    if isinstance(value, str) and value.isascii() and "\x00" not in value:
        return value
    where = name if key is None else f"{name}[{key!r}]"
    if not isinstance(value, str):
        raise ArgumentTypeError(where, f"{of}must be a str, not {type(value).__name__}")
    if "\x00" in value:
        raise ArgumentError(where, f"{of}contains a NUL character")
    _check_utf8(value, where, of)
    return value


def _check_option(value: object, name: str) -> str:
    # An empty option is refused, not sent: the gateway's signers disagree on how to sign "k=".
    text = _check_text(value, name)
    if not text:
        raise ArgumentError(name, "is empty: leave it out (None) instead")
    return text


# Compact, as the API reference writes it; non-ASCII stays UTF-8 (the query encodes it).
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _command_params(command: str | Sequence[str] | None, args: Sequence[str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    rest: list[str] = []
    if isinstance(command, str):
        if not command.strip():
            raise ArgumentError("command", "is empty")
        params["command"] = _check_text(command, "command")
    elif command is not None:
        if not isinstance(command, Sequence):
            raise ArgumentTypeError(
                "command", f"must be a str or a list of str, not {type(command).__name__}"
            )
        if not command:
            raise ArgumentError(
                "command", "is an empty list: give at least the executable, e.g. ['echo', 'abc']"
            )
        if args is not None:
            raise ArgumentError(
                "args", "cannot go with a command list: give the arguments in one of them, not both"
            )
        items = [_check_text(item, "command", i) for i, item in enumerate(command)]
        if not items[0].strip():
            raise ArgumentError("command[0]", "(the executable) is empty")
        params["command"], rest = items[0], items[1:]
    if args is not None:
        if isinstance(args, str | bytes) or not isinstance(args, Sequence):
            raise ArgumentTypeError("args", f"must be a list of str, not {type(args).__name__}")
        rest = [_check_text(item, "args", i) for i, item in enumerate(args)]
    if rest or args is not None:
        params["command_args"] = _to_json(rest)
    return params


def _envs_param(envs: EnvsArg, name: str) -> str:
    if isinstance(envs, Mapping):  # its names are unique: checked here, as Env checks itself
        for key, value in envs.items():
            _check_env_name(key, "envs key")
            _check_text(value, name, key)
        return _to_json([{"name": key, "value": value} for key, value in envs.items()])
    if isinstance(envs, str | bytes) or not isinstance(envs, Iterable):
        raise ArgumentTypeError(
            name,
            f"must be a mapping of names to values or a list of Env/ConfigMapEnv, not {type(envs).__name__}",
        )
    items = list(envs)
    for i, item in enumerate(items):
        if not isinstance(item, Env | ConfigMapEnv):
            raise ArgumentTypeError(
                f"envs[{i}]", f"must be an Env or a ConfigMapEnv, not {type(item).__name__}"
            )
    seen: set[str] = set()
    for item in items:
        if item.name in seen:
            raise ArgumentError(name, f"names {item.name!r} twice")
        seen.add(item.name)
    return _to_json([item.to_wire() for item in items])


def _time_param(time: datetime, name: str) -> str:
    if not isinstance(time, datetime):
        raise ArgumentTypeError(name, f"must be a timezone-aware datetime, not {type(time).__name__}")
    if time.tzinfo is None or time.utcoffset() is None:
        raise ArgumentError(
            name,
            "is a naive datetime, which is ambiguous: give it a timezone, "
            "e.g. datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)",
        )
    try:
        return format_acs_date(time)  # the spec's form: ISO 8601 in UTC, whole seconds, Z
    except OverflowError:
        raise ArgumentError(name, f"{time.isoformat()} is out of range once in UTC") from None


def _replicas_param(replicas: int, name: str) -> str:
    return str(_check_count(replicas, name, "must be a positive number of instances", _MAX_REPLICAS))


# The optional ExecJob arguments that map one to one onto a wire value, each with its check.
_EXEC_JOB_CHECKS: dict[str, Callable[[Any, str], str]] = {
    "envs": _envs_param,
    "jar_start_options": _check_option,
    "jar_start_args": _check_option,
    "war_start_options": _check_option,
    "time": _time_param,
    "replicas": _replicas_param,
}


def exec_job_params(app_id: str, **arguments: Unpack[ExecJobArguments]) -> dict[str, str]:
    """ExecJob's wire form, keyed as the generated ``exec_job``'s arguments, every value a string
    (``CommandArgs`` and ``Envs`` JSON). ``TypeError`` for a wrong type, ``ValueError`` for a bad value."""
    _check_names(arguments)
    wire: dict[str, str] = {"app_id": _check_id(app_id, "app_id")}
    event_id = arguments.get("event_id")
    if event_id is not None:
        wire["event_id"] = _check_id(event_id, "event_id")
    wire.update(_command_params(arguments.get("command"), arguments.get("args")))
    for name, value in arguments.items():
        check = _EXEC_JOB_CHECKS.get(name)
        if check is not None and value is not None:
            wire[name] = check(value, name)
    return wire


def _wire_name(name: str) -> str:
    # The spec names every query parameter in UpperCamelCase; the generated functions in snake_case.
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def request_target(path: str, wire: Mapping[str, object]) -> str:
    """``path?query`` as httpx sends it, ``wire`` keyed by the generated function's argument names (or
    by wire names)."""
    return (
        f"{path}?{'&'.join(f'{_wire_name(name)}={quote_plus(str(value))}' for name, value in wire.items())}"
    )


def check_request_size(path: str, wire: Mapping[str, object]) -> None:
    """``ArgumentError`` naming the longest parameter when the gateway would not read the request's URL."""
    # No character takes more than 12 bytes encoded (4 UTF-8 bytes as %XX), no wire name more than its
    # argument's ("=" and "&" the 2 more): most calls are not counted.
    values = "".join(map(str, wire.values()))
    if len(path) + len("".join(wire)) + 2 * len(wire) + 12 * len(values) <= MAX_REQUEST_TARGET:
        return
    target = request_target(path, wire)
    if len(target) > MAX_REQUEST_TARGET:
        name, value = max(wire.items(), key=lambda item: len(request_target("", {item[0]: item[1]})))
        taken = len(request_target("", {name: value})) - 1
        raise ArgumentError(
            _wire_name(name),
            f"alone takes {taken} bytes once encoded, making the request {len(target)} bytes of "
            f"URL, over the gateway's limit of {MAX_REQUEST_TARGET}; shorten it "
            "(put large data in a ConfigMap or the image instead)",
        )


class DescribeJobStatusArguments(TypedDict, total=False):
    """DescribeJobStatus's keyword arguments, beside ``app_id``: the job (None: the latest one)."""

    job_id: str | None


class DescribeJobArguments(TypedDict, total=False):
    """DescribeJob's keyword arguments, beside ``app_id``: a job of the template (the answer is the
    template's settings either way)."""

    job_id: str | None


class DescribeJobHistoryArguments(TypedDict, total=False):
    """DescribeJobHistory's keyword arguments, beside ``app_id``: the ``state`` to keep (a
    :class:`~sae_job.JobState`, or its name: ``"failed"``) and how many jobs a page holds."""

    state: JobState | str | None
    page_size: int | None


MAX_HISTORY_PAGE_SIZE = 10_000  # DescribeJobHistory's PageSize range is 0-10000


def describe_job_status_params(
    app_id: str, **arguments: Unpack[DescribeJobStatusArguments]
) -> dict[str, object]:
    """DescribeJobStatus's wire form; without ``job_id``, the template's latest job."""
    wire: dict[str, object] = {"app_id": _check_id(app_id, "app_id")}
    job_id = arguments.get("job_id")
    if job_id is not None:
        wire["job_id"] = _check_id(job_id, "job_id")
    return wire


def job_state(value: JobState | str) -> JobState:
    """A state to filter by, from a :class:`~sae_job.JobState` or its name; ``ValueError`` otherwise."""
    if isinstance(value, JobState) and value is not JobState.UNKNOWN:
        return value
    names = [state.name.lower() for state in JobState if state is not JobState.UNKNOWN]
    if isinstance(value, str) and value.lower() in names:
        return JobState[value.upper()]
    raise ArgumentError("state", f"must be one of {', '.join(names)}, got {value!r}")


def _page_size(value: object, maximum: int) -> int:
    return _check_count(value, "page_size", f"must be from 1 to {maximum}", maximum)


def describe_job_history_params(
    app_id: str, current_page: int, **arguments: Unpack[DescribeJobHistoryArguments]
) -> dict[str, object]:
    """One page of DescribeJobHistory in wire form."""
    wire: dict[str, object] = {"app_id": _check_id(app_id, "app_id"), "current_page": current_page}
    state, page_size = arguments.get("state"), arguments.get("page_size")
    if state is not None:
        from sae_job_api.models.describe_job_history_state import DescribeJobHistoryState

        wire["state"] = DescribeJobHistoryState(job_state(state).value)
    if page_size is not None:
        wire["page_size"] = _page_size(page_size, MAX_HISTORY_PAGE_SIZE)
    return wire


class ListJobsArguments(TypedDict, total=False):
    """ListJobs' keyword arguments: the ``name`` to match (as the service matches it: by prefix or
    substring), the ``namespace_id`` to keep (``cn-hangzhou:dev``), and how many templates a page holds."""

    name: str | None
    namespace_id: str | None
    page_size: int | None


MAX_TEMPLATES_PAGE_SIZE = 200  # ListJobs' PageSize range is 0-200


def template_name(name: object) -> str:
    """A job template's name as given to ListJobs; ``TypeError``/``ValueError`` when no template has it."""
    text = _check_text(name, "name")
    if not text.strip():
        raise ArgumentError("name", "is empty: give the job template's name, e.g. 'nightly-report'")
    return text


def list_jobs_params(current_page: int, **arguments: Unpack[ListJobsArguments]) -> dict[str, object]:
    """One page of ListJobs in wire form: job templates only (``Workload=job``), filtered by name
    (``FieldType=appName``) and namespace when given."""
    wire: dict[str, object] = {"current_page": current_page, "workload": "job"}
    name, namespace_id, page_size = (arguments.get(k) for k in ("name", "namespace_id", "page_size"))
    if name is not None:
        wire["field_type"], wire["field_value"] = "appName", template_name(name)
    if namespace_id is not None:
        wire["namespace_id"] = _check_id(namespace_id, "namespace_id")
    if page_size is not None:
        wire["page_size"] = _page_size(page_size, MAX_TEMPLATES_PAGE_SIZE)
    return wire
