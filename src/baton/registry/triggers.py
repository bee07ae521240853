"""Triggers: what starts runs of a job by itself (the ``schedules`` table).

A trigger belongs to one job and starts runs of its latest version as the user who defined it
(``created_by``: its creator, or whoever last changed its definition), with that user's rights
when it fires. Its kind (:class:`~baton.registry.enums.TriggerKind`) says what it watches
(``spec``, and a file trigger's ``pattern``); its ``filter`` is CEL over the payload.

The registry checks the shapes (names, kinds, policies, a library that exists, a pattern
without ``/``); ``baton.jobs.trigger_specs`` checks what needs the jobs layer (cron
expressions, time zones, filters, inputs, rights). A webhook's secret is generated here,
sealed by the vault (bound to the trigger's id) and returned once, by :func:`create_trigger`
and :func:`rotate_secret`; records never carry it. Every change is audited; so is every fire
(``trigger.fire``, outcome ``failed`` or ``denied`` when it started no run).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from baton.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from baton.registry import audit, libraries
from baton.registry.enums import AuditOutcome, CatchUp, TriggerKind
from baton.registry.jobs import load as load_job
from baton.registry.models import Job, Schedule
from baton.registry.naming import check_name
from baton.registry.paging import paginate
from baton.registry.records import IssuedTrigger, Page, TriggerRecord
from baton.registry.vault import Sealed, Vault

#: Where webhooks are called: ``POST /api/hooks/{name}``.
HOOK_PREFIX = "/api/hooks/"
#: The start of every webhook secret (secret scanners recognise it).
SECRET_PREFIX = "bwh_"
MAX_PATTERN = 200
MAX_FILTER = 2000
MAX_SPEC = 500
#: The largest fixed inputs, as JSON.
MAX_INPUT_BYTES = 64 * 1024


@dataclass(frozen=True)
class Definition:
    """What a trigger watches and the runs it starts (checked by ``baton.jobs.trigger_specs``)."""

    kind: TriggerKind
    spec: str = ""
    pattern: str = ""
    filter: str = ""
    timezone: str = "UTC"
    catch_up: CatchUp = CatchUp.NONE
    inputs: dict[str, Any] = field(default_factory=dict)


def _resource(trigger_id: int) -> str:
    return f"trigger:{trigger_id}"


def load(session: Session, ref: int | str, *, for_update: bool = False) -> Schedule:
    """The ORM trigger with id ``ref`` (an int, or digits) or name ``ref``, or NotFound."""
    if isinstance(ref, int) or ref.isdigit():
        condition = Schedule.id == int(ref)
    else:
        condition = Schedule.name == ref
    statement = select(Schedule).where(condition)
    if for_update:
        statement = statement.with_for_update()
    row = session.scalar(statement)
    if row is None:
        raise NotFound("trigger", ref)
    return row


def _to_record(session: Session, row: Schedule) -> TriggerRecord:
    job = session.get(Job, row.job_id)
    state = row.state or {}
    kind = TriggerKind(row.kind)
    return TriggerRecord(
        id=row.id,
        name=row.name,
        job=job.name if job is not None else "",
        kind=kind,
        spec=row.spec,
        pattern=row.pattern,
        filter=row.filter,
        timezone=row.timezone,
        catch_up=CatchUp(row.catch_up),
        inputs=dict(row.inputs),
        enabled=row.enabled,
        created_by=row.created_by,
        created_at=row.created_at,
        last_fired_at=row.last_fired_at,
        next_fire_at=row.next_fire_at,
        last_run=state.get("last_run"),
        last_error=str(state.get("last_error", "")),
        hook=f"{HOOK_PREFIX}{row.name}" if kind is TriggerKind.WEBHOOK else None,
    )


def check_pattern(pattern: str) -> str:
    """A file name pattern: a glob of one folder's names (no ``/``), or InvalidInput."""
    if not pattern or len(pattern) > MAX_PATTERN:
        raise InvalidInput("pattern", f"a file pattern has 1 to {MAX_PATTERN} characters")
    if "/" in pattern or "\\" in pattern or "\0" in pattern or pattern in (".", ".."):
        raise InvalidInput("pattern", f"{pattern!r} must name files of one folder (no '/')")
    return pattern


