"""The engine on the registry: every node attempt is committed, so a new engine resumes."""

from __future__ import annotations

from pathlib import Path

from baton.jobs.documents import load_job, to_data
from baton.jobs.engine import Engine
from baton.jobs.executors import LocalExecutors
from baton.jobs.registry_store import RegistryStore
from baton.jobs.states import NodeState, RunState
from baton.registry import jobs, runs
from baton.registry.database import Database


def test_a_run_resumes_from_what_the_registry_kept(database: Database, tmp_path: Path) -> None:
    marker, counter = tmp_path / "ready", tmp_path / "count"
    job = load_job(
        f"""
name: resumable
variables:
  seen: {{type: integer, default: 0}}
nodes:
  - id: first
    kind: command
    argv: [sh, -c, 'echo x >> {counter}; echo 41']
    parse_json: true
  - {{id: note, kind: expression, assign: {{seen: nodes.first.json + 1}}}}
  - id: flaky
    kind: command
    argv: [sh, -c, 'test -e {marker}']
edges:
  - {{from: first, to: note}}
  - {{from: note, to: flaky}}
outputs:
  seen: {{type: integer, value: vars.seen}}
"""
    )
    with database.session() as session:
        jobs.create_job(session, "resumable", to_data(job), author="test", comment="")
        run_id = runs.create_run(session, "resumable", None, {}, created_by="test").id
        runs.change_state(session, run_id, RunState.RUNNING, runner="test")
    lines: list[tuple[str | None, str]] = []
    with LocalExecutors() as executors:
        store = RegistryStore(database, run_id, log=lambda node, line: lines.append((node, line)))
        first = Engine(job, {}, store, executors).run()
        assert first.state is RunState.FAILED
        marker.touch()
        second = Engine(job, {}, RegistryStore(database, run_id), executors).run()
    assert second.state is RunState.SUCCEEDED and second.outputs == {"seen": 42}
    assert counter.read_text().count("x") == 1  # `first` ran once: the resume skipped it
    with database.session() as session:
        recorded = [(n.node, n.attempt, n.state) for n in runs.node_runs(session, run_id)]
        assert recorded.count(("first", 1, NodeState.SUCCEEDED)) == 1
        assert ("flaky", 1, NodeState.FAILED) in recorded  # kept: the resume is attempt 2
        assert recorded[-1] == ("flaky", 2, NodeState.SUCCEEDED)
        assert runs.variables(session, run_id) == {"seen": 42}
    assert lines  # the engine logged what it did
