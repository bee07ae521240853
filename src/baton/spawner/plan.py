"""What the supervisor knows of a server definition, and how one of its servers is launched.

A :class:`ServerPlan` is a frozen copy of a registry definition with its launch account
resolved; the supervisor compares plans to see a definition change (``refresh``). The
:func:`launch_spec` of a plan fills the placeholders of the start command (``{python}``,
``{host}``, ``{port}``, ``{definition}``, ``{token}``) in the argument vector and in the
environment's values: the request never reaches the command, only the definition does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from baton.protocol.tickets import KEY_VARIABLE
from baton.registry.enums import Balancing, ServerKind
from baton.registry.specs import PoolSettings
from baton.spawner.accounts import Account
from baton.spawner.base import LaunchSpec


@dataclass(frozen=True)
class ServerPlan:
    """A definition as the supervisor runs it.

    Attributes:
        definition: the definition's name.
        kind: application, workspace or runner.
        command: the start command (placeholders allowed).
        environment: variables given to the server on top of ``PATH``, ``HOME`` and ``LANG``.
        cwd: the working folder (None: the spawner's state folder).
        account: the OS user its servers run as (None: the spawner's own).
        ports: the inclusive port range its servers use, or None for a port the server picks.
        pool: how many servers, for how long, with how many clients each.
        balancing: how a client picks one of its servers.
        host: the interface servers listen on.
        problem: why no server of it may start (a refused launch account), or "".
        service: the dispatcher service this plan was derived for (:func:`for_service`), or ""
            for the definition's own plan.
    """

    definition: str
    kind: ServerKind
    command: tuple[str, ...]
    environment: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    account: Account | None = None
    ports: tuple[int, int] | None = None
    pool: PoolSettings = field(default_factory=PoolSettings)
    balancing: Balancing = Balancing.LEAST_BUSY
    host: str = "127.0.0.1"
    problem: str = ""
    service: str = ""

    @property
    def key(self) -> str:
        """The supervisor's name for it: the definition's, or ``definition.service`` for a
        plan derived for a service (definition names have no dot, so the two never meet)."""
        return f"{self.definition}.{self.service}" if self.service else self.definition

    def fingerprint(self) -> str:
        """A digest that changes whenever the plan does (kept in the saved state)."""
        text = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def launch_spec(self, server_id: str, *, port: int, token: str, key: str = "") -> LaunchSpec:
        """The launch spec of server ``server_id`` on ``port`` (0: the server picks one); a
        server ``key`` goes in its environment (``BATON_SERVER_KEY``), never on its command line,
        which every local user can read."""
        values = {
            "python": sys.executable,
            "host": self.host,
            "port": str(port),
            "definition": self.definition,
            "token": token,
        }
        home = self.account.home if self.account is not None else os.environ.get("HOME", "/")
        environment = {
            "PATH": os.environ.get("PATH", os.defpath),
            "LANG": "C.UTF-8",
            "HOME": home,
            **{name: fill(value, values) for name, value in self.environment.items()},
        }
        if key:
            environment[KEY_VARIABLE] = key
        return LaunchSpec(
            name=f"server {server_id} of {self.definition}",
            argv=tuple(fill(argument, values) for argument in self.command),
            env=environment,
            cwd=self.cwd,
            start_timeout=self.pool.start_timeout,
            account=self.account,
        )


def for_service(
    plan: ServerPlan, service: str, arguments: tuple[str, ...], max_servers: int, wait: float
) -> ServerPlan:
    """The plan of a dispatcher service's servers, derived from its definition's ``plan``.

    The command gets the service's own ``arguments`` (its libraries, programs per server,
    request timeout). The service's pool decides how many servers it wants, when one is idle
    and when it is recycled; each of its servers is leased to one pool slot at a time, so the
    derived plan keeps no server of its own: no start size, no floor, no idle timeout, no
    recycling, one client per server, at most ``max_servers``, clients waiting up to ``wait``
    seconds for a start.
    """
    pool = plan.pool.model_copy(
        update={
            "start_size": 0,
            "min_available": 0,
            "max_servers": max_servers,
            "max_clients": 1,
            "recycle_after": 0,
            "idle_timeout": 0.0,
            "availability_timeout": wait,
        }
    )
    return dataclasses.replace(
        plan, command=(*plan.command, *arguments), pool=pool, service=service
    )


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{name}`` of ``values`` replaced (other braces stay)."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text
