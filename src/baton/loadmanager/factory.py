"""How a service's servers are started: the argument vectors, through spawners.

- :class:`SupervisedFactory` (pool services, and socket services with a server definition, in
  ``baton serve``): each server is a lease on a server of this host's supervisor, which runs the
  definition's command with the service's arguments under the definition's launch account.
- :class:`ProcessFactory` (the same, where no supervisor runs: ``baton run``): each server is
  ``python -m baton.appserver`` (or the definition's command) as a child process, through a
  :class:`~baton.spawner.local.LocalSpawner`.
- :class:`RemoteFactory` (pool and socket services whose definition is bound to another host):
  each server is a lease on a server of that host's spawner.
- :class:`ZygoteFactory` (launch services): one zygote per service, started through a
  ``LocalSpawner``, forks each request's server (:class:`~baton.spawner.fork.ForkSpawner`).

Either way the command line gets the service's libraries (``--library NAME=FOLDER``), its
``programs_per_server`` and its ``request_timeout``; the environment is ``PATH``, ``HOME``,
``LANG`` and the definition's variables, nothing else of the control plane's.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from baton.registry.enums import Balancing
from baton.spawner.base import LaunchSpec, Spawner
from baton.spawner.fork import ForkSpawner
from baton.spawner.lease import LeaseSpawner
from baton.spawner.local import LocalSpawner
from baton.spawner.plan import fill
from baton.spawner.remote import JoinedHosts, RemoteSpawner
from baton.spawner.service import Derivation, HostSpawner

#: The command of a server when its definition gives none of its own.
DEFAULT_COMMAND = ("{python}", "-m", "baton.appserver", "--listen", "tcp:{host}:{port}")
#: Unix socket paths must stay under ~107 bytes; longer run folders use a short temporary one.
_MAX_SOCKET_DIR = 60


@dataclass(frozen=True)
class ServerRecipe:
    """What a service's servers run.

    Attributes:
        service: the service's name.
        libraries: each program library's name and folder.
        programs: requests one server runs at once.
        timeout: the longest a request may run, in seconds.
        command: the definition's argument vector (placeholders allowed), or the default.
        environment: the definition's environment variables.
        cwd: the definition's working folder, or None.
        definition: the definition's name, or None.
        start_timeout: seconds a server has to start.
        run_dir: the folder for sockets.
        log: a file the servers' standard error is appended to (None: the control plane's).
        host: the host whose spawner runs the definition's servers (None: this one).
        hosts: every host that runs them (``host`` is the first), balanced across.
        balancing: how a host is chosen among ``hosts``.
    """

    service: str
    libraries: Mapping[str, Path]
    programs: int = 1
    timeout: float = 300.0
    command: tuple[str, ...] = DEFAULT_COMMAND
    environment: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    definition: str | None = None
    start_timeout: float = 60.0
    run_dir: Path = Path("run")
    log: Path | None = None
    host: str | None = None
    hosts: tuple[str, ...] = ()
    balancing: Balancing = Balancing.LEAST_BUSY

    def environ(self) -> dict[str, str]:
        """The whole environment of a server."""
        base = {
            "PATH": os.environ.get("PATH", os.defpath),
            "LANG": "C.UTF-8",
            "HOME": os.environ.get("HOME", "/"),
        }
        return {**base, **self.environment}

    def launch_spec(self, name: str, argv: list[str]) -> LaunchSpec:
        """What a spawner starts for ``argv`` under this recipe's environment and folder."""
        return LaunchSpec(
            name=name,
            argv=tuple(argv),
            env=self.environ(),
            cwd=self.cwd,
            start_timeout=self.start_timeout,
        )

    def tail(self) -> list[str]:
        """The arguments every server gets after its command."""
        arguments: list[str] = []
        for name, folder in sorted(self.libraries.items()):
            arguments += ["--library", f"{name}={folder}"]
        return arguments + ["--programs", str(self.programs), "--timeout", f"{self.timeout:g}"]


