"""Runs through the REST API, on real runner processes."""

from __future__ import annotations

from typing import Any

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
