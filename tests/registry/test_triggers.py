"""Triggers in the registry: shapes, names, sealed webhook secrets, fires recorded once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from baton.errors import AlreadyExists, Conflict, InvalidInput, NotFound, PermissionDenied
from baton.registry import audit, credentials, jobs, libraries, triggers
from baton.registry.database import Database
from baton.registry.enums import AuditOutcome, TriggerKind
from baton.registry.triggers import Definition
from baton.registry.vault import Vault
from baton.settings import SecretAlgorithm
from tests.registry.conftest import host_user

AT = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def registry(database: Database, program_dir: Path) -> Database:
    with database.session() as session:
        host_user(session, "ann")
        jobs.create_job(session, "report", {"name": "report"}, author="ann")
        libraries.create_library(session, "drop", str(program_dir))
    return database


def test_a_webhook_secret_is_shown_once_and_checked_in_constant_time(
    registry: Database, vault: Vault
) -> None:
    hook = Definition(TriggerKind.WEBHOOK)
    with registry.session() as session:
        issued = triggers.create_trigger(session, vault, "report", hook, name="in", actor="ann")
    secret = issued.secret
    assert secret is not None and secret.startswith(triggers.SECRET_PREFIX)
    assert issued.trigger.hook == "/api/hooks/in"
    assert secret not in issued.trigger.model_dump_json()
    body = b'{"order": 7}'
    with registry.session() as session:
        found = triggers.check_signature(
            session, vault, "in", body, triggers.signature(secret, body)
        )
        assert found.id == issued.trigger.id
        for name, digest in (("in", "0" * 64), ("nothing", triggers.signature(secret, body))):
            with pytest.raises(PermissionDenied):
                triggers.check_signature(session, vault, name, body, digest)
        rotated = triggers.rotate_secret(session, vault, "in", actor="ann")
    assert rotated.secret is not None and rotated.secret != secret
    with registry.session() as session, pytest.raises(PermissionDenied):
        triggers.check_signature(session, vault, "in", body, triggers.signature(secret, body))
    with registry.session() as session:
        triggers.update_trigger(session, "in", enabled=False, actor="ann")
    with registry.session() as session, pytest.raises(Conflict):
        good = triggers.signature(rotated.secret, body)
        triggers.check_signature(session, vault, "in", body, good)


def test_rotating_the_key_ring_reseals_webhook_secrets(registry: Database, vault: Vault) -> None:
    with registry.session() as session:
        issued = triggers.create_trigger(
            session, vault, "report", Definition(TriggerKind.WEBHOOK), name="in", actor="ann"
        )
        key_id, _ = credentials.rotate(session, vault, SecretAlgorithm.CHACHA20_POLY1305)
    vault.activate(key_id)  # the old key is gone
    assert issued.secret is not None
    with registry.session() as session:
        digest = triggers.signature(issued.secret, b"")
        assert triggers.check_signature(session, vault, "in", b"", digest).name == "in"


def test_shapes_are_checked_naming_the_field(registry: Database) -> None:
    cases = [
        (Definition(TriggerKind.WEBHOOK), None, "name"),
        (Definition(TriggerKind.FILE, spec="drop", pattern="a/*.csv"), "f", "pattern"),
        (Definition(TriggerKind.FILE, spec="drop", pattern=".."), "f", "pattern"),
        (Definition(TriggerKind.EVENT, spec="e", pattern="*.csv"), "f", "pattern"),
        (Definition(TriggerKind.EVENT, spec="e", inputs={"x": float("nan")}), "f", "inputs"),
        (Definition(TriggerKind.EVENT, spec="e"), "not a name", "name"),
    ]
    for definition, name, field in cases:
        with registry.session() as session, pytest.raises(InvalidInput) as caught:
            triggers.create_trigger(session, None, "report", definition, name=name, actor="ann")
        assert caught.value.field == field
    with registry.session() as session, pytest.raises(NotFound):
        missing = Definition(TriggerKind.FILE, spec="nowhere", pattern="*")
        triggers.create_trigger(session, None, "report", missing, actor="ann")
    with registry.session() as session:
        triggers.create_trigger(
            session, None, "report", Definition(TriggerKind.EVENT, spec="e"), name="t", actor="ann"
        )
    with registry.session() as session, pytest.raises(AlreadyExists):
        triggers.create_trigger(
            session, None, "report", Definition(TriggerKind.EVENT, spec="e"), name="t", actor="ann"
        )


def test_a_cron_time_is_claimed_once(registry: Database) -> None:
    cron = Definition(TriggerKind.CRON, spec="0 * * * *")
    with registry.session() as session:
        record = triggers.create_trigger(
            session, None, "report", cron, next_fire_at=AT, actor="ann"
        ).trigger
    later = AT + timedelta(hours=1)
    with registry.session() as session:
        assert triggers.advance(session, record.id, AT, later)
    with registry.session() as session:
        assert not triggers.advance(session, record.id, AT, later)  # already moved
        triggers.update_trigger(session, record.id, enabled=False, actor="ann")
    with registry.session() as session:
        assert not triggers.advance(session, record.id, later, later + timedelta(hours=1))
        assert triggers.get_trigger(session, record.id).next_fire_at == later


def test_fires_are_recorded_and_audited(registry: Database) -> None:
    with registry.session() as session:
        record = triggers.create_trigger(
            session, None, "report", Definition(TriggerKind.EVENT, spec="e"), actor="ann"
        ).trigger
        triggers.record_fire(session, record.id, AT, run=None, error="job cannot run")
    with registry.session() as session:
        failed = triggers.get_trigger(session, record.id)
        assert (failed.last_fired_at, failed.last_run, failed.last_error) == (
            AT,
            None,
            "job cannot run",
        )
        triggers.record_fire(
            session, record.id, AT, run=None, error="x", outcome=AuditOutcome.DENIED
        )
        events = audit.list_events(session, action="trigger.fire").items
    assert [e.outcome for e in events] == [AuditOutcome.DENIED, AuditOutcome.FAILED]
    assert {e.actor for e in events} == {"ann"}


def test_a_file_trigger_remembers_what_it_saw(registry: Database) -> None:
    files = Definition(TriggerKind.FILE, spec="drop", pattern="*.csv")
    with registry.session() as session:
        record = triggers.create_trigger(
            session, None, "report", files, seen=["b.csv", "a.csv"], actor="ann"
        ).trigger
        assert triggers.seen_files(session, record.id) == ["a.csv", "b.csv"]
        triggers.set_seen(session, record.id, ["c.csv"])
        assert triggers.seen_files(session, record.id) == ["c.csv"]
    assert triggers.matches("x.csv", "*.csv")
    assert not triggers.matches(".x.csv", "*.csv")  # being written under a hidden name
    assert triggers.matches(".x.csv", ".*.csv")
    assert not triggers.matches("x.CSV", "*.csv")


def test_redefining_makes_the_changer_its_user_and_the_kind_stays(registry: Database) -> None:
    with registry.session() as session:
        host_user(session, "bob")
        record = triggers.create_trigger(
            session, None, "report", Definition(TriggerKind.EVENT, spec="e"), actor="ann"
        ).trigger
        toggled = triggers.update_trigger(session, record.id, enabled=False, actor="bob")
        assert (toggled.enabled, toggled.created_by) == (False, "ann")
        changed = triggers.update_trigger(
            session, record.id, definition=Definition(TriggerKind.EVENT, spec="f"), actor="bob"
        )
        assert (changed.spec, changed.created_by) == ("f", "bob")
        with pytest.raises(InvalidInput) as caught:
            triggers.update_trigger(
                session,
                record.id,
                definition=Definition(TriggerKind.CRON, spec="* * * * *"),
                actor="bob",
            )
        assert caught.value.field == "kind"
        triggers.delete_trigger(session, record.id, actor="bob")
        with pytest.raises(NotFound):
            triggers.get_trigger(session, record.id)
        actions = [e.action for e in audit.list_events(session, actor="bob").items]
    assert actions[:3] == ["trigger.delete", "trigger.update", "trigger.update"]
