"""The registry's tables as SQLAlchemy 2 typed models.

ORM objects never leave the ``registry`` package: query functions return the frozen records of
``baton.registry.records``. Every change to these classes comes with an Alembic revision in
``registry/migrations/versions`` (``tests/registry/test_migrations.py`` checks they agree).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from baton.jobs.states import NodeState, RunState
from baton.registry.enums import (
    Action,
    AuditOutcome,
    AuthSource,
    Balancing,
    ResourceKind,
    ServerKind,
    ServiceKind,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the registry")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _enum(kind: type[Any], name: str) -> Enum:
    """A portable enum column (VARCHAR plus CHECK) storing the enum's values."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Declarative base with the naming convention Alembic relies on."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- identity ---------------------------------------------------------------------------------


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    auth_source: Mapped[AuthSource] = mapped_column(
        _enum(AuthSource, "auth_source"), default=AuthSource.LOCAL
    )
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    groups: Mapped[list[Group]] = relationship(
        secondary="group_members", back_populates="members", order_by="Group.name"
    )


class Group(Timestamped, Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)

    members: Mapped[list[User]] = relationship(
        secondary="group_members", back_populates="groups", order_by="User.name"
    )


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Role(Timestamped, Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    capabilities: Mapped[list[Any]] = mapped_column(default=list)


class _Principal:
    """A row given to exactly one user or one group."""

    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )


_ONE_PRINCIPAL = "(user_id IS NULL) <> (group_id IS NULL)"


