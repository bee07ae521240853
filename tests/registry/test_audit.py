"""The audit trail: events kept with their transaction, listed newest first, filtered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton.registry import audit
from baton.registry.database import Database
from baton.registry.enums import AuditOutcome


def existing(database: Database) -> int:
    """Events already there (creating the built-in groups and roles is audited too)."""
    with database.session() as session:
        return audit.list_events(session).total


def test_record_and_list(database: Database) -> None:
    before = existing(database)
    with database.session() as session:
        audit.record(session, "signin", actor="alice", remote_addr="10.0.0.1")
        audit.record(
            session,
            "program.run",
            actor="bob",
            resource="program:sample.hello",
            outcome=AuditOutcome.DENIED,
            detail={"service": "default", "status": 403},
        )
    with database.session() as session:
        page = audit.list_events(session, limit=2)
    assert page.total == before + 2
    newest, oldest = page.items
    assert (newest.action, newest.actor, newest.resource) == (
        "program.run",
        "bob",
        "program:sample.hello",
    )
    assert newest.outcome is AuditOutcome.DENIED
    assert newest.detail == {"service": "default", "status": 403}
    assert (oldest.action, oldest.outcome, oldest.remote_addr, oldest.detail) == (
        "signin",
        AuditOutcome.OK,
        "10.0.0.1",
        {},
    )
    assert newest.at >= oldest.at
    assert newest.at.tzinfo is not None


def test_filters_and_pages(database: Database) -> None:
    before = existing(database)
    with database.session() as session:
        for index in range(5):
            audit.record(session, "signin", actor="alice" if index % 2 else "bob")
        audit.record(session, "signout", actor="alice")
    with database.session() as session:
        signins = audit.list_events(session, action="signin")
        alices = audit.list_events(session, actor="alice")
        both = audit.list_events(session, action="signin", actor="alice")
        page = audit.list_events(session, limit=2, offset=1)
    assert signins.total == 5
    assert alices.total == 3
    assert alices.items[0].action == "signout"
    assert both.total == 2
    assert page.total == before + 6 and len(page.items) == 2
    assert page.items[0].id > page.items[1].id


def test_event_is_dropped_with_its_transaction(database: Database) -> None:
    before = existing(database)
    with pytest.raises(RuntimeError), database.session() as session:
        audit.record(session, "doomed", actor="alice")
        raise RuntimeError("the change failed")
    with database.session() as session:
        assert audit.list_events(session).total == before


def test_filters_by_resource_outcome_and_time(database: Database) -> None:
    with database.session() as session:
        audit.record(session, "grant", actor="ada", resource="program:sample.add")
        audit.record(session, "grant", actor="ada", resource="program:sample_2.x")
        audit.record(
            session, "broker.run", resource="program:sample.add", outcome=AuditOutcome.DENIED
        )
        audit.record(session, "grant", actor="ada", resource="program:sample%")
    with database.session() as session:
        newest = audit.list_events(session, limit=1).items[0].at
        on_sample = audit.list_events(session, resource="program:sample.")
        literal = audit.list_events(session, resource="program:sample%")
        underscore = audit.list_events(session, resource="program:sample_")
        denied = audit.list_events(session, resource="program:", outcome=AuditOutcome.DENIED)
        later = audit.list_events(session, since=newest + timedelta(seconds=1))
        earlier = audit.list_events(session, until=newest, resource="program:")
    assert on_sample.total == 2
    assert literal.total == 1  # % and _ are matched as themselves, not as wildcards
    assert [e.resource for e in underscore.items] == ["program:sample_2.x"]
    assert [e.action for e in denied.items] == ["broker.run"]
    assert later.total == 0
    assert earlier.total <= 3
