"""A real server started with a key: connections must open with a valid HELLO."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.appserver.config import take_key
from baton.errors import ProtocolError
from baton.protocol import frames
from baton.protocol.frames import ErrorCode
from baton.protocol.tickets import KEY_VARIABLE, Ticket, hello_for, lease_secret, new_key
from tests.appserver.serverprocess import Client, ServerProcess, body, executable

pytestmark = pytest.mark.anyio

#: What a program sees of the key.
ENVIRON = """
    import os
    def main() -> dict[str, object]:
        return {"key": os.environ.get("BATON_SERVER_KEY"), "path": "PATH" in os.environ}
"""
ENVIRON_SCRIPT = """#!/bin/sh
    echo "key=${BATON_SERVER_KEY-unset}"
"""
NOT_VALID = "the connection's ticket is not valid for this server"


@pytest.fixture
def key() -> str:
    return new_key()


@pytest.fixture
def keyed(library: Path, tmp_path: Path, key: str) -> Iterator[ServerProcess]:
    """A server with two program slots, started with ``key`` in its environment."""
    (library / "environ.py").write_text(textwrap.dedent(ENVIRON))
    executable(library / "environ_script", textwrap.dedent(ENVIRON_SCRIPT).lstrip())
    process = ServerProcess.start(
        library,
        tmp_path / "keyed.log",
        "tcp:127.0.0.1:0",
        "--programs",
        "2",
        env={KEY_VARIABLE: key},
    )
    try:
        yield process
    finally:
        process.stop()


def ticket(key: str, *, lease: str = "lease-1", lifetime: float = 600.0) -> Ticket:
    """A ticket of ``lease`` on the server whose key is ``key``."""
    expires = int(time.time() + lifetime)
    return Ticket(lease, expires, lease_secret(key, lease, expires))


async def closed(client: Client) -> bool:
    """Whether the server closed the connection (cleanly, or by resetting it)."""
    try:
        return await client.receive() is None
    except ProtocolError:
        return True


async def refusal(server: ServerProcess, *opening: frames.Frame) -> frames.Frame | None:
    """What the server answers a connection that opens with ``opening``; checks it closes."""
    client = await server.connect()
    try:
        await client.writer.send(*opening)
        answer = await client.receive()
        assert await closed(client)
    finally:
        await client.aclose()
    return answer


async def greeting(server: ServerProcess, hello: frames.Hello | None) -> dict[str, object]:
    """``t.hello``'s answer on a new connection opened with ``hello``."""
    client = await server.connect()
    try:
        if hello is not None:
            await client.send(hello)
        answer = await client.run("t.hello", ("name", "Ada"))
    finally:
        await client.aclose()
    assert isinstance(answer[-1], frames.End), answer
    result: dict[str, object] = json.loads(body(answer))
    return result


@pytest.mark.parametrize(
    "opening",
    [frames.Request("r1", "t.hello"), frames.Ping(), frames.Status()],
    ids=lambda frame: frame.kind.value,
)
async def test_a_connection_without_hello_is_refused_and_the_server_goes_on(
    keyed: ServerProcess, key: str, opening: frames.Frame
) -> None:
    answer = await refusal(keyed, opening)

    message = f"the connection must open with a HELLO frame, not {opening.kind.value}"
    assert answer == frames.Error(ErrorCode.REFUSED, message)
    assert await greeting(keyed, hello_for(ticket(key))) == {"greeting": "Hello, Ada!"}


async def test_a_valid_hello_opens_a_connection_for_requests_ping_and_status(
    keyed: ServerProcess, key: str
) -> None:
    client = await keyed.connect()
    try:
        # Pipelined: the REQUEST follows the HELLO without waiting for anything.
        await client.writer.send(hello_for(ticket(key)), frames.Request("r1", "t.hello"))
        answer = await client.until_final()
        await client.ping()
        assert (await client.status()).served == 1
        second = await client.run("t.hello", ("name", "Bob"))
    finally:
        await client.aclose()

    assert isinstance(answer[-1], frames.End)
    assert json.loads(body(answer)) == {"greeting": "Hello, world!"}
    assert json.loads(body(second)) == {"greeting": "Hello, Bob!"}


