"""Triggers of jobs (cron schedules, events, completions, files, webhooks) and the webhooks'
public endpoint.

``GET/POST /api/jobs/{name}/triggers`` list and create a job's triggers; ``GET/PATCH/DELETE
/api/triggers/{ref}`` (``ref``: the id, or the name) show, change and delete one;
``POST /api/triggers/{ref}/rotate-secret`` gives a webhook a new secret. A webhook's secret
is in the answer of its creation and of a rotation only.

Rights: seeing a trigger needs ``read`` on its job (404 otherwise); creating, changing,
deleting and rotating need ``write``. Defining a trigger (creating it, or changing what it
watches, its filter or inputs) also needs that the caller may run the job: its runs act as the
user who defined it last. Enabling and disabling leave that user as it is.

``POST /api/hooks/{name}`` is the API's one path without credentials: the body must be signed
with the webhook's secret (``X-Baton-Signature: sha256=<hex HMAC-SHA256 of the raw body>``);
a missing or malformed signature is 401, a wrong one (or an unknown webhook: the same answer)
403, both audited (``webhook.refused``). The body, at most :data:`MAX_HOOK_BODY` bytes, is a
JSON object (or empty): the payload.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from baton.api.deps import CurrentPrincipal, CurrentSettings, Paging, Registry, resource
from baton.api.errors import baton_error_response
from baton.api.routes.jobs import JobName
from baton.api.schemas import NAME, Body
from baton.errors import AuthenticationFailed, BodyTooLarge, MalformedBody, NotFound
from baton.errors import PermissionDenied as Denied
from baton.jobs.trigger_specs import check_definition, starting
from baton.jobs.triggers import Triggers
from baton.registry import access, audit, triggers
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.enums import Action, AuditOutcome, CatchUp, ResourceKind, TriggerKind
from baton.registry.records import IssuedTrigger, Page, TriggerRecord
from baton.registry.triggers import Definition
from baton.registry.vault import Vault
from baton.settings import Settings

router = APIRouter(tags=["triggers"])

#: The header a webhook's caller signs the body in.
SIGNATURE_HEADER = "X-Baton-Signature"
#: The largest webhook body, in bytes (the API's own limit applies too).
MAX_HOOK_BODY = 256 * 1024
_SIGNATURE = re.compile(r"sha256=([0-9A-Fa-f]{64})")

Writer = Annotated[Principal, Depends(resource(ResourceKind.JOB, Action.WRITE))]
TriggerRef = Annotated[
    str,
    Path(
        pattern=r"^([1-9][0-9]{0,17}|[A-Za-z][A-Za-z0-9_-]{0,63})$",
        description="The trigger's id, or its name.",
    ),
]
HookName = Annotated[str, Path(pattern=NAME, max_length=64, description="The webhook's name.")]


class TriggerCreate(Body):
    """A new trigger (the fields a kind does not use keep their defaults)."""

    kind: TriggerKind
    name: str | None = Field(None, pattern=NAME, description="Unique; a webhook's URL has it.")
    spec: str = Field(
        "",
        max_length=500,
        description="cron: the expression; event: the event's name; completion: the job "
        "followed; file: the program library watched; webhook: none.",
    )
    pattern: str = Field("", max_length=200, description="file: a glob of file names (no /).")
    filter: str = Field("", max_length=2000, description="CEL over `event`: fire when true.")
    timezone: str = Field("UTC", max_length=64, description="cron: an IANA time zone.")
    catch_up: CatchUp = Field(CatchUp.NONE, description="cron: what missed times do.")
    inputs: dict[str, Any] = Field(default_factory=dict, description="Fixed inputs of its runs.")
    enabled: bool = True


class TriggerUpdate(Body):
    """What changes (absent fields stay as they are; the kind never changes)."""

    name: str | None = Field(None, pattern=NAME)
    spec: str | None = Field(None, max_length=500)
    pattern: str | None = Field(None, max_length=200)
    filter: str | None = Field(None, max_length=2000)
    timezone: str | None = Field(None, max_length=64)
    catch_up: CatchUp | None = None
    inputs: dict[str, Any] | None = None
    enabled: bool | None = None


class HookAnswer(BaseModel):
    """What a webhook call did."""

    webhook: str
    run: int | None = Field(description="The run its trigger started (null: its filter said no).")
    runs: list[int] = Field(description="Every run started: its own and its event's triggers'.")
    woken: int = Field(description="Wait nodes its event (webhook.NAME) ended.")


def _service(request: Request) -> Triggers:
    service: Triggers = request.app.state.triggers
    return service


def _now() -> datetime:
    return datetime.now(UTC)


@contextlib.contextmanager
def _vault(settings: Settings, needed: bool) -> Iterator[Vault | None]:
    """The key ring, under its lock, when a secret is sealed (read each time: it rotates)."""
    if not needed:
        yield None
        return
    with Vault.using(settings.key_path) as vault:
        yield vault


def _visible(session: Session, principal: Principal, ref: str) -> TriggerRecord:
    """Trigger ``ref`` if ``principal`` may read its job (404 otherwise: not told)."""
    record = triggers.get_trigger(session, ref)
    if not access.is_allowed(session, principal, ResourceKind.JOB, record.job, Action.READ):
        raise NotFound("trigger", ref)
    return record


def _writable(session: Session, principal: Principal, ref: str) -> TriggerRecord:
    record = _visible(session, principal, ref)
    access.require(session, principal, ResourceKind.JOB, record.job, Action.WRITE)
    return record


@router.get(
    "/api/jobs/{name}/triggers", response_model=Page[TriggerRecord], summary="A job's triggers"
)
def list_triggers(
    name: JobName, principal: CurrentPrincipal, registry: Registry, page: Paging
) -> Page[TriggerRecord]:
    """The job's triggers, oldest first (``read`` on the job)."""
    with registry.session() as session:
        access.require(session, principal, ResourceKind.JOB, name, Action.READ)
        return triggers.list_triggers(session, name, limit=page.limit, offset=page.offset)


