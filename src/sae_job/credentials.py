"""Alibaba Cloud credentials: the value, the provider protocol, and the default chain (as Alibaba
Cloud's own tools look: environment variables, then an aliyun CLI profile). No message, ``repr`` or
``str`` made here holds a secret or a token."""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sae_job.errors import CredentialsError, CredentialsNotFoundError
from sae_job.files import read_small_file

_ENV_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
_ENV_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
_ENV_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"
_ENV_PROFILE = "ALIBABA_CLOUD_PROFILE"
_ENV_CONFIG_FILE = "ALIBABA_CLOUD_CONFIG_FILE"  # honoured by credentials-go
_ENV_CLI_PROFILE_DISABLED = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED"
_PROVIDER_HINT = "pass a provider object such as alibabacloud_credentials.client.Client() as credentials="


def _check_field(name: str, value: object) -> None:
    # Messages name the field, never its value: the value may be a secret.
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} is empty")
    if value != value.strip() or not value.isprintable():
        raise ValueError(
            f"{name} has leading or trailing whitespace or a line break (or another invisible "
            "character): a common copy-paste fault; copy it again without them (value not shown)"
        )


@dataclass(frozen=True, slots=True)
class Credentials:
    """An AccessKey pair, with the STS token when the key is temporary. ``TypeError`` for a field that
    is not a ``str``, ``ValueError`` for an empty one or one with invisible characters around or in it."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _check_field("access_key_id", self.access_key_id)
        _check_field("access_key_secret", self.access_key_secret)
        if self.security_token is not None:
            _check_field("security_token", self.security_token)

    def __repr__(self) -> str:
        token = ", security_token=<redacted>" if self.security_token else ""
        return f"Credentials(access_key_id={self.access_key_id!r}, access_key_secret=<redacted>{token})"

    def get_credentials(self) -> Credentials:
        """Itself: a ``Credentials`` is its own provider."""
        return self


@runtime_checkable
class CredentialsProvider(Protocol):
    """Gives the credentials to sign the next request with; asked once per request, so it may rotate."""

    def get_credentials(self) -> Credentials: ...


def _takes_no_arguments(method: Callable[..., object]) -> bool:
    try:
        inspect.signature(method).bind()
    except TypeError:
        return False
    except ValueError:  # no signature to inspect: assume it can be called bare
        return True
    return True


def _reader(client: object) -> Callable[[], tuple[Any, ...]] | None:
    """How to read ``client``'s current id, secret and token (unchecked); None for another object."""
    get_credential = getattr(client, "get_credential", None)
    # Some alibabacloud-credentials releases have a static get_credential(config) factory instead.
    if callable(get_credential) and _takes_no_arguments(get_credential):

        def read_model() -> tuple[Any, ...]:
            model = get_credential()
            return tuple(getattr(model, f.name, None) for f in fields(Credentials))

        return read_model
    get_id = getattr(client, "get_access_key_id", None)
    get_secret = getattr(client, "get_access_key_secret", None)
    get_token = getattr(client, "get_security_token", None)
    if callable(get_id) and callable(get_secret) and callable(get_token):
        # Older releases: three calls, so a refresh between them could mix two generations.
        return lambda: (get_id(), get_secret(), get_token())
    return None


def _build(source: str, access_key_id: Any, access_key_secret: Any, security_token: Any) -> Credentials:
    """``Credentials`` from untrusted values; a bad value becomes a CredentialsError naming ``source``."""
    try:
        return Credentials(access_key_id, access_key_secret, security_token or None)
    except (TypeError, ValueError) as exc:
        raise CredentialsError(f"{source}: {exc}") from exc


class CredentialClientProvider:
    """A ``CredentialsProvider`` over a credential client such as alibabacloud-credentials' ``Client``
    (``get_credential()``, or the older ``get_access_key_id()``/…), asked on every call.
    ``TypeError`` for an object of neither shape."""

    __slots__ = ("_client", "_read")

    def __init__(self, client: object) -> None:
        read = _reader(client)
        if read is None:
            raise TypeError(
                f"{type(client).__name__} has neither get_credential() nor "
                "get_access_key_id()/get_access_key_secret()/get_security_token()"
            )
        self._client = client
        self._read = read

    def get_credentials(self) -> Credentials:
        """The client's current credentials; ``CredentialsError`` when they are unusable."""
        return _build(f"{type(self._client).__name__} gave unusable credentials", *self._read())

    def __repr__(self) -> str:
        return f"CredentialClientProvider({type(self._client).__name__})"


