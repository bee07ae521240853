"""The spawner interface: one object per server process, whatever starts it.

A spawner is created for one server (a :class:`LaunchSpec`), then driven in this order:
``start()`` once, ``poll()`` any number of times, ``stop()`` once or more. ``get_state()`` and
``load_state()`` let a restarted supervisor re-adopt a process it started before (the spawner
issue builds on that). Every backend passes the same conformance test
(``tests/spawner/test_conformance.py``).
"""

from __future__ import annotations

import shutil
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from baton.errors import SpawnFailed
from baton.protocol.tickets import Ticket
from baton.spawner.accounts import Account

#: The JSON-compatible state a spawner saves and re-loads.
SpawnerState = dict[str, str | int | None]


@dataclass(frozen=True)
class LaunchSpec:
    """What to start, as an argument vector (never a shell string).

    Attributes:
        name: how messages name the server (``"pool default #3"``).
        argv: the program and its arguments; ``argv[0]`` is looked up on ``PATH``.
        env: the whole environment of the process (nothing else is inherited).
        cwd: its working directory, or None for the spawner's.
        start_timeout: seconds it has to say that it listens.
        account: the OS user it runs as (None: the spawner's own).
    """

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    start_timeout: float = 60.0
    account: Account | None = None

    def executable(self) -> str:
        """The path of ``argv[0]``, looked up on the spec's own ``PATH``.

        Raises:
            SpawnFailed: there is no such executable.
        """
        found = shutil.which(self.argv[0], path=self.env.get("PATH"))
        if found is None:
            raise SpawnFailed(self.name, f"{self.argv[0]!r} is not an executable")
        return found

    def process_options(self) -> dict[str, object]:
        """Keyword arguments that start the child as :attr:`account` (none for the spawner's)."""
        return self.account.process_options() if self.account is not None else {}


class Spawner(ABC):
    """Starts, watches and stops one server process.

    The contract every backend keeps:

    - ``start()`` is called once. It returns the address the server listens on
      (``tcp:HOST:PORT`` or ``unix:PATH``) once the server is ready to accept connections. It
      raises :class:`~baton.errors.SpawnTimeout` when the server is not ready within the
      spec's ``start_timeout`` and :class:`~baton.errors.SpawnFailed` when it exits or cannot be
      executed; in both cases no process is left behind. Cancelling ``start()`` kills what it
      started.
    - ``poll()`` returns None while the process runs, else its exit status (negative: killed
      by that signal); it never blocks.
    - ``stop(grace)`` asks the process to end (SIGTERM), kills it (SIGKILL) after ``grace``
      seconds, and returns its exit status once it is gone (reaped). It is idempotent: calling
      it again, or on a process that already ended, returns the same status at once.
    - ``get_state()`` returns what ``load_state()`` needs to re-adopt the running process from a
      new spawner object (a JSON-compatible dict); ``load_state()`` is called instead of
      ``start()``.
    """

    #: The process id once started (None before ``start()``, or when unknown).
    pid: int | None = None

    @abstractmethod
    async def start(self) -> str:
        """Start the server; its address once it listens."""

    @abstractmethod
    def poll(self) -> int | None:
        """None while the process runs, else its exit status."""

    @abstractmethod
    async def stop(self, grace: float = 10.0) -> int | None:
        """End the process (SIGTERM, then SIGKILL after ``grace`` s); its exit status."""

    @abstractmethod
    def get_state(self) -> SpawnerState:
        """What a new spawner needs to re-adopt this process."""

    @abstractmethod
    def load_state(self, state: SpawnerState) -> None:
        """Re-adopt the process described by ``state`` (instead of ``start()``)."""

    async def ticket(self) -> Ticket | None:
        """What a connection to the server proves it may connect with (a HELLO frame is built
        from it), or None when the server asks for nothing (it was started without a key).

        Servers of a supervised definition are started with a key: a client gets a ticket with
        its lease, valid until the ticket's ``expires``; this method renews it when it is close
        to expiring.
        """
        return None
