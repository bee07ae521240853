"""What a client sends to create or replace a server definition or a service.

Strict pydantic models (unknown fields are errors) shared by the API and the CLI.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baton.registry.enums import Balancing, ServerKind, ServiceKind

_NAME = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
_ADDRESS = re.compile(r"^[A-Za-z0-9_.:\[\]-]{1,255}:\d{1,5}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_PLACEHOLDERS = {"port", "host", "definition", "token", "python", "connection_file"}
_FIELD = re.compile(r"\{([^{}]*)\}")


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PoolSettings(Spec):
    """How many servers of a definition run, and for how long."""

    start_size: int = Field(0, ge=0, le=1000, description="Servers started with the spawner.")
    min_available: int = Field(0, ge=0, le=1000, description="Idle servers kept ready.")
    max_servers: int = Field(4, ge=1, le=1000, description="Most servers at once.")
    max_clients: int = Field(1, ge=1, le=10000, description="Clients one server serves at once.")
    recycle_after: int = Field(0, ge=0, description="Restart a server after N uses (0: never).")
    idle_timeout: float = Field(600, ge=0, description="Seconds idle before a server stops.")
    start_timeout: float = Field(60, gt=0, description="Seconds a server has to start.")
    availability_timeout: float = Field(
        30, gt=0, description="Seconds a client waits for a free server."
    )
    cost_per_client: int = Field(
        1, ge=0, le=1_000_000, description="Cost a client adds to its server (cost balancing)."
    )
    startup_cost: int = Field(
        0, ge=0, le=1_000_000, description="Cost of a server still starting (cost balancing)."
    )
    max_cost: int = Field(
        0, ge=0, description="Most cost one server takes (0: only max_clients limits it)."
    )


class ServerDefinitionSpec(Spec):
    """A kind of server process the spawner can launch."""

    name: str = Field(pattern=_NAME)
    kind: ServerKind
    description: str = Field("", max_length=500)
    command: list[str] = Field(
        min_length=1,
        max_length=256,
        description=(
            "Argument vector; placeholders {port}, {host}, {definition}, {token}, {python}, "
            "and for workspace kernels {connection_file}."
        ),
    )
    working_dir: str = Field("", max_length=1024)
    environment: dict[str, str] = Field(default_factory=dict)
    credential: str | None = Field(None, description="Launch credential the server runs as.")
    run_as_client: bool = Field(False, description="Run as the requesting user (workspaces).")
    hosts: list[Annotated[str, Field(pattern=_NAME)]] = Field(
        default_factory=list,
        max_length=64,
        description="Hosts that run it, in order; none: the control plane's own host.",
    )
    host: str | None = Field(
        None,
        pattern=_NAME,
        description="Shorthand for one host (hosts=[host]); with hosts it must be their first. "
        "Reads back as the first host, or null.",
    )
    port_min: int | None = Field(None, ge=1, le=65535)
    port_max: int | None = Field(None, ge=1, le=65535)
    pool: PoolSettings = Field(default_factory=PoolSettings)
    balancing: Balancing = Balancing.LEAST_BUSY
    enabled: bool = True

    @field_validator("command")
    @classmethod
    def _known_placeholders(cls, command: list[str]) -> list[str]:
        for argument in command:
            if not argument or "\x00" in argument or len(argument) > 4096:
                raise ValueError("arguments must be 1 to 4096 characters without NUL")
            for placeholder in _FIELD.findall(argument):
                if placeholder not in _PLACEHOLDERS:
                    raise ValueError(f"unknown placeholder {{{placeholder}}} in {argument!r}")
        return command

    @field_validator("environment")
    @classmethod
    def _environment_names(cls, environment: dict[str, str]) -> dict[str, str]:
        for name, value in environment.items():
            if not _ENV_NAME.match(name) or "\x00" in value:
                raise ValueError(f"invalid environment variable {name!r}")
        return environment

    @model_validator(mode="before")
    @classmethod
    def _host_shorthand(cls, data: Any) -> Any:
        # Fill in whichever of host and hosts was left out; _consistent checks both when given.
        if not isinstance(data, dict) or ("host" in data) == ("hosts" in data):
            return data
        if "host" in data:
            host = data["host"]
            return {**data, "hosts": [] if host is None else [host]}
        hosts = data["hosts"]
        if isinstance(hosts, list | tuple) and hosts and isinstance(hosts[0], str):
            return {**data, "host": hosts[0]}
        return data

    @field_validator("hosts")
    @classmethod
    def _unique_hosts(cls, hosts: list[str]) -> list[str]:
        seen: set[str] = set()
        for host in hosts:
            if host in seen:
                raise ValueError(f"host {host!r} is listed twice")
            seen.add(host)
        return hosts

    @model_validator(mode="after")
    def _consistent(self) -> ServerDefinitionSpec:
        first = self.hosts[0] if self.hosts else None
        if self.host != first:
            raise ValueError(
                f"host {self.host!r} disagrees with hosts {self.hosts!r}: "
                "host is a shorthand for the first of hosts"
            )
        if (self.port_min is None) != (self.port_max is None):
            raise ValueError("port_min and port_max go together")
        if (
            self.port_min is not None
            and self.port_max is not None
            and self.port_min > self.port_max
        ):
            raise ValueError("port_min must not exceed port_max")
        if self.credential is not None and self.run_as_client:
            raise ValueError("a server runs either under a credential or as the client")
        return self


#: What a service exports unless its settings say otherwise.
DEFAULT_EXPORT = (
    "REMOTE_USER",
    "REMOTE_ADDR",
    "REQUEST_METHOD",
    "QUERY_STRING",
    "SCRIPT_NAME",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "HTTPS",
    "HTTP_USER_AGENT",
    "HTTP_REFERER",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
)
#: The CGI variables a service may pass to its programs (the session cookie never: it is a secret).
EXPORTABLE = frozenset(DEFAULT_EXPORT) | {
    "REMOTE_PORT",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "HTTP_HOST",
    "HTTP_X_FORWARDED_FOR",
}
#: The routing strategies a dispatcher service may use.
DISPATCHER_ROUTING = frozenset(
    {Balancing.LEAST_BUSY, Balancing.ROUND_ROBIN, Balancing.RANDOM, Balancing.MRU}
)


class ServiceSettings(Spec):
    """Limits of a dispatcher service's pool and queue."""

    min_servers: int = Field(0, ge=0, le=1000)
    max_servers: int = Field(4, ge=1, le=1000)
    idle_timeout: float = Field(600, ge=0, description="Seconds before an idle server stops.")
    max_requests: int = Field(0, ge=0, description="Recycle a server after N requests (0: never).")
    start_timeout: float = Field(60, gt=0)
    request_timeout: float = Field(300, gt=0, description="Seconds a program may run.")
    queue_timeout: float = Field(30, gt=0, description="Seconds a request waits for a server.")
    max_queue: int = Field(100, ge=0, description="Requests that may wait; beyond: 503.")
    programs_per_server: int = Field(1, ge=1, le=1000)
    routing: Balancing = Field(
        Balancing.LEAST_BUSY,
        description="How a request picks a server: least_busy, round_robin, random or mru.",
    )
    export: list[str] = Field(
        default_factory=lambda: list(DEFAULT_EXPORT),
        max_length=64,
        description="CGI variables passed to programs (REMOTE_USER, HTTP_USER_AGENT, ...).",
    )
    invalid_session_program: str | None = Field(
        None,
        max_length=200,
        description="library.name run for a request whose _SESSIONID is unknown or expired.",
    )

    @field_validator("routing")
    @classmethod
    def _dispatcher_routing(cls, routing: Balancing) -> Balancing:
        if routing not in DISPATCHER_ROUTING:
            allowed = ", ".join(sorted(DISPATCHER_ROUTING))
            raise ValueError(f"routing {routing.value!r} is not one of {allowed}")
        return routing

    @field_validator("export")
    @classmethod
    def _export_names(cls, export: list[str]) -> list[str]:
        for name in export:
            if name not in EXPORTABLE:
                raise ValueError(f"{name!r} is not an exportable CGI variable")
        return export

    @model_validator(mode="after")
    def _bounds(self) -> ServiceSettings:
        if self.min_servers > self.max_servers:
            raise ValueError("min_servers must not exceed max_servers")
        return self


