"""Frozen records the registry hands out (ORM objects never leave the package).

They double as the API's response models, so every field has a description.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from baton.jobs.states import NodeState, RunState
from baton.registry.enums import (
    Action,
    AuditOutcome,
    AuthSource,
    Balancing,
    Capability,
    CatchUp,
    PrincipalKind,
    ResourceKind,
    ServerKind,
    ServiceKind,
    TriggerKind,
)


class Record(BaseModel):
    """Base of every registry record: frozen, built from ORM attributes."""

    model_config = ConfigDict(frozen=True, from_attributes=True)


class UserRecord(Record):
    id: int
    name: str
    display_name: str
    email: str
    auth_source: AuthSource
    disabled: bool
    created_at: datetime
    groups: tuple[str, ...] = Field(default=(), description="Names of the user's groups.")


class GroupRecord(Record):
    id: int
    name: str
    description: str
    builtin: bool
    created_at: datetime
    members: tuple[str, ...] = Field(default=(), description="User names (not for built-ins).")


class RoleRecord(Record):
    id: int
    name: str
    description: str
    builtin: bool
    capabilities: tuple[Capability, ...]
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


class PermissionRecord(Record):
    id: int
    principal_kind: PrincipalKind
    principal: str = Field(description="The user's or group's name.")
    resource_kind: ResourceKind
    resource_name: str = Field(description="A name, or '*' for every resource of the kind.")
    action: Action
    granted_by: str
    created_at: datetime


class TokenRecord(Record):
    id: int
    user: str
    name: str
    prefix: str = Field(description="First characters of the token, to tell tokens apart.")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class IssuedToken(Record):
    """A token as created: the only time its secret value is shown."""

    token: str = Field(description="The secret; shown once, stored only as a hash.")
    info: TokenRecord


class CredentialRecord(Record):
    """A launch credential, without its secret (the API never returns secrets)."""

    id: int
    name: str
    username: str
    description: str
    algorithm: str
    key_id: str
    created_at: datetime
    updated_at: datetime


class HostRecord(Record):
    id: int
    name: str
    address: str
    port: int | None
    description: str
    enabled: bool
    has_token: bool
    last_seen_at: datetime | None
    created_at: datetime


class IssuedHostToken(Record):
    """A host's join token as created: shown once."""

    token: str
    host: HostRecord


class LibraryRecord(Record):
    id: int
    name: str
    path: str
    description: str
    created_at: datetime


class ServerDefinitionRecord(Record):
    id: int
    name: str
    kind: ServerKind
    description: str
    command: tuple[str, ...]
    working_dir: str
    environment: dict[str, str]
    credential: str | None
    run_as_client: bool
    host: str | None = Field(description="The first of hosts; null: the control plane's.")
    hosts: tuple[str, ...] = Field(
        default=(), description="Hosts that run it, in order; none: the control plane's own."
    )
    port_min: int | None
    port_max: int | None
    pool: dict[str, Any]
    balancing: Balancing
    enabled: bool
    created_at: datetime
    updated_at: datetime


class ServiceRecord(Record):
    id: int
    name: str
    kind: ServiceKind
    description: str
    server_definition: str | None
    addresses: tuple[str, ...]
    settings: dict[str, Any]
    libraries: tuple[str, ...]
    debug_mask: int
    auth_required: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime


class DispatchRequestRecord(Record):
    id: int
    request_id: str
    at: datetime
    user: str
    service: str
    program: str
    status: int
    error: str
    bytes_sent: int
    duration: float
    waited: float
    server: str
    remote_addr: str


class AuditRecord(Record):
    id: int
    at: datetime
    actor: str
    action: str
    resource: str
    outcome: AuditOutcome
    remote_addr: str
    detail: dict[str, Any]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    total: int = Field(description="How many items the whole list has.")
    limit: int
    offset: int


class JobRecord(Record):
    """A stored orchestration job: its latest version and who holds its edit lock."""

    id: int
    name: str
    description: str = Field(description="The latest version's description.")
    owner: str | None = Field(description="Who created it (null: the user was deleted).")
    latest_version: int
    locked_by: str | None = Field(description="Who holds the edit lock; null: unlocked.")
    locked_at: datetime | None = Field(description="Since when the lock is held.")
    created_at: datetime
    updated_at: datetime = Field(description="When the latest version was saved.")


class JobVersionInfo(Record):
    """One saved version of a job, without its document."""

    version: int
    author: str
    comment: str
    created_at: datetime


class JobVersionRecord(JobVersionInfo):
    """One saved version of a job with its document (whose ``name`` is the job's current name)."""

    name: str
    document: dict[str, Any] = Field(description="The job document, as JSON.")


class RunRecord(Record):
    """One run of an orchestration job, pinned to the version it runs."""

    id: int
    job: str
    version: int = Field(description="The job version it runs.")
    state: RunState
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    created_by: str
    parent_run_id: int | None = Field(description="The run whose job node started it.")
    runner: str = Field(description="The runner process that runs it ('' while queued).")
    resumes: int = Field(0, description="How often it was resumed after its runner crashed.")
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    position: int | None = Field(None, description="Its place in the queue (1: next).")


class RunLogRecord(Record):
    """One line of a run's log."""

    id: int = Field(description="Increasing within the log: ask for the lines after it.")
    node: str = Field(description="The node path it is about ('' for the run as a whole).")
    at: datetime
    line: str


class NodeRunRecord(Record):
    """One attempt of one node instance of a run (``node``: its path, ``each[3].greet``)."""

    node: str = Field(validation_alias="node_id")
    attempt: int
    state: NodeState
    outputs: dict[str, Any]
    error: str
    started_at: datetime | None
    finished_at: datetime | None


class TriggerRecord(Record):
    """A trigger: what starts runs of its job by itself, as the user who defined it (never its
    webhook secret)."""

    id: int
    name: str | None = Field(description="Its unique name (a webhook's is in its URL).")
    job: str = Field(description="The job whose runs it starts (its latest version).")
    kind: TriggerKind
    spec: str = Field(
        description="cron: the cron expression; event: the event's name; completion: the job "
        "whose runs' ends it follows; file: the program library whose folder it watches; "
        "webhook: ''."
    )
    pattern: str = Field(description="file: the file name pattern (a glob); '' otherwise.")
    filter: str = Field(description="CEL over `event` (the payload); '' fires on every one.")
    timezone: str = Field(description="cron: the IANA time zone its times are read in.")
    catch_up: CatchUp = Field(description="cron: what it does with fires missed while down.")
    inputs: dict[str, Any] = Field(description="Fixed inputs of the runs it starts.")
    enabled: bool
    created_by: str = Field(description="Whose rights its runs use: who defined it last.")
    created_at: datetime
    last_fired_at: datetime | None = Field(description="When it last fired (run or error).")
    next_fire_at: datetime | None = Field(description="cron: the next time it fires.")
    last_run: int | None = Field(description="The last run it started.")
    last_error: str = Field(description="Why its last fire started no run ('' if it did).")
    hook: str | None = Field(description="webhook: the path to POST to.")


class IssuedTrigger(BaseModel):
    """A trigger as created (or its secret rotated): a webhook's secret is shown here only."""

    model_config = ConfigDict(frozen=True)

    trigger: TriggerRecord
    secret: str | None = Field(
        description="webhook: the HMAC-SHA256 key its callers sign bodies with; shown once."
    )
