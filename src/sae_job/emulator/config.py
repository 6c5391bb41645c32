"""The emulator's keys, templates, account and faults, in Python or TOML (the README's emulator section
shows every key); :func:`default_config` is the embedded ``default.toml``."""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Literal, get_args

from sae_job.credentials import Credentials
from sae_job.emulator.faults import FAULTS_SCHEMA, MAX_SECONDS, Faults
from sae_job.emulator.spec import SettingsValidator, conform, settings_schema, table_schema
from sae_job.files import MAX_FILE_BYTES, read_small_file

ConcurrencyPolicy = Literal["Allow", "Forbid", "Replace"]
Outcome = Literal["succeeded", "failed"]
MAX_CONFIG_BYTES = MAX_FILE_BYTES
_STRING, _BOOLEAN, _NON_BLANK = {"type": "string"}, {"type": "boolean"}, {"type": "string", "pattern": r"\S"}
_TAGS = {"type": "object", "propertyNames": _STRING, "additionalProperties": _STRING}
_POLICY, _OUTCOME = {"enum": list(get_args(ConcurrencyPolicy))}, {"enum": list(get_args(Outcome))}
_PREFIX = {"enum": ["manual", "event"]}


class ConfigError(ValueError):
    """The configuration cannot be used: the message names the file and the entry, never a secret."""


@dataclass(frozen=True, slots=True)
class Template:
    """A job template (an SAE job application) that ExecJob starts jobs from, each field as the README's
    TOML example says (``name`` defaults to ``app_id``); ``ValueError`` for a value out of range."""

    app_id: str = field(metadata=_NON_BLANK)
    concurrency_policy: ConcurrencyPolicy = field(default="Allow", metadata=_POLICY)
    suspended: bool = field(default=False, metadata=_BOOLEAN)
    run_seconds: float = field(default=30, metadata={"type": "number", "minimum": 0, "maximum": MAX_SECONDS})
    outcome: Outcome = field(default="succeeded", metadata=_OUTCOME)
    job_id_prefix: Literal["manual", "event"] = field(default="manual", metadata=_PREFIX)
    retried_failures: int = field(default=0, metadata={"type": "integer", "minimum": 0, "maximum": 1000})
    timeout: int = field(default=3600, metadata={"type": "integer", "minimum": 1, "maximum": 7 * 86400})
    backoff_limit: int = field(default=0, metadata={"type": "integer", "minimum": 0, "maximum": 1000})
    name: str | None = field(default=None, metadata={**_NON_BLANK, "type": ["string", "null"]})
    namespace_id: str = field(default="cn-hangzhou", metadata=_NON_BLANK)  # the region's default namespace
    description: str = field(default="", metadata=_STRING)
    tags: Mapping[str, str] = field(default_factory=dict, metadata=_TAGS)

    def __post_init__(self) -> None:
        if isinstance(self.tags, Mapping):
            object.__setattr__(self, "tags", dict(self.tags))
        conform(_TEMPLATE, {f.name: getattr(self, f.name) for f in fields(self)}, "template")
        if self.name is None:  # defaults to app_id, once that is known to be good
            object.__setattr__(self, "name", self.app_id)

    @property
    def region_id(self) -> str:
        """The namespace's region: ``cn-hangzhou`` of ``cn-hangzhou:dev``."""
        return self.namespace_id.partition(":")[0]


_TEMPLATE_SCHEMA = settings_schema(Template, ["app_id"])
_TEMPLATE = SettingsValidator(_TEMPLATE_SCHEMA)
# The TOML file (the README's emulator section shows every key); Credentials checks its own values.
_DOCUMENT = SettingsValidator(
    table_schema(
        credentials={
            "type": "array",
            "items": table_schema(
                ["access_key_id", "access_key_secret"],
                access_key_id=_STRING,
                access_key_secret=_STRING,
                security_token=_STRING,
                ram_denied=_BOOLEAN,
            ),
        },
        templates={"type": "array", "items": _TEMPLATE_SCHEMA},
        account=table_schema(in_debt=_BOOLEAN),
        faults=FAULTS_SCHEMA,
    )
)


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """The keys the gateway accepts, the templates, whether the account is in debt, the faults; ``ValueError``
    for no key, or a key, app ID or name in a namespace given twice."""

    credentials: tuple[Credentials, ...]  # their repr redacts the secrets and tokens
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
        kinds = (("credentials", Credentials, self.credentials), ("templates", Template, self.templates))
        for what, kind, values in (*kinds, ("faults", Faults, (self.faults,))):
            for value in values:
                if not isinstance(value, kind):
                    raise ValueError(f"{what} must be {kind.__name__}, not {type(value).__name__}")
        for what, keys in (
            ("access_key_id", [c.access_key_id for c in self.credentials]),
            ("app_id", [t.app_id for t in self.templates]),
        ):
            twice = [value for value, count in Counter(keys).items() if count > 1]
            if twice:
                raise ValueError(f"{what} {twice[0]!r} is configured twice")
        named = [(t.namespace_id, t.name) for t in self.templates]
        for namespace_id, name in named:
            if named.count((namespace_id, name)) > 1:  # as SAE: a name is unique in its namespace
                raise ValueError(f"the name {name!r} is configured twice in namespace {namespace_id!r}")

    def with_templates(self, *templates: Template, in_debt: bool | None = None) -> EmulatorConfig:
        """This configuration (same keys) with other templates, and optionally another debt state."""
        return replace(self, templates=templates, in_debt=self.in_debt if in_debt is None else in_debt)

    def with_faults(self, faults: Faults) -> EmulatorConfig:
        """This configuration with other faults."""
        return replace(self, faults=faults)


def parse_config(text: str, *, source: str = "<string>") -> EmulatorConfig:
    """An :class:`EmulatorConfig` of TOML; :class:`ConfigError` names ``source`` and the entry, no secret."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: not a configuration: its TOML is nested too deeply") from None
    try:  # every message names the entry, never a value
        conform(_DOCUMENT, document)
        credentials, ram_denied = [], set()
        for index, table in enumerate(document.get("credentials", [])):
            if table.pop("ram_denied", False):
                ram_denied.add(table["access_key_id"])
            try:
                credentials.append(Credentials(**table))
            except ValueError as exc:  # Credentials' messages never hold the value
                raise ValueError(f"credentials[{index}]: {exc}") from None
        return EmulatorConfig(
            tuple(credentials),
            tuple(Template(**table) for table in document.get("templates", [])),
            document.get("account", {}).get("in_debt", False),
            Faults(**document.get("faults", {})),
            source,
            frozenset(ram_denied),
        )
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_config(path: str | Path) -> EmulatorConfig:
    """The configuration in the TOML file ``path``; :class:`ConfigError` if it cannot be read or used."""
    try:
        text = read_small_file(path, MAX_CONFIG_BYTES)
    except (OSError, ValueError) as exc:
        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc).removeprefix("it is ")
        raise ConfigError(f"cannot read the emulator config {path}: {reason}") from None
    return parse_config(text, source=str(path))


def default_config() -> EmulatorConfig:
    """The embedded configuration: the demo key ``emulator-demo-key-id`` and one demo template."""
    text = resources.files("sae_job.emulator").joinpath("default.toml").read_text(encoding="utf-8")
    return parse_config(text, source="<embedded>")
