"""The spec as its own fuzzer: Schemathesis draws requests from ``openapi/sae-job.yaml``, our signer signs
each one, and every answer the emulator gives must be one the spec declares (status, content type,
headers, body). A bounded number of examples per operation in ``make test``; the full run under soak."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sae_job.emulator import RunningEmulator, serve
from sae_job.signing import AcsV3Auth
from tests.conftest import SPEC_PATH, size

schema = schemathesis.openapi.from_path(SPEC_PATH)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


class SignedBy(requests.auth.AuthBase):
    """Our ``httpx.Auth`` signer applied to a ``requests`` request: it signs what requests will send."""

    def __init__(self, signer: httpx.Auth) -> None:
        self.signer = signer

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body or b""
        request = httpx.Request(str(prepared.method), str(prepared.url), content=body)
        signed = next(self.signer.auth_flow(request))
        prepared.headers.update(
            {name: signed.headers[name] for name in signed.headers if name != "content-length"}
        )
        return prepared


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    with serve() as running:
        yield running


@schema.parametrize()
@settings(
    max_examples=size(25, 500),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
@pytest.mark.soak
def test_every_answer_is_one_the_spec_declares(case: schemathesis.Case, emulator: RunningEmulator) -> None:
    auth = SignedBy(AcsV3Auth(emulator.credentials))
    if isinstance(case.query, dict) and len(str(case.query.get("AppId", ""))) % 2:
        case.query["AppId"] = emulator.app_id  # so that answers past the template's lookup are drawn too
    case.call_and_validate(base_url=emulator.url, checks=CHECKS, auth=auth, timeout=10)
