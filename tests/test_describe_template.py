"""DescribeJob, a job template's settings: the client's ``describe_template`` against the emulator, the
official SDK reading the emulator's answer, and the OSS key pair it carries shown nowhere."""

from __future__ import annotations

import asyncio
import logging
import pickle

import httpx
import pytest

from sae_job import AsyncSaeJobClient, SaeJobClient, TemplateSettings, UnexpectedResponseError
from sae_job.emulator import Emulator, EmulatorConfig, RunningEmulator, Template, serve
from sae_job.emulator.backend import OSS_KEY
from sae_job.operations import DESCRIBE_JOB
from sae_job.settings import read_template_settings
from tests.conftest import KEY, generated_answer

NIGHTLY = Template(
    "app-nightly", name="nightly", namespace_id="cn-hangzhou:dev", concurrency_policy="Replace",
    timeout=5400, backoff_limit=2,
)  # fmt: skip
CONFIG = EmulatorConfig([KEY], [NIGHTLY])


@pytest.mark.parametrize("signature_version", ["v3", "v2"])
def test_the_client_reads_a_template_s_settings(running: RunningEmulator, signature_version: str) -> None:
    with SaeJobClient(endpoint=running.url, credentials=KEY, signature_version=signature_version) as client:  # type: ignore[arg-type]
        settings = client.describe_template(NIGHTLY.app_id)
    assert (settings.app_id, settings.name, settings.namespace_id, settings.region_id) == (
        NIGHTLY.app_id, "nightly", "cn-hangzhou:dev", "cn-hangzhou",
    )  # fmt: skip
    assert (settings.timeout, settings.backoff_limit, settings.concurrency_policy) == (5400, 2, "Replace")
    assert (settings.replicas, settings.suspended, settings.slice, settings.timezone) == (
        1,
        False,
        False,
        "Asia/Shanghai",
    )
    assert settings.command_args == [] and settings.envs == [] and settings.raw["PackageType"] == "Image"


def test_the_async_client_reads_the_same(running: RunningEmulator) -> None:
    async def main() -> TemplateSettings:
        async with AsyncSaeJobClient(endpoint=running.url, credentials=KEY) as client:
            return await client.describe_template(NIGHTLY.app_id, job_id="manual-any")

    assert asyncio.run(main()).timeout == 5400


def test_an_unknown_template_is_refused(running: RunningEmulator) -> None:
    from sae_job import ApplicationNotFoundError

    with (
        SaeJobClient(endpoint=running.url, credentials=KEY) as client,
        pytest.raises(ApplicationNotFoundError),
    ):
        client.describe_template("app-none")


def test_the_oss_key_pair_is_shown_nowhere(
    running: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with SaeJobClient(endpoint=running.url, credentials=KEY) as client:
        settings = client.describe_template(NIGHTLY.app_id)
    shown = [repr(settings), str(settings), repr(settings.raw), str(pickle.loads(pickle.dumps(settings)).raw)]
    shown += [record.getMessage() for record in caplog.records]
    for secret in OSS_KEY:
        assert not any(secret in text for text in shown), secret
    assert settings.raw["OssAkId"] == settings.raw["OssAkSecret"] == "<redacted>"


def test_an_answer_refused_unread_keeps_no_oss_key_either() -> None:
    body = b'{"Data":{"AppId":"a","OssAkId":"id-1","OssAkSecret":"secret-1"},"Success":true}'  # no RequestId
    error = read_template_settings(generated_answer(httpx.Response(200, content=body), DESCRIBE_JOB), 1)
    assert isinstance(error, UnexpectedResponseError)
    assert (
        b"secret-1" not in error.body
        and b"id-1" not in error.body
        and b'"OssAkSecret":"<redacted>"' in error.body
    )
    assert "secret-1" not in f"{error} {error!r}"


def test_the_official_sdk_parses_the_emulator_s_describe_job_answer() -> None:
    pytest.importorskip("alibabacloud_sae20190506")
    from alibabacloud_sae20190506 import models
    from alibabacloud_sae20190506.client import Client
    from alibabacloud_tea_openapi import models as openapi_models

    with serve(Emulator(CONFIG)) as running:
        config = openapi_models.Config(
            access_key_id=KEY.access_key_id,
            access_key_secret=KEY.access_key_secret,
            endpoint=running.url.removeprefix("http://"),
            protocol="http",
        )
        data = Client(config).describe_job(models.DescribeJobRequest(app_id=NIGHTLY.app_id)).body.data
    assert (data.app_id, data.app_name, data.timeout, data.backoff_limit) == (
        NIGHTLY.app_id,
        "nightly",
        5400,
        2,
    )
    assert (data.concurrency_policy, data.replicas, data.suspend, data.slice) == ("Replace", 1, False, False)
    assert (data.cpu, data.memory, data.package_type, data.oss_ak_id) == (500, 1024, "Image", OSS_KEY[0])
