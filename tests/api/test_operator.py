"""The operator interface at /api/operator, against a real spawner running real server processes:
lists, stop and kill, quiesce, pause and resume, reset, refresh, trace, one operator at a time,
rights and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.registry import definitions
from baton.registry.enums import AuditOutcome
from tests.api.conftest import LiveServer
from tests.api.operated import (
    OPERATOR,
    OPERATOR_PASSWORD,
    OTHER_OPERATOR,
    one_running,
    operated_control_plane,
    running,
    tiny_definition,
)
from tests.appserver.serverprocess import pid_gone, wait_for
from tests.conftest import Installation, sqlite_copy
from tests.spawner.children import live_children, nothing_left_behind  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("libuv_ready", "nothing_left_behind")


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the operator interface acts on processes, not on the registry."""
    return sqlite_copy(tmp_path, sqlite_template)


@pytest.fixture
def live(installation: Installation, tmp_path: Path) -> Iterator[LiveServer]:
    with operated_control_plane(installation, tmp_path) as server:
        yield server


def test_servers_and_definitions_are_listed(live: LiveServer) -> None:
    with live.client(OPERATOR, OPERATOR_PASSWORD) as client:
        server = one_running(client)
        listed = client.get("/api/operator/definitions").json()

    assert server["id"] == "tiny-1"
    assert server["definition"] == "tiny"
    assert server["kind"] == "application"
    assert isinstance(server["pid"], int) and server["pid"] in live_children()
    assert str(server["address"]).startswith("tcp:127.0.0.1:")
    assert isinstance(server["uptime"], float) and server["uptime"] >= 0
    assert (server["clients"], server["uses"], server["failures"]) == (0, 0, 0)
    assert (server["problem"], server["draining"], server["response_time"]) == ("", False, 0.0)
    assert [item for item in listed if item["name"] == "tiny"] == [
        {
            "name": "tiny",
            "service": None,
            "kind": "application",
            "problem": "",
            "failed": None,
            "paused": False,
            "quiesced": False,
            "waiting": 0,
            "servers": 1,
            "states": {"RUNNING": 1},
        }
    ]


def test_stop_and_kill_replace_the_process(live: LiveServer) -> None:
    with live.admin() as client:
        first = one_running(client)
        stopped = client.post(f"/api/operator/servers/{first['id']}/stop")
        second = one_running(client, other_than=first["pid"])
        killed = client.post(f"/api/operator/servers/{second['id']}/kill")
        third = one_running(client, other_than=second["pid"])

    assert stopped.status_code == 200, stopped.text
    assert stopped.json() == {"server": "tiny-1", "killed": False, "exit_status": -15}
    assert killed.json()["server"] == second["id"] and killed.json()["killed"] is True
    assert killed.json()["exit_status"] == -9  # SIGKILL at once, no SIGTERM first
    assert len({first["pid"], second["pid"], third["pid"]}) == 3
    assert pid_gone(int(str(first["pid"]))) and pid_gone(int(str(second["pid"])))
    [stop] = live.audit("operator.server.stop", "admin")
    assert (stop.resource, stop.outcome, stop.detail) == (
        "server:tiny-1",
        AuditOutcome.OK,
        {"exit_status": -15},
    )
    assert live.audit("operator.server.kill", "admin")[0].resource == f"server:{second['id']}"


def test_a_quiesced_server_stops_and_is_replaced(live: LiveServer) -> None:
    with live.admin() as client:
        first = one_running(client)
        quiesced = client.post(f"/api/operator/servers/{first['id']}/quiesce")
        replacement = one_running(client, other_than=first["pid"])

    assert quiesced.status_code == 200, quiesced.text
    assert quiesced.json()["draining"] is True
    assert replacement["id"] != first["id"]
    wait_for(lambda: pid_gone(int(str(first["pid"]))), "the quiesced server to end")
    assert live.audit("operator.server.quiesce")[0].outcome == AuditOutcome.OK


