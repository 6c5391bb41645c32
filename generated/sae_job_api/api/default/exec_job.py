from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.exec_job_response import ExecJobResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    app_id: str,
    event_id: str | Unset = UNSET,
    command: str | Unset = UNSET,
    command_args: str | Unset = UNSET,
    envs: str | Unset = UNSET,
    jar_start_options: str | Unset = UNSET,
    jar_start_args: str | Unset = UNSET,
    war_start_options: str | Unset = UNSET,
    time: str | Unset = UNSET,
    replicas: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["AppId"] = app_id

    params["EventId"] = event_id

    params["Command"] = command

    params["CommandArgs"] = command_args

    params["Envs"] = envs

    params["JarStartOptions"] = jar_start_options

    params["JarStartArgs"] = jar_start_args

    params["WarStartOptions"] = war_start_options

    params["Time"] = time

    params["Replicas"] = replicas

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/pop/v1/sam/job/execJob",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ExecJobResponse | None:
    if response.status_code == 200:
        response_200 = ExecJobResponse.from_dict(response.json())

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
) -> Response[Error | ExecJobResponse]:
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
    event_id: str | Unset = UNSET,
    command: str | Unset = UNSET,
    command_args: str | Unset = UNSET,
    envs: str | Unset = UNSET,
    jar_start_options: str | Unset = UNSET,
    jar_start_args: str | Unset = UNSET,
    war_start_options: str | Unset = UNSET,
    time: str | Unset = UNSET,
    replicas: str | Unset = UNSET,
) -> Response[Error | ExecJobResponse]:
    """Executes a job.

     Starts a job from the job template `AppId`. With an `EventId`, the call is idempotent: one job is
    created per event ID and a repeated call returns the job created first.

    Args:
        app_id (str):
        event_id (str | Unset):
        command (str | Unset):
        command_args (str | Unset):
        envs (str | Unset):
        jar_start_options (str | Unset):
        jar_start_args (str | Unset):
        war_start_options (str | Unset):
        time (str | Unset):
        replicas (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ExecJobResponse]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        event_id=event_id,
        command=command,
        command_args=command_args,
        envs=envs,
        jar_start_options=jar_start_options,
        jar_start_args=jar_start_args,
        war_start_options=war_start_options,
        time=time,
        replicas=replicas,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    app_id: str,
    event_id: str | Unset = UNSET,
    command: str | Unset = UNSET,
    command_args: str | Unset = UNSET,
    envs: str | Unset = UNSET,
    jar_start_options: str | Unset = UNSET,
    jar_start_args: str | Unset = UNSET,
    war_start_options: str | Unset = UNSET,
    time: str | Unset = UNSET,
    replicas: str | Unset = UNSET,
) -> Error | ExecJobResponse | None:
    """Executes a job.

     Starts a job from the job template `AppId`. With an `EventId`, the call is idempotent: one job is
    created per event ID and a repeated call returns the job created first.

    Args:
        app_id (str):
        event_id (str | Unset):
        command (str | Unset):
        command_args (str | Unset):
        envs (str | Unset):
        jar_start_options (str | Unset):
        jar_start_args (str | Unset):
        war_start_options (str | Unset):
        time (str | Unset):
        replicas (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ExecJobResponse
    """

    return sync_detailed(
        client=client,
        app_id=app_id,
        event_id=event_id,
        command=command,
        command_args=command_args,
        envs=envs,
        jar_start_options=jar_start_options,
        jar_start_args=jar_start_args,
        war_start_options=war_start_options,
        time=time,
        replicas=replicas,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    app_id: str,
    event_id: str | Unset = UNSET,
    command: str | Unset = UNSET,
    command_args: str | Unset = UNSET,
    envs: str | Unset = UNSET,
    jar_start_options: str | Unset = UNSET,
    jar_start_args: str | Unset = UNSET,
    war_start_options: str | Unset = UNSET,
    time: str | Unset = UNSET,
    replicas: str | Unset = UNSET,
) -> Response[Error | ExecJobResponse]:
    """Executes a job.

     Starts a job from the job template `AppId`. With an `EventId`, the call is idempotent: one job is
    created per event ID and a repeated call returns the job created first.

    Args:
        app_id (str):
        event_id (str | Unset):
        command (str | Unset):
        command_args (str | Unset):
        envs (str | Unset):
        jar_start_options (str | Unset):
        jar_start_args (str | Unset):
        war_start_options (str | Unset):
        time (str | Unset):
        replicas (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ExecJobResponse]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        event_id=event_id,
        command=command,
        command_args=command_args,
        envs=envs,
        jar_start_options=jar_start_options,
        jar_start_args=jar_start_args,
        war_start_options=war_start_options,
        time=time,
        replicas=replicas,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    app_id: str,
    event_id: str | Unset = UNSET,
    command: str | Unset = UNSET,
    command_args: str | Unset = UNSET,
    envs: str | Unset = UNSET,
    jar_start_options: str | Unset = UNSET,
    jar_start_args: str | Unset = UNSET,
    war_start_options: str | Unset = UNSET,
    time: str | Unset = UNSET,
    replicas: str | Unset = UNSET,
) -> Error | ExecJobResponse | None:
    """Executes a job.

     Starts a job from the job template `AppId`. With an `EventId`, the call is idempotent: one job is
    created per event ID and a repeated call returns the job created first.

    Args:
        app_id (str):
        event_id (str | Unset):
        command (str | Unset):
        command_args (str | Unset):
        envs (str | Unset):
        jar_start_options (str | Unset):
        jar_start_args (str | Unset):
        war_start_options (str | Unset):
        time (str | Unset):
        replicas (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ExecJobResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            app_id=app_id,
            event_id=event_id,
            command=command,
            command_args=command_args,
            envs=envs,
            jar_start_options=jar_start_options,
            jar_start_args=jar_start_args,
            war_start_options=war_start_options,
            time=time,
            replicas=replicas,
        )
    ).parsed