class RoleAssignment(_Principal, Timestamped, Base):
    __tablename__ = "role_assignments"
    __table_args__ = (
        CheckConstraint(_ONE_PRINCIPAL, name="one_principal"),
        Index(
            "uq_role_assignments_user",
            "role_id",
            "user_id",
            unique=True,
            sqlite_where=text("user_id IS NOT NULL"),
            postgresql_where=text("user_id IS NOT NULL"),
        ),
        Index(
            "uq_role_assignments_group",
            "role_id",
            "group_id",
            unique=True,
            sqlite_where=text("group_id IS NOT NULL"),
            postgresql_where=text("group_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))


class Permission(_Principal, Timestamped, Base):
    __tablename__ = "permissions"
    __table_args__ = (
        CheckConstraint(_ONE_PRINCIPAL, name="one_principal"),
        Index(
            "uq_permissions_user",
            "user_id",
            "resource_kind",
            "resource_name",
            "action",
            unique=True,
            sqlite_where=text("user_id IS NOT NULL"),
            postgresql_where=text("user_id IS NOT NULL"),
        ),
        Index(
            "uq_permissions_group",
            "group_id",
            "resource_kind",
            "resource_name",
            "action",
            unique=True,
            sqlite_where=text("group_id IS NOT NULL"),
            postgresql_where=text("group_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_kind: Mapped[ResourceKind] = mapped_column(_enum(ResourceKind, "resource_kind"))
    #: The resource's name, or ``*`` for every resource of the kind (``lib.*`` for programs).
    resource_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[Action] = mapped_column(_enum(Action, "action"))
    granted_by: Mapped[str] = mapped_column(String(64), default="")


class ApiToken(Timestamped, Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: The first characters of the token, shown in lists so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    #: SHA-256 of the whole token (tokens are 256-bit random, so a fast hash is enough).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class BrowserSession(Base):
    """A signed-in browser: the cookie carries the token whose hash is the key."""

    __tablename__ = "browser_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    user: Mapped[User] = relationship(lazy="joined")


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    resource: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[AuditOutcome] = mapped_column(_enum(AuditOutcome, "audit_outcome"))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DispatchRequest(Base):
    """One broker request: who ran what on which service and server, and how it ended."""

    __tablename__ = "dispatch_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(64), default="", index=True)
    service: Mapped[str] = mapped_column(String(64), default="", index=True)
    program: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(64), default="")
    bytes_sent: Mapped[int] = mapped_column(BigInteger, default=0)
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    waited: Mapped[float] = mapped_column(Float, default=0.0)
    server: Mapped[str] = mapped_column(String(100), default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")


# --- hosts, credentials, servers, services ----------------------------------------------------


class Credential(Timestamped, Base):
    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    #: The OS account servers launched with this credential run as.
    username: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500), default="")
    algorithm: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Host(Timestamped, Base):
    __tablename__ = "hosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    port: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500), default="")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None]


class ProgramLibrary(Timestamped, Base):
    __tablename__ = "program_libraries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(1024))
    description: Mapped[str] = mapped_column(String(500), default="")


class ServerDefinition(Timestamped, Base):
    __tablename__ = "server_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[ServerKind] = mapped_column(_enum(ServerKind, "server_kind"))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: Argument vector with placeholders ({port}, {host}, {definition}, {token}); never a shell.
    command: Mapped[list[Any]] = mapped_column(default=list)
    working_dir: Mapped[str] = mapped_column(String(1024), default="")
    environment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("credentials.id", ondelete="RESTRICT")
    )
    run_as_client: Mapped[bool] = mapped_column(Boolean, default=False)
    port_min: Mapped[int | None] = mapped_column(Integer)
    port_max: Mapped[int | None] = mapped_column(Integer)
    pool: Mapped[dict[str, Any]] = mapped_column(default=dict)
    balancing: Mapped[Balancing] = mapped_column(
        _enum(Balancing, "balancing"), default=Balancing.LEAST_BUSY
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ServerDefinitionHost(Base):
    """A host a definition runs on; none at all means the control plane's own host."""

    __tablename__ = "server_definition_hosts"
    __table_args__ = (
        UniqueConstraint("definition_id", "position", name="uq_server_definition_hosts_position"),
    )

    definition_id: Mapped[int] = mapped_column(
        ForeignKey("server_definitions.id", ondelete="CASCADE"), primary_key=True
    )
    host_id: Mapped[int] = mapped_column(
        ForeignKey("hosts.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    #: The order the hosts were given in (0: the first, which ``host`` names).
    position: Mapped[int] = mapped_column(Integer)


class Service(Timestamped, Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[ServiceKind] = mapped_column(_enum(ServiceKind, "service_kind"))
    description: Mapped[str] = mapped_column(String(500), default="")
    server_definition_id: Mapped[int | None] = mapped_column(
        ForeignKey("server_definitions.id", ondelete="RESTRICT")
    )
    #: External servers of a socket service, as "host:port" strings.
    addresses: Mapped[list[Any]] = mapped_column(default=list)
    #: Pool limits and timeouts (min_servers, max_servers, idle_timeout, ...).
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    debug_mask: Mapped[int] = mapped_column(Integer, default=2)
    auth_required: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    libraries: Mapped[list[ProgramLibrary]] = relationship(
        secondary="service_libraries", order_by="ProgramLibrary.name"
    )


class ServiceLibrary(Base):
    __tablename__ = "service_libraries"

    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    library_id: Mapped[int] = mapped_column(
        ForeignKey("program_libraries.id", ondelete="CASCADE"), primary_key=True
    )


# --- jobs, runs, schedules --------------------------------------------------------------------


class Job(Timestamped, Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    description: Mapped[str] = mapped_column(String(1000), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locked_at: Mapped[datetime | None]


class JobVersion(Base):
    __tablename__ = "job_versions"
    __table_args__ = (UniqueConstraint("job_id", "version", name="uq_job_versions_job_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]]
    author: Mapped[str] = mapped_column(String(64), default="")
    comment: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Timestamped, Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[RunState] = mapped_column(_enum(RunState, "run_state"), index=True)
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The job variables assigned so far (a resumed run goes on with them).
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    parent_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    runner: Mapped[str] = mapped_column(String(200), default="")
    #: How often the run was resumed after a crash.
    resumes: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class NodeRun(Base):
    __tablename__ = "node_runs"
    __table_args__ = (
        UniqueConstraint("run_id", "node_id", "attempt", name="uq_node_runs_run_node_attempt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[str] = mapped_column(String(128))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[NodeState] = mapped_column(_enum(NodeState, "node_state"))
    outputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class RunLog(Base):
    __tablename__ = "run_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    #: The node path the line is about ("" for the run as a whole).
    node: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    line: Mapped[str] = mapped_column(Text)


class Schedule(Timestamped, Base):
    """A trigger of a job: a cron schedule, a named event, a job's completion, a file arriving
    in a folder, or a webhook."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(128), unique=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    #: cron, event, completion, file or webhook.
    kind: Mapped[str] = mapped_column(String(16), index=True)
    #: What it watches: the cron expression, the event's name, the job whose runs' ends it
    #: follows, or the program library whose folder it watches ("" for a webhook: its name).
    spec: Mapped[str] = mapped_column(String(500))
    #: A file trigger's file name pattern (a glob without "/"); "" for the other kinds.
    pattern: Mapped[str] = mapped_column(String(200), default="")
    #: CEL over ``event`` (the payload): the trigger fires only when it holds ("" always).
    filter: Mapped[str] = mapped_column(String(2000), default="")
    #: A webhook's secret, sealed by the vault ({algorithm, key_id, nonce, ciphertext}).
    secret: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    #: Whose runs it starts (their permissions apply).
    created_by: Mapped[str] = mapped_column(String(64), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    catch_up: Mapped[str] = mapped_column(String(16), default="none")
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_fired_at: Mapped[datetime | None]
    next_fire_at: Mapped[datetime | None]
    #: What the trigger keeps between fires: the last run it started or the error that stopped
    #: it ({last_run, last_error}), and a file trigger's files already seen ({seen: [names]}).
    state: Mapped[dict[str, Any] | None] = mapped_column(default=None)