def test_pause_resume_and_reset(live: LiveServer) -> None:
    with live.admin() as client:
        one_running(client)
        paused = client.post("/api/operator/definitions/tiny/pause").json()
        resumed = client.post("/api/operator/definitions/tiny/resume").json()
        reset = client.post("/api/operator/definitions/tiny/reset")

    assert (paused["paused"], resumed["paused"]) == (True, False)
    assert paused["states"] == {"RUNNING": 1}  # paused servers keep running
    assert reset.status_code == 200 and reset.json()["failed"] is None
    for verb in ("pause", "resume", "reset"):
        [event] = live.audit(f"operator.definition.{verb}", "admin")
        assert (event.resource, event.outcome) == ("server_definition:tiny", AuditOutcome.OK)


def test_a_quiesced_definition_stops_its_servers(live: LiveServer) -> None:
    with live.admin() as client:
        server = one_running(client)
        quiesced = client.post("/api/operator/definitions/tiny/quiesce").json()
        wait_for(lambda: running(client) == [], "no tiny server left")

    assert quiesced["quiesced"] is True
    wait_for(lambda: pid_gone(int(str(server["pid"]))), "the quiesced server to end")


def test_an_unquiesced_definition_starts_again(live: LiveServer) -> None:
    with live.admin() as client:
        server = one_running(client)
        client.post("/api/operator/definitions/tiny/quiesce")
        wait_for(lambda: client.get("/api/operator/servers").json() == [], "no server left")
        unquiesced = client.post("/api/operator/definitions/tiny/unquiesce")
        assert unquiesced.status_code == 200, unquiesced.text
        restarted = one_running(client, other_than=server["pid"])

    assert unquiesced.json()["quiesced"] is False
    assert restarted["id"] != server["id"]


def test_unknown_servers_and_definitions_are_404(live: LiveServer) -> None:
    with live.admin() as client:
        server = client.post("/api/operator/servers/tiny-99/stop")
        definition = client.post("/api/operator/definitions/nosuch/pause")
        session = client.get("/api/operator/session").json()

    assert server.status_code == 404
    assert server.json() == {"error": "not_found", "detail": "server 'tiny-99' does not exist"}
    assert definition.status_code == 404
    assert definition.json()["detail"] == "server definition 'nosuch' does not exist"
    assert session["holder"] is None  # the borrowed session was freed after the failure
    [failed] = live.audit("operator.server.stop")
    assert (failed.outcome, failed.detail) == (AuditOutcome.FAILED, {"error": "not_found"})


def test_refresh_starts_a_new_definition(live: LiveServer, tmp_path: Path) -> None:
    with live.installation.database.session() as session:
        definitions.create_definition(session, tiny_definition(tmp_path / "tiny.py", "tiny2"))
    with live.admin() as client:
        one_running(client)
        refreshed = client.post("/api/operator/refresh")
        added = one_running(client, "tiny2")

    assert refreshed.json() == {"definitions": ["appserver", "runner", "tiny", "tiny2"]}
    assert added["id"] == "tiny2-1"
    assert live.audit("operator.refresh")[0].detail == {
        "definitions": ["appserver", "runner", "tiny", "tiny2"]
    }


def test_trace_keeps_the_supervisors_decisions(live: LiveServer) -> None:
    with live.admin() as client:
        server = one_running(client)
        assert client.get("/api/operator/trace").json() == {"on": False, "lines": []}
        on = client.post("/api/operator/trace", json={"on": True})
        client.post(f"/api/operator/servers/{server['id']}/stop")
        one_running(client, other_than=server["pid"])
        kept = client.get("/api/operator/trace", params={"limit": 1000}).json()
        off = client.post("/api/operator/trace", json={"on": False}).json()
        last = client.get("/api/operator/trace", params={"limit": 1}).json()

    assert on.status_code == 200 and on.json()["on"] is True
    assert any("tiny-1: stop asked by an operator" in line for line in kept["lines"])
    assert any("tiny-2: running at tcp:" in line for line in kept["lines"])
    assert off["on"] is False
    assert len(last["lines"]) == 1
    assert [event.detail for event in live.audit("operator.trace")] == [{"on": False}, {"on": True}]


