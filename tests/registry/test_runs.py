"""Runs and node runs: queued pinned to a version, one lifecycle, a FIFO queue, resumable."""

from __future__ import annotations

import time

import pytest

from baton.errors import NotFound
from baton.jobs.states import InvalidTransition, NodeState, RunState
from baton.registry import jobs, runs, users
from baton.registry.database import Database


@pytest.fixture
def registry(database: Database) -> Database:
    with database.session() as session:
        users.create_user(session, "ann", password="a-long-password")
        jobs.create_job(session, "report", {"name": "report"}, author="ann", comment="one")
        jobs.save_version(session, "report", {"name": "report"}, author="ann", comment="two")
    return database


def test_a_run_is_queued_pinned_to_a_version(registry: Database) -> None:
    with registry.session() as session:
        latest = runs.create_run(session, "report", None, {"x": 1}, created_by="ann")
        first = runs.create_run(session, "report", 1, {}, created_by="ann")
        assert (latest.state, latest.version, latest.inputs, latest.position) == (
            RunState.QUEUED,
            2,
            {"x": 1},
            1,
        )
        assert (first.version, first.position) == (1, 2)
        with pytest.raises(NotFound):
            runs.create_run(session, "report", 9, {}, created_by="ann")
        with pytest.raises(NotFound):
            runs.create_run(session, "nothing", None, {}, created_by="ann")


def test_the_queue_is_first_in_first_out_with_positions(registry: Database) -> None:
    with registry.session() as session:
        ids = [runs.create_run(session, "report", None, {}, created_by="ann").id for _ in range(4)]
        runs.change_state(session, ids[0], RunState.RUNNING, runner="runner-1")
        assert [(r.id, r.position) for r in runs.queue(session)] == [
            (ids[1], 1),
            (ids[2], 2),
            (ids[3], 3),
        ]
        assert runs.get_run(session, ids[3]).position == 3
        assert runs.get_run(session, ids[0]).position is None


def test_states_change_through_the_lifecycle_only(registry: Database) -> None:
    with registry.session() as session:
        run = runs.create_run(session, "report", None, {}, created_by="ann")
        with pytest.raises(InvalidTransition):
            runs.change_state(session, run.id, RunState.SUCCEEDED)
        started = runs.change_state(session, run.id, RunState.RUNNING, runner="r1")
        assert started.started_at is not None and started.runner == "r1"
        crashed = runs.change_state(session, run.id, RunState.CRASHED, error="runner died")
        assert crashed.error == "runner died" and crashed.finished_at is None
        runs.change_state(session, run.id, RunState.QUEUED)  # resumed
        runs.change_state(session, run.id, RunState.RUNNING)
        done = runs.change_state(session, run.id, RunState.SUCCEEDED, outputs={"total": 3})
        assert done.outputs == {"total": 3} and done.finished_at is not None
        with pytest.raises(InvalidTransition):
            runs.change_state(session, run.id, RunState.RUNNING)


def test_node_runs_are_recorded_and_finished_ones_are_what_a_resume_skips(
    registry: Database,
) -> None:
    with registry.session() as session:
        run = runs.create_run(session, "report", None, {}, created_by="ann").id
        runs.record_node(session, run, "fetch", 1, NodeState.RUNNING)
        runs.record_node(session, run, "fetch", 1, NodeState.SUCCEEDED, outputs={"n": 2})
        runs.record_node(session, run, "each[0].greet", 1, NodeState.RUNNING)
        runs.record_node(session, run, "each[0].greet", 1, NodeState.FAILED, error="boom")
        runs.record_node(session, run, "each[0].greet", 2, NodeState.RUNNING)
        runs.record_node(session, run, "skipped", 1, NodeState.SKIPPED)
        recorded = runs.node_runs(session, run)
        assert [(n.node, n.attempt, n.state) for n in recorded] == [
            ("fetch", 1, NodeState.SUCCEEDED),
            ("each[0].greet", 1, NodeState.FAILED),
            ("each[0].greet", 2, NodeState.RUNNING),
            ("skipped", 1, NodeState.SKIPPED),
        ]
        assert recorded[0].started_at is not None and recorded[0].finished_at is not None
        assert recorded[1].error == "boom"
        assert runs.finished_nodes(session, run) == {"fetch": {"n": 2}, "skipped": {}}


def test_runs_are_listed_newest_first_with_filters(registry: Database) -> None:
    with registry.session() as session:
        jobs.create_job(session, "other", {"name": "other"}, author="ann", comment="")
        a = runs.create_run(session, "report", None, {}, created_by="ann").id
        time.sleep(0.01)
        b = runs.create_run(session, "other", None, {}, created_by="bob").id
        runs.change_state(session, b, RunState.RUNNING)
        assert [r.id for r in runs.list_runs(session).items] == [b, a]
        assert [r.id for r in runs.list_runs(session, job="report").items] == [a]
        assert [r.id for r in runs.list_runs(session, state=RunState.RUNNING).items] == [b]
        assert [r.id for r in runs.list_runs(session, user="ann").items] == [a]
        assert [r.id for r in runs.list_runs(session, jobs={"other"}).items] == [b]
        assert runs.list_runs(session, limit=1).total == 2
