"""An HTTP exchange as a harness hands it to the emulator: a :class:`Request` in, a :class:`Response` out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sae_job.signing import redact_headers


class _Message:
    __slots__ = ()
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        """The first value of the header ``name`` (any case), or None."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


@dataclass(frozen=True, slots=True)
class Request(_Message):
    """An HTTP request as it arrived: ``path`` and ``query`` raw (percent-encoded, no ``?``)."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def from_target(
        cls, method: str, target: str, headers: Iterable[tuple[str, str]] = (), body: bytes = b""
    ) -> Request:
        """A request from its request line's target, ``/path?query``."""
        path, _, query = target.partition("?")
        return cls(method, path, query, tuple(headers), body)

    def __repr__(self) -> str:  # the headers' STS token never shown, as in every repr of this package
        shown = f"path={self.path!r}, query={self.query!r}, headers={redact_headers(self.headers)!r}"
        return f"Request(method={self.method!r}, {shown}, body={self.body!r})"


@dataclass(frozen=True, slots=True)
class Response(_Message):
    """An HTTP answer; a fault sets ``delay`` (seconds to hold it) or ``drop`` (close instead)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    delay: float = 0.0
    drop: bool = False

    def json(self) -> Any:
        """The body, parsed as JSON."""
        return json.loads(self.body)


def json_response(status: int, body: Mapping[str, Any], extra: Iterable[tuple[str, str]] = ()) -> Response:
    """An answer of ``body`` as compact UTF-8 JSON, ``extra`` headers after its Content-Type."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, (("Content-Type", "application/json;charset=utf-8"), *extra), data)
