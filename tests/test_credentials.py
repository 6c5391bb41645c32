"""Credentials: validation and redaction, providers, and the default chain (no real env or home)."""

from __future__ import annotations

import json
import os
import pickle
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from sae_job.credentials import (
    CredentialClientProvider,
    Credentials,
    CredentialsError,
    CredentialsNotFoundError,
    CredentialsProvider,
    as_provider,
    default_credentials,
)

CANARY = "CANARY-SECRET-123"
TOKEN_CANARY = "CANARY-TOKEN-456"


def assert_no_canary(*texts: object) -> None:
    for text in texts:
        assert CANARY not in str(text)
        assert TOKEN_CANARY not in str(text)


def write_config(path: Path, *profiles: dict[str, Any], current: str = "default") -> Path:
    path.write_text(json.dumps({"current": current, "profiles": list(profiles)}), encoding="utf-8")
    return path


def ak(name: str, key_id: str = "LTAIak", secret: str = CANARY) -> dict[str, Any]:
    # The shape `aliyun configure` writes: every field present, unused ones empty.
    return {"name": name, "mode": "AK", "access_key_id": key_id, "access_key_secret": secret, "sts_token": ""}


# --- Credentials: validation and redaction -------------------------------------------------------


def test_repr_and_str_hide_secret_and_token() -> None:
    creds = Credentials("LTAIid", CANARY, TOKEN_CANARY)
    assert "LTAIid" in repr(creds)
    assert "security_token=<redacted>" in repr(creds)
    assert_no_canary(repr(creds), str(creds), f"{creds}", [creds])
    assert creds.get_credentials() is creds


@pytest.mark.parametrize(
    "secret",
    [f"{CANARY}\n", f" {CANARY}", f"{CANARY}\t", f"{CANARY[:5]}\r\n{CANARY[5:]}", f"\ufeff{CANARY}"],
)
def test_copy_paste_faults_are_named_without_the_value(secret: str) -> None:
    with pytest.raises(ValueError, match="access_key_secret has leading or trailing whitespace") as info:
        Credentials("LTAIid", secret)
    assert "copy-paste" in str(info.value)
    assert_no_canary(str(info.value), repr(info.value), info.value.args)


def test_token_is_checked_too() -> None:
    with pytest.raises(ValueError, match="security_token") as info:
        Credentials("LTAIid", "secret", f"{TOKEN_CANARY}\n")
    assert_no_canary(str(info.value), repr(info.value))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"access_key_id": "", "access_key_secret": "s"}, ValueError, "access_key_id is empty"),
        ({"access_key_id": "id", "access_key_secret": ""}, ValueError, "access_key_secret is empty"),
        ({"access_key_id": None, "access_key_secret": "s"}, TypeError, "access_key_id must be a str"),
        ({"access_key_id": "id", "access_key_secret": CANARY.encode()}, TypeError, "not bytes"),
        ({"access_key_id": "id", "access_key_secret": "s", "security_token": 7}, TypeError, "security_token"),
    ],
)
def test_wrong_fields(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as info:
        Credentials(**kwargs)
    assert_no_canary(str(info.value))


# --- providers and as_provider -------------------------------------------------------------------


class FakeClient:
    """The shape of alibabacloud-credentials' Client: get_credential() -> model; rotates each call."""

    def __init__(self, secret: str = CANARY, token: str | None = TOKEN_CANARY) -> None:
        self.calls = 0
        self.secret = secret
        self.token = token

    def get_credential(self) -> SimpleNamespace:
        self.calls += 1
        return SimpleNamespace(
            access_key_id=f"STS.id{self.calls}", access_key_secret=self.secret, security_token=self.token
        )

    @staticmethod
    def get_credentials(config: object) -> None:  # Client has this static factory too
        raise AssertionError("must not be called")


class LegacyClient:
    """Older releases: a static get_credential(config) factory and per-field getters."""

    @staticmethod
    def get_credential(config: object) -> None:
        raise AssertionError("must not be called")

    def get_access_key_id(self) -> str:
        return "LTAIlegacy"

    def get_access_key_secret(self) -> str:
        return CANARY

    def get_security_token(self) -> None:
        return None


def test_adapter_asks_the_client_on_every_call() -> None:
    client = FakeClient()
    provider = as_provider(client)
    assert isinstance(provider, CredentialClientProvider)
    first, second = provider.get_credentials(), provider.get_credentials()
    assert (first.access_key_id, second.access_key_id) == ("STS.id1", "STS.id2")
    assert first.access_key_secret == CANARY
    assert first.security_token == TOKEN_CANARY
    assert_no_canary(repr(provider))


def test_adapter_treats_empty_token_as_none() -> None:
    assert as_provider(FakeClient(token="")).get_credentials().security_token is None


def test_adapter_reads_legacy_getters() -> None:
    creds = as_provider(LegacyClient()).get_credentials()
    assert creds == Credentials("LTAIlegacy", CANARY)


@pytest.mark.parametrize("secret", [None, f"{CANARY}\n"])
def test_adapter_rejects_unusable_answers(secret: Any) -> None:
    with pytest.raises(CredentialsError, match="FakeClient gave unusable credentials") as info:
        CredentialClientProvider(FakeClient(secret=secret)).get_credentials()
    assert_no_canary(str(info.value))


def test_adapter_constructor_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="neither get_credential"):
        CredentialClientProvider(object())


