"""Initialising an installation: the home folder, key files, schema, built-ins, the admin."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.registry import access, definitions, groups, libraries, roles, services, users
from baton.registry.database import Database
from baton.registry.enums import (
    AUTHENTICATED_GROUP,
    PUBLIC_GROUP,
    Action,
    PrincipalKind,
    ResourceKind,
    ServerKind,
    ServiceKind,
)
from baton.registry.models import Group, Role
from baton.registry.specs import PoolSettings, ServerDefinitionSpec, ServiceSettings, ServiceSpec
from baton.registry.vault import Vault
from baton.settings import CONFIG_FILE, Settings

ADMIN = "admin"
SAMPLE_LIBRARY = "sample"
SESSION_KEY_FILE = "session.key"
#: The server definition of the application servers ``baton init`` creates.
APPSERVER_DEFINITION = "appserver"
#: The workspace (Jupyter kernel) definition ``baton init`` creates, disabled.
WORKSPACE_DEFINITION = "workspace"
#: The job runner definition ``baton init`` creates (``jobs.runner_definition``).
RUNNER_DEFINITION = "runner"
#: The services ``baton init`` creates: a pool (the default service) and a launch service.
DEFAULT_SERVICE = "default"
LAUNCH_SERVICE = "launch"
#: Who the audit trail says made the installation's first records.
INIT_ACTOR = "baton init"

_CONFIG_TEMPLATE = """\
# Baton settings. Every key is optional; `baton config show` lists them all with their
# effective values. Environment variables BATON_<KEY> (BATON_<SECTION>__<KEY>) override them.

# port = 8080
# host = "127.0.0.1"
# database_url = "postgresql://baton@127.0.0.1/baton"

[auth]
# pam_enabled = false

[secrets]
# algorithm = "aes-256-gcm"   # or "chacha20-poly1305"; applied by `baton secrets rotate`

