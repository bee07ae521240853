"""Spawners on other hosts, seen from the control plane.

A host's ``baton spawner`` joins the control plane with its host token and tells it where it
listens and a fresh call secret (:class:`JoinedHosts`); it joins again every ``HEARTBEAT``
seconds, so a restarted control plane learns them back within one heartbeat. The control plane
then gets servers of a definition bound to that host through a :class:`RemoteSpawner`: ``start``
asks the host's spawner for a lease on one of its servers (the host's supervisor starts,
balances and supervises them), ``stop`` gives the lease back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import httpx

from baton.errors import SpawnFailed
from baton.protocol.tickets import Ticket
from baton.spawner.base import Spawner, SpawnerState

#: Seconds between two joins of a host's spawner.
HEARTBEAT = 10.0
#: A host not heard from for this many heartbeats is considered gone.
MISSED_HEARTBEATS = 3
#: Seconds between two looks at a leased server's state.
WATCH_INTERVAL = 1.0


@dataclass(frozen=True)
class JoinedHost:
    """A host's spawner as it last joined.

    Attributes:
        name: the host's registry name.
        url: where its spawner listens (``http://host:port``).
        secret: the bearer secret the control plane calls it with.
        seen: monotonic time of its last join.
    """

    name: str
    url: str
    secret: str
    seen: float


class JoinedHosts:
    """The host spawners that joined this control plane."""

    def __init__(self) -> None:
        self._hosts: dict[str, JoinedHost] = {}

    def join(self, name: str, url: str, secret: str) -> JoinedHost:
        """Record (again) that ``name``'s spawner listens at ``url``."""
        host = JoinedHost(name, url, secret, time.monotonic())
        self._hosts[name] = host
        return host

    def get(self, name: str) -> JoinedHost:
        """The live spawner of host ``name``.

        Raises:
            SpawnFailed: it never joined, or has not been heard from for a while.
        """
        host = self._hosts.get(name)
        if host is None:
            raise SpawnFailed(f"host {name!r}", "its spawner has not joined the control plane")
        silent = time.monotonic() - host.seen
        if silent > HEARTBEAT * MISSED_HEARTBEATS:
            raise SpawnFailed(f"host {name!r}", f"its spawner is silent for {silent:.0f} s")
        return host

    def all(self) -> list[JoinedHost]:
        """Every host that joined, by name."""
        return [self._hosts[name] for name in sorted(self._hosts)]


class RemoteSpawner(Spawner):
    """A server of ``definition`` leased from ``host``'s spawner.

    Args:
        hosts: the joined hosts.
        host: the host's name.
        definition: the definition bound to that host.
        client: who the lease is for (shown to that host's operator).
        timeout: seconds the host's spawner may take to answer a lease.
    """

    def __init__(
        self, hosts: JoinedHosts, host: str, definition: str, *, client: str, timeout: float
    ) -> None:
        self._hosts = hosts
        self.host = host
        self.definition = definition
        self.client = client
        self.timeout = timeout
        self.lease: str | None = None
        self.address: str | None = None
        self._ticket: Ticket | None = None
        self._status: int | None = None
        self._watch: asyncio.Task[None] | None = None

    def _http(self) -> tuple[httpx.AsyncClient, str]:
        host = self._hosts.get(self.host)
        headers = {"Authorization": f"Bearer {host.secret}"}
        return httpx.AsyncClient(headers=headers, timeout=self.timeout), host.url

    async def start(self) -> str:
        what = f"a server of {self.definition!r} on host {self.host!r}"
        client, url = self._http()
        async with client:
            try:
                answer = await client.post(
                    f"{url}/v1/leases", json={"definition": self.definition, "client": self.client}
                )
            except httpx.HTTPError as exc:
                raise SpawnFailed(what, f"its spawner did not answer: {exc}") from exc
        if answer.status_code != 201:
            raise SpawnFailed(what, _detail(answer))
        body = answer.json()
        self.lease, self.address, self.pid = body["lease"], body["address"], body.get("pid")
        self._ticket = _ticket_of(body.get("ticket"))
        self._watch = asyncio.create_task(self._watching())
        assert self.address is not None
        return self.address

    async def _watching(self) -> None:
        """Follow the leased server: its end is this spawner's exit status."""
        while self._status is None:
            await asyncio.sleep(WATCH_INTERVAL)
            with contextlib.suppress(httpx.HTTPError, SpawnFailed):
                client, url = self._http()
                async with client:
                    answer = await client.get(f"{url}/v1/leases/{self.lease}")
                if answer.status_code == 404:
                    self._status = 0  # the server went: the host's supervisor replaces it
                elif answer.status_code == 200 and answer.json().get("state") != "RUNNING":
                    self._status = 0

    def poll(self) -> int | None:
        return self._status

    async def ticket(self) -> Ticket | None:
        if self._ticket is None or not self._ticket.expiring() or self._status is not None:
            return self._ticket
        with contextlib.suppress(httpx.HTTPError, SpawnFailed, ValueError):
            client, url = self._http()
            async with client:
                answer = await client.post(f"{url}/v1/leases/{self.lease}/ticket")
            if answer.status_code == 200:
                self._ticket = _ticket_of(answer.json()) or self._ticket
        return self._ticket

    async def stop(self, grace: float = 10.0) -> int | None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
            self._watch = None
        if self.lease is not None and self._status is None:
            with contextlib.suppress(httpx.HTTPError, SpawnFailed):
                client, url = self._http()
                async with client:
                    await client.delete(f"{url}/v1/leases/{self.lease}")
        self._status = 0 if self._status is None else self._status
        return self._status

    def get_state(self) -> SpawnerState:
        return {"host": self.host, "lease": self.lease, "address": self.address, "pid": self.pid}

    def load_state(self, state: SpawnerState) -> None:
        lease, address, pid = state.get("lease"), state.get("address"), state.get("pid")
        self.lease = lease if isinstance(lease, str) else None
        self.address = address if isinstance(address, str) else None
        self.pid = pid if isinstance(pid, int) else None


def _ticket_of(body: object) -> Ticket | None:
    """The ticket of a daemon's answer (None when its server asks for none)."""
    if not isinstance(body, dict):
        return None
    return Ticket(str(body["lease"]), int(body["expires"]), str(body["secret"]))


def _detail(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("detail", answer.text))
    except ValueError:
        return f"HTTP {answer.status_code}"
