from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.describe_job_response import DescribeJobResponse
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    app_id: str,
    job_id: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["AppId"] = app_id

    params["JobId"] = job_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/pop/v1/sam/job/describeJob",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DescribeJobResponse | Error | None:
    if response.status_code == 200:
        response_200 = DescribeJobResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 411:
        response_411 = Error.from_dict(response.json())

        return response_411

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 414:
        response_414 = Error.from_dict(response.json())

        return response_414

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 431:
        response_431 = Error.from_dict(response.json())

        return response_431

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if response.status_code == 505:
        response_505 = Error.from_dict(response.json())

        return response_505

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DescribeJobResponse | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    app_id: str,
    job_id: str | Unset = UNSET,
) -> Response[DescribeJobResponse | Error]:
    """Queries a job template's settings.

     The configuration of the job template `AppId`: its timeout, retries (`BackoffLimit`), concurrency
    policy, instances, trigger, time zone, sharding, command and environment, image and more. The
    answer also carries the OSS key pair the template mounts with (`OssAkId`, `OssAkSecret`): a
    client must never show them.

    Args:
        app_id (str):
        job_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DescribeJobResponse | Error]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        job_id=job_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    app_id: str,
    job_id: str | Unset = UNSET,
) -> DescribeJobResponse | Error | None:
    """Queries a job template's settings.

     The configuration of the job template `AppId`: its timeout, retries (`BackoffLimit`), concurrency
    policy, instances, trigger, time zone, sharding, command and environment, image and more. The
    answer also carries the OSS key pair the template mounts with (`OssAkId`, `OssAkSecret`): a
    client must never show them.

    Args:
        app_id (str):
        job_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DescribeJobResponse | Error
    """

    return sync_detailed(
        client=client,
        app_id=app_id,
        job_id=job_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    app_id: str,
    job_id: str | Unset = UNSET,
) -> Response[DescribeJobResponse | Error]:
    """Queries a job template's settings.

     The configuration of the job template `AppId`: its timeout, retries (`BackoffLimit`), concurrency
    policy, instances, trigger, time zone, sharding, command and environment, image and more. The
    answer also carries the OSS key pair the template mounts with (`OssAkId`, `OssAkSecret`): a
    client must never show them.

    Args:
        app_id (str):
        job_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DescribeJobResponse | Error]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        job_id=job_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    app_id: str,
    job_id: str | Unset = UNSET,
) -> DescribeJobResponse | Error | None:
    """Queries a job template's settings.

     The configuration of the job template `AppId`: its timeout, retries (`BackoffLimit`), concurrency
    policy, instances, trigger, time zone, sharding, command and environment, image and more. The
    answer also carries the OSS key pair the template mounts with (`OssAkId`, `OssAkSecret`): a
    client must never show them.

    Args:
        app_id (str):
        job_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DescribeJobResponse | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            app_id=app_id,
            job_id=job_id,
        )
    ).parsed