def test_operate_capability_is_needed(live: LiveServer) -> None:
    with live.plain() as client:
        listed = client.get("/api/operator/servers")
        stopped = client.post("/api/operator/servers/tiny-1/stop")
        taken = client.post("/api/operator/session", json={})
    with live.client(OPERATOR, OPERATOR_PASSWORD) as client:
        allowed = client.get("/api/operator/servers")

    assert (listed.status_code, stopped.status_code, taken.status_code) == (403, 403, 403)
    assert stopped.json()["error"] == "forbidden"
    assert allowed.status_code == 200
    assert live.audit("denied", "plain")


def test_one_operator_at_a_time(live: LiveServer) -> None:
    with (
        live.client(OPERATOR, OPERATOR_PASSWORD) as first,
        live.client(OTHER_OPERATOR, OPERATOR_PASSWORD) as second,
        live.admin() as admin,
    ):
        server = one_running(first)
        taken = first.post("/api/operator/session", json={}).json()
        refused = second.post("/api/operator/session", json={})
        refused_change = second.post(f"/api/operator/servers/{server['id']}/stop")
        seen = second.get("/api/operator/session").json()
        not_admin = second.post("/api/operator/session", json={"force": True})
        admin_refused = admin.post("/api/operator/definitions/tiny/pause")
        forced = admin.post("/api/operator/session", json={"force": True}).json()
        first_refused = first.post("/api/operator/definitions/tiny/pause")
        released = admin.delete("/api/operator/session").json()
        after = first.post("/api/operator/definitions/tiny/pause")

    assert taken["holder"] == OPERATOR and taken["yours"] is True
    since = taken["since"].replace("+00:00", "")
    assert refused.status_code == 409
    assert refused.json()["error"] == "operator_busy"
    assert refused.json()["detail"].startswith(f"operator session held by {OPERATOR} since ")
    assert since[:19] in refused.json()["detail"]
    assert refused_change.status_code == 409
    assert server["pid"] in live_children()  # the refused stop did nothing
    assert seen["holder"] == OPERATOR and seen["yours"] is False
    assert not_admin.status_code == 403
    assert admin_refused.status_code == 409
    assert forced["holder"] == "admin" and forced["yours"] is True
    assert first_refused.status_code == 409
    assert "held by admin since" in first_refused.json()["detail"]
    assert released["holder"] is None
    assert after.status_code == 200  # free again: the change borrowed the session

    takes = live.audit("operator.session.take")
    forced_take = [event for event in takes if event.actor == "admin"]
    assert [(event.outcome, event.detail) for event in forced_take] == [
        (AuditOutcome.OK, {"force": True, "previous": OPERATOR})
    ]
    refused_take = [event for event in takes if event.actor == OTHER_OPERATOR]
    assert [event.outcome for event in refused_take] == [AuditOutcome.DENIED]
    [stop] = live.audit("operator.server.stop", OTHER_OPERATOR)
    assert (stop.outcome, stop.detail["holder"]) == (AuditOutcome.DENIED, OPERATOR)
    assert live.audit("operator.session.release", "admin")


def test_a_taken_session_is_kept_a_borrowed_one_is_not(live: LiveServer) -> None:
    with live.client(OPERATOR, OPERATOR_PASSWORD) as client:
        one_running(client)
        client.post("/api/operator/definitions/tiny/pause")
        borrowed = client.get("/api/operator/session").json()
        client.post("/api/operator/session", json={})
        client.post("/api/operator/definitions/tiny/resume")
        kept = client.get("/api/operator/session").json()
        client.delete("/api/operator/session")
        freed = client.get("/api/operator/session").json()

    assert borrowed["holder"] is None
    assert kept["holder"] == OPERATOR and kept["yours"] is True
    assert freed["holder"] is None


def test_the_servers_stop_with_the_control_plane(
    installation: Installation, tmp_path: Path
) -> None:
    with (
        operated_control_plane(installation, tmp_path) as live,
        live.admin() as client,
    ):
        pid = int(str(one_running(client)["pid"]))
        assert running(client)
    assert pid_gone(pid)