def as_provider(credentials: object) -> CredentialsProvider:
    """The provider a ``credentials=`` argument stands for (a credential client wrapped); ``TypeError``
    naming only its type for anything else."""
    if isinstance(credentials, Credentials):
        return credentials
    # Before the protocol check: alibabacloud-credentials' Client also has a static
    # get_credentials(config), which a structural check would accept.
    if _reader(credentials) is not None:
        return CredentialClientProvider(credentials)
    if isinstance(credentials, CredentialsProvider):
        return credentials
    raise TypeError(
        "credentials must be a Credentials, an object with get_credentials() returning Credentials, "
        "or a credential client with get_credential() such as alibabacloud_credentials.client.Client(); "
        f"got {type(credentials).__name__}"
    )


def _from_environment(environ: Mapping[str, str]) -> Credentials | None:
    access_key_id = environ.get(_ENV_ID, "")
    access_key_secret = environ.get(_ENV_SECRET, "")
    if not access_key_id and not access_key_secret:
        return None
    if not access_key_secret or not access_key_id:
        present, missing = (_ENV_ID, _ENV_SECRET) if access_key_id else (_ENV_SECRET, _ENV_ID)
        raise CredentialsError(f"{present} is set but {missing} is not: set both, or neither")
    source = f"environment variables {_ENV_ID}/{_ENV_SECRET}/{_ENV_TOKEN}"
    return _build(source, access_key_id, access_key_secret, environ.get(_ENV_TOKEN))


def _config_file(environ: Mapping[str, str], config_path: str | os.PathLike[str] | None) -> Path:
    if config_path is not None:
        return Path(config_path)
    if environ.get(_ENV_CONFIG_FILE):
        return Path(environ[_ENV_CONFIG_FILE])
    home = environ.get("HOME") or environ.get("USERPROFILE")
    return (Path(home) if home else Path.home()) / ".aliyun" / "config.json"


def _read_config(path: Path) -> dict[str, Any] | None:
    """The parsed aliyun CLI config file (``profiles`` only its objects), or None when there is none."""
    file = f"the aliyun CLI config file {path}"
    try:
        config = json.loads(read_small_file(path))
    except FileNotFoundError:
        return None
    except RecursionError:
        raise CredentialsError(f"{file} is nested too deeply to be a config") from None
    except json.JSONDecodeError as exc:  # only the position: the document itself holds secrets
        raise CredentialsError(
            f"{file} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "fix it or run `aliyun configure` again"
        ) from None
    except ValueError as exc:  # read_small_file's: not a regular file, too large, not UTF-8
        raise CredentialsError(f"cannot read {file}: {exc}") from None
    if not isinstance(config, dict) or not isinstance(config.get("profiles", []), list):
        raise CredentialsError(f"{file} is not an object with a list of profiles")
    config["profiles"] = [entry for entry in config.get("profiles", []) if isinstance(entry, dict)]
    return config


def _profile(config: dict[str, Any], name: str | None) -> tuple[str, dict[str, Any] | None]:
    """The name of the profile to read (``name``, else the file's current one) and its entry, if any."""
    name = name or config.get("current") or "default"
    return name, next((p for p in config["profiles"] if p.get("name") == name), None)


