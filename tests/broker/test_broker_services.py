"""Sessions, reserved programs, debug flags, permissions, launch services, request records."""

from __future__ import annotations

import asyncio
import re

from baton.loadmanager.connection import ServerConnection
from baton.loadmanager.server import ServerHandle
from baton.protocol.tickets import hello_for
from tests.appserver.serverprocess import pid_gone, wait_for
from tests.broker.conftest import Dispatcher


def _session(text: str) -> tuple[int, str, str]:
    found = re.search(r"count=(\d+) id=(\S+) url=(\S+)", text)
    assert found, text
    return int(found[1]), found[2], found[3]


def test_a_session_brings_requests_back_to_its_server(shared: Dispatcher) -> None:
    with shared.plain() as client:
        first = shared.broker(client, _PROGRAM="t.counter", _SERVICE="t")
        count, session_id, url = _session(first.text)
        assert count == 1
        assert url.startswith("/broker?") and f"_SESSIONID={session_id}" in url
        second = client.get(url + "&_PROGRAM=t.counter")
        third = client.get(
            "/broker", params={"_PROGRAM": "t.counter", "_SERVICE": "t", "_sessionid": session_id}
        )
        assert _session(second.text)[0] == 2 and _session(third.text)[0] == 3
        deleted = client.get(
            "/broker",
            params={
                "_PROGRAM": "t.counter",
                "_SERVICE": "t",
                "_SESSIONID": session_id,
                "reset": "1",
            },
        )
        assert deleted.text == "deleted"
        gone = client.get(
            "/broker", params={"_PROGRAM": "t.counter", "_SERVICE": "t", "_SESSIONID": session_id}
        )
    assert gone.status_code == 404
    assert "session" in gone.text


def test_another_user_cannot_use_a_session(shared: Dispatcher) -> None:
    with shared.plain() as client:
        _, session_id, _ = _session(shared.broker(client, _PROGRAM="t.counter", _SERVICE="t").text)
    with shared.admin() as admin:
        answer = admin.get(
            "/broker", params={"_PROGRAM": "t.counter", "_SERVICE": "t", "_SESSIONID": session_id}
        )
    assert answer.status_code == 404


def test_an_unknown_session_runs_the_services_invalid_session_program(shared: Dispatcher) -> None:
    with shared.plain() as client:
        plain = client.get(
            "/broker", params={"_PROGRAM": "t.counter", "_SERVICE": "t", "_SESSIONID": "nope"}
        )
        fallback = client.get(
            "/broker",
            params={"_PROGRAM": "t.counter", "_SERVICE": "fallback", "_SESSIONID": "nope"},
        )
    assert plain.status_code == 404 and "expired" in plain.text
    assert fallback.status_code == 200 and fallback.text == "your session has expired"


def test_an_expired_session(shared: Dispatcher) -> None:
    with shared.plain() as client:
        shared.broker(client, _PROGRAM="t.echo", _SERVICE="t")
        servers = [server for server in shared.pool("t").servers if server.address]

        def live() -> int:  # asked of the servers: a request would keep the session alive
            return sum(asyncio.run(_sessions(server)) for server in servers)

        before = live()
        first = shared.broker(client, _PROGRAM="t.counter", _SERVICE="t", timeout="0.3")
        _, session_id, _ = _session(first.text)
        assert live() == before + 1

        def expired() -> bool:
            return live() == before

        wait_for(expired, "the session to expire")
        answer = client.get(
            "/broker", params={"_PROGRAM": "t.counter", "_SERVICE": "t", "_SESSIONID": session_id}
        )
    assert answer.status_code == 404


async def _sessions(server: ServerHandle) -> int:
    # A connection of our own (the handle's idle ones belong to the dispatcher's event loop),
    # opened with the HELLO a supervised server requires.
    assert server.address is not None
    ticket = await server.spawner.ticket() if server.spawner is not None else None
    hello = hello_for(ticket) if ticket is not None else None
    connection = await ServerConnection.open(server.address, hello=hello)
    try:
        reply = await connection.status(5.0)
    finally:
        await connection.aclose()
    assert reply is not None
    return reply.sessions


