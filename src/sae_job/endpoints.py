"""Where requests go: SAE's endpoint in a region, or a given endpoint URL, checked before anything is sent."""

from __future__ import annotations

import os
import re
from typing import Any

import httpx

__all__ = ["resolve_endpoint"]

_REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")


def _is_loopback(host: str) -> bool:
    import ipaddress  # here: only an http:// endpoint needs it, and every import is paid at start-up

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_USERINFO = re.compile(r"(?<=//)[^/?#@]*@")


def _shown(endpoint: str) -> str:
    """``endpoint`` fit for a message: a ``user:password@`` in it becomes ``<redacted>@``."""
    return _USERINFO.sub("<redacted>@", endpoint)


def resolve_endpoint(
    *, region: str | None = None, endpoint: str | None = None, vpc: bool = False, environ: Any = None
) -> str:
    """The base URL to call: ``endpoint`` when given, else SAE's endpoint in ``region``.

    ``region`` defaults to ``ALIBABA_CLOUD_REGION_ID``. ``vpc=True`` picks ``sae-vpc.<region>``. Raises
    ``ValueError`` for a malformed endpoint or region, and for plain ``http://`` to a host that is not
    loopback (the signature does not hide the request from the network).
    """
    if endpoint is not None:
        if not isinstance(endpoint, str):
            raise TypeError(f"endpoint must be a str URL, not {type(endpoint).__name__}")
        shown = _shown(endpoint)
        try:
            url = httpx.URL(endpoint)
        except httpx.InvalidURL as exc:
            raise ValueError(f"endpoint {shown!r} is not a URL: {exc}") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(
                f"endpoint {shown!r} is not an http(s) URL such as https://sae.cn-hangzhou.aliyuncs.com"
            )
        if url.query or url.fragment or url.userinfo:
            raise ValueError(f"endpoint {shown!r} must not carry a query, a fragment or user info")
        if url.scheme == "http" and not _is_loopback(url.host):
            raise ValueError(
                f"endpoint {shown!r} uses plain http to a host that is not loopback: use https "
                "(plain http is allowed only for a local emulator on 127.0.0.1, ::1 or localhost)"
            )
        return str(url).rstrip("/")
    environ = os.environ if environ is None else environ
    region = region if region is not None else environ.get("ALIBABA_CLOUD_REGION_ID") or None
    if region is None:
        raise ValueError(
            "no region: pass region='cn-hangzhou' (or another region ID), set ALIBABA_CLOUD_REGION_ID, "
            "or pass endpoint="
        )
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise ValueError(f"region {region!r} is not a region ID such as 'cn-hangzhou'")
    return f"https://sae{'-vpc' if vpc else ''}.{region}.aliyuncs.com"
