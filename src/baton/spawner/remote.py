"""Spawners on other hosts, seen from the control plane.

A host's ``baton spawner`` joins the control plane with its host token and tells it where it
listens and a fresh call secret (:class:`JoinedHosts`); it joins again every ``HEARTBEAT``
seconds, so a restarted control plane learns them back within one heartbeat. The control plane
then gets servers of a definition bound to that host through a :class:`RemoteSpawner`: ``start``
asks the host's spawner for a lease on one of its servers (the host's supervisor starts,
balances and supervises them), ``stop`` gives the lease back.

A definition that runs on several hosts is balanced across them: each ``start`` asks every live
host of the definition for its servers (in parallel, :func:`host_loads`) and picks one by the
definition's balancing, on per-host totals (:func:`pick_host`): ``cost``, the lowest total cost
(each server's clients times ``cost_per_client``, plus ``startup_cost`` while it starts);
``least_busy``, the fewest clients; ``response_time``, the lowest mean of its servers' response
times; ``round_robin`` and ``random``; ``mru`` / ``lru``, the host this control plane leased from
most / least recently. A host that is silent or does not answer is left out; when none is left
the start fails naming the hosts and why.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from baton.errors import SpawnFailed
from baton.protocol.tickets import Ticket
from baton.registry.enums import Balancing
from baton.spawner.base import Spawner, SpawnerState

#: Seconds between two joins of a host's spawner.
HEARTBEAT = 10.0
#: A host not heard from for this many heartbeats is considered gone.
MISSED_HEARTBEATS = 3
#: Seconds between two looks at a leased server's state.
WATCH_INTERVAL = 1.0

_rng = random.Random()


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
        #: Monotonic time this control plane last leased a server from each host.
        self.last_lease: dict[str, float] = {}
        #: The round-robin position per definition.
        self.turns: dict[str, int] = {}
        #: Leases this control plane asked each host for and has not had an answer to yet
        #: (counted as one client each, so that starts at the same moment spread out).
        self.asking: dict[str, int] = {}

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


@dataclass(frozen=True)
class HostLoad:
    """What a host's spawner runs now, in totals over all its servers.

    Attributes:
        name: the host.
        servers: its servers that run or start.
        clients: their clients.
        cost: their total cost.
        response_time: the mean response time of its servers that have one (0: none yet).
    """

    name: str
    servers: int
    clients: int
    cost: int
    response_time: float


async def servers_of(host: JoinedHost, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Every server of ``host``'s spawner, as it reports them (``GET /v1/servers``).

    Raises:
        httpx.HTTPError: it did not answer, or refused.
    """
    headers = {"Authorization": f"Bearer {host.secret}"}
    async with httpx.AsyncClient(headers=headers, timeout=timeout) as client:
        answer = await client.get(f"{host.url}/v1/servers")
    answer.raise_for_status()
    return list(answer.json())


def load_of(name: str, servers: list[dict[str, Any]]) -> HostLoad:
    """The totals of one host's ``servers``."""
    live = [s for s in servers if s.get("state") in ("RUNNING", "STARTING")]
    times = [float(s.get("response_time") or 0.0) for s in live]
    measured = [t for t in times if t > 0]
    return HostLoad(
        name=name,
        servers=len(live),
        clients=sum(int(s.get("clients") or 0) for s in live),
        cost=sum(int(s.get("cost") or 0) for s in live),
        response_time=sum(measured) / len(measured) if measured else 0.0,
    )


async def host_loads(
    hosts: JoinedHosts, names: Sequence[str], *, timeout: float = 5.0
) -> tuple[list[HostLoad], dict[str, str]]:
    """The load of each live host of ``names`` (asked in parallel), and why the others are
    left out."""
    skipped: dict[str, str] = {}
    live: list[JoinedHost] = []
    for name in names:
        try:
            live.append(hosts.get(name))
        except SpawnFailed as exc:
            skipped[name] = exc.detail

    async def one(host: JoinedHost) -> HostLoad | None:
        try:
            return load_of(host.name, await servers_of(host, timeout))
        except (httpx.HTTPError, ValueError) as exc:
            skipped[host.name] = f"its spawner did not answer: {exc}"
            return None

    found = await asyncio.gather(*(one(host) for host in live))
    return [load for load in found if load is not None], skipped


def with_asking(load: HostLoad, asking: int) -> HostLoad:
    """``load`` with ``asking`` leases on their way counted as one client each (at the host's
    cost per client)."""
    if not asking:
        return load
    per_client = max(1, load.cost // load.clients) if load.clients else 1
    return dataclasses.replace(
        load, clients=load.clients + asking, cost=load.cost + asking * per_client
    )


def pick_host(
    loads: Sequence[HostLoad],
    strategy: Balancing,
    *,
    turn: int = 0,
    last_lease: Mapping[str, float] | None = None,
) -> HostLoad | None:
    """The host to start a server on, among ``loads`` (in the definition's order), by the
    definition's balancing on per-host totals; ties go to the earlier host."""
    if not loads:
        return None
    order = {load.name: index for index, load in enumerate(loads)}
    used = last_lease or {}
    if strategy is Balancing.ROUND_ROBIN:
        return loads[turn % len(loads)]
    if strategy is Balancing.RANDOM:
        return _rng.choice(list(loads))
    if strategy is Balancing.MRU:
        return max(loads, key=lambda load: (used.get(load.name, -1.0), -order[load.name]))
    if strategy is Balancing.LRU:
        return min(loads, key=lambda load: (used.get(load.name, -1.0), order[load.name]))
    if strategy is Balancing.COST:
        return min(loads, key=lambda load: (load.cost, load.clients, order[load.name]))
    if strategy is Balancing.RESPONSE_TIME:
        return min(loads, key=lambda load: (load.response_time, order[load.name]))
    return min(loads, key=lambda load: (load.clients, load.servers, order[load.name]))


class RemoteSpawner(Spawner):
    """A server of ``definition`` leased from the spawner of one of ``hosts``.

    Args:
        hosts: the joined hosts.
        candidates: the hosts that run the definition (one is chosen at ``start``).
        definition: the definition.
        client: who the lease is for (shown to that host's operator).
        timeout: seconds the host's spawner may take to answer a lease.
        balancing: how the host is chosen when there are several.
    """

    def __init__(
        self,
        hosts: JoinedHosts,
        candidates: str | Sequence[str],
        definition: str,
        *,
        client: str,
        timeout: float,
        balancing: Balancing = Balancing.LEAST_BUSY,
    ) -> None:
        self._hosts = hosts
        self.candidates = (candidates,) if isinstance(candidates, str) else tuple(candidates)
        self.host = self.candidates[0]
        self.balancing = balancing
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

    async def _choose(self) -> str:
        """The host to lease from (the only one, or the best by per-host totals)."""
        if len(self.candidates) == 1:
            return self.host
        found, skipped = await host_loads(self._hosts, self.candidates)
        # From here on nothing awaits: the leases asked for meanwhile are all counted.
        loads = [with_asking(load, self._hosts.asking.get(load.name, 0)) for load in found]
        turn = self._hosts.turns.get(self.definition, 0)
        self._hosts.turns[self.definition] = turn + 1
        chosen = pick_host(loads, self.balancing, turn=turn, last_lease=self._hosts.last_lease)
        if chosen is None:
            reasons = "; ".join(f"{name}: {why}" for name, why in skipped.items())
            raise SpawnFailed(f"a server of {self.definition!r}", f"no host can run it ({reasons})")
        return chosen.name

    async def start(self) -> str:
        self.host = await self._choose()
        asking = self._hosts.asking
        asking[self.host] = asking.get(self.host, 0) + 1
        what = f"a server of {self.definition!r} on host {self.host!r}"
        try:
            client, url = self._http()
        except SpawnFailed:
            asking[self.host] -= 1
            raise
        async with client:
            try:
                answer = await client.post(
                    f"{url}/v1/leases", json={"definition": self.definition, "client": self.client}
                )
            except httpx.HTTPError as exc:
                raise SpawnFailed(what, f"its spawner did not answer: {exc}") from exc
            finally:
                asking[self.host] -= 1
        if answer.status_code != 201:
            raise SpawnFailed(what, _detail(answer))
        body = answer.json()
        self.lease, self.address, self.pid = body["lease"], body["address"], body.get("pid")
        self._ticket = _ticket_of(body.get("ticket"))
        self._hosts.last_lease[self.host] = time.monotonic()
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
