"""Runs through the REST API, on real runner processes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from baton.registry import access
from baton.registry.enums import AUTHENTICATED_GROUP, Action, PrincipalKind, ResourceKind
from tests.api.conftest import PLAIN_USER
from tests.runtime.conftest import Runtime


def _job(name: str, nodes: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {"name": name, "nodes": nodes, **more}


def test_a_command_and_a_program_run_end_to_end(runtime: Runtime) -> None:
    job = _job(
        "hello",
        [
            {"id": "add", "kind": "program", "program": "sample.add", "bindings": {"a": 2, "b": 3}},
            {
                "id": "say",
                "kind": "command",
                "argv": ["echo", "sum={{ nodes.add.result }}"],
            },
        ],
        edges=[{"from": "add", "to": "say"}],
        outputs={"sum": {"type": "integer", "value": "nodes.add.result"}},
    )
    with runtime.admin() as admin:
        runtime.save(admin, job)
        record = runtime.run(admin, "hello")
        assert record["state"] == "SUCCEEDED", record
        assert record["outputs"] == {"sum": 5}
        detail = runtime.detail(admin, record["id"])
        nodes = {n["node"]: n for n in detail["nodes"]}
        assert nodes["say"]["outputs"]["stdout"] == "sum=5\n"
        log = admin.get(f"/api/runs/{record['id']}/log").json()
        assert any("on runner" in line["line"] for line in log)


def _grant(runtime: Runtime, kind: ResourceKind, name: str, *, revoke: bool = False) -> None:
    with runtime.installation.database.session() as session:
        change = access.revoke if revoke else access.grant
        by = {"revoked_by": "test"} if revoke else {"granted_by": "test"}
        change(session, PrincipalKind.USER, PLAIN_USER, kind, name, Action.RUN, **by)


def _revoke_rt_from_everyone(runtime: Runtime) -> None:
    """Signed-in users may no longer run the rt library's programs."""
    with runtime.installation.database.session() as session:
        access.revoke(
            session,
            PrincipalKind.GROUP,
            AUTHENTICATED_GROUP,
            ResourceKind.LIBRARY,
            "rt",
            Action.RUN,
            revoked_by="test",
        )


def test_running_needs_run_on_the_job_and_on_everything_it_uses(runtime: Runtime) -> None:
    inc = {"id": "inc", "kind": "program", "program": "rt.inc", "service": "rt"}
    job = _job("counted", [inc | {"bindings": {"n": 1}}])
    with runtime.admin() as admin:
        runtime.save(admin, job)
        runtime.save(admin, _job("shell", [{"id": "c", "kind": "command", "argv": ["true"]}]))
    with runtime.plain() as plain:
        refused = plain.post("/api/jobs/counted/runs", json={})
        assert refused.status_code == 403, refused.text  # no run on the job
        _grant(runtime, ResourceKind.JOB, "counted")
        _grant(runtime, ResourceKind.SERVICE, "rt")
        _grant(runtime, ResourceKind.JOB, "shell")
        # Every signed-in user may run the rt library's programs, but commands need operate.
        assert runtime.run(plain, "counted")["state"] == "SUCCEEDED"
        shell = plain.post("/api/jobs/shell/runs", json={})
        assert shell.status_code == 409
        assert "commands need the operate capability" in shell.json()["detail"]
        _revoke_rt_from_everyone(runtime)
        refused = plain.post("/api/jobs/counted/runs", json={})
        assert refused.status_code == 409
        assert "may not run program 'rt.inc'" in refused.json()["detail"]


def test_a_right_revoked_while_a_run_waits_fails_it_when_it_would_start(
    runtime: Runtime, tmp_path: Path
) -> None:
    """The runtime checks the rights again when a queued run starts."""
    gate = tmp_path / "go"
    blocker = _job(
        "blocker",
        [
            {
                "id": "w",
                "kind": "command",
                "argv": ["sh", "-c", f'until [ -e "{gate}" ]; do sleep 0.05; done'],
            }
        ],
    )
    inc = {
        "id": "inc",
        "kind": "program",
        "program": "rt.inc",
        "service": "rt",
        "bindings": {"n": 1},
    }
    with runtime.admin() as admin:
        runtime.save(admin, blocker)
        runtime.save(admin, _job("counted", [inc]))
        _grant(runtime, ResourceKind.JOB, "counted")
        _grant(runtime, ResourceKind.SERVICE, "rt")
        # Fill every slot, so that the plain user's run waits in the queue.
        blocking = [runtime.start(admin, "blocker")["id"] for _ in range(4)]
        with runtime.plain() as plain:
            waiting = runtime.start(plain, "counted")
            assert waiting["state"] == "QUEUED" and waiting["position"] == 1
        _revoke_rt_from_everyone(runtime)
        gate.touch()
        run = runtime.ended(admin, waiting["id"])
        assert run["state"] == "FAILED"
        assert run["error"] == "not allowed any more: node inc: may not run program 'rt.inc'"
        assert {runtime.ended(admin, run_id)["state"] for run_id in blocking} == {"SUCCEEDED"}
