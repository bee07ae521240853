"""What breaks in production, with real processes: killed runners, hung programs, broken
services, events that never come, a crowd of runs, cancels, and control-plane restarts."""

from __future__ import annotations

import http.server
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Installation
from tests.runtime.conftest import Runtime, prepare, running


def _count(folder: Path, name: str) -> str:
    """A shell snippet appending a line to ``folder/name`` (counts the node's executions)."""
    return f'echo x >> "{folder}/{name}"'


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def _command(node_id: str, script: str, **more: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": "command", "argv": ["sh", "-c", script], **more}


def _chain(name: str, nodes: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    edges = [{"from": a["id"], "to": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return {"name": name, "nodes": nodes, "edges": edges, **more}


def _until(condition: Any, seconds: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {seconds} s: {what or condition}")
        time.sleep(0.05)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"


def _gated(folder: Path) -> dict[str, Any]:
    """first -> second (waits for the file ``go``) -> last, each counting its executions;
    second notes its process ids in ``pids``."""
    wait_go = f'echo $$ >> "{folder}/pids"; until [ -e "{folder}/go" ]; do sleep 0.05; done'
    return _chain(
        "gated",
        [
            _command("first", _count(folder, "first")),
            _command("second", f"{_count(folder, 'second')}; {wait_go}"),
            _command("last", _count(folder, "last")),
        ],
    )


def _counts(folder: Path) -> list[int]:
    return [_lines(folder / name) for name in ("first", "second", "last")]


def test_a_runner_killed_mid_run_is_resumed_without_redoing_finished_nodes(
    runtime: Runtime, tmp_path: Path
) -> None:
    with runtime.admin() as admin:
        runtime.save(admin, _gated(tmp_path))
        run_id = runtime.start(admin, "gated")["id"]
        _until(lambda: _lines(tmp_path / "second") == 1, what="second started")
        runner = runtime.detail(admin, run_id)["run"]["runner"]
        pid = int(re.search(r"pid (\d+)", runner).group(1))  # type: ignore[union-attr]
        os.kill(pid, signal.SIGKILL)
        # The run is resumed on another runner, which runs `second` again (it was running);
        # the command the killed runner left behind was stopped first.
        _until(lambda: _lines(tmp_path / "second") == 2, what="second started again")
        orphan = int((tmp_path / "pids").read_text().split()[0])
        _until(lambda: _gone(orphan), 10, "the killed runner's command stopped")
        (tmp_path / "go").touch()
        run = runtime.ended(admin, run_id)
        assert run["state"] == "SUCCEEDED", run
        assert run["resumes"] == 1
        assert str(pid) not in run["runner"]
        assert _counts(tmp_path) == [1, 2, 1]
        nodes = [
            (n["node"], n["attempt"], n["state"]) for n in runtime.detail(admin, run_id)["nodes"]
        ]
        assert nodes == [
            ("first", 1, "SUCCEEDED"),
            ("second", 1, "CRASHED"),
            ("second", 2, "SUCCEEDED"),
            ("last", 1, "SUCCEEDED"),
        ]
        log = [line["line"] for line in admin.get(f"/api/runs/{run_id}/log").json()]
        assert any(line.startswith("crashed: its runner ended") for line in log), log
        assert "queued again, to resume on another runner" in log


def test_a_program_that_hangs_past_its_timeout_fails_the_node(runtime: Runtime) -> None:
    job = {
        "name": "hangs",
        "nodes": [
            {
                "id": "nap",
                "kind": "program",
                "program": "rt.sleepy",
                "service": "rt",
                "bindings": {"seconds": 30},
                "timeout": 1,
            }
        ],
    }
    with runtime.admin() as admin:
        runtime.save(admin, job)
        began = time.monotonic()
        run = runtime.run(admin, "hangs")
        assert time.monotonic() - began < 15
        assert run["state"] == "FAILED"
        (node,) = runtime.detail(admin, run["id"])["nodes"]
        assert (node["state"], node["error"]) == ("FAILED", "timed out after 1 s")


def test_a_program_that_raises_fails_its_node_with_the_reason(runtime: Runtime) -> None:
    job = {
        "name": "raises",
        "nodes": [{"id": "b", "kind": "program", "program": "rt.boom", "service": "rt"}],
    }
    with runtime.admin() as admin:
        runtime.save(admin, job)
        run = runtime.run(admin, "raises")
        assert run["state"] == "FAILED"
        (node,) = runtime.detail(admin, run["id"])["nodes"]
        assert "RuntimeError" in node["error"], node


class _Broken(http.server.BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        _Broken.hits[self.path] = _Broken.hits.get(self.path, 0) + 1
        if self.path == "/fail":
            self._answer(500, b'{"error": "it broke"}')
        elif self.path == "/garbage":
            self._answer(200, b"<html>not json")
        elif self.path == "/nothing":
            time.sleep(5)  # never answers within the node's timeout
        elif self.path == "/hangup":
            self.close_connection = True
            self.connection.shutdown(2)  # closes without a word

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def broken_service() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Broken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Broken.hits = {}
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_service_nodes_whose_server_answers_500_garbage_or_nothing_fail_clearly(
    runtime: Runtime, broken_service: str
) -> None:
    def call(node_id: str, path: str, **more: Any) -> dict[str, Any]:
        return {
            "id": node_id,
            "kind": "service",
            "method": "GET",
            "url": broken_service + path,
            "on_error": "continue",
            **more,
        }

    job = {
        "name": "broken",
        "nodes": [
            {
                "id": "all",
                "kind": "parallel",
                "branches": [
                    {"nodes": [call("fail", "/fail", retry={"attempts": 2, "backoff": 0.1})]},
                    {"nodes": [call("garbage", "/garbage", outputs={"rate": {"type": "number"}})]},
                    {"nodes": [call("nothing", "/nothing", timeout=1)]},
                    {"nodes": [call("hangup", "/hangup")]},
                ],
            }
        ],
    }
    with runtime.admin() as admin:
        runtime.save(admin, job)
        run = runtime.run(admin, "broken")
        assert run["state"] == "SUCCEEDED", run  # every failure was allowed to continue
        final = {n["node"]: n for n in runtime.detail(admin, run["id"])["nodes"]}
        assert final["fail"]["state"] == "FAILED" and final["fail"]["attempt"] == 2
        assert "answered HTTP 500" in final["fail"]["error"]
        assert final["fail"]["outputs"]["status"] == 500
        assert _Broken.hits["/fail"] == 2
        assert "not JSON" in final["garbage"]["error"]
        assert "timed out" in final["nothing"]["error"]
        assert final["hangup"]["state"] == "FAILED" and final["hangup"]["error"]


def test_a_wait_for_an_event_that_never_comes_times_out(runtime: Runtime) -> None:
    job = {
        "name": "waits",
        "nodes": [{"id": "w", "kind": "wait", "event": {"name": "never"}, "timeout": 1}],
    }
    with runtime.admin() as admin:
        runtime.save(admin, job)
        run = runtime.run(admin, "waits")
        assert run["state"] == "FAILED"
        (node,) = runtime.detail(admin, run["id"])["nodes"]
        assert node["error"] == "timed out after 1 s"


def test_a_wait_ends_on_the_first_event_that_passes_its_filter(runtime: Runtime) -> None:
    job = {
        "name": "awaits",
        "nodes": [
            {
                "id": "w",
                "kind": "wait",
                "event": {"name": "orders.loaded", "filter": "event.n > 1"},
                "timeout": 30,
            }
        ],
        "outputs": {"n": {"type": "integer", "value": "int(nodes.w.event.n)"}},
    }
    with runtime.admin() as admin:
        runtime.save(admin, job)
        run_id = runtime.start(admin, "awaits")["id"]
        runtime.until(admin, run_id, lambda d: [n["state"] for n in d["nodes"]] == ["WAITING"])

        def woke(payload: dict[str, Any]) -> int:
            answer = admin.post("/api/events/orders.loaded", json=payload)
            assert answer.status_code == 200, answer.text
            return int(answer.json()["woken"])

        # Until the wait has reached the control plane, events pass it by; once it has, one
        # that fails its filter leaves it waiting and one that passes ends it.
        _until(lambda: woke({"n": 0}) == 0 and woke({"n": 2}) == 1, what="the wait took it")
        run = runtime.ended(admin, run_id)
        assert (run["state"], run["outputs"]) == ("SUCCEEDED", {"n": 2})


def test_fifty_runs_with_a_cap_of_four_all_finish_in_order(
    installation: Installation, tmp_path: Path
) -> None:
    prepare(installation, tmp_path, warm=4)
    job = {"name": "nap", "nodes": [_command("n", "sleep 0.1")]}
    with running(installation, max_concurrent_runs=4) as live, live.admin() as admin:
        live.save(admin, job)
        # One after the other (each answered once queued), so that the queue's order is known.
        ids = [live.start(admin, "nap")["id"] for _ in range(50)]
        queue = admin.get("/api/runs/queue").json()
        positions = [entry["position"] for entry in queue]
        assert positions == list(range(1, len(queue) + 1))
        runs = [live.ended(admin, run_id, seconds=120) for run_id in ids]
    assert {run["state"] for run in runs} == {"SUCCEEDED"}
    started = [datetime.fromisoformat(run["started_at"]) for run in runs]
    assert started == sorted(started), "runs started out of their queue order"
    spans = [
        (datetime.fromisoformat(r["started_at"]), datetime.fromisoformat(r["finished_at"]))
        for r in runs
    ]
    most = max(sum(1 for a, b in spans if a <= moment < b) for moment, _ in spans)
    assert most <= 4


def test_cancel_during_a_foreach_stops_its_commands(runtime: Runtime, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    job = {
        "name": "many",
        "nodes": [
            {
                "id": "each",
                "kind": "foreach",
                "items": "[1, 2, 3, 4, 5, 6]",
                "concurrency": 3,
                "body": {"nodes": [_command("nap", f'echo $$ >> "{pids}"; exec sleep 30')]},
            }
        ],
    }
    with runtime.admin() as admin:
        runtime.save(admin, job)
        run_id = runtime.start(admin, "many")["id"]
        _until(lambda: _lines(pids) == 3, what="three items started")
        began = time.monotonic()
        answer = admin.post(f"/api/runs/{run_id}/cancel")
        assert answer.status_code == 200, answer.text
        run = runtime.ended(admin, run_id, seconds=20)
        assert run["state"] == "CANCELLED"
        assert time.monotonic() - began < 10
        started = [int(line) for line in pids.read_text().split()]
        assert len(started) == 3  # no item started after the cancel
        _until(lambda: all(_gone(pid) for pid in started), 10, "the commands stopped")
        states = {n["node"]: n["state"] for n in runtime.detail(admin, run_id)["nodes"]}
        assert {states[f"each[{i}].nap"] for i in range(3)} == {"CANCELLED"}
        again = admin.post(f"/api/runs/{run_id}/cancel")
        assert again.status_code == 409 and "already ended" in again.json()["detail"]


def test_a_control_plane_restart_resumes_running_runs_and_keeps_queued_ones(
    installation: Installation, tmp_path: Path
) -> None:
    prepare(installation, tmp_path)
    with running(installation, max_concurrent_runs=1) as live, live.admin() as admin:
        live.save(admin, _gated(tmp_path))
        first = live.start(admin, "gated")["id"]
        _until(lambda: _lines(tmp_path / "second") == 1, what="second started")
        queued = live.start(admin, "gated")
        assert (queued["state"], queued["position"]) == ("QUEUED", 1)
    # The control plane is gone; its runner saw the connection end and stopped the run.
    (tmp_path / "go").touch()
    with running(installation, max_concurrent_runs=1) as live, live.admin() as admin:
        run = live.ended(admin, first)
        assert (run["state"], run["resumes"]) == ("SUCCEEDED", 1)
        later = live.ended(admin, queued["id"])
        assert (later["state"], later["resumes"]) == ("SUCCEEDED", 0)
        assert later["started_at"] >= run["finished_at"]
    # first ran once for each run; second twice for the resumed run and once for the other.
    assert _counts(tmp_path) == [2, 3, 2]


def test_a_run_past_its_jobs_max_duration_fails(runtime: Runtime) -> None:
    job = {
        "name": "slow",
        "settings": {"max_duration": 1},
        "nodes": [_command("nap", "exec sleep 30")],
    }
    with runtime.admin() as admin:
        runtime.save(admin, job)
        began = time.monotonic()
        run = runtime.run(admin, "slow")
        assert time.monotonic() - began < 10
        assert run["state"] == "FAILED"
        assert run["error"] == "it ran longer than the job's max_duration (1 s)"