class ProcessFactory:
    """Servers as child processes, one :class:`LocalSpawner` each."""

    def __init__(self, recipe: ServerRecipe) -> None:
        self.recipe = recipe

    async def open(self) -> None:
        """Nothing to prepare."""

    def spawner(self, server_id: str) -> Spawner:
        """A spawner for the server ``server_id``."""
        recipe = self.recipe
        values = {
            "python": sys.executable,
            "host": "127.0.0.1",
            "port": "0",
            "definition": recipe.definition or "",
            "token": "",
        }
        argv = [fill(argument, values) for argument in recipe.command] + recipe.tail()
        return LocalSpawner(recipe.launch_spec(f"server {server_id}", argv), log=recipe.log)

    async def aclose(self) -> None:
        """Nothing to release."""


class SupervisedFactory:
    """Servers leased from this host's supervisor (see ``spawner/lease.py``).

    Args:
        recipe: what the service's servers run.
        host: this host's spawner.
        max_servers: the service's maximum of servers.
    """

    def __init__(self, recipe: ServerRecipe, host: HostSpawner, max_servers: int) -> None:
        assert recipe.definition is not None
        self.recipe = recipe
        self._host = host
        self._derivation = Derivation(
            definition=recipe.definition,
            service=recipe.service,
            arguments=tuple(recipe.tail()),
            max_servers=max_servers,
            wait=recipe.start_timeout,
        )
        self._key: str | None = None

    async def open(self) -> None:
        """Have the supervisor run the service's plan."""
        self._key = await self._host.attach_service(self._derivation)

    def spawner(self, server_id: str) -> Spawner:
        """A lease on one server of the service's plan."""
        assert self._key is not None, "open() the factory first"
        client = f"service {self.recipe.service} ({server_id})"
        return LeaseSpawner(self._host.supervisor, self._key, client=client)

    async def aclose(self) -> None:
        """The pool no longer needs the plan (its servers stop once every pool let go)."""
        if self._key is not None:
            self._host.detach_service(self._key)
            self._key = None


class RemoteFactory:
    """Servers leased from the spawner of the definition's host (see ``spawner/remote.py``)."""

    def __init__(self, recipe: ServerRecipe, hosts: JoinedHosts) -> None:
        assert recipe.host is not None and recipe.definition is not None
        self.recipe = recipe
        self._hosts = hosts

    async def open(self) -> None:
        """Nothing to prepare: the host's spawner runs the servers."""

    def spawner(self, server_id: str) -> Spawner:
        """A lease on a server of the definition, from its host's spawner."""
        recipe = self.recipe
        assert recipe.host is not None and recipe.definition is not None
        return RemoteSpawner(
            self._hosts,
            recipe.hosts or recipe.host,
            recipe.definition,
            client=f"service {recipe.service} ({server_id})",
            timeout=recipe.start_timeout,
            balancing=recipe.balancing,
        )

    async def aclose(self) -> None:
        """Nothing to release (each lease is given back when its server stops)."""


class ZygoteFactory:
    """Launch servers forked by the service's zygote (started on :meth:`open`)."""

    def __init__(self, recipe: ServerRecipe) -> None:
        self.recipe = recipe
        self._zygote: LocalSpawner | None = None
        self._folder: Path | None = None
        self._temporary = False
        self.control: Path | None = None

    async def open(self) -> None:
        """Start the zygote; returns once it listens."""
        recipe = self.recipe
        recipe.run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder = recipe.run_dir.resolve() / f"{recipe.service}.d"
        if len(str(folder)) > _MAX_SOCKET_DIR:
            self._folder, self._temporary = Path(tempfile.mkdtemp(prefix="baton-")), True
        else:
            self._folder = folder
        self.control = self._folder / "zygote"
        argv = [sys.executable, "-m", "baton.appserver.zygote", "--control", str(self.control)]
        argv += ["--sockets", str(self._folder / "s"), *recipe.tail()]
        spec = recipe.launch_spec(f"zygote of {recipe.service}", argv)
        self._folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._zygote = LocalSpawner(spec, log=recipe.log)
        await self._zygote.start()

    def spawner(self, server_id: str) -> Spawner:
        """A spawner that has the zygote fork the server ``server_id``."""
        assert self.control is not None, "open() the factory first"
        return ForkSpawner(self.control, start_timeout=self.recipe.start_timeout)

    async def aclose(self) -> None:
        """Stop the zygote (and the servers it still has)."""
        if self._zygote is not None:
            await self._zygote.stop(grace=5.0)
            self._zygote = None
        if self._temporary and self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
