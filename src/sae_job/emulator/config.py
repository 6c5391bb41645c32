"""What the emulator knows: AccessKeys, job templates, the account's standing and the faults to inject,
in Python or TOML (the README's emulator section shows every key). :func:`default_config` is the embedded
``default.toml``: one demo key, one demo template.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast, get_args

from sae_job.credentials import Credentials
from sae_job.emulator.faults import MAX_SECONDS, Faults, number

ConcurrencyPolicy = Literal["Allow", "Forbid", "Replace"]
_POLICIES: tuple[str, ...] = get_args(ConcurrencyPolicy)
Outcome = Literal["succeeded", "failed"]
_OUTCOMES: tuple[str, ...] = get_args(Outcome)
DEFAULT_NAMESPACE = "cn-hangzhou"  # a region's default namespace has the region's ID


class ConfigError(ValueError):
    """The emulator's configuration cannot be used; the message names the file and the entry, never a
    secret's value."""


@dataclass(frozen=True, slots=True)
class Template:
    """A job template (an SAE job application) that ExecJob starts jobs from.

    ``concurrency_policy``: ``Allow`` runs every job; ``Forbid`` refuses one while another is pending or
    running (``JobForbidPolicy``); ``Replace`` ends those as failed. ``suspended`` refuses every job
    (``JobSuspend``). A job runs ``run_seconds`` from its ``Time``, then ends as ``outcome`` says.
    ListJobs lists it under ``name`` (default: ``app_id``) in ``namespace_id``. Raises ``ValueError`` for
    a value out of range.
    """

    app_id: str
    concurrency_policy: ConcurrencyPolicy = "Allow"
    suspended: bool = False
    run_seconds: float = 30
    outcome: Outcome = "succeeded"
    name: str | None = None
    namespace_id: str = DEFAULT_NAMESPACE
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.outcome not in _OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(_OUTCOMES)}, not {self.outcome!r}")
        if not isinstance(self.app_id, str) or not self.app_id:
            raise ValueError("app_id must be a non-empty string")
        if self.concurrency_policy not in _POLICIES:
            raise ValueError(
                f"concurrency_policy must be one of {', '.join(_POLICIES)}, not {self.concurrency_policy!r}"
            )
        if not isinstance(self.suspended, bool):
            raise ValueError("suspended must be true or false")
        if not 0 <= number(self.run_seconds, "run_seconds") <= MAX_SECONDS:
            raise ValueError(f"run_seconds must be from 0 to {MAX_SECONDS} seconds, not {self.run_seconds}")
        self._check_listing()

    def _check_listing(self) -> None:
        if self.name is None:
            object.__setattr__(self, "name", self.app_id)
        for what in ("name", "namespace_id"):
            value = getattr(self, what)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{what} must be a non-empty string")
        if not isinstance(self.description, str):
            raise ValueError("description must be a string")
        if not isinstance(self.tags, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.tags.items()
        ):
            raise ValueError('tags must map names to values, all strings: { team = "data" }')
        object.__setattr__(self, "tags", dict(self.tags))

    @property
    def region_id(self) -> str:
        """The namespace's region: ``cn-hangzhou`` of ``cn-hangzhou:dev``."""
        return self.namespace_id.partition(":")[0]


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """AccessKeys the gateway accepts, templates jobs start from, and whether the account is in debt
    (every ExecJob answers ``user.indebt``). Raises ``ValueError`` for no key or a key or app ID given twice.
    """

    credentials: tuple[Credentials, ...]
    templates: tuple[Template, ...] = ()
    in_debt: bool = False
    faults: Faults = field(default_factory=Faults)
    source: str = field(default="<python>", compare=False)  # for messages: a path, <embedded>, <python>
    ram_denied: frozenset[str] = frozenset()  # key IDs a RAM policy denies: 403 Forbidden.RAM

    def __post_init__(self) -> None:
        # Lists are welcome; kept as tuples so a config cannot change under a running emulator.
        object.__setattr__(self, "credentials", tuple(self.credentials))
        object.__setattr__(self, "templates", tuple(self.templates))
        if not self.credentials:
            raise ValueError("no credentials: the emulator would refuse every request")
        for key in self.credentials:
            if not isinstance(key, Credentials):
                raise ValueError(f"credentials must be Credentials, not {type(key).__name__}")
        for template in self.templates:
            if not isinstance(template, Template):
                raise ValueError(f"templates must be Template, not {type(template).__name__}")
        if not isinstance(self.faults, Faults):
            raise ValueError(f"faults must be Faults, not {type(self.faults).__name__}")
        _unique("access_key_id", (c.access_key_id for c in self.credentials))
        _unique("app_id", (t.app_id for t in self.templates))
        named = [(t.namespace_id, t.name) for t in self.templates]
        for namespace_id, name in named:
            if named.count((namespace_id, name)) > 1:  # as SAE: a name is unique in its namespace
                raise ValueError(f"the name {name!r} is configured twice in namespace {namespace_id!r}")

    def __repr__(self) -> str:
        keys = ", ".join(repr(c) for c in self.credentials)  # Credentials' repr redacts the secret
        faults = f", faults={self.faults!r}" if self.faults.enabled else ""
        return (
            f"EmulatorConfig(credentials=({keys}), templates={self.templates!r}, in_debt={self.in_debt}"
            f"{faults})"
        )

    def with_templates(self, *templates: Template, in_debt: bool | None = None) -> EmulatorConfig:
        """This configuration (same keys) with other templates, and optionally another debt state."""
        return replace(self, templates=templates, in_debt=self.in_debt if in_debt is None else in_debt)

    def with_faults(self, faults: Faults) -> EmulatorConfig:
        """This configuration with other faults."""
        return replace(self, faults=faults)


