"""``ServerHandle.connection()`` opens with the HELLO its spawner's ticket makes (a real server
started with a key), and a refused connection is a clear error."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.api.errors import status_of
from baton.errors import ConnectionRefusedByServer, ServerLost
from baton.loadmanager.connection import REUSABLE_CODES, ServerConnection, error_of
from baton.loadmanager.server import ServerHandle
from baton.protocol import frames
from baton.protocol.frames import ErrorCode
from baton.protocol.tickets import KEY_VARIABLE, Ticket, hello_for, lease_secret, new_key
from baton.spawner.stub import StubSpawner
from tests.appserver.serverprocess import PATIENCE, ServerProcess, body

pytestmark = pytest.mark.anyio


class TicketSpawner(StubSpawner):
    """A stub spawner that holds a lease on its server: ``ticket()`` returns ``held``."""

    def __init__(self, address: str, held: Ticket | None) -> None:
        super().__init__(address)
        self.held = held
        self.asked = 0

    async def ticket(self) -> Ticket | None:
        self.asked += 1
        return self.held


@pytest.fixture
def key() -> str:
    return new_key()


@pytest.fixture
def keyed(library: Path, tmp_path: Path, key: str) -> Iterator[ServerProcess]:
    """A real server of the ``t`` library, started with ``key``."""
    process = ServerProcess.start(library, tmp_path / "keyed.log", env={KEY_VARIABLE: key})
    try:
        yield process
    finally:
        process.stop()


def ticket(key: str, lease: str = "lease-1") -> Ticket:
    expires = int(time.time() + 600)
    return Ticket(lease, expires, lease_secret(key, lease, expires))


async def run(connection: ServerConnection, program: str) -> list[frames.Frame]:
    """Send a REQUEST for ``program``; every frame of its answer."""
    await connection.send(frames.Request("r1", program, deadline=PATIENCE))
    answer = [await connection.receive()]
    while not isinstance(answer[-1], frames.End | frames.Error):
        answer.append(await connection.receive())
    return answer


async def test_a_new_connection_opens_with_the_spawners_ticket(
    keyed: ServerProcess, key: str
) -> None:
    spawner = TicketSpawner(keyed.address, ticket(key))
    server = ServerHandle("svc#1", 1, spawner=spawner, address=keyed.address)

    connection = await server.connection()
    try:
        answer = await run(connection, "t.pid")
    finally:
        await server.give_back(connection, reusable=True)
    again = await server.connection()  # the idle one: no new ticket asked
    try:
        assert again is connection
        assert await again.ping(PATIENCE)
    finally:
        await server.close_connections()
        await again.aclose()

    assert isinstance(answer[-1], frames.End)
    assert f'"pid": {keyed.process.pid}' in body(answer).decode()
    assert spawner.asked == 1


async def test_a_connection_without_a_ticket_is_refused_with_a_clear_error(
    keyed: ServerProcess,
) -> None:
    server = ServerHandle("svc#1", 1, spawner=TicketSpawner(keyed.address, None))
    server.address = keyed.address

    connection = await server.connection()
    try:
        answer = await run(connection, "t.pid")
    finally:
        await connection.aclose()

    assert answer == [
        frames.Error(ErrorCode.REFUSED, "the connection must open with a HELLO frame, not REQUEST")
    ]
    error = error_of(answer[0], program="t.pid", service="svc", timeout=PATIENCE)
    assert isinstance(error, ConnectionRefusedByServer) and isinstance(error, ServerLost)
    assert error.detail == (
        "the server for 't.pid' refused the connection: "
        "the connection must open with a HELLO frame, not REQUEST"
    )
    assert error.reason == "the connection must open with a HELLO frame, not REQUEST"
    assert status_of(error) == 502
    assert ErrorCode.REFUSED not in REUSABLE_CODES


async def test_another_servers_ticket_is_refused(keyed: ServerProcess) -> None:
    connection = await ServerConnection.open(
        keyed.address, hello=hello_for(ticket(new_key(), "elsewhere"))
    )
    try:
        answer = await run(connection, "t.pid")
    finally:
        await connection.aclose()

    assert isinstance(answer[-1], frames.Error)
    error = error_of(answer[-1], program="t.pid", service="svc", timeout=PATIENCE)
    assert isinstance(error, ConnectionRefusedByServer)
    assert "not valid for this server" in error.detail


async def test_a_server_without_a_key_serves_a_connection_with_a_ticket(
    library: Path, tmp_path: Path
) -> None:
    process = ServerProcess.start(library, tmp_path / "plain.log")
    try:
        spawner = TicketSpawner(process.address, ticket(new_key()))
        server = ServerHandle("svc#1", 1, spawner=spawner, address=process.address)
        connection = await server.connection()
        try:
            answer = await run(connection, "t.pid")
        finally:
            await connection.aclose()
    finally:
        process.stop()

    assert isinstance(answer[-1], frames.End)