def test_as_provider_keeps_credentials_and_providers() -> None:
    creds = Credentials("LTAIid", "secret")

    class Rotating:
        def get_credentials(self) -> Credentials:
            return creds

    rotating = Rotating()
    assert as_provider(creds) is creds
    assert as_provider(rotating) is rotating
    assert isinstance(rotating, CredentialsProvider)


@pytest.mark.parametrize("value", [None, CANARY, ("LTAIid", CANARY), {"access_key_secret": CANARY}])
def test_as_provider_rejects_anything_else(value: object) -> None:
    with pytest.raises(TypeError, match=r"^credentials must be a Credentials") as info:
        as_provider(value)
    assert "get_credential()" in str(info.value)
    assert_no_canary(str(info.value))


# --- default chain: environment ------------------------------------------------------------------


def test_environment_key_pair(tmp_path: Path) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": CANARY}
    creds = default_credentials(environ=env, config_path=tmp_path / "absent.json")
    assert creds == Credentials("LTAIenv", CANARY)


def test_environment_with_token_wins_over_the_file(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.json", ak("default"))
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.env",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": CANARY,
        "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN_CANARY,
    }
    expected = Credentials("STS.env", CANARY, TOKEN_CANARY)
    assert default_credentials(environ=env, config_path=config) == expected


@pytest.mark.parametrize(
    ("env", "present", "missing"),
    [
        ({"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv"}, "ACCESS_KEY_ID", "ACCESS_KEY_SECRET"),
        (
            {"ALIBABA_CLOUD_ACCESS_KEY_SECRET": CANARY, "ALIBABA_CLOUD_ACCESS_KEY_ID": ""},
            "ACCESS_KEY_SECRET",
            "ACCESS_KEY_ID",
        ),
    ],
)
def test_environment_half_set(tmp_path: Path, env: dict[str, str], present: str, missing: str) -> None:
    message = f"ALIBABA_CLOUD_{present} is set but ALIBABA_CLOUD_{missing} is not"
    with pytest.raises(CredentialsError, match=message) as info:
        default_credentials(environ=env, config_path=tmp_path / "absent.json")
    assert not isinstance(info.value, CredentialsNotFoundError)
    assert_no_canary(str(info.value))


def test_environment_copy_paste_fault_names_the_source(tmp_path: Path) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": f"{CANARY}\n"}
    with pytest.raises(CredentialsError, match=r"environment variables.*access_key_secret has") as info:
        default_credentials(environ=env, config_path=tmp_path / "absent.json")
    assert_no_canary(str(info.value))


# --- default chain: the aliyun CLI config file ---------------------------------------------------


