"""The registry's closed vocabularies: capabilities, actions, resource and server kinds."""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    """What a role lets its members do across the installation."""

    ADMINISTER = "administer"
    OPERATE = "operate"
    DESIGN_JOBS = "design_jobs"
    RUN_JOBS = "run_jobs"
    RUN_PROGRAMS = "run_programs"


class Action(StrEnum):
    """What a permission allows on one resource; ``administer`` implies the others."""

    READ = "read"
    WRITE = "write"
    RUN = "run"
    ADMINISTER = "administer"


class ResourceKind(StrEnum):
    """Kinds of resources that permissions are granted on."""

    LIBRARY = "library"
    PROGRAM = "program"
    SERVICE = "service"
    SERVER_DEFINITION = "server_definition"
    JOB = "job"


class PrincipalKind(StrEnum):
    """Who a permission or role is given to."""

    USER = "user"
    GROUP = "group"


class AuthSource(StrEnum):
    """Where a user's password is checked."""

    LOCAL = "local"  # argon2id hash in the registry
    HOST = "host"  # the host's PAM stack (host authentication)


class ServerKind(StrEnum):
    """Kinds of server processes the spawner launches."""

    APPLICATION = "application"
    WORKSPACE = "workspace"
    RUNNER = "runner"


class ServiceKind(StrEnum):
    """Dispatcher service kinds."""

    SOCKET = "socket"
    POOL = "pool"
    LAUNCH = "launch"


class Balancing(StrEnum):
    """Load-balancing algorithms for servers of a definition or service."""

    LEAST_BUSY = "least_busy"
    ROUND_ROBIN = "round_robin"
    RANDOM = "random"
    MRU = "mru"
    LRU = "lru"
    COST = "cost"
    RESPONSE_TIME = "response_time"


class TriggerKind(StrEnum):
    """What starts a trigger's runs."""

    CRON = "cron"  # a cron schedule in a time zone
    EVENT = "event"  # a named event (API, emit node, webhook)
    COMPLETION = "completion"  # the end of a run of another job
    FILE = "file"  # a new file in a program library's folder
    WEBHOOK = "webhook"  # a signed POST /api/hooks/{name}


class CatchUp(StrEnum):
    """What a cron trigger does with the fires it missed while the control plane was down."""

    NONE = "none"  # skip them; fire at the next time
    LATEST = "latest"  # fire once, for the most recent missed time
    ALL = "all"  # fire each missed time (the most recent ones, up to a cap)


class AuditOutcome(StrEnum):
    """How an audited action ended."""

    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"


#: Built-in groups; every principal is in PUBLIC, every signed-in user in AUTHENTICATED.
PUBLIC_GROUP = "PUBLIC"
AUTHENTICATED_GROUP = "AUTHENTICATED"
BUILTIN_GROUPS = (PUBLIC_GROUP, AUTHENTICATED_GROUP)
