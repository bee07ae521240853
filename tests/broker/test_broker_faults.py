"""The broker against programs and servers that misbehave, and clients that go away."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from pathlib import Path

import httpx
import pytest

from baton.loadmanager.states import ServerState
from tests.appserver.serverprocess import pid_gone, wait_for
from tests.broker.conftest import Dispatcher

PATH_TRICKS = [
    "../etc/passwd",
    "t/../t.echo",
    "/etc/passwd",
    "t.%2e%2e",
    "t..echo",
    "t.echo\x00",
    "t.ec/ho",
    "t.echo.sh",
    "..",
    "secret..echo",
    "t.echo.py.py",
    "nolibrary.echo",
    "t.ECHO",
]


@pytest.mark.parametrize("program", PATH_TRICKS)
def test_path_tricks_are_not_found(shared: Dispatcher, program: str) -> None:
    with shared.admin() as client:
        answer = client.get("/broker", params={"_PROGRAM": program, "_SERVICE": "t"})
    assert answer.status_code == 404, answer.text
    assert "passwd" not in answer.text.replace(program, "")


def test_unknown_service(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = client.get(
            "/broker",
            params={"_PROGRAM": "t.echo", "_SERVICE": "nope"},
            headers={"Accept": "application/json"},
        )
    assert answer.status_code == 404
    assert answer.json()["error"] == "unknown_service"


def test_a_program_that_raises_is_a_500_without_its_message(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = shared.broker(client, _PROGRAM="t.raises", _SERVICE="t")
    assert answer.status_code == 500
    assert "ValueError" in answer.text
    assert "secret detail" not in answer.text and "<b>" not in answer.text


def test_a_program_that_exits_with_an_error(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = shared.broker(client, _PROGRAM="t.exits", _SERVICE="t")
    assert answer.status_code == 500
    assert "status 3" in answer.text


def test_a_program_that_never_writes_times_out(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = shared.broker(client, _PROGRAM="t.silent", _SERVICE="t", seconds="30")
        after = shared.broker(client, _PROGRAM="t.echo", _SERVICE="t")
    assert answer.status_code == 504
    assert after.status_code == 200


def test_a_program_that_writes_forever_is_cut_at_its_timeout(shared: Dispatcher) -> None:
    with shared.plain() as client:
        answer = shared.broker(client, _PROGRAM="t.forever", _SERVICE="t")
    assert answer.status_code == 200  # the head was sent; the body stops at the deadline
    assert answer.text.startswith("tick\n")

    def recorded() -> bool:
        return any(
            r.program == "t.forever" and r.error == "request_timeout" for r in shared.records()
        )

    wait_for(recorded, "the timed-out request's record")


def test_a_program_that_exits_the_process_is_a_502_and_the_server_is_replaced(
    dispatcher: Dispatcher,
) -> None:
    with dispatcher.plain() as client:
        answer = dispatcher.broker(client, _PROGRAM="t.dies", _SERVICE="tiny")
        again = dispatcher.broker(client, _PROGRAM="t.pid", _SERVICE="tiny")
    assert answer.status_code == 502
    assert "t.dies" in answer.text
    assert again.status_code == 200
    wait_for(
        lambda: any(
            r.program == "t.dies" and r.error == "server_lost" for r in dispatcher.records()
        ),
        "the lost request's record",
    )


def test_kill_9_in_mid_request(dispatcher: Dispatcher, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    with dispatcher.plain() as client:
        first = dispatcher.broker(client, _PROGRAM="t.pid", _SERVICE="tiny")
        pid = int(first.text)
        with client.stream(
            "GET", "/broker", params={"_PROGRAM": "t.gated", "_SERVICE": "tiny", "gate": str(gate)}
        ) as streaming:
            chunks = streaming.iter_bytes()
            assert next(chunks).startswith(b"first line")
            os.kill(pid, signal.SIGKILL)
            rest = b"".join(chunks)
        assert b"after the gate" not in rest
        wait_for(lambda: pid_gone(pid), "the killed server to be reaped")
        again = dispatcher.broker(client, _PROGRAM="t.pid", _SERVICE="tiny")
    assert again.status_code == 200 and int(again.text) != pid


def test_streaming_reaches_the_client_before_the_program_ends(
    shared: Dispatcher, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    with (
        shared.plain() as client,
        client.stream(
            "GET", "/broker", params={"_PROGRAM": "t.gated", "_SERVICE": "t", "gate": str(gate)}
        ) as streaming,
    ):
        chunks = streaming.iter_bytes()
        first = next(chunks)
        assert first == b"first line\n"  # the program is still waiting for its gate
        gate.touch()
        assert b"".join(chunks) == b"after the gate\n"


def test_a_client_that_disconnects_frees_the_server(dispatcher: Dispatcher) -> None:
    with dispatcher.plain() as client:
        with client.stream(
            "GET", "/broker", params={"_PROGRAM": "t.forever", "_SERVICE": "tiny"}
        ) as streaming:
            assert next(streaming.iter_bytes()).startswith(b"tick")
        # The client hung up: the tiny service's only slot must come back at once.
        answer = client.get("/broker", params={"_PROGRAM": "t.echo", "_SERVICE": "tiny"}, timeout=5)
    assert answer.status_code == 200
    wait_for(
        lambda: any(
            r.program == "t.forever" and r.error == "client_disconnected"
            for r in dispatcher.records()
        ),
        "the abandoned request's record",
    )


def test_many_concurrent_requests_on_a_small_pool(shared: Dispatcher) -> None:
    """200 at once on one server of one slot, a queue of 5: every request is answered."""

    async def run() -> list[httpx.Response]:
        auth = ("plain", "plain-password-1")
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(
            base_url=shared.url, auth=auth, timeout=30, limits=limits
        ) as client:
            return await asyncio.gather(
                *(
                    client.get("/broker", params={"_PROGRAM": "t.echo", "_SERVICE": "tiny"})
                    for _ in range(200)
                )
            )

    answers = asyncio.run(run())
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.count(200) >= 5
    for answer in answers:
        if answer.status_code == 503:
            assert int(answer.headers["retry-after"]) >= 1


def test_a_stopped_thread_is_recycled_with_its_server(dispatcher: Dispatcher) -> None:
    """A program past its deadline keeps its thread: its server is recycled, not reused."""
    with dispatcher.plain() as client:
        first = dispatcher.broker(client, _PROGRAM="t.pid", _SERVICE="t")
        timed_out = dispatcher.broker(client, _PROGRAM="t.silent", _SERVICE="t", seconds="30")
        assert timed_out.status_code == 504
        pool = dispatcher.pool("t")
        wait_for(
            lambda: all(s.state is not ServerState.DRAINING for s in pool.servers),
            "the timed-out server to be recycled",
        )
        wait_for(lambda: pid_gone(int(first.text)), "the recycled server to exit")


def test_threads_do_not_leak(shared: Dispatcher) -> None:
    before = threading.active_count()
    with shared.plain() as client:
        for _ in range(5):
            assert shared.broker(client, _PROGRAM="t.echo", _SERVICE="t").status_code == 200
    assert threading.active_count() <= before + 2