@router.post(
    "/api/jobs/{name}/triggers",
    response_model=IssuedTrigger,
    status_code=201,
    summary="Create a trigger",
)
def create_trigger(
    name: JobName,
    body: TriggerCreate,
    principal: Writer,
    registry: Registry,
    settings: CurrentSettings,
    request: Request,
) -> IssuedTrigger:
    """A trigger that starts runs of the job as the caller; a webhook's secret is shown in
    this answer only."""
    definition = Definition(
        kind=body.kind,
        spec=body.spec,
        pattern=body.pattern,
        filter=body.filter,
        timezone=body.timezone,
        catch_up=body.catch_up,
        inputs=body.inputs,
    )
    webhook = body.kind is TriggerKind.WEBHOOK
    with _vault(settings, webhook) as vault, registry.session() as session:
        checked = check_definition(session, principal, name, definition, now=_now())
        issued = triggers.create_trigger(
            session,
            vault,
            name,
            checked.definition,
            name=body.name,
            enabled=body.enabled,
            next_fire_at=checked.next_fire_at,
            seen=checked.seen,
            actor=principal.name,
        )
    _service(request).changed()
    return issued


@router.get("/api/triggers/{ref}", response_model=TriggerRecord, summary="Show a trigger")
def get_trigger(ref: TriggerRef, principal: CurrentPrincipal, registry: Registry) -> TriggerRecord:
    """The trigger (``read`` on its job)."""
    with registry.session() as session:
        return _visible(session, principal, ref)


@router.patch("/api/triggers/{ref}", response_model=TriggerRecord, summary="Change a trigger")
def update_trigger(
    ref: TriggerRef,
    body: TriggerUpdate,
    principal: CurrentPrincipal,
    registry: Registry,
    request: Request,
) -> TriggerRecord:
    """Change a trigger; a new definition makes the caller the user its runs act as. A trigger
    enabled, or given something else to watch, starts from now: a cron trigger's next time is
    the first after now, a file trigger remembers the files there now as seen."""
    given = {
        key: value
        for key, value in body.model_dump(exclude_unset=True, exclude={"name", "enabled"}).items()
        if value is not None
    }
    with registry.session() as session:
        record = _writable(session, principal, ref)
        current = Definition(
            kind=record.kind,
            spec=record.spec,
            pattern=record.pattern,
            filter=record.filter,
            timezone=record.timezone,
            catch_up=record.catch_up,
            inputs=record.inputs,
        )
        now = _now()
        enabling = bool(body.enabled) and not record.enabled
        definition = dataclasses.replace(current, **given)
        checked = None
        if given:
            checked = check_definition(session, principal, record.job, definition, now=now)
        # What it watches changed, or it wakes up: it starts from now (a cron trigger's next
        # time, a file trigger's files already there); a new filter or inputs change neither.
        restart = None
        if enabling or given.keys() & {"spec", "pattern", "timezone"}:
            restart = checked or starting(session, definition, now=now)
        updated = triggers.update_trigger(
            session,
            record.id,
            definition=checked.definition if checked is not None else None,
            name=body.name,
            enabled=body.enabled,
            next_fire_at=restart.next_fire_at if restart is not None else None,
            seen=restart.seen if restart is not None else None,
            actor=principal.name,
        )
    _service(request).changed()
    return updated


