"""Initialising an installation: idempotent, private key files, a working admin, the samples."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import func, select

from baton.registry import access, libraries, roles, users
from baton.registry.bootstrap import (
    ADMIN,
    SAMPLE_LIBRARY,
    SESSION_KEY_FILE,
    ensure_builtins,
    initialise,
    session_secret,
)
from baton.registry.database import Database
from baton.registry.enums import Action, Capability, ResourceKind
from baton.registry.models import (
    AuditEvent,
    Group,
    Permission,
    ProgramLibrary,
    Role,
    RoleAssignment,
    User,
)
from baton.registry.vault import Vault
from baton.settings import CONFIG_FILE, load_settings
from tests.conftest import Installation
from tests.registry.conftest import host_user

COUNTED = (User, Group, Role, RoleAssignment, Permission, ProgramLibrary, AuditEvent)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


def admin_hash(database: Database) -> str | None:
    with database.session() as session:
        return session.scalar(select(User.password_hash).where(User.name == ADMIN))


def test_initialise_twice_changes_nothing(installation: Installation) -> None:
    settings, database = installation.settings, installation.database
    home = settings.home
    key_files = {path: path.read_bytes() for path in (settings.key_path, home / SESSION_KEY_FILE)}
    config = (home / CONFIG_FILE).read_text()
    before_hash, before_counts = admin_hash(database), counts(database)

    again = initialise(settings, database=database)

    assert again.created_admin is False
    assert again.generated_password is None
    assert admin_hash(database) == before_hash
    assert {path: path.read_bytes() for path in key_files} == key_files
    assert (home / CONFIG_FILE).read_text() == config
    assert counts(database) == before_counts
    assert before_counts["program_libraries"] == 1


def test_key_files_are_private(installation: Installation) -> None:
    home = installation.settings.home
    assert mode_of(home) == 0o700
    assert mode_of(installation.settings.key_path) == 0o600
    assert mode_of(home / SESSION_KEY_FILE) == 0o600
    assert mode_of(home / CONFIG_FILE) == 0o600
    assert len(session_secret(home)) == 32
    ring = Vault.load(installation.settings.key_path)
    assert ring.algorithm is installation.settings.secrets.algorithm


def test_config_file_is_written_and_valid(installation: Installation) -> None:
    home = installation.settings.home
    assert (home / CONFIG_FILE).is_file()
    reloaded = load_settings(home, environ={})
    assert reloaded.port == 8080


def test_existing_config_file_is_kept(installation: Installation) -> None:
    config = installation.settings.home / CONFIG_FILE
    config.write_text("port = 9000\n")
    initialise(installation.settings, database=installation.database)
    assert config.read_text() == "port = 9000\n"


def test_admin_can_sign_in_and_administer(installation: Installation) -> None:
    with installation.database.session() as session:
        admin = users.check_password(session, ADMIN, installation.admin_password)
        assert admin is not None
        assert admin.display_name == "Administrator"
        principal = access.principal_for(session, admin, method="basic")
        assert roles.get_role(session, "admin").users == (ADMIN,)
    assert principal.can(Capability.ADMINISTER)


def test_generated_password_works(tmp_path: Path, database_url: str) -> None:
    settings = load_settings(tmp_path / "home", environ={}, database_url=database_url)
    database = Database(database_url)
    try:
        result = initialise(settings, database=database)
        assert result.created_admin is True
        assert result.generated_password is not None
        assert len(result.generated_password) >= 12
        with database.session() as session:
            assert users.check_password(session, ADMIN, result.generated_password) is not None
        again = initialise(settings, database=database)
        assert again.generated_password is None
    finally:
        database.dispose()


def test_sample_library_is_registered(installation: Installation) -> None:
    folder = (installation.settings.home / "programs" / SAMPLE_LIBRARY).resolve()
    with installation.database.session() as session:
        library = libraries.get_library(session, SAMPLE_LIBRARY)
    assert library.path == str(folder)
    assert (folder / "hello.py").is_file()
    assert all(path.suffix == ".py" for path in folder.iterdir())


def test_signed_in_users_may_run_the_samples(installation: Installation) -> None:
    with installation.database.session() as session:
        host_user(session, "visitor")
    with installation.database.session() as session:
        visitor = access.principal_for(session, users.load(session, "visitor"), method="basic")
        nobody = access.anonymous(session)
        assert visitor.can(Capability.RUN_PROGRAMS)
        for program in ("sample.hello", "sample.regions"):
            assert access.is_allowed(session, visitor, ResourceKind.PROGRAM, program, Action.RUN)
            assert not access.is_allowed(session, nobody, ResourceKind.PROGRAM, program, Action.RUN)
        assert access.is_allowed(
            session, visitor, ResourceKind.LIBRARY, SAMPLE_LIBRARY, Action.READ
        )
        assert not access.is_allowed(
            session, visitor, ResourceKind.PROGRAM, "sample.hello", Action.WRITE
        )
        assert not access.is_allowed(
            session, visitor, ResourceKind.PROGRAM, "other.hello", Action.RUN
        )
        assert not nobody.can(Capability.RUN_PROGRAMS)


def test_ensure_builtins_is_idempotent(database: Database) -> None:
    before = counts(database)
    with database.session() as session:
        ensure_builtins(session)
        ensure_builtins(session)
    assert counts(database) == before
    assert before["groups"] == 2
    assert before["roles"] == len(roles.BUILTIN_ROLES)


def test_initialise_with_the_default_registry(tmp_path: Path) -> None:
    """Without a database URL the registry is a SQLite file in the home folder."""
    settings = load_settings(tmp_path / "home", environ={}, admin_password="a-long-password")
    result = initialise(settings)
    assert result.home == settings.home
    assert result.created_admin is True
    assert result.generated_password is None  # the given one is used, and not echoed
    assert (settings.home / "registry.db").is_file()
    database = Database(settings.registry_url)
    try:
        database.check_schema()
        with database.session() as session:
            assert users.check_password(session, ADMIN, "a-long-password") is not None
    finally:
        database.dispose()


def test_default_sqlite_registry_is_private(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "home", environ={}, admin_password="pass-word-1")
    initialise(settings)
    assert mode_of(tmp_path / "home" / "registry.db") == 0o600
