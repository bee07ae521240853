"""Errors at the HTTP edge: one table from the ``BatonError`` tree to statuses, JSON bodies.

Every error answer is ``{"error": code, "detail": ...}``: ``code`` is the error class's stable
name, ``detail`` a sentence (or, for request validation, the list of fields that were wrong).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from baton.errors import (
    AlreadyExists,
    AuthenticationFailed,
    BadProgramHeader,
    BatonError,
    BodyTooLarge,
    ConfigError,
    Conflict,
    ConnectionRefusedByServer,
    CsrfFailed,
    DefinitionFailed,
    HostUnavailable,
    InvalidFieldValue,
    InvalidInput,
    InvalidJobDocument,
    JobLocked,
    JobNotRunnable,
    LaunchRefused,
    MalformedBody,
    NoServerAvailable,
    NotFound,
    OperatorBusy,
    PermissionDenied,
    ProgramFailed,
    ProgramNotFound,
    ProgramSourceError,
    ProtocolError,
    RequestTimeout,
    RuntimeUnavailable,
    SchemaOutOfDate,
    SecretError,
    ServerLost,
    ServerUnavailable,
    SessionNotFound,
    SpawnError,
    TooManyAttempts,
    UnknownService,
)
from baton.registry import audit
from baton.registry.database import Database
from baton.registry.enums import AuditOutcome

#: The one table. Lookup walks the exception's MRO, so a subclass inherits its parent's status.
STATUS: dict[type[BatonError], int] = {
    BatonError: 400,
    InvalidInput: 400,
    InvalidJobDocument: 400,
    JobLocked: 409,
    JobNotRunnable: 409,
    RuntimeUnavailable: 503,
    InvalidFieldValue: 400,
    MalformedBody: 400,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    CsrfFailed: 403,
    NotFound: 404,
    ProgramNotFound: 404,
    UnknownService: 404,
    SessionNotFound: 404,
    AlreadyExists: 409,
    Conflict: 409,
    BodyTooLarge: 413,
    TooManyAttempts: 429,
    ConfigError: 500,
    SecretError: 500,
    ProgramSourceError: 500,
    ProgramFailed: 500,
    SpawnError: 500,
    LaunchRefused: 409,
    OperatorBusy: 409,
    ServerUnavailable: 503,
    DefinitionFailed: 503,
    HostUnavailable: 503,
    ProtocolError: 502,
    BadProgramHeader: 502,
    ServerLost: 502,
    ConnectionRefusedByServer: 502,
    SchemaOutOfDate: 503,
    NoServerAvailable: 503,
    RequestTimeout: 504,
}

AUTHENTICATE = 'Basic realm="Baton", charset="UTF-8", Bearer realm="Baton"'
#: The challenge for browsers: no Basic, so no login dialog pops up over the web client.
AUTHENTICATE_BROWSER = 'Bearer realm="Baton"'
logger = logging.getLogger("baton.api")


class Problem(BaseModel):
    """One wrong part of a request that failed validation."""

    field: str = Field(description="Where: body.name, query.limit, path.name, ...")
    message: str
    type: str = Field(description="The validator's stable name for the problem.")


class DocumentProblem(BaseModel):
    """One problem of a job document that cannot be read."""

    path: str = Field(description="Where: nodes[2].bindings.x; empty for the whole document.")
    message: str


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: str = Field(description="Stable code: not_found, invalid_request, forbidden, ...")
    detail: str | list[Problem] = Field(
        description="A sentence, or for invalid_request the fields that were wrong."
    )
    problems: list[DocumentProblem] | None = Field(
        None, description="For invalid_job_document: each problem with its path."
    )


#: The error answers every operation may give, for the OpenAPI document.
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Malformed body or a value the registry refuses."),
        (401, "No valid credentials."),
        (403, "Not allowed, or a session change without its CSRF token."),
        (404, "No such entity."),
        (409, "Already exists, or contradicts the current state."),
        (413, "Body over the configured limit."),
        (429, "Sign-in throttled after repeated failures (see Retry-After)."),
        (422, "The request does not match this operation's parameters or body schema."),
    )
}


def status_of(error: BatonError) -> int:
    """The HTTP status for ``error``."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_response(status: int, code: str, detail: Any, *, browser: bool = False) -> JSONResponse:
    """A JSON error answer (with the challenge header on 401)."""
    headers = None
    if status == 401:
        headers = {"WWW-Authenticate": AUTHENTICATE_BROWSER if browser else AUTHENTICATE}
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def baton_error_response(error: BatonError, *, browser: bool = False) -> JSONResponse:
    """The JSON answer for a :class:`BatonError` (``browser``: the request came with the
    session cookie)."""
    response = error_response(status_of(error), error.code, error.detail, browser=browser)
    if isinstance(error, InvalidJobDocument):
        problems = [{"path": path, "message": message} for path, message in error.problems]
        response = JSONResponse(
            {"error": error.code, "detail": error.detail, "problems": problems},
            status_code=response.status_code,
        )
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(int(error.retry_after) + 1)
    elif isinstance(error, ServerUnavailable | NoServerAvailable):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


async def _baton_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, BatonError)
    if isinstance(error, PermissionDenied):
        await anyio.to_thread.run_sync(_audit_denied, request, error)
    return baton_error_response(error)


def _audit_denied(request: Request, error: PermissionDenied) -> None:
    """Keep a record of refused actions, in a transaction of their own."""
    principal = getattr(request.state, "principal", None)
    database: Database = request.app.state.database
    with database.session() as session:
        audit.record(
            session,
            "denied",
            actor=getattr(principal, "name", ""),
            resource=error.resource[:300],
            outcome=AuditOutcome.DENIED,
            remote_addr=request.client.host if request.client else "",
            detail={"action": error.action, "method": request.method, "path": request.url.path},
        )


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    """Anything not foreseen: logged with its traceback, answered as JSON without it."""
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return error_response(500, "internal_error", "an unexpected error happened; it was logged")


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {
            "field": ".".join(str(part) for part in problem.get("loc", ())),
            "message": problem.get("msg", ""),
            "type": problem.get("type", ""),
        }
        for problem in error.errors()
    ]
    if any(problem["type"] == "json_invalid" for problem in problems):
        return error_response(400, MalformedBody.code, "the request body is not valid JSON")
    return error_response(422, "invalid_request", problems)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if isinstance(error.__cause__, BatonError):  # raised while the framework read the body
        return baton_error_response(error.__cause__)
    # 400 here is the framework failing to parse the body (not UTF-8, form data, ...).
    codes = {
        400: MalformedBody.code,
        404: "not_found",
        405: "method_not_allowed",
        413: BodyTooLarge.code,
    }
    response = error_response(
        error.status_code, codes.get(error.status_code, "http_error"), error.detail
    )
    if error.headers:
        response.headers.update(error.headers)
    return response


def install(app: FastAPI) -> None:
    """Register the error handlers on ``app``."""
    app.add_exception_handler(BatonError, _baton_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