class ServiceSpec(Spec):
    """A dispatcher service: where ``_SERVICE=name`` requests go."""

    name: str = Field(pattern=_NAME)
    kind: ServiceKind
    description: str = Field("", max_length=500)
    server_definition: str | None = Field(
        None, description="Definition whose servers serve it (pool and launch services)."
    )
    addresses: list[str] = Field(
        default_factory=list, max_length=256, description="host:port of external socket servers."
    )
    settings: ServiceSettings = Field(default_factory=ServiceSettings)
    libraries: list[str] = Field(default_factory=list, description="Program libraries it serves.")
    debug_mask: int = Field(2, ge=0, le=0xFFFF, description="_DEBUG flags callers may use.")
    auth_required: bool = True
    enabled: bool = True

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, addresses: list[str]) -> list[str]:
        for address in addresses:
            if not _ADDRESS.match(address) or not 1 <= int(address.rsplit(":", 1)[1]) <= 65535:
                raise ValueError(f"{address!r} is not host:port")
        return addresses

    @model_validator(mode="after")
    def _consistent(self) -> ServiceSpec:
        if self.kind is not ServiceKind.SOCKET and self.server_definition is None:
            raise ValueError(f"a {self.kind} service needs a server_definition")
        if self.kind is ServiceKind.SOCKET and not (self.addresses or self.server_definition):
            raise ValueError("a socket service needs addresses or a server_definition")
        return self