def _unique(what: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} is configured twice")
        seen.add(value)


_TOP = {"credentials", "templates", "account", "faults"}
_CREDENTIAL_KEYS = {"access_key_id", "access_key_secret", "security_token", "ram_denied"}
_TEMPLATE_KEYS = {
    "app_id", "concurrency_policy", "suspended", "run_seconds", "outcome", "name", "namespace_id",
    "description", "tags",
}  # fmt: skip
_ACCOUNT_KEYS = {"in_debt"}


def _table_list(document: Mapping[str, Any], name: str, source: str) -> list[Mapping[str, Any]]:
    tables = document.get(name, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{source}: {name} must be an array of tables, written [[{name}]]")
    return tables


def _known(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def parse_config(text: str, *, source: str = "<string>") -> EmulatorConfig:
    """An :class:`EmulatorConfig` from TOML text; :class:`ConfigError` names ``source`` and the entry at
    fault, never a secret."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: not a configuration: its TOML is nested too deeply") from None
    _known(document, _TOP, source)
    credentials, ram_denied = [], set()
    for index, table in enumerate(_table_list(document, "credentials", source)):
        where = f"{source}: credentials[{index}]"
        _known(table, _CREDENTIAL_KEYS, where)
        for key in ("access_key_id", "access_key_secret"):
            if key not in table:
                raise ConfigError(f"{where}: {key} is missing")
        fields = {name: value for name, value in table.items() if name != "ram_denied"}
        if table.get("ram_denied", False) not in (True, False):
            raise ConfigError(f"{where}: ram_denied must be true or false")
        if table.get("ram_denied"):
            ram_denied.add(fields["access_key_id"])
        try:
            credentials.append(Credentials(**fields))
        except (TypeError, ValueError) as exc:  # Credentials' messages never hold the value
            raise ConfigError(f"{where}: {exc}") from None
    templates = []
    for index, table in enumerate(_table_list(document, "templates", source)):
        where = f"{source}: templates[{index}]"
        _known(table, _TEMPLATE_KEYS, where)
        if "app_id" not in table:
            raise ConfigError(f"{where}: app_id is missing")
        try:
            templates.append(Template(**cast(dict[str, Any], table)))
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    account = document.get("account", {})
    if not isinstance(account, dict):
        raise ConfigError(f"{source}: account must be a table, written [account]")
    _known(account, _ACCOUNT_KEYS, f"{source}: account")
    in_debt = account.get("in_debt", False)
    if not isinstance(in_debt, bool):
        raise ConfigError(f"{source}: account.in_debt must be true or false")
    table = document.get("faults", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: faults must be a table, written [faults]")
    try:
        faults = Faults.from_mapping(table)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: faults: {exc}") from None
    try:
        denied = frozenset(ram_denied)
        return EmulatorConfig(tuple(credentials), tuple(templates), in_debt, faults, source, denied)
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None


MAX_CONFIG_BYTES = 1 << 20  # far beyond any real configuration; what a wrong path can cost


def load_config(path: str | Path) -> EmulatorConfig:
    """The configuration in the TOML file at ``path``; :class:`ConfigError` when it is not a regular file
    (a FIFO is never waited on), is over :data:`MAX_CONFIG_BYTES`, unreadable or not a configuration."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens at once, to be refused below
        with os.fdopen(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ConfigError(f"cannot read the emulator config {path}: not a regular file")
            data = file.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"cannot read the emulator config {path}: larger than {MAX_CONFIG_BYTES} bytes")
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"cannot read the emulator config {path}: {reason}") from None
    return parse_config(text, source=str(path))


def default_config() -> EmulatorConfig:
    """The embedded configuration: the demo key ``emulator-demo-key-id`` and one demo template."""
    text = resources.files("sae_job.emulator").joinpath("default.toml").read_text(encoding="utf-8")
    return parse_config(text, source="<embedded>")
