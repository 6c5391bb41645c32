"""Bad input through the public client: a clear error naming what is wrong, and nothing sent."""

from __future__ import annotations

import pytest

from sae_job import Credentials, SaeJobClient

KEY = Credentials("AKID-BAD-INPUT", "CANARY-SECRET-bad-input-0123456789")


def exception_text(error: BaseException) -> str:
    """Everything an exception shows: str, repr and args of it and of every cause and context."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://user:CANARY-PASSWORD@example.com",
        "http://user:CANARY-PASSWORD@10.0.0.8:8080",
        "ftp://user:CANARY-PASSWORD@127.0.0.1",
        "http://user:CANARY-PASSWORD@127.0.0.1:port",
        "https://CANARY-PASSWORD@example.com/?q=1",
    ],
)
def test_an_endpoint_with_a_password_is_refused_without_showing_it(endpoint: str) -> None:
    # Found here: every endpoint message quoted the URL whole, user:password@ included.
    with pytest.raises(ValueError) as caught:
        SaeJobClient(endpoint=endpoint, credentials=KEY)
    assert "<redacted>@" in str(caught.value)
    assert "CANARY-PASSWORD" not in exception_text(caught.value)
