"""The workspace part of a host's spawner daemon: kernels it starts for the control plane.

The control plane (and only it: the bearer call secret) asks for them on behalf of its users,
whose rights and limits it has checked:

- ``POST /v1/workspaces`` ``{"definition": RECORD, "credential": [USER, PASSWORD] | null,
  "host_user": bool, "owner": NAME, "owner_id": ID}``: start a kernel of that workspace
  definition for that user; the account is resolved here, among this host's accounts, by the
  control plane's rules (:func:`~baton.spawner.workspace_plan.plan_for`); 201 with the kernel's
  record (its connection info listens on this spawner's address);
- ``GET /v1/workspaces``: every kernel; ``GET /v1/workspaces/{id}``: one;
  ``DELETE /v1/workspaces/{id}``: stop it (answered once its process is gone);
- ``POST /v1/workspaces/{id}/execute`` ``{"code", "timeout"}``: run code in it
  (:mod:`baton.spawner.console`).

Errors are ``{"error": code, "detail": sentence, "fields": {...}}`` (the error's own fields, so
that the control plane raises the same error).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from baton.errors import AuthenticationFailed, BatonError, InvalidInput
from baton.registry.enums import ServerKind
from baton.registry.records import ServerDefinitionRecord
from baton.settings import SpawnerSettings
from baton.spawner.kernels import Kernels
from baton.spawner.workspace_plan import LaunchInputs, plan_for

#: The longest code and timeout accepted (the control plane's own limits).
MAX_CODE, MAX_TIMEOUT = 100_000, 600.0


def kernel_routes(
    kernels: Kernels,
    settings: SpawnerSettings,
    *,
    authorized: Callable[[Request], bool],
    error: Callable[[BatonError], JSONResponse],
) -> list[Route]:
    """The routes above, for ``kernels``; ``authorized`` tells the control plane's calls."""

    def refused() -> JSONResponse:
        return error(AuthenticationFailed("the control plane's secret is required"))

    async def start(request: Request) -> Response:
        if not authorized(request):
            return refused()
        try:
            body = await request.json()
            record = ServerDefinitionRecord.model_validate(body["definition"])
            owner, owner_id = str(body["owner"]), int(body["owner_id"])
            inputs = LaunchInputs(_credential(body.get("credential")), bool(body["host_user"]))
        except (ValueError, KeyError, TypeError) as exc:
            return error(InvalidInput("body", f"not a workspace start: {exc}"))
        if record.kind is not ServerKind.WORKSPACE:
            return error(InvalidInput("definition", f"{record.name!r} is not a workspace"))
        resolve = partial(plan_for, record, settings, user=owner, inputs=inputs)
        try:
            plan, account = await anyio.to_thread.run_sync(resolve)
            started = await kernels.launch(plan, account, owner=owner, owner_id=owner_id)
        except BatonError as exc:
            return error(exc)
        return JSONResponse(started.to_json(), status_code=201)

    async def every(request: Request) -> Response:
        if not authorized(request):
            return refused()
        return JSONResponse([record.to_json() for record in kernels.records()])

    async def one(request: Request) -> Response:
        if not authorized(request):
            return refused()
        kernel_id = request.path_params["workspace"]
        try:
            if request.method == "DELETE":
                await kernels.stop(kernel_id)
                return Response(status_code=204)
            return JSONResponse(kernels.get(kernel_id).to_json())
        except BatonError as exc:
            return error(exc)

    async def execute(request: Request) -> Response:
        if not authorized(request):
            return refused()
        try:
            body = await request.json()
            code, timeout = body["code"], float(body["timeout"])
        except (ValueError, KeyError, TypeError) as exc:
            return error(InvalidInput("body", f"not code to run: {exc}"))
        if not isinstance(code, str) or not 0 < len(code) <= MAX_CODE:
            return error(InvalidInput("code", f"must be text of 1 to {MAX_CODE} characters"))
        if not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
            return error(InvalidInput("timeout", f"must be over 0 and at most {MAX_TIMEOUT:g}"))
        try:
            execution = await kernels.execute(request.path_params["workspace"], code, timeout)
        except BatonError as exc:
            return error(exc)
        return JSONResponse(execution.to_json())

    return [
        Route("/v1/workspaces", start, methods=["POST"]),
        Route("/v1/workspaces", every, methods=["GET"]),
        Route("/v1/workspaces/{workspace}", one, methods=["GET", "DELETE"]),
        Route("/v1/workspaces/{workspace}/execute", execute, methods=["POST"]),
    ]


def _credential(sent: Any) -> tuple[str, str] | None:
    """A launch credential's user and password as the control plane sent them."""
    if sent is None:
        return None
    user, password = sent
    return str(user), str(password)


def error_fields(exc: BatonError) -> dict[str, Any]:
    """The simple fields an error carries (``account``, ``problem``, ``what``, ...)."""
    return {
        name: value
        for name, value in vars(exc).items()
        if name != "detail" and isinstance(value, str | int | float | bool)
    }
