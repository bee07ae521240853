"""Triggers on a live control plane with real runners: cron (across a restart), events,
completions, files and webhooks, and who may define and fire them."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import baton.jobs.triggers
from baton.registry import access, roles, runs, triggers, users
from baton.registry.enums import Action, PrincipalKind, ResourceKind
from tests.conftest import Installation
from tests.runtime.conftest import Runtime, prepare, running

ANN = "ann"
ANN_PASSWORD = "ann-password-123"
EVENT = {"event": {"type": "object"}}


def _job(name: str, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "inputs": inputs if inputs is not None else EVENT,
        "nodes": [{"id": "done", "kind": "terminate"}],
    }


def _until(condition: Callable[[], object], seconds: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {seconds} s: {what or condition}")
        time.sleep(0.05)


def _runs(client: httpx.Client, job: str) -> list[dict[str, Any]]:
    answer = client.get("/api/runs", params={"job": job, "limit": 500})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return sorted(items, key=lambda run: run["id"])


def _create(client: httpx.Client, job: str, **body: Any) -> dict[str, Any]:
    answer = client.post(f"/api/jobs/{job}/triggers", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _refused(client: httpx.Client, job: str, status: int, **body: Any) -> dict[str, Any]:
    answer = client.post(f"/api/jobs/{job}/triggers", json=body)
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()
    return error


def _trigger(client: httpx.Client, ref: int | str) -> dict[str, Any]:
    answer = client.get(f"/api/triggers/{ref}")
    assert answer.status_code == 200, answer.text
    record: dict[str, Any] = answer.json()
    return record


def _next_fire(client: httpx.Client, ref: int | str) -> datetime:
    return datetime.fromisoformat(_trigger(client, ref)["next_fire_at"])


def _ann(installation: Installation, *grants: tuple[str, Action]) -> None:
    """User ann, who may run jobs (the analyst role), with these grants on jobs."""
    with installation.database.session() as session:
        if users.find(session, ANN) is None:
            users.create_user(session, ANN, password=ANN_PASSWORD)
            roles.assign(session, "analyst", PrincipalKind.USER, ANN, actor="test")
        for job, action in grants:
            access.grant(
                session, PrincipalKind.USER, ANN, ResourceKind.JOB, job, action, granted_by="test"
            )


def test_cron_triggers_fire_and_catch_up_over_a_restart(
    installation: Installation, tmp_path: Path
) -> None:
    prepare(installation, tmp_path)
    with running(installation) as live, live.admin() as admin:
        live.save(admin, _job("tick"))
        every = _create(admin, "tick", kind="cron", spec="* * * * * *", catch_up="all")
        daily = {}
        for policy in ("none", "latest", "all"):
            live.save(admin, _job(f"daily-{policy}"))
            created = _create(
                admin, f"daily-{policy}", kind="cron", spec="0 0 * * *", catch_up=policy
            )
            daily[policy] = created["trigger"]["id"]
        _until(lambda: len(_runs(admin, "tick")) >= 2, 10, "tick fired twice")
        ticked = _trigger(admin, every["trigger"]["id"])
        assert ticked["last_run"] is not None and ticked["last_error"] == ""
    # Down: every second of tick is missed until the next start; and "move time" for the
    # daily ones, as if the control plane had been down for two days and a bit.
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with installation.database.session() as session:
        stored = triggers.get_trigger(session, every["trigger"]["id"]).next_fire_at
        before = {run.inputs["event"]["at"] for run in runs.list_runs(session, job="tick").items}
        for trigger_id in daily.values():
            triggers.update_trigger(
                session, trigger_id, next_fire_at=day - timedelta(days=2), actor="test"
            )
    assert stored is not None
    last_missed = stored + timedelta(seconds=1)
    _until(lambda: datetime.now(UTC) > last_missed + timedelta(seconds=0.5), 5, "missed seconds")
    with running(installation) as live, live.admin() as admin:
        restarted = datetime.now(UTC)
        _until(lambda: len(_runs(admin, "daily-all")) == 3, 15, "three catch-up runs")
        _until(lambda: len(_runs(admin, "daily-latest")) == 1, 5, "one catch-up run")
        _until(lambda: _next_fire(admin, daily["none"]) > restarted, 5, "policy none moved on")
        assert _runs(admin, "daily-none") == []
        at_all = [run["inputs"]["event"]["at"] for run in _runs(admin, "daily-all")]
        expected = [(day - timedelta(days=d)).isoformat() for d in (2, 1, 0)]
        assert sorted(at_all) == expected
        (latest,) = _runs(admin, "daily-latest")
        assert latest["inputs"]["event"] == {
            "trigger": daily["latest"],
            "at": day.isoformat(),
            "catch_up": True,
        }
        for trigger_id in daily.values():
            assert _next_fire(admin, trigger_id) == day + timedelta(days=1)

        # Every second of tick fired exactly once, before, during and after the downtime.
        def fired() -> list[datetime]:
            return sorted(
                datetime.fromisoformat(run["inputs"]["event"]["at"]) for run in _runs(admin, "tick")
            )

        _until(lambda: fired()[-1] > restarted + timedelta(seconds=1), 10, "tick goes on")
        answer = admin.patch(f"/api/triggers/{every['trigger']['id']}", json={"enabled": False})
        assert answer.status_code == 200 and answer.json()["enabled"] is False
        times = fired()
        gaps = {later - earlier for earlier, later in zip(times, times[1:], strict=False)}
        assert gaps == {timedelta(seconds=1)}, times
        # The seconds missed while it was down fired when it started, marked so; then the others.
        events = [run["inputs"]["event"] for run in _runs(admin, "tick")]
        assert not any(event["catch_up"] for event in events if event["at"] in before)
        later = sorted(
            (event for event in events if event["at"] not in before),
            key=lambda event: datetime.fromisoformat(event["at"]),
        )
        down = [event for event in later if datetime.fromisoformat(event["at"]) <= last_missed]
        assert len(down) == 2 and all(event["catch_up"] for event in down), later
        flags = [event["catch_up"] for event in later]
        assert flags == sorted(flags, reverse=True), later


def test_event_triggers_filter_take_inputs_and_check_the_raiser(runtime: Runtime) -> None:
    _ann(runtime.installation)
    with runtime.admin() as admin, runtime.client(ANN, ANN_PASSWORD) as ann:
        runtime.save(
            admin,
            _job("orders", {"region": {"type": "string"}, "mode": {"type": "string"}, **EVENT}),
        )
        created = _create(
            admin,
            "orders",
            kind="event",
            name="north-orders",
            spec="orders.loaded",
            filter='event.region == "north"',
            inputs={"mode": "auto"},
        )
        assert created["secret"] is None
        for payload in ({"region": "south"}, {"count": 1}):  # the filter fails, or cannot apply
            answer = admin.post("/api/events/orders.loaded", json=payload)
            assert answer.status_code == 200 and answer.json()["runs"] == [], answer.text
        answer = admin.post("/api/events/orders.loaded", json={"region": "north", "count": 3})
        assert answer.status_code == 200, answer.text
        (run_id,) = answer.json()["runs"]
        run = runtime.detail(admin, run_id)["run"]
        assert run["inputs"] == {
            "region": "north",
            "mode": "auto",
            "event": {"region": "north", "count": 3},
        }
        assert run["created_by"] == "admin"
        # ann may raise events but not run the job: her event starts nothing, and says why.
        answer = ann.post("/api/events/orders.loaded", json={"region": "north"})
        assert answer.status_code == 200 and answer.json()["runs"] == [], answer.text
        trigger = _trigger(admin, "north-orders")
        assert "raiser ann" in trigger["last_error"] and trigger["enabled"]
        fires = runtime.audit("trigger.fire")
        assert fires[0].outcome == "denied" and fires[1].outcome == "ok"
        # A run's emit node raises it too, for the user of that run.
        emitter = {
            "name": "emitter",
            "nodes": [
                {
                    "id": "say",
                    "kind": "emit",
                    "event": "orders.loaded",
                    "bindings": {"region": {"value": "north"}},
                }
            ],
        }
        runtime.save(admin, emitter)
        emitted = runtime.run(admin, "emitter")
        assert emitted["state"] == "SUCCEEDED", emitted
        _until(lambda: len(_runs(admin, "orders")) == 2, 10, "the emitted event's run")
        assert _runs(admin, "orders")[1]["inputs"]["event"] == {"region": "north"}
        for reserved in ("run.finished", "webhook.north-orders"):
            answer = admin.post(f"/api/events/{reserved}", json={})
            assert answer.status_code == 400 and "name" in answer.json()["detail"]


def test_completion_triggers_follow_another_job_and_loops_are_cut(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(baton.jobs.triggers, "MAX_CHAIN", 2)
    with runtime.admin() as admin:
        runtime.save(admin, _job("ping"))
        runtime.save(admin, _job("pong"))
        error = _refused(admin, "ping", 400, kind="completion", spec="ping")
        assert error["detail"].startswith("spec: a job's own completion")
        error = _refused(admin, "ping", 400, kind="completion", spec="pong", filter="1 + 1")
        assert error["detail"].startswith("filter:")
        succeeded = 'event.state == "SUCCEEDED"'
        _create(admin, "ping", kind="completion", spec="pong", filter=succeeded)
        to_pong = _create(admin, "pong", kind="completion", spec="ping", filter=succeeded)
        first = runtime.start(admin, "ping")["id"]
        # ping (started by hand) -> pong -> ping; a second pong would make a chain of three.
        pong_id = to_pong["trigger"]["id"]
        _until(lambda: "chain" in _trigger(admin, pong_id)["last_error"], 30, "the loop cut")
        pings, pongs = _runs(admin, "ping"), _runs(admin, "pong")
        assert (len(pings), len(pongs)) == (2, 1)
        assert pongs[0]["inputs"]["event"] == {
            "run": first,
            "job": "ping",
            "state": "SUCCEEDED",
            "outputs": {},
            "error": "",
        }
        assert pings[1]["inputs"]["event"]["run"] == pongs[0]["id"]


def test_a_file_trigger_fires_once_per_new_file(runtime: Runtime, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "old.csv").write_text("there before the trigger\n")
    job = _job("load", {"file": {"type": "string"}, "library": {"type": "string"}})
    with runtime.admin() as admin:
        answer = admin.post("/api/libraries", json={"name": "drop", "path": str(drop)})
        assert answer.status_code == 201, answer.text
        runtime.save(admin, job)
        error = _refused(admin, "load", 400, kind="file", spec="drop", pattern="../*.csv")
        assert error["detail"].startswith("pattern:")
        error = _refused(admin, "load", 400, kind="file", spec="nowhere", pattern="*.csv")
        assert error["detail"].startswith("spec:")
        created = _create(admin, "load", kind="file", spec="drop", pattern="*.csv")
        trigger_id = created["trigger"]["id"]
        # Written under a hidden name, then renamed into place: it fires once, complete.
        (drop / ".new.csv").write_text("a,b\n")
        (drop / ".new.csv").rename(drop / "new.csv")
        (drop / "notes.txt").write_text("not a csv\n")
        _until(lambda: len(_runs(admin, "load")) == 1, 10, "new.csv fired")
        (drop / "new.csv").write_text("changed: not a new file\n")
        (drop / "b.csv").write_text("c,d\n")
        _until(lambda: len(_runs(admin, "load")) == 2, 10, "b.csv fired")

        def files() -> list[str]:
            return [run["inputs"]["file"] for run in _runs(admin, "load")]

        assert files() == ["new.csv", "b.csv"]
        assert _runs(admin, "load")[0]["inputs"] == {"file": "new.csv", "library": "drop"}
        # Removed, then written again: a new arrival.
        (drop / "new.csv").unlink()
        with runtime.installation.database.session() as session:
            _until(lambda: "new.csv" not in triggers.seen_files(session, trigger_id), 10)
        (drop / "new.csv").write_text("again\n")
        _until(lambda: len(_runs(admin, "load")) == 3, 10, "new.csv fired again")
        assert files() == ["new.csv", "b.csv", "new.csv"]


def test_a_webhook_needs_the_signature_of_its_secret(runtime: Runtime) -> None:
    job = _job("hooked", {"order": {"type": "integer"}, **EVENT})
    with runtime.admin() as admin, runtime.client() as anonymous:
        runtime.save(admin, job)
        error = _refused(admin, "hooked", 400, kind="webhook")
        assert error["detail"].startswith("name:")
        created = _create(admin, "hooked", kind="webhook", name="orders-in")
        secret = created["secret"]
        assert created["trigger"]["hook"] == "/api/hooks/orders-in"
        assert secret not in admin.get("/api/triggers/orders-in").text

        def call(body: bytes, key: str | None = secret, name: str = "orders-in") -> httpx.Response:
            headers = {"Content-Type": "application/json"}
            if key is not None:
                headers["X-Baton-Signature"] = "sha256=" + triggers.signature(key, body)
            return anonymous.post(f"/api/hooks/{name}", content=body, headers=headers)

        body = b'{"order": 7, "by": "shop"}'
        missing = call(body, None)
        assert missing.status_code == 401 and "X-Baton-Signature" in missing.json()["detail"]
        wrong = call(body, "not-the-secret")
        unknown = call(body, secret, "no-such-hook")
        assert wrong.status_code == unknown.status_code == 403
        assert wrong.json()["error"] == unknown.json()["error"] == "forbidden"
        refusals = runtime.audit("webhook.refused")
        assert [r.outcome for r in refusals] == ["denied"] * 3
        assert anonymous.get("/api/hooks/orders-in").status_code == 401  # only POST is public
        answer = call(body)
        assert answer.status_code == 202, answer.text
        run_id = answer.json()["run"]
        assert answer.json()["runs"] == [run_id]
        run = runtime.detail(admin, run_id)["run"]
        assert run["inputs"] == {"order": 7, "event": {"order": 7, "by": "shop"}}
        assert call(b"[1, 2]").status_code == 400
        assert call(b"not json").status_code == 400
        assert call(b"[" * 50_000 + b"]" * 50_000).status_code == 400
        assert call(b'{"order": "seven"}').status_code == 400  # its run's input does not fit
        assert call(b" " * (300 * 1024)).status_code == 413
        rotated = admin.post("/api/triggers/orders-in/rotate-secret")
        assert rotated.status_code == 200, rotated.text
        assert call(body).status_code == 403
        assert call(body, rotated.json()["secret"]).status_code == 202
        assert runtime.audit("trigger.rotate_secret")


def test_defining_a_trigger_needs_rights_and_valid_fields(runtime: Runtime) -> None:
    _ann(runtime.installation, ("guarded", Action.WRITE))
    job = _job("guarded", {"n": {"type": "integer", "required": True}})
    with runtime.admin() as admin, runtime.client(ANN, ANN_PASSWORD) as ann:
        runtime.save(admin, job)
        cron = {"kind": "cron", "spec": "0 3 * * *", "inputs": {"n": 1}}
        for change, field in (
            ({"spec": "0 3 * *"}, "spec"),
            ({"spec": "0 0 31 2 *"}, "spec"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"catch_up": "some"}, None),  # not a policy: 422
            ({"filter": "true"}, "filter"),
            ({"inputs": {}}, "inputs.n"),
            ({"inputs": {"n": "one"}}, "inputs.n"),
            ({"inputs": {"n": 1, "x": 2}}, "inputs.x"),
        ):
            error = _refused(admin, "guarded", 422 if field is None else 400, **{**cron, **change})
            if field is not None:
                assert error["detail"].startswith(f"{field}:"), error
        error = _refused(admin, "guarded", 400, kind="event", spec="run.finished")
        assert error["detail"].startswith("spec:")
        error = _refused(admin, "guarded", 400, kind="event", spec="e", filter="event.(")
        assert error["detail"].startswith("filter:")
        # ann may change the job but not run it: her runs would fail, so she may not define one.
        error = _refused(ann, "guarded", 403, **cron)
        assert "run" in error["detail"]
        with runtime.plain() as plain:
            assert plain.get("/api/jobs/guarded/triggers").status_code == 403

        created = _create(admin, "guarded", name="nightly", timezone="Europe/Paris", **cron)
        record = created["trigger"]
        first = datetime.fromisoformat(record["next_fire_at"])
        assert (first.hour, first.minute) in ((1, 0), (2, 0))  # 03:00 in Paris, in UTC
        assert _trigger(admin, record["id"]) == _trigger(admin, "nightly")
        listed = admin.get("/api/jobs/guarded/triggers").json()
        assert [t["name"] for t in listed["items"]] == ["nightly"]
        assert ann.get("/api/triggers/nightly").status_code == 404  # ann may not read the job

        with runtime.installation.database.session() as session:
            for action in (Action.READ, Action.RUN):
                access.grant(
                    session,
                    PrincipalKind.USER,
                    ANN,
                    ResourceKind.JOB,
                    "guarded",
                    action,
                    granted_by="test",
                )
        answer = ann.patch("/api/triggers/nightly", json={"enabled": False})
        assert answer.status_code == 200, answer.text
        assert (answer.json()["enabled"], answer.json()["created_by"]) == (False, "admin")
        answer = ann.patch("/api/triggers/nightly", json={"spec": "30 4 * * *", "enabled": True})
        assert answer.status_code == 200, answer.text
        assert (answer.json()["spec"], answer.json()["created_by"]) == ("30 4 * * *", ANN)
        answer = ann.patch("/api/triggers/nightly", json={"timezone": "Nowhere/Else"})
        assert answer.status_code == 400 and answer.json()["detail"].startswith("timezone:")
        assert ann.post("/api/triggers/nightly/rotate-secret").status_code == 409
        assert ann.delete("/api/triggers/nightly").status_code == 204
        assert admin.get("/api/triggers/nightly").status_code == 404
        assert len(runtime.audit("trigger.update", ANN)) == 2
        assert runtime.audit("trigger.create", "admin") and runtime.audit("trigger.delete", ANN)


def test_a_fire_whose_user_lost_the_right_is_recorded_and_the_trigger_stays(
    runtime: Runtime,
) -> None:
    _ann(
        runtime.installation,
        *(("kept", action) for action in (Action.READ, Action.WRITE, Action.RUN)),
    )
    with runtime.admin() as admin, runtime.client(ANN, ANN_PASSWORD) as ann:
        runtime.save(admin, _job("kept"))
        created = _create(ann, "kept", kind="event", spec="kept.go")
        with runtime.installation.database.session() as session:
            access.revoke(
                session,
                PrincipalKind.USER,
                ANN,
                ResourceKind.JOB,
                "kept",
                Action.RUN,
                revoked_by="test",
            )
        answer = admin.post("/api/events/kept.go", json={})
        assert answer.status_code == 200 and answer.json()["runs"] == []
        trigger = _trigger(admin, created["trigger"]["id"])
        assert "not allowed to run job 'kept'" in trigger["last_error"]
        assert trigger["enabled"] and trigger["last_fired_at"] is not None
        assert runtime.audit("trigger.fire")[0].outcome == "denied"
        _ann(runtime.installation, ("kept", Action.RUN))
        answer = admin.post("/api/events/kept.go", json={})
        (run_id,) = answer.json()["runs"]
        assert runtime.detail(admin, run_id)["run"]["created_by"] == ANN
        assert _trigger(admin, created["trigger"]["id"])["last_error"] == ""