def test_file_ak_profile_from_home(tmp_path: Path) -> None:
    (tmp_path / ".aliyun").mkdir()
    write_config(tmp_path / ".aliyun" / "config.json", ak("default", "LTAIfile"))
    assert default_credentials(environ={"HOME": str(tmp_path)}) == Credentials("LTAIfile", CANARY)


def test_file_path_from_alibaba_cloud_config_file(tmp_path: Path) -> None:
    config = write_config(tmp_path / "elsewhere.json", ak("default", "LTAIelsewhere"))
    env = {"HOME": str(tmp_path / "nohome"), "ALIBABA_CLOUD_CONFIG_FILE": str(config)}
    assert default_credentials(environ=env).access_key_id == "LTAIelsewhere"


def test_file_sts_token_profile(tmp_path: Path) -> None:
    sts = {**ak("sts", "STS.file"), "mode": "StsToken", "sts_token": TOKEN_CANARY}
    config = write_config(tmp_path / "config.json", sts, current="sts")
    expected = Credentials("STS.file", CANARY, TOKEN_CANARY)
    assert default_credentials(environ={}, config_path=config) == expected


def test_file_sts_token_profile_without_token(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.json", {**ak("sts"), "mode": "StsToken"}, current="sts")
    with pytest.raises(CredentialsError, match=r"mode StsToken.*has no sts_token") as info:
        default_credentials(environ={}, config_path=config)
    assert_no_canary(str(info.value))


def test_ak_profile_ignores_a_stale_sts_token(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.json", {**ak("default"), "sts_token": TOKEN_CANARY})
    assert default_credentials(environ={}, config_path=config).security_token is None


def test_profile_choice_explicit_over_env_over_current(tmp_path: Path) -> None:
    profiles = [ak("cur", "LTAIcur"), ak("env", "LTAIenv"), ak("arg", "LTAIarg")]
    config = write_config(tmp_path / "config.json", *profiles, current="cur")
    env = {"ALIBABA_CLOUD_PROFILE": "env"}
    assert default_credentials(environ={}, config_path=config).access_key_id == "LTAIcur"
    assert default_credentials(environ=env, config_path=config).access_key_id == "LTAIenv"
    assert default_credentials(profile="arg", environ=env, config_path=config).access_key_id == "LTAIarg"


def test_explicit_profile_is_not_overridden_by_environment_keys(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.json", ak("prod", "LTAIprod"))
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s"}
    assert default_credentials(profile="prod", environ=env, config_path=config).access_key_id == "LTAIprod"


def test_missing_current_means_default(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"profiles": [ak("default", "LTAIdef")]}), encoding="utf-8")
    assert default_credentials(environ={}, config_path=config).access_key_id == "LTAIdef"


@pytest.mark.parametrize("mode", ["RamRoleArn", "EcsRamRole", "OIDC", "ChainableRamRoleArn", None])
def test_unsupported_mode_points_to_a_provider_object(tmp_path: Path, mode: str | None) -> None:
    config = write_config(tmp_path / "config.json", {**ak("default"), "mode": mode})
    with pytest.raises(CredentialsError, match=f"uses mode {mode!r}") as info:
        default_credentials(environ={}, config_path=config)
    message = str(info.value)
    assert "alibabacloud_credentials.client.Client()" in message
    assert "credentials=" in message
    assert_no_canary(message)
    assert (info.value.profile, info.value.mode) == (f"profile 'default' in {config}", str(mode))
    assert pickle.loads(pickle.dumps(info.value)).mode == str(mode)


def test_missing_profile_lists_the_available_ones(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.json", ak("default"), ak("dev"))
    with pytest.raises(CredentialsNotFoundError) as info:
        default_credentials(environ={"ALIBABA_CLOUD_PROFILE": "prod"}, config_path=config)
    message = str(info.value)
    assert "'prod' (from ALIBABA_CLOUD_PROFILE)" in message
    assert "profiles there: 'default', 'dev'" in message
    assert str(config) in message
    assert_no_canary(message)


def test_profile_without_keys(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.json", ak("default", key_id="", secret=""))
    with pytest.raises(CredentialsError, match="has no access_key_id or access_key_secret"):
        default_credentials(environ={}, config_path=config)


def test_malformed_json_names_the_file_not_its_contents(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"current": "default", "profiles": [{"access_key_secret": "' + CANARY + '",}]}')
    with pytest.raises(CredentialsError, match="is not valid JSON") as info:
        default_credentials(environ={}, config_path=config)
    assert str(config) in str(info.value)
    assert "line 1" in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    assert_no_canary(str(info.value), repr(info.value))


@pytest.mark.parametrize("document", ["[]", '{"profiles": {}}'])
def test_wrong_shape_config(tmp_path: Path, document: str) -> None:
    config = tmp_path / "config.json"
    config.write_text(document)
    with pytest.raises(CredentialsError, match="not an object with a list of profiles"):
        default_credentials(environ={}, config_path=config)


def test_unreadable_config_is_an_error_not_a_miss(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="cannot read the aliyun CLI config file") as info:
        default_credentials(environ={}, config_path=tmp_path)  # a directory
    assert not isinstance(info.value, CredentialsNotFoundError)


def test_profile_copy_paste_fault_names_the_profile(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.json", ak("default", secret=f" {CANARY}"))
    with pytest.raises(CredentialsError, match=r"profile 'default' in .*access_key_secret has") as info:
        default_credentials(environ={}, config_path=config)
    assert_no_canary(str(info.value))


# --- default chain: nothing found ----------------------------------------------------------------


def test_nothing_found_says_what_was_tried_and_how_to_fix(tmp_path: Path) -> None:
    absent = tmp_path / "absent.json"
    with pytest.raises(CredentialsNotFoundError) as info:
        default_credentials(environ={"ALIBABA_CLOUD_PROFILE": "prod"}, config_path=absent)
    message = str(info.value)
    for expected in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        str(absent),
        "'prod' (from ALIBABA_CLOUD_PROFILE)",
        "aliyun configure",
        "--profile",
        "credentials=",
    ]:
        assert expected in message


def test_nothing_found_with_explicit_profile(tmp_path: Path) -> None:
    absent = tmp_path / "absent.json"
    with pytest.raises(CredentialsNotFoundError, match="'prod' \\(given explicitly\\): no such file"):
        default_credentials(profile="prod", environ={}, config_path=absent)


def test_cli_profile_can_be_disabled(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.json", ak("default"))
    env = {"ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "TRUE"}
    with pytest.raises(CredentialsNotFoundError, match="skipped, ALIBABA_CLOUD_CLI_PROFILE_DISABLED is true"):
        default_credentials(environ=env, config_path=config)


def test_errors_share_a_base() -> None:
    assert issubclass(CredentialsNotFoundError, CredentialsError)
    assert issubclass(CredentialsError, Exception)


# --- The region: from the profile, after region= and ALIBABA_CLOUD_REGION_ID -----------------------


def test_profile_region_follows_the_profile_the_chain_reads(tmp_path: Path) -> None:
    from sae_job.credentials import profile_region

    config = write_config(
        tmp_path / "config.json",
        {**ak("default"), "region_id": "cn-shanghai"},
        {**ak("prod"), "region_id": "cn-beijing"},
        ak("bare"),
    )
    env = {"HOME": str(tmp_path / "nohome")}
    assert profile_region(environ=env, config_path=config) == (
        "cn-shanghai",
        f"region_id of profile 'default' in {config}",
    )
    assert profile_region(profile="prod", environ=env, config_path=config)[0] == "cn-beijing"  # type: ignore[index]
    by_env = {**env, "ALIBABA_CLOUD_PROFILE": "prod"}
    assert profile_region(environ=by_env, config_path=config)[0] == "cn-beijing"  # type: ignore[index]
    assert profile_region(profile="bare", environ=env, config_path=config) is None
    assert profile_region(profile="missing", environ=env, config_path=config) is None
    disabled = {**env, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"}
    assert profile_region(environ=disabled, config_path=config) is None
    assert profile_region(environ=env, config_path=tmp_path / "none.json") is None


def test_region_order_is_argument_then_environment_then_profile(tmp_path: Path) -> None:
    from sae_job.endpoints import find_endpoint

    (tmp_path / ".aliyun").mkdir()
    write_config(tmp_path / ".aliyun" / "config.json", {**ak("default"), "region_id": "cn-shenzhen"})
    env = {"HOME": str(tmp_path)}
    found = find_endpoint(environ=env)
    assert (found.url, found.region) == ("https://sae.cn-shenzhen.aliyuncs.com", "cn-shenzhen")
    assert found.source.startswith("region_id of profile 'default'")
    with_env = {**env, "ALIBABA_CLOUD_REGION_ID": "cn-beijing"}
    assert find_endpoint(environ=with_env).source == "ALIBABA_CLOUD_REGION_ID"
    assert find_endpoint(region="cn-hongkong", environ=with_env).url == "https://sae.cn-hongkong.aliyuncs.com"
    endpoint_env = {**with_env, "SAE_JOB_ENDPOINT": "http://127.0.0.1:8080/"}
    assert find_endpoint(region="cn-hongkong", environ=endpoint_env).url == "http://127.0.0.1:8080"
    assert find_endpoint(region="cn-hongkong", environ=endpoint_env).source == "SAE_JOB_ENDPOINT"
    assert find_endpoint(endpoint="http://[::1]:1", environ=endpoint_env).source == "endpoint="
    with pytest.raises(ValueError, match=r"SAE_JOB_ENDPOINT 'http://example\.com' uses plain http"):
        find_endpoint(environ={"SAE_JOB_ENDPOINT": "http://example.com"})
    with pytest.raises(ValueError, match=r"^no region"):
        find_endpoint(environ={"HOME": str(tmp_path / "empty")})


def test_a_broken_config_file_is_named_in_the_no_region_message(tmp_path: Path) -> None:
    from sae_job.endpoints import find_endpoint

    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        find_endpoint(environ={"HOME": str(tmp_path)})


def test_the_client_takes_the_region_of_the_profile_it_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sae_job.client import SaeJobClient

    (tmp_path / ".aliyun").mkdir()
    write_config(
        tmp_path / ".aliyun" / "config.json",
        {**ak("default"), "region_id": "cn-shanghai"},
        {**ak("prod"), "region_id": "cn-beijing"},
    )
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in (
        "ALIBABA_CLOUD_REGION_ID",
        "SAE_JOB_ENDPOINT",
        "ALIBABA_CLOUD_PROFILE",
        "ALIBABA_CLOUD_CONFIG_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    with SaeJobClient(profile="prod") as client:
        assert client.endpoint == "https://sae.cn-beijing.aliyuncs.com"
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", raising=False)
    with SaeJobClient() as client:
        assert client.endpoint == "https://sae.cn-shanghai.aliyuncs.com"


# --- reading the config file, bounded ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda path: path.symlink_to("/dev/zero"), "not a regular file"),
        (lambda path: os.mkfifo(path), "not a regular file"),
        (lambda path: path.mkdir(), "not a regular file"),
        (lambda path: path.write_text(" " * (2 << 20)), "larger than"),
        (lambda path: path.write_bytes(b'{"profiles": ["\xff"]}'), "not UTF-8"),
        (lambda path: path.write_text("[" * 100_000 + "]" * 100_000), "nested too deeply"),
    ],
    ids=["a link to /dev/zero", "a FIFO", "a folder", "2 MiB", "not UTF-8", "nested 100k deep"],
)
def test_a_config_file_that_cannot_be_a_config_is_a_credentials_error_naming_it(
    tmp_path: Path, make: Any, says: str
) -> None:
    path = tmp_path / "config.json"
    make(path)
    started = time.monotonic()
    with pytest.raises(CredentialsError, match=says) as caught:
        default_credentials(environ={}, config_path=path)
    assert str(path) in str(caught.value) and time.monotonic() - started < 2  # a FIFO must not hang