def test_reserved_programs(shared: Dispatcher) -> None:
    with shared.plain() as client:
        shared.broker(client, _PROGRAM="t.echo", _SERVICE="t")
        ping = shared.broker(client, _PROGRAM="ping", _SERVICE="t")
        denied = shared.broker(client, _PROGRAM="LOADSTAT", _SERVICE="t")
        stop = shared.broker(client, _PROGRAM="STOP", _SERVICE="t")
    with shared.admin() as admin:
        loadstat = admin.get(
            "/broker",
            params={"_PROGRAM": "LOADSTAT", "_SERVICE": "t"},
            headers={"Accept": "application/json"},
        )
        status = admin.get("/broker", params={"_PROGRAM": "STATUS", "_SERVICE": "t"})
    assert ping.status_code == 200 and "PONG" in ping.text
    assert denied.status_code == 403
    assert stop.status_code == 403
    assert loadstat.status_code == 200
    rows = loadstat.json()
    assert rows and {"server_id", "requests", "longest", "average", "average_wait"} <= set(rows[0])
    assert sum(row["requests"] for row in rows) >= 1
    assert status.status_code == 200 and "t#" in status.text


def test_stop_lets_requests_finish_then_stops_the_servers(dispatcher: Dispatcher) -> None:
    with dispatcher.admin() as admin:
        pid = int(dispatcher.broker(admin, _PROGRAM="t.pid", _SERVICE="t").text)
        stopped = dispatcher.broker(admin, _PROGRAM="STOP", _SERVICE="t")
        assert stopped.status_code == 200
        assert pid_gone(pid)
        again = dispatcher.broker(admin, _PROGRAM="t.pid", _SERVICE="t")
    assert again.status_code == 200 and int(again.text) != pid


def test_debug_flags_are_masked_for_non_administrators(shared: Dispatcher) -> None:
    with shared.plain() as client:
        plain = shared.broker(client, _PROGRAM="t.logs", _SERVICE="t", _DEBUG="time,log")
    with shared.admin() as admin:
        full = shared.broker(admin, _PROGRAM="t.logs", _SERVICE="t", _DEBUG="130")
        bad = shared.broker(admin, _PROGRAM="t.logs", _SERVICE="t", _DEBUG="nonsense")
    assert "Elapsed" in plain.text and "a line for the log" not in plain.text
    assert "Elapsed" in full.text and "a line for the log" in full.text
    assert bad.status_code == 400


def test_permissions(shared: Dispatcher) -> None:
    with shared.client() as anonymous:
        needs_sign_in = anonymous.get("/broker", params={"_PROGRAM": "t.echo", "_SERVICE": "t"})
        public = anonymous.get("/broker", params={"_PROGRAM": "t.echo", "_SERVICE": "pub"})
        not_granted = anonymous.get("/broker", params={"_PROGRAM": "t.pid", "_SERVICE": "pub"})
    with shared.client("plain", "wrong-password") as wrong:
        refused = wrong.get("/broker", params={"_PROGRAM": "t.echo", "_SERVICE": "pub"})
    with shared.plain() as client:
        secret = shared.broker(client, _PROGRAM="secret.echo", _SERVICE="t")
    assert needs_sign_in.status_code == 401 and "www-authenticate" in needs_sign_in.headers
    assert public.status_code == 200
    assert not_granted.status_code == 403
    assert refused.status_code == 401
    assert secret.status_code == 403
    denied = [e for e in shared.audit("broker.run") if e.resource == "program:secret.echo"]
    assert denied and denied[0].actor == "plain"


def test_a_cookie_form_post_from_another_site_is_refused(shared: Dispatcher) -> None:
    with shared.client() as browser:
        signed_in = browser.post(
            "/api/session", json={"username": "plain", "password": "plain-password-1"}
        )
        assert signed_in.status_code in (200, 201), signed_in.text
        same = browser.post(
            "/broker",
            data={"_PROGRAM": "t.echo", "_SERVICE": "t"},
            headers={"Origin": shared.url},
        )
        cross = browser.post(
            "/broker",
            data={"_PROGRAM": "t.echo", "_SERVICE": "t"},
            headers={"Origin": "https://evil.example"},
        )
    assert same.status_code == 200
    assert cross.status_code == 403