def matches(name: str, pattern: str) -> bool:
    """Whether file ``name`` matches ``pattern``; as in a shell, a leading dot must be
    matched explicitly (files being written under a hidden name do not match ``*``)."""
    if name.startswith(".") and not pattern.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, pattern)


def _check(session: Session, definition: Definition, name: str | None) -> None:
    if name is not None:
        check_name(name)
    if definition.kind is TriggerKind.WEBHOOK and name is None:
        raise InvalidInput("name", "a webhook needs a name: it is called at /api/hooks/NAME")
    if len(definition.spec) > MAX_SPEC:
        raise InvalidInput("spec", f"at most {MAX_SPEC} characters")
    if len(definition.filter) > MAX_FILTER:
        raise InvalidInput("filter", f"at most {MAX_FILTER} characters")
    if definition.kind is TriggerKind.FILE:
        check_pattern(definition.pattern)
        libraries.load(session, definition.spec)
    elif definition.pattern:
        raise InvalidInput("pattern", "only a file trigger has a file pattern")
    try:
        size = len(json.dumps(definition.inputs, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInput("inputs", f"not JSON data: {exc}") from None
    if size > MAX_INPUT_BYTES:
        raise InvalidInput("inputs", f"larger than {MAX_INPUT_BYTES} bytes")


def _name_free(session: Session, name: str | None, trigger_id: int | None = None) -> None:
    if name is None:
        return
    other = session.scalar(select(Schedule.id).where(Schedule.name == name))
    if other is not None and other != trigger_id:
        raise AlreadyExists("trigger", name)


def _apply(row: Schedule, definition: Definition) -> None:
    row.kind = definition.kind.value
    row.spec = definition.spec
    row.pattern = definition.pattern
    row.filter = definition.filter
    row.timezone = definition.timezone
    row.catch_up = definition.catch_up.value
    row.inputs = dict(definition.inputs)


def _new_secret(vault: Vault, row: Schedule) -> str:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    row.secret = _stored(vault.seal(secret, _resource(row.id)))
    return secret


def _stored(sealed: Sealed) -> dict[str, Any]:
    return {
        "algorithm": sealed.algorithm,
        "key_id": sealed.key_id,
        "nonce": base64.b64encode(sealed.nonce).decode(),
        "ciphertext": base64.b64encode(sealed.ciphertext).decode(),
    }


def _sealed(stored: dict[str, Any]) -> Sealed:
    return Sealed(
        str(stored["algorithm"]),
        str(stored["key_id"]),
        base64.b64decode(stored["nonce"]),
        base64.b64decode(stored["ciphertext"]),
    )


def create_trigger(
    session: Session,
    vault: Vault | None,
    job: str,
    definition: Definition,
    *,
    name: str | None = None,
    enabled: bool = True,
    next_fire_at: datetime | None = None,
    seen: list[str] | None = None,
    actor: str,
) -> IssuedTrigger:
    """A new trigger of ``job`` that starts runs as ``actor``; a webhook's secret (sealed with
    ``vault``, which a webhook needs) is in the answer only.

    Raises:
        NotFound: no such job, or (file) no such library.
        InvalidInput: a wrong name, pattern, spec or inputs (the field named).
        AlreadyExists: another trigger has ``name``.
    """
    _check(session, definition, name)
    _name_free(session, name)
    row = Schedule(
        name=name,
        job_id=load_job(session, job).id,
        enabled=enabled,
        created_by=actor,
        next_fire_at=next_fire_at,
        state={"seen": sorted(seen)} if seen is not None else {},
    )
    _apply(row, definition)
    session.add(row)
    session.flush()
    secret = None
    if definition.kind is TriggerKind.WEBHOOK:
        if vault is None:
            raise ValueError("a webhook's secret needs the vault")
        secret = _new_secret(vault, row)
        session.flush()
    audit.record(
        session,
        "trigger.create",
        actor=actor,
        resource=_resource(row.id),
        detail={"job": job, "kind": definition.kind.value, "name": name},
    )
    return IssuedTrigger(trigger=_to_record(session, row), secret=secret)


def update_trigger(
    session: Session,
    ref: int | str,
    *,
    definition: Definition | None = None,
    name: str | None = None,
    enabled: bool | None = None,
    next_fire_at: datetime | None = None,
    seen: list[str] | None = None,
    actor: str,
) -> TriggerRecord:
    """Change a trigger. A new ``definition`` (its kind unchanged) makes ``actor`` the user its
    runs act as; ``next_fire_at`` (cron) and ``seen`` (file) are set when given.

    Raises:
        NotFound: no such trigger, or (file) no such library.
        InvalidInput: a wrong value, or another kind (the field named).
        AlreadyExists: another trigger has ``name``.
    """
    row = load(session, ref, for_update=True)
    kind = TriggerKind(row.kind)
    changed: list[str] = []
    if definition is not None:
        if definition.kind is not kind:
            raise InvalidInput("kind", "a trigger's kind cannot change: create another one")
        _check(session, definition, name if name is not None else row.name)
        _apply(row, definition)
        row.created_by = actor
        changed.append("definition")
    if name is not None and name != row.name:
        check_name(name)
        _name_free(session, name, row.id)
        row.name = name
        changed.append("name")
    if enabled is not None and enabled != row.enabled:
        row.enabled = enabled
        changed.append("enabled")
    if next_fire_at is not None:
        row.next_fire_at = next_fire_at
    if seen is not None:
        row.state = {**(row.state or {}), "seen": sorted(seen)}
    session.flush()
    audit.record(
        session,
        "trigger.update",
        actor=actor,
        resource=_resource(row.id),
        detail={"changed": changed, "enabled": row.enabled},
    )
    return _to_record(session, row)


def get_trigger(session: Session, ref: int | str) -> TriggerRecord:
    """The trigger with id or name ``ref``."""
    return _to_record(session, load(session, ref))


def list_triggers(
    session: Session, job: str, *, limit: int = 50, offset: int = 0
) -> Page[TriggerRecord]:
    """The triggers of ``job``, oldest first."""
    job_id = load_job(session, job).id
    statement = select(Schedule).where(Schedule.job_id == job_id).order_by(Schedule.id)
    return paginate(
        session, statement, lambda row: _to_record(session, row), limit=limit, offset=offset
    )


def enabled_triggers(
    session: Session, kind: TriggerKind, spec: str | None = None
) -> list[TriggerRecord]:
    """The enabled triggers of ``kind`` (watching ``spec``, when given), oldest first."""
    statement = select(Schedule).where(Schedule.kind == kind.value, Schedule.enabled.is_(True))
    if spec is not None:
        statement = statement.where(Schedule.spec == spec)
    return [_to_record(session, row) for row in session.scalars(statement.order_by(Schedule.id))]


def delete_trigger(session: Session, ref: int | str, *, actor: str) -> None:
    """Delete a trigger (the runs it started stay)."""
    row = load(session, ref, for_update=True)
    detail = {"kind": row.kind, "name": row.name}
    session.delete(row)
    audit.record(session, "trigger.delete", actor=actor, resource=_resource(row.id), detail=detail)


def rotate_secret(session: Session, vault: Vault, ref: int | str, *, actor: str) -> IssuedTrigger:
    """A new secret for a webhook (the old one stops working); shown in the answer only.

    Raises:
        Conflict: the trigger is not a webhook.
    """
    row = load(session, ref, for_update=True)
    if row.kind != TriggerKind.WEBHOOK:
        raise Conflict(f"trigger {row.id} is a {row.kind} trigger: only webhooks have a secret")
    secret = _new_secret(vault, row)
    session.flush()
    audit.record(session, "trigger.rotate_secret", actor=actor, resource=_resource(row.id))
    return IssuedTrigger(trigger=_to_record(session, row), secret=secret)


def signature(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``body`` with ``secret`` (what a webhook's caller sends)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(
    session: Session, vault: Vault, name: str, body: bytes, digest: str
) -> TriggerRecord:
    """The webhook called ``name`` if ``digest`` is the HMAC-SHA256 of ``body`` with its secret
    (compared in constant time).

    Raises:
        PermissionDenied: no webhook has that name, or the digest does not match: the same
            answer, so that a caller learns nothing about which names exist.
        Conflict: the signature matches, but the webhook is disabled.
        SecretError: its secret cannot be decrypted (the key ring lost its key).
    """
    row = session.scalar(
        select(Schedule).where(Schedule.name == name, Schedule.kind == TriggerKind.WEBHOOK.value)
    )
    if row is None or row.secret is None:
        secret = secrets.token_urlsafe(32)  # the same work as for a real one
    else:
        secret = vault.open(_sealed(row.secret), _resource(row.id))
    good = hmac.compare_digest(signature(secret, body).encode(), digest.lower().encode())
    if row is None or row.secret is None or not good:
        raise PermissionDenied("call", f"webhook {name!r}: the signature does not match")
    if not row.enabled:
        raise Conflict(f"webhook {name!r} is disabled")
    return _to_record(session, row)


def reseal_all(session: Session, vault: Vault, key_id: str) -> int:
    """Re-encrypt every webhook secret with ``key_id`` (inside the caller's transaction)."""
    count = 0
    for row in session.scalars(select(Schedule).where(Schedule.secret.is_not(None))):
        assert row.secret is not None
        context = _resource(row.id)
        plain = vault.open(_sealed(row.secret), context)
        row.secret = _stored(vault.seal(plain, context, key_id=key_id))
        count += 1
    session.flush()
    return count


# --- fires ---------------------------------------------------------------------------------


def advance(
    session: Session, trigger_id: int, expected: datetime, next_fire_at: datetime | None
) -> bool:
    """Move an enabled trigger's next fire time from ``expected`` to ``next_fire_at``, in one
    statement (a compare-and-set: it holds the row until the transaction ends); whether it
    moved. Two control planes, or a retry, cannot both fire one time."""
    result = session.execute(
        update(Schedule)
        .where(
            Schedule.id == trigger_id,
            Schedule.enabled.is_(True),
            Schedule.next_fire_at == expected,
        )
        .values(next_fire_at=next_fire_at)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def record_fire(
    session: Session,
    trigger_id: int,
    at: datetime,
    *,
    run: int | None,
    error: str = "",
    outcome: AuditOutcome = AuditOutcome.OK,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record that the trigger fired at ``at``: the run it started, or why none started."""
    row = load(session, trigger_id, for_update=True)
    row.last_fired_at = at
    state = dict(row.state or {})
    if run is not None:
        state.update(last_run=run, last_error="")
    else:
        state["last_error"] = error[:2000]
    row.state = state
    session.flush()
    if run is None and outcome is AuditOutcome.OK:
        outcome = AuditOutcome.FAILED
    audit.record(
        session,
        "trigger.fire",
        actor=row.created_by,
        resource=_resource(trigger_id),
        outcome=outcome,
        detail={**(detail or {}), "run": run, **({"error": error[:500]} if error else {})},
    )


def seen_files(session: Session, trigger_id: int) -> list[str]:
    """The file names a file trigger has already seen."""
    state = load(session, trigger_id).state or {}
    return [str(name) for name in state.get("seen", [])]


def set_seen(session: Session, trigger_id: int, names: list[str]) -> None:
    """Remember ``names`` as the files a file trigger has seen."""
    row = load(session, trigger_id, for_update=True)
    row.state = {**(row.state or {}), "seen": sorted(names)}
    session.flush()
