from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.list_jobs_response import ListJobsResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    current_page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    app_name: str | Unset = UNSET,
    field_type: str | Unset = UNSET,
    field_value: str | Unset = UNSET,
    namespace_id: str | Unset = UNSET,
    order_by: str | Unset = UNSET,
    reverse: bool | Unset = UNSET,
    tags: str | Unset = UNSET,
    workload: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["CurrentPage"] = current_page

    params["PageSize"] = page_size

    params["AppName"] = app_name

    params["FieldType"] = field_type

    params["FieldValue"] = field_value

    params["NamespaceId"] = namespace_id

    params["OrderBy"] = order_by

    params["Reverse"] = reverse

    params["Tags"] = tags

    params["Workload"] = workload

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/pop/v1/sam/job/listJobs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ListJobsResponse | None:
    if response.status_code == 200:
        response_200 = ListJobsResponse.from_dict(response.json())

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
) -> Response[Error | ListJobsResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    current_page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    app_name: str | Unset = UNSET,
    field_type: str | Unset = UNSET,
    field_value: str | Unset = UNSET,
    namespace_id: str | Unset = UNSET,
    order_by: str | Unset = UNSET,
    reverse: bool | Unset = UNSET,
    tags: str | Unset = UNSET,
    workload: str | Unset = UNSET,
) -> Response[Error | ListJobsResponse]:
    """Lists the job templates, a page at a time.

     The job templates of the region, `PageSize` to a page, each with the state of its last job.
    `AppName`, or `FieldType=appName` with `FieldValue`, keeps the templates whose name contains the
    text (the service may match by prefix or substring: a client that wants one name compares it
    exactly); `FieldType=appIds` keeps those whose ID is in `FieldValue`, comma-separated.
    `NamespaceId` keeps one namespace's templates.

    Args:
        current_page (int | Unset):
        page_size (int | Unset):
        app_name (str | Unset):
        field_type (str | Unset):
        field_value (str | Unset):
        namespace_id (str | Unset):
        order_by (str | Unset):
        reverse (bool | Unset):
        tags (str | Unset):
        workload (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListJobsResponse]
    """

    kwargs = _get_kwargs(
        current_page=current_page,
        page_size=page_size,
        app_name=app_name,
        field_type=field_type,
        field_value=field_value,
        namespace_id=namespace_id,
        order_by=order_by,
        reverse=reverse,
        tags=tags,
        workload=workload,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    current_page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    app_name: str | Unset = UNSET,
    field_type: str | Unset = UNSET,
    field_value: str | Unset = UNSET,
    namespace_id: str | Unset = UNSET,
    order_by: str | Unset = UNSET,
    reverse: bool | Unset = UNSET,
    tags: str | Unset = UNSET,
    workload: str | Unset = UNSET,
) -> Error | ListJobsResponse | None:
    """Lists the job templates, a page at a time.

     The job templates of the region, `PageSize` to a page, each with the state of its last job.
    `AppName`, or `FieldType=appName` with `FieldValue`, keeps the templates whose name contains the
    text (the service may match by prefix or substring: a client that wants one name compares it
    exactly); `FieldType=appIds` keeps those whose ID is in `FieldValue`, comma-separated.
    `NamespaceId` keeps one namespace's templates.

    Args:
        current_page (int | Unset):
        page_size (int | Unset):
        app_name (str | Unset):
        field_type (str | Unset):
        field_value (str | Unset):
        namespace_id (str | Unset):
        order_by (str | Unset):
        reverse (bool | Unset):
        tags (str | Unset):
        workload (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListJobsResponse
    """

    return sync_detailed(
        client=client,
        current_page=current_page,
        page_size=page_size,
        app_name=app_name,
        field_type=field_type,
        field_value=field_value,
        namespace_id=namespace_id,
        order_by=order_by,
        reverse=reverse,
        tags=tags,
        workload=workload,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    current_page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    app_name: str | Unset = UNSET,
    field_type: str | Unset = UNSET,
    field_value: str | Unset = UNSET,
    namespace_id: str | Unset = UNSET,
    order_by: str | Unset = UNSET,
    reverse: bool | Unset = UNSET,
    tags: str | Unset = UNSET,
    workload: str | Unset = UNSET,
) -> Response[Error | ListJobsResponse]:
    """Lists the job templates, a page at a time.

     The job templates of the region, `PageSize` to a page, each with the state of its last job.
    `AppName`, or `FieldType=appName` with `FieldValue`, keeps the templates whose name contains the
    text (the service may match by prefix or substring: a client that wants one name compares it
    exactly); `FieldType=appIds` keeps those whose ID is in `FieldValue`, comma-separated.
    `NamespaceId` keeps one namespace's templates.

    Args:
        current_page (int | Unset):
        page_size (int | Unset):
        app_name (str | Unset):
        field_type (str | Unset):
        field_value (str | Unset):
        namespace_id (str | Unset):
        order_by (str | Unset):
        reverse (bool | Unset):
        tags (str | Unset):
        workload (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListJobsResponse]
    """

    kwargs = _get_kwargs(
        current_page=current_page,
        page_size=page_size,
        app_name=app_name,
        field_type=field_type,
        field_value=field_value,
        namespace_id=namespace_id,
        order_by=order_by,
        reverse=reverse,
        tags=tags,
        workload=workload,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    current_page: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    app_name: str | Unset = UNSET,
    field_type: str | Unset = UNSET,
    field_value: str | Unset = UNSET,
    namespace_id: str | Unset = UNSET,
    order_by: str | Unset = UNSET,
    reverse: bool | Unset = UNSET,
    tags: str | Unset = UNSET,
    workload: str | Unset = UNSET,
) -> Error | ListJobsResponse | None:
    """Lists the job templates, a page at a time.

     The job templates of the region, `PageSize` to a page, each with the state of its last job.
    `AppName`, or `FieldType=appName` with `FieldValue`, keeps the templates whose name contains the
    text (the service may match by prefix or substring: a client that wants one name compares it
    exactly); `FieldType=appIds` keeps those whose ID is in `FieldValue`, comma-separated.
    `NamespaceId` keeps one namespace's templates.

    Args:
        current_page (int | Unset):
        page_size (int | Unset):
        app_name (str | Unset):
        field_type (str | Unset):
        field_value (str | Unset):
        namespace_id (str | Unset):
        order_by (str | Unset):
        reverse (bool | Unset):
        tags (str | Unset):
        workload (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListJobsResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            current_page=current_page,
            page_size=page_size,
            app_name=app_name,
            field_type=field_type,
            field_value=field_value,
            namespace_id=namespace_id,
            order_by=order_by,
            reverse=reverse,
            tags=tags,
            workload=workload,
        )
    ).parsed
