"""Where requests go, checked before anything is sent: ``endpoint=``, else ``SAE_JOB_ENDPOINT``, else
SAE's endpoint in the region (``region=``, else ``ALIBABA_CLOUD_REGION_ID``, else the aliyun CLI
profile's ``region_id``)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import NamedTuple

import httpx

from sae_job.arguments import ArgumentError

__all__ = [
    "ENDPOINT_ENV",
    "KNOWN_REGIONS",
    "REGION_ENV",
    "Endpoint",
    "NoRegionError",
    "find_endpoint",
    "nearest_regions",
]

ENDPOINT_ENV = "SAE_JOB_ENDPOINT"
REGION_ENV = "ALIBABA_CLOUD_REGION_ID"

# SAE's regions, from its endpoint table (help.aliyun.com, "api-sae-2019-05-06-endpoint") and its
# regions page. Only used to warn about a likely typo: a region not listed here is still called.
KNOWN_REGIONS = (
    "cn-hangzhou",
    "cn-shanghai",
    "cn-beijing",
    "cn-zhangjiakou",
    "cn-wulanchabu",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-chengdu",
    "cn-hongkong",
    "ap-southeast-1",
    "ap-southeast-5",
    "ap-northeast-1",
    "us-west-1",
    "us-east-1",
    "eu-central-1",
)

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


# A named tuple, not a frozen dataclass: 3.7 M instructions less at each start (bench/LIMITS.md).
class Endpoint(NamedTuple):
    """The base URL to call, and where it came from."""

    url: str
    host: str
    region: str | None
    """The region the URL was made for; None when the endpoint was given as a URL."""
    source: str
    """What gave the endpoint or its region: ``endpoint=``, ``SAE_JOB_ENDPOINT``, ``region=``, …"""


def _checked_url(endpoint: object, name: str) -> httpx.URL:
    if not isinstance(endpoint, str):
        raise TypeError(f"{name} must be a str URL, not {type(endpoint).__name__}")
    shown = _USERINFO.sub("<redacted>@", endpoint)  # a user:password@ is never shown
    try:
        url = httpx.URL(endpoint)
    except httpx.InvalidURL as exc:
        raise ArgumentError(name, f"{shown!r} is not a URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ArgumentError(
            name, f"{shown!r} is not an http(s) URL such as https://sae.cn-hangzhou.aliyuncs.com"
        )
    if url.query or url.fragment or url.userinfo or "?" in endpoint or "#" in endpoint:
        raise ArgumentError(name, f"{shown!r} must not carry a query, a fragment or user info")
    if url.port is not None and not 0 < url.port < 65536:
        raise ArgumentError(name, f"{shown!r} has port {url.port}, which is not 1 to 65535")
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ArgumentError(
            name,
            f"{shown!r} uses plain http to a host that is not loopback: use https "
            "(plain http is allowed only for a local emulator on 127.0.0.1, ::1 or localhost)",
        )
    return url


class NoRegionError(ValueError):
    """No region or endpoint was given anywhere; ``reason`` says why the aliyun CLI profile gave none
    (empty when it has no ``region_id``)."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(
            "no region. Give one of:\n"
            "  - region='cn-hangzhou' (or another region ID)\n"
            f"  - the environment variable {REGION_ENV}\n"
            "  - region_id in the aliyun CLI profile (aliyun configure)\n"
            f"  - endpoint=, or the environment variable {ENDPOINT_ENV}" + (f"\n{reason}" if reason else "")
        )
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:
        return type(self), (self.reason,)


def find_endpoint(
    *,
    region: str | None = None,
    endpoint: str | None = None,
    vpc: bool = False,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Endpoint:
    """The endpoint to call and where it came from (``vpc=True``: ``sae-vpc.<region>``). Raises
    :class:`~sae_job.arguments.ArgumentError` (a ``ValueError``) for a malformed endpoint or region or
    ``http://`` beyond loopback, :class:`NoRegionError` (a ``ValueError``) for no region at all."""
    environ = os.environ if environ is None else environ
    # A source says what gave the value: "endpoint=" or "region=" (keywords), a variable, or a profile.
    for given, source in ((endpoint, "endpoint="), (environ.get(ENDPOINT_ENV) or None, ENDPOINT_ENV)):
        if given is not None:
            url = _checked_url(given, source.removesuffix("="))
            return Endpoint(str(url).rstrip("/"), url.host, None, source)
    source = "region="
    if region is None and environ.get(REGION_ENV):
        region, source = environ[REGION_ENV], REGION_ENV
    elif region is None:
        from sae_job.credentials import profile_region  # credentials imports nothing of this module

        try:
            found = profile_region(profile=profile, environ=environ)
        except Exception as exc:  # a broken config file: the credentials step names it; here it is a reason
            raise NoRegionError(f"(the aliyun CLI config file was not read: {exc})") from None
        if found is None:
            raise NoRegionError()
        region, source = found
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise ArgumentError(source.removesuffix("="), f"{region!r} is not a region ID such as 'cn-hangzhou'")
    host = f"sae{'-vpc' if vpc else ''}.{region}.aliyuncs.com"
    return Endpoint(f"https://{host}", host, region, source)


def nearest_regions(region: str, count: int = 3) -> list[str]:
    """The known SAE regions most like ``region``, closest first: for a "did you mean" hint.

    >>> nearest_regions("cn-hangzou", 1)
    ['cn-hangzhou']
    """
    import difflib  # here: only a mistyped region pays for it

    ranked = sorted(KNOWN_REGIONS, key=lambda known: -difflib.SequenceMatcher(None, region, known).ratio())
    return ranked[:count]