@router.delete("/api/triggers/{ref}", status_code=204, summary="Delete a trigger")
def delete_trigger(
    ref: TriggerRef, principal: CurrentPrincipal, registry: Registry, request: Request
) -> Response:
    """Delete a trigger (``write`` on its job); the runs it started stay."""
    with registry.session() as session:
        record = _writable(session, principal, ref)
        triggers.delete_trigger(session, record.id, actor=principal.name)
    _service(request).changed()
    return Response(status_code=204)


@router.post(
    "/api/triggers/{ref}/rotate-secret",
    response_model=IssuedTrigger,
    summary="Give a webhook a new secret",
)
def rotate_secret(
    ref: TriggerRef, principal: CurrentPrincipal, registry: Registry, settings: CurrentSettings
) -> IssuedTrigger:
    """A new secret, shown in this answer only; the old one stops working at once."""
    with Vault.using(settings.key_path) as vault, registry.session() as session:
        record = _writable(session, principal, ref)
        return triggers.rotate_secret(session, vault, record.id, actor=principal.name)


# --- the webhooks' public endpoint --------------------------------------------------------


async def _body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_HOOK_BODY:
            raise BodyTooLarge(MAX_HOOK_BODY)
        chunks.append(chunk)
    return b"".join(chunks)


def _digest(header: str | None) -> str:
    if not header:
        raise AuthenticationFailed(
            f"a webhook call needs the {SIGNATURE_HEADER} header: sha256=<hex HMAC-SHA256 of "
            "the body with the webhook's secret>"
        )
    found = _SIGNATURE.fullmatch(header.strip())
    if found is None:
        raise AuthenticationFailed(f"{SIGNATURE_HEADER} must be sha256=<64 hex digits>")
    return found.group(1)


def _payload(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    try:
        payload = json.loads(body, parse_constant=refuse)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedBody(f"a webhook's body is a JSON object: {exc}") from None
    if not isinstance(payload, dict):
        raise MalformedBody("a webhook's body is a JSON object")
    return payload


def _check(
    database: Database, settings: Settings, name: str, body: bytes, digest: str
) -> TriggerRecord:
    with Vault.using(settings.key_path) as vault, database.session() as session:
        return triggers.check_signature(session, vault, name, body, digest)


def _refused(
    database: Database, name: str, remote: str, error: AuthenticationFailed | Denied
) -> None:
    with database.session() as session:
        audit.record(
            session,
            "webhook.refused",
            resource=f"webhook:{name}",
            outcome=AuditOutcome.DENIED,
            remote_addr=remote,
            detail={"reason": error.detail},
        )


@router.post(
    "/api/hooks/{name}",
    response_model=HookAnswer,
    status_code=202,
    summary="Call a webhook (signed, no credentials)",
    responses={401: {"description": "No or malformed signature."}},
)
async def call_hook(name: HookName, request: Request) -> Any:
    """Fires the webhook's trigger (when its filter holds) with the JSON body as payload,
    then raises the event ``webhook.NAME``. Answers 202 with the runs started."""
    database: Database = request.app.state.database
    settings: Settings = request.app.state.settings
    body = await _body(request)
    remote = request.client.host if request.client else ""
    try:
        digest = _digest(request.headers.get(SIGNATURE_HEADER))
        record = await anyio.to_thread.run_sync(_check, database, settings, name, body, digest)
    except (AuthenticationFailed, Denied) as error:
        await anyio.to_thread.run_sync(_refused, database, name, remote, error)
        response = baton_error_response(error)
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = f'{SIGNATURE_HEADER} realm="Baton webhooks"'
        return response
    result = await _service(request).call_hook(record, _payload(body))
    answer = HookAnswer(webhook=name, run=result.run, runs=result.runs, woken=result.woken)
    return JSONResponse(answer.model_dump(), status_code=202)
