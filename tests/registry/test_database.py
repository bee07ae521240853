"""The registry database: transactions are all or nothing; integrity errors become Conflict."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from baton.errors import Conflict
from baton.registry import access, groups, users
from baton.registry.database import Database, normalise_url
from baton.registry.enums import Action, PrincipalKind, ResourceKind
from baton.registry.models import AuditEvent, Group, Permission, User
from tests.registry.conftest import host_user


class Cancelled(BaseException):
    """Stands in for a control signal, which ``except Exception`` must not swallow."""


def count(database: Database, model: type[User | Group | Permission | AuditEvent]) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_session_commits(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
    with database.session() as session:
        assert users.get_user(session, "alice").name == "alice"


def test_error_leaves_nothing_half_written(database: Database) -> None:
    groups_before = count(database, Group)
    events_before = count(database, AuditEvent)
    with pytest.raises(RuntimeError, match="half way"), database.session() as session:
        host_user(session, "alice")
        groups.create_group(session, "team")
        groups.add_member(session, "team", "alice")
        access.grant(
            session,
            PrincipalKind.GROUP,
            "team",
            ResourceKind.SERVICE,
            "default",
            Action.RUN,
            granted_by="admin",
        )
        raise RuntimeError("failed half way")
    with database.session() as session:
        assert users.find(session, "alice") is None
    assert count(database, User) == 0
    assert count(database, Group) == groups_before
    assert count(database, Permission) == 0
    assert count(database, AuditEvent) == events_before


def test_registry_error_midway_rolls_back_earlier_changes(database: Database) -> None:
    with pytest.raises(Conflict), database.session() as session:
        host_user(session, "alice")
        groups.delete_group(session, "PUBLIC")
    with database.session() as session:
        assert users.find(session, "alice") is None


def test_control_signal_rolls_back_too(database: Database) -> None:
    with pytest.raises(Cancelled), database.session() as session:
        host_user(session, "alice")
        raise Cancelled
    assert count(database, User) == 0


def test_unique_violation_at_commit_is_a_conflict(database: Database) -> None:
    with pytest.raises(Conflict) as caught, database.session() as session:
        # Bypasses users.create_user's check, as two racing requests would.
        session.add_all([User(name="twin", password_hash=None), User(name="twin")])
    assert isinstance(caught.value.__cause__, IntegrityError)
    assert count(database, User) == 0


def test_unique_violation_inside_the_block_is_a_conflict(database: Database) -> None:
    with database.session() as session:
        host_user(session, "alice")
    with pytest.raises(Conflict), database.session() as session:
        host_user(session, "bob")
        session.add(User(name="alice"))
        session.flush()
    with database.session() as session:
        assert [u.name for u in users.list_users(session).items] == ["alice"]


def test_foreign_key_violation_is_a_conflict(database: Database) -> None:
    """Foreign keys are enforced on both backends (SQLite needs a pragma for that)."""
    with pytest.raises(Conflict), database.session() as session:
        session.add(
            Permission(
                user_id=999_999,
                resource_kind=ResourceKind.SERVICE,
                resource_name="default",
                action=Action.RUN,
            )
        )
    assert count(database, Permission) == 0


def test_check_constraint_violation_is_a_conflict(database: Database) -> None:
    with database.session() as session:
        alice = host_user(session, "alice")
        group_id = groups.load(session, "PUBLIC").id
    for user_id, gid in ((None, None), (alice.id, group_id)):
        with pytest.raises(Conflict), database.session() as session:
            session.add(
                Permission(
                    user_id=user_id,
                    group_id=gid,
                    resource_kind=ResourceKind.SERVICE,
                    resource_name="default",
                    action=Action.RUN,
                )
            )
    assert count(database, Permission) == 0


def test_duplicate_grant_rows_are_refused_by_the_database(database: Database) -> None:
    with database.session() as session:
        alice = host_user(session, "alice")
    row = {
        "user_id": alice.id,
        "resource_kind": ResourceKind.SERVICE,
        "resource_name": "default",
        "action": Action.RUN,
    }
    with pytest.raises(Conflict), database.session() as session:
        session.add_all([Permission(**row), Permission(**row)])
    assert count(database, Permission) == 0


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'registry.db'}")
    try:
        with database.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected
