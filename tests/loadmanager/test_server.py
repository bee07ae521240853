"""``ServerHandle``: slots and the state they imply (no processes)."""

from __future__ import annotations

import pytest

from baton.loadmanager.server import ServerHandle
from baton.loadmanager.states import InvalidServerTransition, ServerState
from baton.spawner.stub import StubSpawner


def test_a_spawned_server_starts_starting_and_an_external_one_idle() -> None:
    assert (
        ServerHandle("s#1", 1, spawner=StubSpawner("tcp:127.0.0.1:9")).state is ServerState.STARTING
    )
    assert ServerHandle("s@1", 1, address="tcp:127.0.0.1:9").state is ServerState.IDLE


def test_taking_the_last_slot_makes_it_busy_and_freeing_one_idle_again() -> None:
    server = ServerHandle("s@1", 2, address="tcp:127.0.0.1:9")
    server.reserve()
    assert server.state is ServerState.IDLE and server.active == 1
    server.reserve()
    assert server.state is ServerState.BUSY and server.active == 2
    server.free()
    assert server.state is ServerState.IDLE and (server.active, server.served) == (1, 1)


def test_a_draining_server_stays_draining_when_its_slots_free() -> None:
    server = ServerHandle("s@1", 1, address="tcp:127.0.0.1:9")
    server.reserve()
    server.set_state(ServerState.DRAINING)
    server.free()
    assert server.state is ServerState.DRAINING
    with pytest.raises(InvalidServerTransition):
        server.set_state(ServerState.IDLE)


def test_a_launch_server_is_fresh_until_it_served() -> None:
    server = ServerHandle("s#1", 1, address="unix:/x", single_use=True)
    assert server.fresh
    server.reserve()
    assert not server.fresh
    server.free()
    assert not server.fresh
