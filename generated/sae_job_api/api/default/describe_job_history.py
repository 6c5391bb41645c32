from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.describe_job_history_response import DescribeJobHistoryResponse
from ...models.describe_job_history_state import DescribeJobHistoryState
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    app_id: str,
    current_page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    state: DescribeJobHistoryState | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["AppId"] = app_id

    params["CurrentPage"] = current_page

    params["PageSize"] = page_size

    json_state: str | Unset = UNSET
    if not isinstance(state, Unset):
        json_state = state.value

    params["State"] = json_state

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/pop/v1/sam/job/describeJobHistory",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DescribeJobHistoryResponse | Error | None:
    if response.status_code == 200:
        response_200 = DescribeJobHistoryResponse.from_dict(response.json())

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
) -> Response[DescribeJobHistoryResponse | Error]:
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
    current_page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    state: DescribeJobHistoryState | Unset = UNSET,
) -> Response[DescribeJobHistoryResponse | Error]:
    """Lists the jobs started from a job template, a page at a time.

     The jobs of the job template `AppId`, newest first, `PageSize` to a page, optionally only those in
    `State`.

    Args:
        app_id (str):
        current_page (int | Unset):
        page_size (int | Unset):
        state (DescribeJobHistoryState | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DescribeJobHistoryResponse | Error]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        current_page=current_page,
        page_size=page_size,
        state=state,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    app_id: str,
    current_page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    state: DescribeJobHistoryState | Unset = UNSET,
) -> DescribeJobHistoryResponse | Error | None:
    """Lists the jobs started from a job template, a page at a time.

     The jobs of the job template `AppId`, newest first, `PageSize` to a page, optionally only those in
    `State`.

    Args:
        app_id (str):
        current_page (int | Unset):
        page_size (int | Unset):
        state (DescribeJobHistoryState | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DescribeJobHistoryResponse | Error
    """

    return sync_detailed(
        client=client,
        app_id=app_id,
        current_page=current_page,
        page_size=page_size,
        state=state,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    app_id: str,
    current_page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    state: DescribeJobHistoryState | Unset = UNSET,
) -> Response[DescribeJobHistoryResponse | Error]:
    """Lists the jobs started from a job template, a page at a time.

     The jobs of the job template `AppId`, newest first, `PageSize` to a page, optionally only those in
    `State`.

    Args:
        app_id (str):
        current_page (int | Unset):
        page_size (int | Unset):
        state (DescribeJobHistoryState | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DescribeJobHistoryResponse | Error]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        current_page=current_page,
        page_size=page_size,
        state=state,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    app_id: str,
    current_page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    state: DescribeJobHistoryState | Unset = UNSET,
) -> DescribeJobHistoryResponse | Error | None:
    """Lists the jobs started from a job template, a page at a time.

     The jobs of the job template `AppId`, newest first, `PageSize` to a page, optionally only those in
    `State`.

    Args:
        app_id (str):
        current_page (int | Unset):
        page_size (int | Unset):
        state (DescribeJobHistoryState | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DescribeJobHistoryResponse | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            app_id=app_id,
            current_page=current_page,
            page_size=page_size,
            state=state,
        )
    ).parsed