[dispatcher]
# default_service = "default"
# A read-only service defined here rather than in the registry:
# [dispatcher.services.reports]
# kind = "pool"
# server_definition = "appserver"
# libraries = ["sample"]
# settings = { min_servers = 1, max_servers = 4 }
"""


@dataclass(frozen=True)
class InitResult:
    """What :func:`initialise` did."""

    home: Path
    created_admin: bool
    #: The admin's password when it was generated here (to print once), else None.
    generated_password: str | None


def _write_secret_file(path: Path, content: bytes) -> None:
    path.touch(mode=0o600, exist_ok=False)
    path.chmod(0o600)
    path.write_bytes(content)


def ensure_builtins(session: Session) -> None:
    """Create the built-in groups and roles that are missing (idempotent)."""
    present = set(session.scalars(select(Group.name)))
    for name, description in (
        (PUBLIC_GROUP, "Everyone, signed in or not."),
        (AUTHENTICATED_GROUP, "Every signed-in user."),
    ):
        if name not in present:
            groups.create_group(
                session, name, description=description, builtin=True, actor=INIT_ACTOR
            )
    present_roles = set(session.scalars(select(Role.name)))
    for name, (description, capabilities) in roles.BUILTIN_ROLES.items():
        if name not in present_roles:
            roles.create_role(
                session,
                name,
                [str(c) for c in capabilities],
                description=description,
                builtin=True,
                actor=INIT_ACTOR,
            )


def session_secret(home: Path) -> bytes:
    """The key that signs browser session cookies."""
    return (home / SESSION_KEY_FILE).read_bytes()


def initialise(settings: Settings, *, database: Database | None = None) -> InitResult:
    """Prepare ``settings.home``: idempotent, never replaces a key or a password."""
    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    config = home / CONFIG_FILE
    if not config.exists():
        # It may come to hold the database password: readable by the owner only.
        config.touch(mode=0o600)
        config.write_text(_CONFIG_TEMPLATE)
    if not settings.key_path.exists():
        Vault.create(settings.key_path, settings.secrets.algorithm)
    if not (home / SESSION_KEY_FILE).exists():
        _write_secret_file(home / SESSION_KEY_FILE, secrets.token_bytes(32))
    sample_dir = home / "programs" / SAMPLE_LIBRARY
    if not sample_dir.exists():
        source = resources.files("baton.appserver") / "samples"
        sample_dir.mkdir(parents=True)
        for item in source.iterdir():
            if item.name.endswith(".py"):
                with resources.as_file(item) as path:
                    shutil.copyfile(path, sample_dir / item.name)

    db = database or Database(settings.registry_url)
    try:
        sqlite_file = home / "registry.db"
        if settings.database_url is None and not sqlite_file.exists():
            sqlite_file.touch(mode=0o600)  # users' password hashes live here
        db.upgrade()
        with db.session() as session:
            ensure_builtins(session)
            generated: str | None = None
            created = users.find(session, ADMIN) is None
            if created:
                if settings.admin_password is not None:
                    password = settings.admin_password.get_secret_value()
                else:
                    password = generated = secrets.token_urlsafe(12)
                users.create_user(
                    session,
                    ADMIN,
                    password=password,
                    display_name="Administrator",
                    actor=INIT_ACTOR,
                )
                roles.assign(session, "admin", PrincipalKind.USER, ADMIN, actor=INIT_ACTOR)
            if libraries.find(session, SAMPLE_LIBRARY) is None:
                libraries.create_library(
                    session,
                    SAMPLE_LIBRARY,
                    str(sample_dir.resolve()),
                    description="Sample programs shipped with Baton.",
                    actor=INIT_ACTOR,
                )
                roles.assign(
                    session, "webuser", PrincipalKind.GROUP, AUTHENTICATED_GROUP, actor=INIT_ACTOR
                )
                for action in (Action.READ, Action.RUN):
                    access.grant(
                        session,
                        PrincipalKind.GROUP,
                        AUTHENTICATED_GROUP,
                        ResourceKind.LIBRARY,
                        SAMPLE_LIBRARY,
                        action,
                        granted_by=INIT_ACTOR,
                    )
            _create_services(session)
    finally:
        if database is None:
            db.dispose()
    return InitResult(home=home, created_admin=created, generated_password=generated)


def _create_services(session: Session) -> None:
    """The server definitions and the two services of a new installation.

    The workspace definition starts disabled: its kernels run any code their user types, as
    the spawner's own account until it is given a launch credential or ``run_as_client``. An
    administrator chooses the account, grants ``run``, then enables it (docs/spawner.md).
    """
    if definitions.find(session, APPSERVER_DEFINITION) is None:
        definitions.create_definition(
            session,
            ServerDefinitionSpec(
                name=APPSERVER_DEFINITION,
                kind=ServerKind.APPLICATION,
                description="Baton application server (python -m baton.appserver).",
                command=["{python}", "-m", "baton.appserver", "--listen", "tcp:{host}:{port}"],
            ),
            actor=INIT_ACTOR,
        )
    if definitions.find(session, WORKSPACE_DEFINITION) is None:
        definitions.create_definition(
            session,
            ServerDefinitionSpec(
                name=WORKSPACE_DEFINITION,
                kind=ServerKind.WORKSPACE,
                description="Jupyter kernels (ipykernel) for POST /api/workspaces; choose their "
                "account (credential or run_as_client), grant run, then enable.",
                command=["{python}", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                pool=PoolSettings(max_servers=2, idle_timeout=3600),
                enabled=False,
            ),
            actor=INIT_ACTOR,
        )
    if definitions.find(session, RUNNER_DEFINITION) is None:
        definitions.create_definition(
            session,
            ServerDefinitionSpec(
                name=RUNNER_DEFINITION,
                kind=ServerKind.RUNNER,
                description="Job runners (python -m baton.jobs.runner): a warm one kept "
                "ready, forking a process per run.",
                command=["{python}", "-m", "baton.jobs.runner", "--listen", "tcp:{host}:{port}"],
                pool=PoolSettings(
                    start_size=1,
                    min_available=1,
                    max_servers=4,
                    max_clients=32,
                    availability_timeout=60,
                ),
            ),
            actor=INIT_ACTOR,
        )
    if services.find(session, DEFAULT_SERVICE) is None:
        services.create_service(
            session,
            ServiceSpec(
                name=DEFAULT_SERVICE,
                kind=ServiceKind.POOL,
                description="Pooled application servers for the sample library.",
                server_definition=APPSERVER_DEFINITION,
                settings=ServiceSettings(min_servers=0, max_servers=2, programs_per_server=4),
                libraries=[SAMPLE_LIBRARY],
            ),
            actor=INIT_ACTOR,
        )
    if services.find(session, LAUNCH_SERVICE) is None:
        services.create_service(
            session,
            ServiceSpec(
                name=LAUNCH_SERVICE,
                kind=ServiceKind.LAUNCH,
                description="A fresh process per request, forked from a warm parent.",
                server_definition=APPSERVER_DEFINITION,
                settings=ServiceSettings(max_servers=8),
                libraries=[SAMPLE_LIBRARY],
            ),
            actor=INIT_ACTOR,
        )