def _from_profile(path: Path, config: dict[str, Any], name: str | None, chosen_by: str) -> Credentials:
    name, entry = _profile(config, name)
    if entry is None:
        available = ", ".join(repr(p.get("name")) for p in config["profiles"]) or "none"
        raise CredentialsNotFoundError(
            f"profile {name!r} ({chosen_by}) is not in the aliyun CLI config file {path}; "
            f"profiles there: {available}. Choose one with --profile or {_ENV_PROFILE}, "
            f"or create it with `aliyun configure --profile {name}`"
        )
    where = f"profile {name!r} in {path}"
    mode = entry.get("mode")
    if mode not in ("AK", "StsToken"):
        unread = CredentialsError(
            f"{where} uses mode {mode!r}, which sae-job does not read itself; for that mode, "
            f"{_PROVIDER_HINT} (its default chain reads this profile too)"
        )
        unread.profile, unread.mode = where, str(mode)
        raise unread
    required = ["access_key_id", "access_key_secret"] + (["sts_token"] if mode == "StsToken" else [])
    missing = [key for key in required if not entry.get(key)]
    if missing:
        raise CredentialsError(
            f"{where} (mode {mode}) has no {' or '.join(missing)}; run `aliyun configure --profile {name}`"
        )
    token = entry["sts_token"] if mode == "StsToken" else None  # AK profiles keep a stale "sts_token": ""
    return _build(where, entry["access_key_id"], entry["access_key_secret"], token)


def default_credentials(
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    config_path: str | os.PathLike[str] | None = None,
) -> Credentials:
    """The credentials Alibaba Cloud's own tools would find: ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET
    (/SECURITY_TOKEN), else the aliyun CLI profile (ALIBABA_CLOUD_PROFILE, else the file's current one;
    mode AK or StsToken). With ``profile``, that profile only. The file is ``config_path``, else
    ALIBABA_CLOUD_CONFIG_FILE, else ``~/.aliyun/config.json``; ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true
    skips it.

    Raises :class:`CredentialsNotFoundError` (saying what was tried) when nothing is found or the profile
    is not in the file, :class:`CredentialsError` when what was found cannot be used.
    """
    env = os.environ if environ is None else environ
    if profile:
        tried = ["environment variables: skipped, a profile was given explicitly"]
        chosen_by = "given explicitly"
    else:
        found = _from_environment(env)
        if found is not None:
            return found
        tried = [f"environment variables {_ENV_ID} and {_ENV_SECRET}: not set"]
        profile = env.get(_ENV_PROFILE)
        chosen_by = f"from {_ENV_PROFILE}" if profile else "the file's current profile"
    path = _config_file(env, config_path)
    if env.get(_ENV_CLI_PROFILE_DISABLED, "").lower() == "true":
        tried.append(f"aliyun CLI config file {path}: skipped, {_ENV_CLI_PROFILE_DISABLED} is true")
    elif (config := _read_config(path)) is not None:
        return _from_profile(path, config, profile, chosen_by)
    else:
        which = f"profile {profile!r} ({chosen_by})" if profile else "its current profile"
        tried.append(f"aliyun CLI config file {path}, {which}: no such file")
    not_found = CredentialsNotFoundError(
        "no Alibaba Cloud credentials found. Tried:\n"
        + "".join(f"  - {step}\n" for step in tried)
        + f"Fix: set {_ENV_ID} and {_ENV_SECRET} (and {_ENV_TOKEN} for an STS token); "
        f"or run `aliyun configure` (choose a profile with --profile or {_ENV_PROFILE}); "
        "or pass credentials= explicitly. "
        f"For RAM roles, OIDC (RRSA) or ECS instance roles, {_PROVIDER_HINT}."
    )
    not_found.tried = tuple(tried)
    raise not_found


def profile_region(
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    config_path: str | os.PathLike[str] | None = None,
) -> tuple[str, str] | None:
    """The ``region_id`` of the profile :func:`default_credentials` reads, and where it was found
    (``"region_id of profile 'default' in …/config.json"``); None when there is none.
    :class:`CredentialsError` for a file that exists but cannot be read."""
    env = os.environ if environ is None else environ
    if env.get(_ENV_CLI_PROFILE_DISABLED, "").lower() == "true":
        return None
    path = _config_file(env, config_path)
    config = _read_config(path)
    if config is None:
        return None
    name, entry = _profile(config, profile or env.get(_ENV_PROFILE))
    region = (entry or {}).get("region_id")
    if not isinstance(region, str) or not region:
        return None
    return region, f"region_id of profile {name!r} in {path}"
