"""The engine: a job run's graph in one process, with threads; real processes for commands and a
real HTTP server for services."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse

from baton.jobs.engine import Engine, MemoryStore, RunResult
from baton.jobs.executors import LocalExecutors, NodeFailed
from baton.jobs.model import Job, ProgramNode
from baton.jobs.states import NodeState, RunState
from tests.api.conftest import serve

Program = Callable[[dict[str, object]], object]


class Fakes(LocalExecutors):
    """Local executors whose ``program`` nodes call Python functions (``lib.name`` -> function),
    counting calls and the most running at once."""

    def __init__(self, programs: Mapping[str, Program] | None = None) -> None:
        super().__init__()
        self.programs = dict(programs or {})
        self.calls: list[tuple[str, dict[str, object]]] = []
        self.running = 0
        self.most = 0
        self._count = threading.Lock()

    def program(
        self,
        node: ProgramNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        with self._count:
            self.calls.append((node.program, dict(inputs)))
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return {"result": self.programs[node.program](dict(inputs))}
        finally:
            with self._count:
                self.running -= 1

    def count(self, program: str) -> int:
        return sum(1 for name, _ in self.calls if name == program)


def make_job(
    nodes: list[dict[str, object]],
    edges: Sequence[Mapping[str, object]] = (),
    **more: object,
) -> Job:
    return Job.model_validate({"name": "t", "nodes": nodes, "edges": list(edges), **more})


def run(
    job: Job,
    executors: LocalExecutors | None = None,
    store: MemoryStore | None = None,
    inputs: Mapping[str, object] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[RunResult, MemoryStore]:
    store = store if store is not None else MemoryStore()
    with executors if executors is not None else LocalExecutors() as ex:
        result = Engine(job, inputs or {}, store, ex, cancel=cancel).run()
    return result, store


def final_state(store: MemoryStore, path: str) -> NodeState | None:
    record = store.final(path)
    return record.state if record else None


def program(node_id: str, name: str = "lib.step", **more: object) -> dict[str, object]:
    return {"id": node_id, "kind": "program", "program": name, **more}


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def gone(pid: int) -> bool:
    """The process no longer runs (absent, or a zombie nobody reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


# --- sequence, data, outputs -----------------------------------------------------------------


def test_sequence_passes_data_through_node_outputs_and_evaluates_the_job_outputs() -> None:
    fakes = Fakes({"lib.add": lambda i: int(i["x"]) + 1})  # type: ignore[call-overload]
    job = make_job(
        [
            program("a", "lib.add", bindings={"x": "inputs.start"}),
            program("b", "lib.add", bindings={"x": "nodes.a.result"}),
            {
                "id": "show",
                "kind": "command",
                "argv": [
                    sys.executable,
                    "-c",
                    "import os, json; "
                    "print(json.dumps({'v': os.environ['V'], 'w': os.environ['W']}))",
                ],
                "bindings": {"V": "nodes.b.result"},
                "env": {"W": "b={{ nodes.b.result }}"},
                "parse_json": True,
            },
        ],
        [{"from": "a", "to": "b"}, {"from": "b", "to": "show"}],
        inputs={"start": {"type": "integer", "default": 1}},
        outputs={
            "final": {"type": "integer", "value": "nodes.b.result"},
            "shown": {"type": "string", "value": "nodes.show.json.w"},
        },
    )
    result, store = run(job, fakes, inputs={"start": 40})
    assert result == RunResult(RunState.SUCCEEDED, {"final": 42, "shown": "b=42"})
    assert fakes.calls == [("lib.add", {"x": 40}), ("lib.add", {"x": 41})]
    show = store.final("show")
    assert show is not None and show.outputs["json"] == {"v": "42", "w": "b=42"}
    assert show.outputs["exit_code"] == 0
    # Declared input defaults fill missing inputs.
    assert run(job, Fakes({"lib.add": lambda i: int(i["x"]) + 1}))[0].outputs["final"] == 3  # type: ignore[call-overload]


def test_an_output_that_cannot_be_evaluated_fails_the_run() -> None:
    job = make_job(
        [{"id": "a", "kind": "expression"}],
        outputs={"x": {"type": "integer", "value": "nodes.missing.result"}},
    )
    result, _ = run(job)
    assert result.state is RunState.FAILED
    assert result.error.startswith("output x:")


def test_binding_defaults_literals_disabled_nodes_emit_and_timer_waits() -> None:
    fakes = Fakes({"lib.echo": lambda i: i})
    job = make_job(
        [
            {"id": "off", "kind": "command", "argv": ["false"], "disabled": True},
            program(
                "echo",
                "lib.echo",
                bindings={
                    "d": {"expr": "inputs.maybe", "default": "fallback"},
                    "n": 7,
                    "s": {"value": "text"},
                },
            ),
            {"id": "pause", "kind": "wait", "timer": {"seconds": 0.01}, "timeout": 5},
            {
                "id": "tell",
                "kind": "emit",
                "event": "done",
                "bindings": {"r": "nodes.echo.result.n"},
            },
        ],
        [
            {"from": "off", "to": "echo"},
            {"from": "echo", "to": "pause"},
            {"from": "pause", "to": "tell"},
        ],
        inputs={"maybe": {"type": "any"}},
    )
    result, store = run(job, fakes)
    assert result.state is RunState.SUCCEEDED, result.error
    assert fakes.calls == [("lib.echo", {"d": "fallback", "n": 7, "s": "text"})]
    assert store.states("off") == [NodeState.SUCCEEDED]
    assert fakes.emitted == [("done", {"r": 7})]
    pause = store.final("pause")
    assert pause is not None and "at" in pause.outputs


def test_event_waits_and_program_nodes_are_not_local() -> None:
    job = make_job(
        [
            {
                "id": "w",
                "kind": "wait",
                "event": {"name": "go"},
                "timeout": 1,
                "on_error": "continue",
            },
            program("p"),
        ]
    )
    result, store = run(job)
    assert result.state is RunState.FAILED
    w = store.final("w")
    assert w is not None and "not available in this executor" in w.error
    p = store.final("p")
    assert p is not None and "not available in this executor" in p.error


# --- branching -------------------------------------------------------------------------------


def test_if_slots_conditions_and_skipped_propagation() -> None:
    fakes = Fakes({"lib.step": lambda i: i.get("v")})
    job = make_job(
        [
            {"id": "check", "kind": "if", "condition": "inputs.n > 3"},
            program("big", bindings={"v": "'big'"}),
            program("small"),
            program("after_small"),
            {
                "id": "pick",
                "kind": "expression",
                "assign": {"label": "'n=' + string(inputs.n)"},
                "slots": {"low": "inputs.n < 2", "mid": "inputs.n < 10", "high": "true"},
            },
            program("low"),
            program("mid", bindings={"v": "vars.label"}),
            program("high"),
            program("cond_yes", bindings={"v": "1"}),
            program("cond_no"),
        ],
        [
            {"from": "check", "to": "big", "slot": "then"},
            {"from": "check", "to": "small", "slot": "else"},
            {"from": "small", "to": "after_small"},
            {"from": "pick", "to": "low", "slot": "low"},
            {"from": "pick", "to": "mid", "slot": "mid"},
            {"from": "pick", "to": "high", "slot": "high"},
            {
                "from": "big",
                "to": "cond_yes",
                "on": "condition",
                "condition": "nodes.big.result == 'big'",
            },
            {
                "from": "big",
                "to": "cond_no",
                "on": "condition",
                "condition": "nodes.big.result != 'big'",
            },
        ],
        variables={"label": {"type": "string"}},
    )
    result, store = run(job, fakes, inputs={"n": 5})
    assert result.state is RunState.SUCCEEDED, result.error
    ran = {name for name, _ in fakes.calls}
    assert ran == {"lib.step"}
    started = {path for path, _ in store.started}
    assert {"check", "big", "pick", "mid", "cond_yes"} <= started
    for skipped in ("small", "after_small", "low", "high", "cond_no"):
        assert store.states(skipped) == [NodeState.SKIPPED], skipped
        assert skipped not in started
    mid = store.final("mid")
    assert mid is not None and mid.outputs == {"result": "n=5"}
    assert store.variables() == {"label": "n=5"}


# --- parallel, foreach, loop -----------------------------------------------------------------


def test_parallel_branches_really_run_at_once_and_their_nodes_are_visible_after() -> None:
    barrier = threading.Barrier(3, timeout=10)
    stamps: dict[str, tuple[float, float]] = {}

    def meet(inputs: dict[str, object]) -> object:
        start = time.monotonic()
        barrier.wait()  # only returns once all three branches are running
        stamps[str(inputs["name"])] = (start, time.monotonic())
        return inputs["name"]

    fakes = Fakes({"lib.meet": meet})
    branches = [
        {"nodes": [program(f"b{i}", "lib.meet", bindings={"name": f"'b{i}'"})]} for i in range(3)
    ]
    job = make_job(
        [{"id": "fan", "kind": "parallel", "branches": branches}],
        outputs={
            "all": {"type": "list", "value": "[nodes.b0.result, nodes.b1.result, nodes.b2.result]"}
        },
    )
    result, _ = run(job, fakes)
    assert result == RunResult(RunState.SUCCEEDED, {"all": ["b0", "b1", "b2"]})
    latest_start = max(start for start, _ in stamps.values())
    earliest_end = min(end for _, end in stamps.values())
    assert latest_start <= earliest_end  # all three overlapped


def test_foreach_keeps_to_its_concurrency_and_collects_in_item_order() -> None:
    def work(inputs: dict[str, object]) -> object:
        value = int(inputs["v"])  # type: ignore[call-overload]
        time.sleep(0.02 * (5 - value % 5))  # later items finish first
        return value * 10

    fakes = Fakes({"lib.work": work})
    job = make_job(
        [
            {
                "id": "each",
                "kind": "foreach",
                "items": "inputs.values",
                "variable": "v",
                "concurrency": 3,
                "collect": "nodes.work.result + index",
                "body": {"nodes": [program("work", "lib.work", bindings={"v": "v"})]},
            },
            {
                "id": "plain",
                "kind": "foreach",
                "items": "[1, 2]",
                "body": {"nodes": [program("twice", "lib.work", bindings={"v": "item"})]},
            },
        ],
        outputs={
            "r": {"type": "list", "value": "nodes.each.results"},
            "p": {"type": "list", "value": "nodes.plain.results"},
        },
    )
    values = list(range(9))
    result, store = run(job, fakes, inputs={"values": values})
    assert result.state is RunState.SUCCEEDED, result.error
    assert result.outputs["r"] == [v * 10 + v for v in values]
    assert result.outputs["p"] == [{"twice": {"result": 10}}, {"twice": {"result": 20}}]
    assert fakes.most == 3 + 2  # the two foreach nodes run side by side: 3 + 2 at most
    assert store.states("each[4].work") == [NodeState.SUCCEEDED]


def test_foreach_concurrency_alone() -> None:
    def work(inputs: dict[str, object]) -> object:
        time.sleep(0.03)
        return None

    fakes = Fakes({"lib.work": work})
    job = make_job(
        [
            {
                "id": "each",
                "kind": "foreach",
                "items": "[1, 2, 3, 4, 5, 6, 7, 8]",
                "concurrency": 3,
                "body": {"nodes": [program("w", "lib.work")]},
            }
        ]
    )
    result, _ = run(job, fakes)
    assert result.state is RunState.SUCCEEDED
    assert fakes.most == 3
    assert fakes.count("lib.work") == 8


def test_loop_stops_on_its_condition_or_at_max_iterations() -> None:
    def loop_job(condition: str) -> Job:
        return make_job(
            [
                {
                    "id": "again",
                    "kind": "loop",
                    "condition": condition,
                    "max_iterations": 5,
                    "body": {
                        "nodes": [
                            {
                                "id": "inc",
                                "kind": "expression",
                                "assign": {"count": "vars.count + 1"},
                            },
                            program("step", "lib.echo", bindings={"i": "iteration"}),
                        ],
                        "edges": [{"from": "inc", "to": "step"}],
                    },
                }
            ],
            variables={"count": {"type": "integer", "default": 0}},
            outputs={
                "n": {"type": "integer", "value": "nodes.again.iterations"},
                "c": {"type": "integer", "value": "vars.count"},
            },
        )

    fakes = Fakes({"lib.echo": lambda i: i["i"]})
    result, store = run(loop_job("true"), fakes)
    assert result == RunResult(RunState.SUCCEEDED, {"n": 5, "c": 5})
    assert [inputs["i"] for _, inputs in fakes.calls] == [0, 1, 2, 3, 4]
    assert store.states("again#4.step") == [NodeState.SUCCEEDED]

    result, _ = run(loop_job("vars.count < 2"), Fakes({"lib.echo": lambda i: i["i"]}))
    assert result == RunResult(RunState.SUCCEEDED, {"n": 2, "c": 2})


# --- retries, timeouts -----------------------------------------------------------------------


def test_retries_back_off_and_count_attempts() -> None:
    attempts: list[float] = []

    def flaky(inputs: dict[str, object]) -> object:
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise NodeFailed(f"attempt {len(attempts)} broke")
        return "ok"

    fakes = Fakes({"lib.flaky": flaky})
    job = make_job(
        [
            program(
                "f",
                "lib.flaky",
                retry={"attempts": 4, "backoff": 0.01, "factor": 10, "max_backoff": 0.05},
            )
        ]
    )
    result, store = run(job, fakes)
    assert result.state is RunState.SUCCEEDED
    assert len(attempts) == 3
    assert store.states("f") == [NodeState.RETRYING, NodeState.RETRYING, NodeState.SUCCEEDED]
    assert store.started == [("f", 1), ("f", 2), ("f", 3)]
    retrying = [line for path, line in store.lines if path == "f" and "retrying" in line]
    assert retrying == [
        "attempt 1 failed: attempt 1 broke; retrying in 0.01 s",
        "attempt 2 failed: attempt 2 broke; retrying in 0.05 s",  # 0.1, capped
    ]

    # Out of attempts: the node fails with its last error.
    attempts.clear()
    job = make_job([program("f", "lib.flaky", retry={"attempts": 2, "backoff": 0})])
    result, store = run(job, Fakes({"lib.flaky": flaky}))
    assert result.state is RunState.FAILED
    assert "attempt 2 broke" in result.error
    assert store.states("f") == [NodeState.RETRYING, NodeState.FAILED]


def test_a_timeout_kills_the_commands_whole_process_group() -> None:
    job = make_job(
        [
            {
                "id": "slow",
                "kind": "command",
                # the shell prints its background child's pid, then waits for it
                "argv": ["sh", "-c", "sleep 30 & echo $!; wait"],
                "timeout": 0.5,
            }
        ]
    )
    started = time.monotonic()
    result, store = run(job)
    assert time.monotonic() - started < 10
    assert result.state is RunState.FAILED
    record = store.final("slow")
    assert record is not None and record.state is NodeState.FAILED
    assert record.error == "timed out after 0.5 s"
    pid = int(str(record.outputs["stdout"]).strip())
    wait_for(lambda: gone(pid))


def test_exit_codes_and_unparsable_json() -> None:
    job = make_job(
        [
            {
                "id": "three",
                "kind": "command",
                "argv": ["sh", "-c", "echo oops >&2; exit 3"],
                "exit_codes": [0, 3],
            },
            {
                "id": "bad",
                "kind": "command",
                "argv": ["sh", "-c", "echo oops >&2; exit 3"],
                "on_error": "continue",
            },
            {
                "id": "nojson",
                "kind": "command",
                "argv": ["echo", "{"],
                "parse_json": True,
                "on_error": "continue",
            },
            {
                "id": "missing",
                "kind": "command",
                "argv": ["/nonexistent/tool"],
                "on_error": "continue",
            },
        ]
    )
    result, store = run(job)
    assert result.state is RunState.SUCCEEDED
    three = store.final("three")
    assert three is not None and three.outputs["exit_code"] == 3
    assert three.outputs["stderr"] == "oops\n"
    bad = store.final("bad")
    assert bad is not None and bad.error == "exit code 3 (expected 0): oops"
    nojson = store.final("nojson")
    assert nojson is not None and nojson.error.startswith("stdout is not JSON")
    missing = store.final("missing")
    assert missing is not None and "cannot run '/nonexistent/tool'" in missing.error


def test_a_command_that_ignores_sigterm_is_killed() -> None:
    job = make_job(
        [
            {
                "id": "stubborn",
                "kind": "command",
                "argv": ["sh", "-c", "trap '' TERM; sleep 30 & echo $!; wait"],
                "timeout": 0.3,
            }
        ]
    )
    result, store = run(job)
    assert result.state is RunState.FAILED
    record = store.final("stubborn")
    assert record is not None and record.error == "timed out after 0.3 s"
    wait_for(lambda: gone(int(str(record.outputs["stdout"]))))


class Patient(LocalExecutors):
    """A program that waits for its cancel event (set at the deadline), then returns anyway."""

    def program(
        self,
        node: ProgramNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        cancel.wait(30)
        return {"result": "late"}


def test_the_engine_fails_a_node_past_its_deadline_whatever_the_executor_returns() -> None:
    job = make_job([program("p", timeout=0.2)])
    started = time.monotonic()
    result, store = run(job, Patient())
    assert time.monotonic() - started < 10
    assert result.state is RunState.FAILED
    assert store.states("p") == [NodeState.FAILED]
    record = store.final("p")
    assert record is not None and record.error == "timed out after 0.2 s"


# --- on_error, terminate, cancel ---------------------------------------------------------------


def test_on_error_continue_follows_failure_and_always_edges() -> None:
    fakes = Fakes({"lib.step": lambda i: "ran"})
    job = make_job(
        [
            {"id": "boom", "kind": "command", "argv": ["false"], "on_error": "continue"},
            program("on_ok"),
            program("on_fail", bindings={"code": "nodes.boom.exit_code"}),
            program("finally"),
        ],
        [
            {"from": "boom", "to": "on_ok"},
            {"from": "boom", "to": "on_fail", "on": "failure"},
            {"from": "boom", "to": "finally", "on": "always"},
        ],
    )
    result, store = run(job, fakes)
    assert result.state is RunState.SUCCEEDED
    assert store.states("boom") == [NodeState.FAILED]
    assert store.states("on_ok") == [NodeState.SKIPPED]
    assert ("lib.step", {"code": 1}) in fakes.calls
    assert fakes.count("lib.step") == 2


def test_abort_job_fails_the_run_and_cancels_what_runs() -> None:
    job = make_job(
        [
            {"id": "slow", "kind": "command", "argv": ["sleep", "30"]},
            {"id": "boom", "kind": "command", "argv": ["sh", "-c", "sleep 0.2; exit 1"]},
            program("after"),
        ],
        [{"from": "boom", "to": "after", "on": "always"}],
    )
    started = time.monotonic()
    result, store = run(job, Fakes({"lib.step": lambda i: None}))
    assert time.monotonic() - started < 10
    assert result.state is RunState.FAILED
    assert result.error == "node boom failed: exit code 1 (expected 0)"
    assert store.states("slow") == [NodeState.CANCELLED]
    assert store.final("after") is None  # never started


def test_abort_flow_stops_its_branch_and_lets_the_others_finish() -> None:
    fakes = Fakes({"lib.step": lambda i: "ran"})

    def job(parallel_on_error: str) -> Job:
        return make_job(
            [
                {
                    "id": "fan",
                    "kind": "parallel",
                    "on_error": parallel_on_error,
                    "branches": [
                        {
                            "nodes": [
                                {
                                    "id": "boom",
                                    "kind": "command",
                                    "argv": ["false"],
                                    "on_error": "abort_flow",
                                },
                                program("a_next"),
                            ],
                            "edges": [{"from": "boom", "to": "a_next", "on": "always"}],
                        },
                        {
                            "nodes": [
                                {"id": "slow", "kind": "command", "argv": ["sleep", "0.3"]},
                                program("b_next"),
                            ],
                            "edges": [{"from": "slow", "to": "b_next"}],
                        },
                    ],
                },
                program("after"),
            ],
            [{"from": "fan", "to": "after", "on": "failure"}],
        )

    result, store = run(job("abort_job"), fakes)
    assert result.state is RunState.FAILED
    assert "branch 1: node boom failed" in result.error
    assert store.states("slow") == [NodeState.SUCCEEDED]
    assert store.states("b_next") == [NodeState.SUCCEEDED]
    assert store.final("a_next") is None
    assert store.states("fan") == [NodeState.FAILED]

    result, store = run(job("continue"), Fakes({"lib.step": lambda i: "ran"}))
    assert result.state is RunState.SUCCEEDED
    assert store.states("after") == [NodeState.SUCCEEDED]


def test_terminate_ends_the_run_with_its_status_and_message() -> None:
    job = make_job(
        [
            {"id": "slow", "kind": "command", "argv": ["sleep", "30"]},
            {"id": "check", "kind": "if", "condition": "inputs.n > 1"},
            {
                "id": "stop",
                "kind": "terminate",
                "status": "failed",
                "message": "n was {{ inputs.n }}",
            },
        ],
        [{"from": "check", "to": "stop", "slot": "then"}],
    )
    started = time.monotonic()
    result, store = run(job, inputs={"n": 2})
    assert time.monotonic() - started < 10
    assert result == RunResult(RunState.FAILED, {}, "n was 2")
    assert store.states("slow") == [NodeState.CANCELLED]

    ok = make_job(
        [{"id": "stop", "kind": "terminate"}, program("later")],
        [{"from": "stop", "to": "later"}],
        outputs={"x": {"type": "integer", "value": "1"}},
    )
    result, store = run(ok, Fakes())
    assert result == RunResult(RunState.SUCCEEDED, {"x": 1}, "")
    assert store.final("later") is None


def test_cancel_during_a_foreach_kills_running_commands_and_starts_no_more(tmp_path: Path) -> None:
    job = make_job(
        [
            {
                "id": "each",
                "kind": "foreach",
                "items": "[0, 1, 2, 3, 4, 5, 6, 7]",
                "concurrency": 2,
                "body": {
                    "nodes": [
                        {
                            "id": "sleepy",
                            "kind": "command",
                            "argv": [
                                "sh",
                                "-c",
                                # the pid file appears whole (mv), then the shell becomes sleep
                                'echo $$ > "$DIR/$INDEX.t"; mv "$DIR/$INDEX.t" "$DIR/$INDEX.pid";'
                                " exec sleep 30",
                            ],
                            "bindings": {"DIR": {"value": str(tmp_path)}, "INDEX": "index"},
                        }
                    ]
                },
            }
        ]
    )
    cancel = threading.Event()
    store = MemoryStore()
    results: list[RunResult] = []
    with LocalExecutors() as ex:
        engine = Engine(job, {}, store, ex, cancel=cancel)
        thread = threading.Thread(target=lambda: results.append(engine.run()))
        thread.start()
        wait_for(lambda: len(list(tmp_path.glob("*.pid"))) == 2)
        cancel.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert results[0].state is RunState.CANCELLED
    pids = [int(path.read_text()) for path in tmp_path.glob("*.pid")]
    assert len(pids) == 2  # no more items started
    for pid in pids:
        wait_for(lambda pid=pid: gone(pid))  # type: ignore[misc]
    assert sorted(path for path, _ in store.started if path != "each") == [
        "each[0].sleepy",
        "each[1].sleepy",
    ]
    assert store.states("each[0].sleepy") == [NodeState.CANCELLED]
    assert store.states("each") == [NodeState.CANCELLED]


def test_cancel_stops_a_retry_backoff_at_once() -> None:
    def broken(inputs: dict[str, object]) -> object:
        raise NodeFailed("no")

    cancel = threading.Event()
    job = make_job([program("f", "lib.broken", retry={"attempts": 3, "backoff": 60})])
    threading.Timer(0.2, cancel.set).start()
    started = time.monotonic()
    result, store = run(job, Fakes({"lib.broken": broken}), cancel=cancel)
    assert time.monotonic() - started < 10
    assert result.state is RunState.CANCELLED
    assert store.states("f") == [NodeState.RETRYING, NodeState.CANCELLED]


# --- resume ---------------------------------------------------------------------------------


def test_a_resumed_run_does_not_run_finished_nodes_again(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    count = 'echo x >> "$COUNTS/$NAME"'
    job = make_job(
        [
            {
                "id": "first",
                "kind": "command",
                "argv": ["sh", "-c", count],
                "bindings": {"COUNTS": {"value": str(tmp_path)}, "NAME": {"value": "first"}},
            },
            {
                "id": "each",
                "kind": "foreach",
                "items": "[0, 1, 2]",
                "concurrency": 3,
                "body": {
                    "nodes": [
                        {
                            "id": "step",
                            "kind": "command",
                            # item 1 fails until the marker exists, once items 0 and 2
                            # have counted (so the first run's failure cannot stop them)
                            "argv": [
                                "sh",
                                "-c",
                                count
                                + '; [ "$NAME" != item1 ] || { n=0; until [ -s "$COUNTS/item0" ]'
                                ' && [ -s "$COUNTS/item2" ] || [ $n -ge 1000 ]; do n=$((n+1));'
                                ' sleep 0.01; done; [ -e "$MARKER" ]; }',
                            ],
                            "bindings": {
                                "COUNTS": {"value": str(tmp_path)},
                                "NAME": "'item' + string(item)",
                                "MARKER": {"value": str(marker)},
                            },
                        }
                    ]
                },
            },
            {
                "id": "last",
                "kind": "command",
                "argv": ["sh", "-c", count],
                "bindings": {"COUNTS": {"value": str(tmp_path)}, "NAME": {"value": "last"}},
            },
        ],
        [{"from": "first", "to": "each"}, {"from": "each", "to": "last"}],
        outputs={"n": {"type": "integer", "value": "size(nodes.each.results)"}},
    )
    store = MemoryStore()
    result, _ = run(job, store=store)
    assert result.state is RunState.FAILED
    assert [lines(tmp_path / name) for name in ("first", "item0", "item1", "item2", "last")] == [
        1,
        1,
        1,
        1,
        0,
    ]

    marker.touch()
    result, _ = run(job, store=store)
    assert result == RunResult(RunState.SUCCEEDED, {"n": 3})
    assert [lines(tmp_path / name) for name in ("first", "item0", "item1", "item2", "last")] == [
        1,
        1,
        2,
        1,
        1,
    ]
    assert ("first", "already finished: not run again") in store.lines

    # A third run over the finished store runs nothing at all.
    result, _ = run(job, store=store)
    assert result == RunResult(RunState.SUCCEEDED, {"n": 3})
    assert [lines(tmp_path / name) for name in ("first", "item0", "item1", "item2", "last")] == [
        1,
        1,
        2,
        1,
        1,
    ]


def test_a_resumed_run_follows_the_same_branch_without_assigning_again() -> None:
    fakes = Fakes({"lib.step": lambda i: i.get("v")})
    job = make_job(
        [
            {
                "id": "bump",
                "kind": "expression",
                "assign": {"n": "vars.n + 1"},
                "slots": {"one": "vars.n == 1", "other": "true"},
            },
            program("one", bindings={"v": "vars.n"}),
            program("other"),
            program("fails", "lib.fails"),
        ],
        [
            {"from": "bump", "to": "one", "slot": "one"},
            {"from": "bump", "to": "other", "slot": "other"},
            {"from": "one", "to": "fails"},
        ],
        variables={"n": {"type": "integer", "default": 0}},
    )
    store = MemoryStore()
    fakes.programs["lib.fails"] = lambda i: (_ for _ in ()).throw(NodeFailed("not yet"))
    assert run(job, fakes, store=store)[0].state is RunState.FAILED
    fakes.programs["lib.fails"] = lambda i: "fine"
    result, _ = run(job, fakes, store=store)
    assert result.state is RunState.SUCCEEDED
    assert store.variables() == {"n": 1}
    assert fakes.calls == [("lib.step", {"v": 1}), ("lib.fails", {}), ("lib.fails", {})]


# --- services --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service_url() -> Iterator[str]:
    app = FastAPI()

    @app.post("/add")
    def add(body: dict[str, int]) -> dict[str, int]:
        return {"sum": body["a"] + body["b"]}

    @app.get("/hello")
    def hello(name: str) -> dict[str, str]:
        return {"hello": name}

    @app.post("/boom")
    def boom() -> JSONResponse:
        return JSONResponse({"error": "kaput"}, status_code=500)

    @app.post("/garbage")
    def garbage() -> PlainTextResponse:
        return PlainTextResponse("<html>not json")

    with serve(app) as url:
        yield url


def test_service_nodes_call_http_and_fail_on_errors_and_garbage(service_url: str) -> None:
    job = make_job(
        [
            {
                "id": "add",
                "kind": "service",
                "url": "{{ inputs.base }}/add",
                "headers": {"X-Run": "{{ inputs.base }}"},
                "bindings": {"a": 2, "b": "inputs.b"},
                "outputs": {"sum": {"type": "integer"}},
            },
            {
                "id": "hello",
                "kind": "service",
                "method": "GET",
                "url": "{{ inputs.base }}/hello",
                "bindings": {"name": "'bob'"},
            },
            {
                "id": "boom",
                "kind": "service",
                "url": "{{ inputs.base }}/boom",
                "on_error": "continue",
            },
            {
                "id": "garbage",
                "kind": "service",
                "url": "{{ inputs.base }}/garbage",
                "outputs": {"x": {"type": "integer"}},
                "on_error": "continue",
            },
            {"id": "lenient", "kind": "service", "url": "{{ inputs.base }}/garbage"},
        ],
        outputs={
            "sum": {"type": "integer", "value": "nodes.add.json.sum"},
            "hello": {"type": "string", "value": "nodes.hello.json.hello"},
        },
    )
    result, store = run(job, inputs={"base": service_url, "b": 40})
    assert result == RunResult(RunState.SUCCEEDED, {"sum": 42, "hello": "bob"})
    add = store.final("add")
    assert add is not None and add.outputs["status"] == 200
    assert add.outputs["headers"]["content-type"] == "application/json"  # type: ignore[index]
    boom = store.final("boom")
    assert boom is not None and boom.state is NodeState.FAILED
    assert "answered HTTP 500" in boom.error and boom.outputs["status"] == 500
    garbage = store.final("garbage")
    assert garbage is not None and garbage.state is NodeState.FAILED
    assert "HTTP 200 with a body that is not JSON" in garbage.error
    lenient = store.final("lenient")
    assert lenient is not None and lenient.outputs["json"] is None


def test_a_service_that_is_not_there_fails_the_node() -> None:
    job = make_job([{"id": "s", "kind": "service", "url": "http://127.0.0.1:9/x", "timeout": 5}])
    result, store = run(job)
    assert result.state is RunState.FAILED
    record = store.final("s")
    assert record is not None and record.error.startswith("POST http://127.0.0.1:9/x:")
