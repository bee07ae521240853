"""The inputs a trigger's run gets: its fixed inputs, then the payload."""

from __future__ import annotations

from datetime import UTC, datetime

from baton.jobs.documents import job_of
from baton.jobs.firing import cron_payload, trigger_inputs

JOB = job_of(
    {
        "name": "report",
        "inputs": {
            "region": {"type": "string"},
            "mode": {"type": "string"},
            "event": {"type": "object"},
        },
        "nodes": [{"id": "done", "kind": "terminate"}],
    }
)


def test_fixed_inputs_win_then_the_payload_fills_declared_inputs() -> None:
    payload = {"region": "north", "mode": "manual", "extra": 1}
    given = trigger_inputs(JOB, {"mode": "auto"}, payload)
    assert given == {"mode": "auto", "region": "north", "event": payload}


def test_the_event_input_takes_the_whole_payload_unless_fixed() -> None:
    assert trigger_inputs(JOB, {}, {"event": "x"})["event"] == {"event": "x"}
    assert trigger_inputs(JOB, {"event": {"fixed": True}}, {"a": 1})["event"] == {"fixed": True}


def test_a_job_without_matching_inputs_gets_only_its_fixed_ones() -> None:
    bare = job_of({"name": "bare", "nodes": [{"id": "done", "kind": "terminate"}]})
    assert trigger_inputs(bare, {}, {"region": "north"}) == {}


def test_a_cron_payload_names_the_scheduled_time() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert cron_payload(7, at, catch_up=True) == {
        "trigger": 7,
        "at": "2026-01-02T03:04:05+00:00",
        "catch_up": True,
    }
