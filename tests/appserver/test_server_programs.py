"""Programs served by a real application server: typed main(), module bodies, executables."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from baton.protocol import frames
from tests.appserver.serverprocess import ServerProcess, body, pid_gone, wait_for, wait_for_async

pytestmark = pytest.mark.anyio


async def test_typed_main_returns_json(server: ServerProcess) -> None:
    client = await server.connect()
    try:
        answer = await client.run("t.hello", ("name", "Ada"), ("times", "2"))
    finally:
        await client.aclose()
    head, end = answer[0], answer[-1]
    assert head == frames.Head(200, (("Content-Type", "application/json"),))
    assert json.loads(body(answer)) == {"greeting": "Hello, Ada! Hello, Ada!"}
    assert isinstance(end, frames.End) and end.status == 200
    assert set(end.timings) == {"queued", "run"}


async def test_module_body_writes_html_with_headers_and_log(server: ServerProcess) -> None:
    client = await server.connect()
    try:
        answer = await client.run("t.page", ("title", "Sales"))
    finally:
        await client.aclose()
    assert answer[0] == frames.Head(
        200, (("Content-Type", "text/html; charset=utf-8"), ("X-Page", "yes"))
    )
    assert body(answer) == b"<h1>Sales</h1>\n<p>bytes too</p>\n"
    end = answer[-1]
    assert isinstance(end, frames.End) and end.log == ("INFO wrote the page",)


async def test_repeated_fields_keep_every_value(server: ServerProcess) -> None:
    client = await server.connect()
    try:
        answer = await client.run("t.tags", ("tag", "a"), ("other", "x"), ("tag", "b"))
    finally:
        await client.aclose()
    assert answer[0] == frames.Head(200, (("Content-Type", "text/plain"),))
    assert body(answer) == b"a,b"


async def test_output_streams_before_the_program_ends(
    server: ServerProcess, tmp_path: Path
) -> None:
    client = await server.connect()
    try:
        fields = (("folder", str(tmp_path)), ("name", "s"))
        await client.send(frames.Request("r1", "t.gated", fields=fields))
        assert isinstance(await client.receive(), frames.Head)
        assert await client.receive() == frames.Data(b"first line\n")  # the program still waits
        (tmp_path / "gate-s").touch()
        rest = await client.until_final()
    finally:
        await client.aclose()
    assert rest[0] == frames.Data(b"second line s\n")
    assert isinstance(rest[-1], frames.End)


async def test_bad_typed_input_names_the_field(server: ServerProcess) -> None:
    client = await server.connect()
    try:
        answer = await client.run("t.hello", ("times", "many"))
    finally:
        await client.aclose()
    assert len(answer) == 1 and isinstance(answer[0], frames.Error)
    assert answer[0].code == "bad_input"
    assert answer[0].message.startswith("times: expected an integer")


@pytest.mark.parametrize(
    "program",
    [
        "../library/hello",
        "t/hello",
        "t.%2e%2e",
        "t.hello\0",
        "/etc/passwd",
        "t..hello",
        "x.hello",
        "t.nothing",
        "t.hello.sh",
        "T.hello",
    ],
)
async def test_path_tricks_are_not_found(server: ServerProcess, program: str) -> None:
    client = await server.connect()
    try:
        answer = await client.run(program)
        await client.ping()  # the connection is reusable
    finally:
        await client.aclose()
    assert len(answer) == 1 and isinstance(answer[0], frames.Error)
    assert answer[0].code == "program_not_found"


async def test_a_raising_program_fails_without_a_traceback(server: ServerProcess) -> None:
    client = await server.connect()
    try:
        answer = await client.run("t.boom")
        await client.ping()
    finally:
        await client.aclose()
    assert answer == [frames.Error("program_failed", "the program raised ValueError")]
    wait_for(lambda: "secret detail" in server.log.read_text(), "the traceback in the log")


async def test_executable_gets_fields_in_its_environment(server: ServerProcess) -> None:
    client = await server.connect()
    try:
        fields = (("name", "Ada"), ("tag", "a"), ("tag", "b"), ("odd-name", "z"))
        await client.send(
            frames.Request("r1", "t.fields", fields=fields, env={"REMOTE_USER": "ada"})
        )
        answer = await client.until_final()
    finally:
        await client.aclose()
    assert body(answer).decode().splitlines() == [
        "name=Ada",
        "tags=2:a:b",
        "odd=z user=ada program=t.fields",
    ]
    end = answer[-1]
    assert isinstance(end, frames.End) and end.log == ("to the log",)


async def test_executable_failing_status_is_program_failed(server: ServerProcess) -> None:
    client = await server.connect()
    try:
        answer = await client.run("t.failing")
    finally:
        await client.aclose()
    assert body(answer) == b"partial\n"
    assert answer[-1] == frames.Error("program_failed", "the program exited with status 7")


async def test_executable_past_its_deadline_is_killed(
    server: ServerProcess, tmp_path: Path
) -> None:
    client = await server.connect()
    try:
        answer = await client.run("t.sleeper", ("folder", str(tmp_path)), deadline=0.5)
        await client.ping()

        async def idle() -> bool:
            return (await client.status()).active == 0

        await wait_for_async(idle, "the slot to be released")
    finally:
        await client.aclose()
    assert body(answer) == b"started\n"
    assert isinstance(answer[-1], frames.Error) and answer[-1].code == "timeout"
    for name in ("parent", "child"):
        pid = int((tmp_path / name).read_text())
        wait_for(partial(pid_gone, pid), f"the {name} process to be killed")


async def test_a_header_after_the_first_write_raises(server: ServerProcess) -> None:
    client = await server.connect()
    try:
        answer = await client.run("t.late")
    finally:
        await client.aclose()
    assert answer[0] == frames.Head(200, (("Content-Type", "text/html; charset=utf-8"),))
    assert body(answer) == b"sent\nHeadersAlreadySent"