def test_launch_service_runs_each_request_in_a_fresh_process(shared: Dispatcher) -> None:
    with shared.plain() as client:
        first = shared.broker(client, _PROGRAM="t.pid", _SERVICE="tlaunch")
        second = shared.broker(client, _PROGRAM="t.pid", _SERVICE="tlaunch")
        counted = shared.broker(client, _PROGRAM="t.counter", _SERVICE="tlaunch")
        count, _, url = _session(counted.text)
        again = client.get(url + "&_PROGRAM=t.counter")
    assert first.status_code == second.status_code == 200
    assert first.text != second.text
    wait_for(lambda: pid_gone(int(first.text)), "the launch server to exit after its request")
    assert count == 1 and _session(again.text)[0] == 2  # a session keeps its launch server


def test_every_request_is_recorded(shared: Dispatcher) -> None:
    with shared.plain() as client:
        shared.broker(client, _PROGRAM="t.echo", _SERVICE="t", mark="recorded")
        shared.broker(client, _PROGRAM="t.nothing", _SERVICE="t")

    def both() -> bool:
        programs = {(r.program, r.status) for r in shared.records() if r.user == "plain"}
        return {("t.echo", 200), ("t.nothing", 404)} <= programs

    wait_for(both, "the requests' records")
    record = next(r for r in shared.records() if r.program == "t.echo")
    assert record.service == "t" and record.server.startswith("t#") and record.bytes_sent > 0


def test_a_revoked_grant_stops_working_within_the_refresh_delay(dispatcher: Dispatcher) -> None:
    from baton.registry import access
    from baton.registry.enums import AUTHENTICATED_GROUP, Action, PrincipalKind, ResourceKind

    with dispatcher.plain() as client:
        assert dispatcher.broker(client, _PROGRAM="t.pid", _SERVICE="t").status_code == 200
        with dispatcher.installation.database.session() as session:
            access.revoke(
                session,
                PrincipalKind.GROUP,
                AUTHENTICATED_GROUP,
                ResourceKind.LIBRARY,
                "t",
                Action.RUN,
                revoked_by="test",
            )

        def refused() -> bool:
            return dispatcher.broker(client, _PROGRAM="t.pid", _SERVICE="t").status_code == 403

        wait_for(refused, "the revoked grant to be refused")


def test_every_debug_flag_for_an_administrator(shared: Dispatcher) -> None:
    with shared.admin() as admin:
        shown = shared.broker(
            admin, _PROGRAM="t.logs", _SERVICE="t", _DEBUG="fields,hostport,trace,services", x="<y>"
        )
        dumped = shared.broker(admin, _PROGRAM="t.download", _SERVICE="t", _DEBUG="dump")
    assert "&lt;y&gt;" in shown.text and "<y>" not in shown.text  # FIELDS, escaped
    assert "127.0.0.1:" in shown.text  # HOSTPORT: the server's address
    assert "waited" in shown.text  # TRACE and SERVICES: the broker's steps
    assert dumped.headers["content-type"].startswith("text/plain")
    assert dumped.text.startswith("Status: 200\n")
    assert "Content-Disposition: attachment" in dumped.text and dumped.text.endswith("1,2\n")


def test_metrics_count_broker_requests_and_show_the_pools(shared: Dispatcher) -> None:
    with shared.plain() as client:
        shared.broker(client, _PROGRAM="t.echo", _SERVICE="t")
        shared.broker(client, _PROGRAM="t.echo", _SERVICE="no-such-service")
    with shared.admin() as admin:
        text = admin.get("/metrics").text
    assert 'baton_broker_requests_total{service="t",status="200"}' in text
    assert 'service="(none)",status="404"' in text and "no-such-service" not in text
    assert 'baton_dispatcher_servers{service="t",state="IDLE"}' in text
    assert 'baton_dispatcher_queue_length{service="t"} 0.0' in text
