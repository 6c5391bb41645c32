"""The emulator's own routes, ``/_emulator/*`` (jobs, stats, reset, finish); beyond loopback, Bearer only."""

from __future__ import annotations

import hmac
import json
import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from sae_job.emulator.messages import Request, Response, json_response

if TYPE_CHECKING:
    from sae_job.emulator.gateway import Emulator

JOBS_PATH = "/_emulator/jobs"
RESET_PATH = "/_emulator/reset"
STATS_PATH = "/_emulator/stats"
_FINISH_PATH = re.compile(r"/_emulator/jobs/([^/]+)/finish")


def answer_control(emulator: Emulator, request: Request) -> Response | None:
    """The answer of a control route to ``request``, or None when it names none."""
    path, method = unquote(request.path), request.method
    token, sent = emulator.introspection_token, (request.header("authorization") or "").encode()
    if path.startswith("/_emulator/") and token and not hmac.compare_digest(sent, f"Bearer {token}".encode()):
        detail = "send the token the emulator printed at start: Authorization: Bearer <token>"
        return json_response(401, {"error": detail}, [("WWW-Authenticate", "Bearer")])
    if (path, method) == (JOBS_PATH, "GET"):
        return json_response(200, {"jobs": [job.to_dict() for job in emulator.jobs()]})
    if (path, method) == (STATS_PATH, "GET"):
        return json_response(200, emulator.stats())
    if (path, method) == (RESET_PATH, "POST"):
        emulator.reset()
        return json_response(200, {"reset": True})
    finish = _FINISH_PATH.fullmatch(path)
    if finish is None or method != "POST":
        return None
    try:
        asked = json.loads(request.body or b"{}")
        outcome, message = asked.get("outcome", "succeeded"), asked.get("message")
        if outcome not in ("succeeded", "failed") or not isinstance(message, str | None):
            raise ValueError
    except (ValueError, AttributeError):
        shape = '{"outcome": "succeeded" | "failed", "message": "..."}'
        return json_response(400, {"error": f"the body is {shape}"})
    try:
        job = emulator.finish(finish.group(1), failed=outcome == "failed", message=message)
    except KeyError:
        return json_response(404, {"error": f"no job {finish.group(1)!r}"})
    return json_response(200, job.to_dict())