async def test_a_replayed_hello_is_refused(keyed: ServerProcess, key: str) -> None:
    hello = hello_for(ticket(key))
    await greeting(keyed, hello)

    answer = await refusal(keyed, hello, frames.Request("r1", "t.hello"))

    assert answer == frames.Error(ErrorCode.REFUSED, "this HELLO was already used (a replay)")


async def test_an_expired_ticket_is_refused(keyed: ServerProcess, key: str) -> None:
    answer = await refusal(keyed, hello_for(ticket(key, lifetime=-5)))

    message = "the lease lease-1 expired; ask the spawner for a new one"
    assert answer == frames.Error(ErrorCode.REFUSED, message)


async def test_a_ticket_for_another_server_is_refused(keyed: ServerProcess) -> None:
    answer = await refusal(keyed, hello_for(ticket(new_key())), frames.Ping())

    assert answer == frames.Error(ErrorCode.REFUSED, NOT_VALID)


async def test_a_hello_after_the_first_frame_is_out_of_turn(keyed: ServerProcess, key: str) -> None:
    held = ticket(key)
    client = await keyed.connect()
    try:
        await client.writer.send(hello_for(held), frames.Ping(), hello_for(held))
        answers = [await client.receive(), await client.receive()]
        assert await closed(client)
    finally:
        await client.aclose()

    message = "a HELLO frame is unexpected from a broker"
    assert answers == [frames.Pong(), frames.Error(ErrorCode.UNEXPECTED_FRAME, message)]


async def test_a_malformed_first_frame_is_a_protocol_error_as_before(keyed: ServerProcess) -> None:
    client = await keyed.connect()
    try:
        client.raw_writer.write(b"\x00\x00\x00\x01\xc1")
        answer = await client.receive()
        assert await closed(client)
    finally:
        await client.aclose()

    assert isinstance(answer, frames.Error)
    assert answer.code == ErrorCode.MALFORMED_FRAME


async def test_programs_never_see_the_key(keyed: ServerProcess, key: str) -> None:
    assert await greeting_of(keyed, key, "t.environ") == b'{"key": null, "path": true}'
    assert await greeting_of(keyed, key, "t.environ_script") == b"key=unset\n"
    assert key not in keyed.log.read_text()


async def greeting_of(server: ServerProcess, key: str, program: str) -> bytes:
    """The body ``program`` answers on a connection opened with a valid HELLO."""
    client = await server.connect()
    try:
        await client.send(hello_for(ticket(key)))
        answer = await client.run(program)
    finally:
        await client.aclose()
    assert isinstance(answer[-1], frames.End), answer
    return body(answer)


async def test_a_server_without_a_key_takes_a_hello_as_a_no_op(server: ServerProcess) -> None:
    assert await greeting(server, hello_for(ticket(new_key()))) == {"greeting": "Hello, Ada!"}
    assert await greeting(server, None) == {"greeting": "Hello, Ada!"}


async def test_an_empty_key_is_no_key(library: Path, tmp_path: Path) -> None:
    server = ServerProcess.start(library, tmp_path / "s.log", env={KEY_VARIABLE: ""})
    try:
        assert await greeting(server, None) == {"greeting": "Hello, Ada!"}
    finally:
        server.stop()


def test_the_key_is_taken_out_of_the_environment() -> None:
    environ = {KEY_VARIABLE: "k3y", "PATH": "/bin"}
    empty = {KEY_VARIABLE: ""}

    assert take_key(environ) == "k3y"
    assert environ == {"PATH": "/bin"}
    assert take_key(empty) is None and empty == {}
    assert take_key({}) is None
