"""Sessions on a real application server: created, continued, refused, expired, deleted."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.protocol import frames
from tests.appserver.serverprocess import ServerProcess, body, executable, wait_for_async

pytestmark = pytest.mark.anyio

COUNTER = """
    from baton import program

    session = program.session
    if "mark" in program.params:  # proves the program ran
        open(program.params["mark"], "w").close()
    if "create" in program.params:
        session.create(float(program.params["create"]))
    if "delete" in program.params:
        session.delete()
    if session.active:
        session["count"] = session.get("count", 0) + 1
        program.webout.write(f"count={session['count']} id={session.id} url={session.url}")
    else:
        program.webout.write("no session")
    if "fail" in program.params:
        raise ValueError("after the session was created")
"""

NO_SESSION = """
    from baton import program
    try:
        program.session["x"] = 1
    except RuntimeError as exc:
        program.webout.write(str(exc))
"""

SCRIPT = """#!/bin/sh
    echo "session=${BATON_SESSION_ID:-none} field=${BATON_FIELD__SESSIONID:-none}"
"""


@pytest.fixture
def session_library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "counter.py").write_text(textwrap.dedent(COUNTER))
    (folder / "nosession.py").write_text(textwrap.dedent(NO_SESSION))
    executable(folder / "script", textwrap.dedent(SCRIPT).lstrip())
    return folder


@pytest.fixture
def server(session_library: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess.start(
        session_library, tmp_path / "server.log", "tcp:127.0.0.1:0", "--programs", "2"
    )
    try:
        yield process
    finally:
        process.stop()


async def ask(
    server: ServerProcess,
    *fields: tuple[str, str],
    program: str = "t.counter",
    user: str | None = "ada",
    session_id: str | None = None,
    env: dict[str, str] | None = None,
) -> list[frames.Frame]:
    """One request on a new connection."""
    client = await server.connect()
    try:
        return await client.request(program, *fields, user=user, session_id=session_id, env=env)
    finally:
        await client.aclose()


async def create(server: ServerProcess, timeout: str = "900", user: str | None = "ada") -> str:
    answer = await ask(server, ("create", timeout), user=user)
    end = answer[-1]
    assert isinstance(end, frames.End) and end.session_created and end.session_id is not None
    return end.session_id


async def sessions(server: ServerProcess) -> int:
    client = await server.connect()
    try:
        return (await client.status()).sessions
    finally:
        await client.aclose()


def refused(answer: list[frames.Frame]) -> bool:
    return len(answer) == 1 and answer[0] == frames.Error(
        "session_not_found", "the session has expired or does not exist"
    )


async def test_a_session_continues_on_a_new_connection(server: ServerProcess) -> None:
    first = await ask(server, ("create", "900"))
    end = first[-1]
    assert isinstance(end, frames.End)
    assert end.session_created and not end.session_deleted
    session_id = end.session_id
    assert session_id is not None and len(session_id) == 32  # token_urlsafe(24)
    assert body(first).startswith(f"count=1 id={session_id} ".encode())
    second = await ask(server, session_id=session_id)
    assert body(second).startswith(b"count=2 ")
    end = second[-1]
    assert isinstance(end, frames.End) and end.session_id == session_id
    assert not end.session_created and not end.session_deleted
    assert await sessions(server) == 1


async def test_create_in_a_live_session_keeps_its_id(server: ServerProcess) -> None:
    session_id = await create(server)
    again = await ask(server, ("create", "60"), session_id=session_id)
    end = again[-1]
    assert isinstance(end, frames.End) and end.session_id == session_id
    assert not end.session_created and body(again).startswith(b"count=2 ")
    assert await sessions(server) == 1


@pytest.mark.parametrize("user", ["bob", None])
async def test_another_user_is_refused_before_the_program_runs(
    server: ServerProcess, tmp_path: Path, user: str | None
) -> None:
    session_id = await create(server, user="ada")
    mark = tmp_path / "ran"
    answer = await ask(server, ("mark", str(mark)), user=user, session_id=session_id)
    assert refused(answer)
    assert not mark.exists()
    owner = await ask(server, ("mark", str(mark)), user="ada", session_id=session_id)
    assert body(owner).startswith(b"count=2 ") and mark.exists()


async def test_an_unknown_session_is_refused(server: ServerProcess, tmp_path: Path) -> None:
    mark = tmp_path / "ran"
    assert refused(await ask(server, ("mark", str(mark)), session_id="no-such-session"))
    assert not mark.exists()


async def test_an_idle_session_expires(server: ServerProcess) -> None:
    session_id = await create(server, timeout="0.5")
    assert await sessions(server) == 1

    async def expired() -> bool:  # a request would slide the expiry: poll STATUS instead
        return await sessions(server) == 0

    await wait_for_async(expired, "the session to expire")
    assert refused(await ask(server, session_id=session_id))


async def test_delete_ends_the_session(server: ServerProcess) -> None:
    session_id = await create(server)
    answer = await ask(server, ("delete", "1"), session_id=session_id)
    assert body(answer) == b"no session"
    end = answer[-1]
    assert isinstance(end, frames.End)
    assert end.session_id is None and end.session_deleted and not end.session_created
    assert refused(await ask(server, session_id=session_id))
    assert await sessions(server) == 0


async def test_session_url(server: ServerProcess) -> None:
    fields = (("create", "900"), ("_SERVICE", "sales & co"))
    env = {"SCRIPT_NAME": "/cgi-bin/broker"}
    answer = await ask(server, *fields, env=env)
    end = answer[-1]
    assert isinstance(end, frames.End) and end.session_id is not None
    url = f"/cgi-bin/broker?_SERVICE=sales+%26+co&_SESSIONID={end.session_id}"
    assert body(answer).decode().endswith(f" url={url}")
    default = await ask(server, session_id=end.session_id)
    assert body(default).decode().endswith(f" url=/broker?_SESSIONID={end.session_id}")


async def test_status_counts_live_sessions(server: ServerProcess) -> None:
    assert await sessions(server) == 0
    await create(server, user="ada")
    await create(server, user=None)
    assert await sessions(server) == 2


async def test_the_dict_needs_a_session(server: ServerProcess) -> None:
    answer = await ask(server, program="t.nosession")
    assert body(answer) == b"no session: call session.create() first"


async def test_a_failing_program_keeps_the_session_it_created(server: ServerProcess) -> None:
    answer = await ask(server, ("create", "900"), ("fail", "1"))
    assert isinstance(answer[-1], frames.Error) and answer[-1].code == "program_failed"
    assert await sessions(server) == 1


async def test_an_executable_is_reached_but_does_not_see_the_session(
    server: ServerProcess,
) -> None:
    session_id = await create(server)
    answer = await ask(server, program="t.script", session_id=session_id)
    assert body(answer) == b"session=none field=none\n"
    end = answer[-1]
    assert isinstance(end, frames.End) and end.session_id == session_id
    assert refused(await ask(server, program="t.script", session_id="unknown"))
