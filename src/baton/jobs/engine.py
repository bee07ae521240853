"""The engine: runs one job run's graph inside one process, with threads.

:class:`Engine` walks a :class:`~baton.jobs.model.Job`'s flows. In a flow, a node with no
incoming edge starts; a node runs once every incoming edge is decided and at least one is taken,
and is SKIPPED when none is (which decides its own edges as not taken, and so on). Ready nodes
run at once: component nodes (command, service, program, job, emit) on a pool of
``max_threads`` threads, containers (parallel, foreach, loop) and waits on threads of their own
(a container only waits for its body, so it must not hold a pool thread its body needs), and
the quick control nodes (expression, if, terminate) inline.

Every node transition and output goes through a :class:`RunStore`, keyed by the node's *path*:
its id, prefixed inside a ``foreach`` body by the item (``each[3].greet``) and inside a
``loop`` body by the pass (``again#2.step``), so each pass has its own record. A run started on
a store that already holds finished nodes (:meth:`RunStore.finished_nodes`) resumes: those
nodes are not run again, their recorded outputs are used.

Decisions worth knowing:

- ``if`` and slotted ``expression`` nodes record ``{"slot": NAME}`` as their outputs, so a
  resumed run follows the same branch without assigning the variables again; ``terminate``
  nodes always run again.
- A failed node's outputs (a command's exit code and stderr) stay visible to the nodes after it.
- ``abort_flow`` stops starting nodes in that flow; the nodes of that flow already running
  finish. The container (or, at the top, the job) then fails.
- Once a ``foreach`` item fails, no further item starts; the running ones finish.
- Retries apply to component, ``wait`` and ``emit`` nodes; a container's body has its own.
- Node ``timeout`` is enforced for component and ``wait`` nodes; containers' timeouts are not
  enforced yet (the job's ``max_duration`` is, by the runtime: it cancels the run).
"""

from __future__ import annotations

import datetime
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from baton.jobs.attempts import bindings, rendered, seconds_until, within
from baton.jobs.executors import Executors, NodeFailed
from baton.jobs.expressions import ExpressionError, evaluate, render_template
from baton.jobs.model import (
    CommandNode,
    Edge,
    EdgeOn,
    EmitNode,
    ExpressionNode,
    Flow,
    ForeachNode,
    IfNode,
    Job,
    JobNode,
    LoopNode,
    Node,
    OnError,
    ParallelNode,
    ProgramNode,
    ServiceNode,
    TerminateNode,
    WaitNode,
)
from baton.jobs.states import NodeState, RunState, change_node_state
from baton.jobs.store import MemoryStore, NodeRecord, Outputs, RunStore

__all__ = ["Engine", "MemoryStore", "NodeRecord", "RunResult", "RunStore"]

#: How often (seconds) the caller's cancel event is checked.
CANCEL_POLL = 0.02
#: The most lines of a command's stdout, and of its stderr, copied to the run's log.
MAX_OUTPUT_LINES = 1000

_TERMINATE_STATES = {
    "succeeded": RunState.SUCCEEDED,
    "failed": RunState.FAILED,
    "cancelled": RunState.CANCELLED,
}


@dataclass(frozen=True)
class RunResult:
    """How a run ended: SUCCEEDED, FAILED or CANCELLED, the job's outputs (evaluated when it
    succeeded), and what went wrong."""

    state: RunState
    outputs: Outputs
    error: str = ""


@dataclass
class _Outcome:
    """How one node instance ended."""

    state: NodeState
    outputs: Outputs = field(default_factory=dict)
    error: str = ""
    slot: str | None = None
    #: Node outputs that become visible after this node (a parallel's branches' nodes).
    visible: dict[str, Outputs] = field(default_factory=dict)


@dataclass(frozen=True)
class _Context:
    """Where a flow runs: its node paths' prefix, the outputs visible from around it, and its
    local names (a foreach's item and index, a loop's iteration)."""

    prefix: str
    nodes: Mapping[str, Outputs]
    local: Mapping[str, object]


@dataclass
class _FlowResult:
    error: str
    nodes: dict[str, Outputs]


class _NodeRun:
    """One node instance's state, changed only through :func:`change_node_state`, and
    recorded in the store."""

    def __init__(self, store: RunStore, path: str) -> None:
        self.store = store
        self.path = path
        self.state = NodeState.PENDING
        self.attempt = 0

    def start(self) -> None:
        self.attempt += 1
        self.state = change_node_state(self.state, NodeState.RUNNING)
        self.store.node_started(self.path, self.attempt)

    def move(self, state: NodeState) -> None:
        """A transition inside an attempt (RUNNING <-> WAITING)."""
        self.state = change_node_state(self.state, state)
        self.store.node_moved(self.path, self.attempt, state)

    def end(self, state: NodeState, outputs: Outputs | None = None, error: str = "") -> None:
        self.state = change_node_state(self.state, state)
        self.store.node_finished(self.path, self.attempt, state, dict(outputs or {}), error)


class Engine:
    """Runs one job run's graph (see the module docstring).

    Args:
        job: the job document.
        inputs: the run's input values (JSON-like; declared defaults fill the missing ones).
        store: where progress is recorded; a store with finished nodes resumes the run.
        executors: what runs the component nodes.
        cancel: set it (from any thread) to cancel the run.
        max_threads: the most component nodes running at once.
    """

    def __init__(
        self,
        job: Job,
        inputs: Mapping[str, object],
        store: RunStore,
        executors: Executors,
        *,
        cancel: threading.Event | None = None,
        max_threads: int = 32,
    ) -> None:
        self.job = job
        self.inputs: Outputs = {name: var.default for name, var in job.inputs.items()}
        self.inputs.update(inputs)
        self.store = store
        self.executors = executors
        self.cancel = cancel
        self.max_threads = max_threads
        self._lock = threading.Lock()
        self._aborted = threading.Event()
        self._end: tuple[RunState, str] | None = None
        self._attempt_events: set[threading.Event] = set()
        self._finished: dict[str, Outputs] = {}
        self._pool: ThreadPoolExecutor | None = None

    # --- the run -----------------------------------------------------------------------

    def run(self) -> RunResult:
        """Run the job to its end; returns how it ended. Call it once."""
        self._finished = self.store.finished_nodes()
        if self._finished:
            self.store.log(None, f"resuming: {len(self._finished)} node(s) already finished")
        done = threading.Event()
        watcher = None
        if self.cancel is not None:
            watcher = threading.Thread(
                target=self._watch_cancel, args=(done,), daemon=True, name="baton-cancel"
            )
            watcher.start()
        self._pool = ThreadPoolExecutor(self.max_threads, thread_name_prefix="baton-node")
        try:
            result = self._run_flow(self.job, _Context("", {}, {}))
        finally:
            self._pool.shutdown(wait=True)
            done.set()  # the watcher sees it within CANCEL_POLL and ends; no need to wait
        with self._lock:
            end = self._end
        if end is not None:
            state, error = end
        elif result.error:
            state, error = RunState.FAILED, result.error
        else:
            state, error = RunState.SUCCEEDED, ""
        outputs: Outputs = {}
        if state is RunState.SUCCEEDED:
            values = self._values(result.nodes, {})
            for name, output in self.job.outputs.items():
                try:
                    outputs[name] = evaluate(output.value, values)
                except ExpressionError as exc:
                    state, error, outputs = RunState.FAILED, f"output {name}: {exc}", {}
                    break
        self.store.log(None, f"run {state.value.lower()}" + (f": {error}" if error else ""))
        return RunResult(state, outputs, error)

    def _watch_cancel(self, done: threading.Event) -> None:
        assert self.cancel is not None
        while not done.is_set():
            if self.cancel.wait(CANCEL_POLL):
                if not done.is_set():  # a cancel after the run ended changes nothing
                    self._abort(RunState.CANCELLED, "cancelled")
                return

    def _abort(self, state: RunState, error: str) -> None:
        """End the run (the first reason wins): stop starting nodes, tell running ones."""
        with self._lock:
            if self._end is None:
                self._end = (state, error)
            self._aborted.set()
            events = list(self._attempt_events)
        for event in events:
            event.set()

    def _attempt_event(self) -> threading.Event:
        event = threading.Event()
        with self._lock:
            if self._aborted.is_set():
                event.set()
            self._attempt_events.add(event)
        return event

    def _values(self, nodes: Mapping[str, Outputs], local: Mapping[str, object]) -> Outputs:
        variables: Outputs = {name: var.default for name, var in self.job.variables.items()}
        variables.update(self.store.variables())
        return {"inputs": self.inputs, "vars": variables, "nodes": dict(nodes), **local}

    # --- flows -------------------------------------------------------------------------

    def _run_flow(self, flow: Flow, context: _Context) -> _FlowResult:
        """Run a flow to its end; returns why it failed ("" when it did not) and the node
        outputs visible after it."""
        nodes = {node.id: node for node in flow.nodes}
        incoming: dict[str, list[int]] = {node_id: [] for node_id in nodes}
        outgoing: dict[str, list[int]] = {node_id: [] for node_id in nodes}
        for index, edge in enumerate(flow.edges):
            incoming[edge.target].append(index)
            outgoing[edge.source].append(index)
        undecided = {node_id: len(edges) for node_id, edges in incoming.items()}
        taken: dict[str, bool] = {node_id: False for node_id in nodes}
        visible: dict[str, Outputs] = dict(context.nodes)
        done: queue.Queue[tuple[str, _Outcome]] = queue.Queue()
        ready = deque(node_id for node_id, edges in incoming.items() if not edges)
        running = 0
        error = ""

        def decide(source: str, outcome: _Outcome) -> None:
            nonlocal error
            skipped = [(source, outcome)]
            while skipped:
                node_id, result = skipped.pop()
                for index in outgoing[node_id]:
                    edge = flow.edges[index]
                    try:
                        is_taken = self._taken(
                            edge, result, lambda: self._values(visible, context.local)
                        )
                    except ExpressionError as exc:
                        message = f"edge {edge.source} -> {edge.target}: {exc}"
                        self.store.log(context.prefix + edge.source, message)
                        error = error or message
                        self._abort(RunState.FAILED, message)
                        is_taken = False
                    taken[edge.target] = taken[edge.target] or is_taken
                    undecided[edge.target] -= 1
                    if undecided[edge.target] == 0:
                        if taken[edge.target]:
                            ready.append(edge.target)
                        else:
                            path = context.prefix + edge.target
                            _NodeRun(self.store, path).end(NodeState.SKIPPED)
                            skipped.append((edge.target, _Outcome(NodeState.SKIPPED)))

        while True:
            while ready:
                node_id = ready.popleft()
                if error or self._aborted.is_set():
                    continue  # stopped: the rest of this flow does not start
                values = self._values(visible, context.local)
                sub = _Context(context.prefix, dict(visible), context.local)
                self._launch(nodes[node_id], sub, values, done)
                running += 1
            if running == 0:
                break
            node_id, outcome = done.get()
            running -= 1
            node = nodes[node_id]
            path = context.prefix + node_id
            if outcome.state in (NodeState.SUCCEEDED, NodeState.FAILED):
                visible[node_id] = outcome.outputs
            visible.update(outcome.visible)
            if outcome.state is NodeState.FAILED:
                message = f"node {path} failed: {outcome.error}"
                if node.on_error is OnError.ABORT_JOB:
                    error = error or message
                    self._abort(RunState.FAILED, message)
                elif node.on_error is OnError.ABORT_FLOW:
                    error = error or message
            if outcome.state is not NodeState.CANCELLED and not error:
                decide(node_id, outcome)
        return _FlowResult(error, visible)

    @staticmethod
    def _taken(edge: Edge, outcome: _Outcome, values: Callable[[], Outputs]) -> bool:
        state = outcome.state
        if edge.slot is not None and (
            state is not NodeState.SUCCEEDED or outcome.slot != edge.slot
        ):
            return False
        if edge.on is EdgeOn.SUCCESS:
            return state is NodeState.SUCCEEDED
        if edge.on is EdgeOn.FAILURE:
            return state is NodeState.FAILED
        if edge.on is EdgeOn.ALWAYS:
            return state in (NodeState.SUCCEEDED, NodeState.FAILED)
        if state is not NodeState.SUCCEEDED or edge.condition is None:
            return False
        result = evaluate(edge.condition, values())
        if not isinstance(result, bool):
            raise ExpressionError(f"the condition gave {type(result).__name__}, not a boolean")
        return result

    def _launch(
        self,
        node: Node,
        context: _Context,
        values: Outputs,
        done: queue.Queue[tuple[str, _Outcome]],
    ) -> None:
        """Start a node; its outcome arrives on ``done`` (always, whatever happens)."""
        path = context.prefix + node.id

        def report(work: Callable[[], _Outcome]) -> None:
            try:
                outcome = work()
            except Exception as exc:  # an engine or executor bug must not hang the flow
                self.store.log(path, f"internal error: {exc!r}")
                outcome = _Outcome(NodeState.FAILED, error=f"internal error: {exc!r}")
            done.put((node.id, outcome))

        if path in self._finished and not isinstance(node, TerminateNode):
            report(lambda: self._resumed(node, path))
        elif node.disabled:
            report(lambda: self._disabled(path))
        elif isinstance(node, ExpressionNode | IfNode | TerminateNode):
            report(lambda: self._control(node, path, values))
        elif isinstance(node, ParallelNode | ForeachNode | LoopNode | WaitNode):
            thread = threading.Thread(
                target=report,
                args=(lambda: self._own_thread(node, path, context, values),),
                daemon=True,
                name=f"baton-{node.kind}",
            )
            thread.start()
        else:
            assert self._pool is not None
            self._pool.submit(report, lambda: self._component(node, path, values))

    def _resumed(self, node: Node, path: str) -> _Outcome:
        outputs = self._finished[path]
        self.store.log(path, "already finished: not run again")
        slot = outputs.get("slot") if isinstance(node, IfNode | ExpressionNode) else None
        visible: dict[str, Outputs] = {}
        if isinstance(node, ParallelNode):
            prefix = path[: len(path) - len(node.id)]
            for node_id in _branch_ids(node):
                if prefix + node_id in self._finished:
                    visible[node_id] = self._finished[prefix + node_id]
        return _Outcome(
            NodeState.SUCCEEDED,
            outputs,
            slot=slot if isinstance(slot, str) else None,
            visible=visible,
        )

    def _disabled(self, path: str) -> _Outcome:
        run = _NodeRun(self.store, path)
        run.start()
        run.end(NodeState.SUCCEEDED)
        self.store.log(path, "disabled: succeeded without running")
        return _Outcome(NodeState.SUCCEEDED)

    # --- control nodes -----------------------------------------------------------------

    def _control(
        self, node: ExpressionNode | IfNode | TerminateNode, path: str, values: Outputs
    ) -> _Outcome:
        run = _NodeRun(self.store, path)
        run.start()
        try:
            if isinstance(node, ExpressionNode):
                outcome = self._expression(node, values)
            elif isinstance(node, IfNode):
                condition = evaluate(node.condition, values)
                if not isinstance(condition, bool):
                    raise ExpressionError(
                        f"the condition gave {type(condition).__name__}, not a boolean"
                    )
                slot = "then" if condition else "else"
                outcome = _Outcome(NodeState.SUCCEEDED, {"slot": slot}, slot=slot)
            else:
                message = render_template(node.message, values) if node.message else ""
                self.store.log(
                    path, f"terminate ({node.status})" + (f": {message}" if message else "")
                )
                outcome = _Outcome(NodeState.SUCCEEDED)
                run.end(NodeState.SUCCEEDED)
                self._abort(_TERMINATE_STATES[node.status], message)
                return outcome
        except ExpressionError as exc:
            run.end(NodeState.FAILED, error=str(exc))
            self.store.log(path, f"failed: {exc}")
            return _Outcome(NodeState.FAILED, error=str(exc))
        run.end(outcome.state, outcome.outputs)
        return outcome

    def _expression(self, node: ExpressionNode, values: Outputs) -> _Outcome:
        assigned = {name: evaluate(text, values) for name, text in node.assign.items()}
        for name, value in assigned.items():
            self.store.set_variable(name, value)
        if not node.slots:
            return _Outcome(NodeState.SUCCEEDED)
        values = {**values, "vars": {**_as_dict(values["vars"]), **assigned}}
        for slot, text in node.slots.items():
            if evaluate(text, values) is True:
                return _Outcome(NodeState.SUCCEEDED, {"slot": slot}, slot=slot)
        return _Outcome(NodeState.SUCCEEDED, {"slot": None})

    # --- component nodes (with retries and timeouts) -----------------------------------

    def _component(self, node: Node, path: str, values: Outputs) -> _Outcome:
        run = _NodeRun(self.store, path)
        retry = node.retry
        outputs: Outputs = {}
        error = ""
        for attempt in range(1, retry.attempts + 1):
            run.start()
            try:
                outputs = self._attempt(node, path, values, run)
            except NodeFailed as exc:
                outputs, error = exc.outputs, exc.detail
            except ExpressionError as exc:
                outputs, error = {}, str(exc)
            else:
                run.end(NodeState.SUCCEEDED, outputs)
                return _Outcome(NodeState.SUCCEEDED, outputs)
            if self._aborted.is_set():
                run.end(NodeState.CANCELLED, outputs, error)
                return _Outcome(NodeState.CANCELLED, outputs, error)
            if attempt == retry.attempts:
                break
            delay = min(retry.backoff * retry.factor ** (attempt - 1), retry.max_backoff)
            run.end(NodeState.RETRYING, outputs, error)
            self.store.log(path, f"attempt {attempt} failed: {error}; retrying in {delay:g} s")
            if self._aborted.wait(delay):
                run.end(NodeState.CANCELLED, outputs, error)
                return _Outcome(NodeState.CANCELLED, outputs, error)
        run.end(NodeState.FAILED, outputs, error)
        self.store.log(path, f"failed: {error}")
        return _Outcome(NodeState.FAILED, outputs, error)

    def _attempt(self, node: Node, path: str, values: Outputs, run: _NodeRun) -> Outputs:
        """One attempt of a component node; raises NodeFailed."""
        inputs = bindings(node, values)
        node = rendered(node, values)
        deadline = time.monotonic() + node.timeout if node.timeout is not None else None
        cancel = self._attempt_event()
        outputs: Outputs = {}
        try:
            if isinstance(node, WaitNode):
                return self._wait(node, path, values, deadline, cancel, run)
            call = self._call(node, inputs, deadline, cancel)
            outputs = call() if deadline is None else within(call, deadline, cancel, node.timeout)
            return outputs
        except NodeFailed as exc:
            outputs = exc.outputs
            raise
        finally:
            with self._lock:
                self._attempt_events.discard(cancel)
            if isinstance(node, CommandNode):
                self._log_output(path, outputs)

    def _log_output(self, path: str, outputs: Outputs) -> None:
        """A command's output in the run's log, line by line (stderr lines marked)."""
        for stream, mark in (("stdout", ""), ("stderr", "stderr: ")):
            text = outputs.get(stream)
            if not isinstance(text, str) or not text:
                continue
            lines = text.splitlines()
            for line in lines[:MAX_OUTPUT_LINES]:
                self.store.log(path, mark + line)
            if len(lines) > MAX_OUTPUT_LINES:
                left = len(lines) - MAX_OUTPUT_LINES
                self.store.log(path, f"{mark}... {left} more line(s) in the node's outputs")

    def _call(
        self, node: Node, inputs: Outputs, deadline: float | None, cancel: threading.Event
    ) -> Callable[[], Outputs]:
        ex = self.executors
        if isinstance(node, CommandNode):
            return lambda: ex.command(node, inputs, deadline, cancel)
        if isinstance(node, ServiceNode):
            return lambda: ex.service(node, inputs, deadline, cancel)
        if isinstance(node, ProgramNode):
            return lambda: ex.program(node, inputs, deadline, cancel)
        if isinstance(node, JobNode):
            return lambda: ex.job(node, inputs, deadline, cancel)
        if isinstance(node, EmitNode):
            event = node.event

            def emit() -> Outputs:
                ex.emit(event, inputs)
                return {}

            return emit
        raise NodeFailed(f"a {node.kind} node is not a component")  # pragma: no cover

    def _wait(
        self,
        node: WaitNode,
        path: str,
        values: Outputs,
        deadline: float | None,
        cancel: threading.Event,
        run: _NodeRun,
    ) -> Outputs:
        if node.timer is None:
            return self._wait_for(node, path, deadline, cancel, run)
        seconds = node.timer.seconds or 0.0
        if node.timer.until is not None:
            seconds = seconds_until(evaluate(node.timer.until, values))
        timed_out = deadline is not None and time.monotonic() + seconds > deadline
        if timed_out:
            assert deadline is not None
            seconds = max(0.0, deadline - time.monotonic())
        run.move(NodeState.WAITING)
        self.store.log(path, f"waiting {seconds:g} s")
        cancelled = cancel.wait(seconds)
        run.move(NodeState.RUNNING)
        if cancelled:
            raise NodeFailed("cancelled")
        if timed_out:
            raise NodeFailed(f"timed out after {node.timeout:g} s")
        return {"at": datetime.datetime.now(datetime.UTC).isoformat()}

    def _wait_for(
        self,
        node: WaitNode,
        path: str,
        deadline: float | None,
        cancel: threading.Event,
        run: _NodeRun,
    ) -> Outputs:
        """An event or file wait, through the executors; past the deadline it times out."""
        ex = self.executors
        if node.event is not None:
            event = node.event
            self.store.log(path, f"waiting for event {event.name}")
            call: Callable[[], Outputs] = lambda: ex.wait_event(event, deadline, cancel)  # noqa: E731
        else:
            assert node.file is not None
            file = node.file
            self.store.log(path, f"waiting for a file {file.pattern} in {file.library}")
            call = lambda: ex.wait_file(file, deadline, cancel)  # noqa: E731
        run.move(NodeState.WAITING)
        try:
            return call() if deadline is None else within(call, deadline, cancel, node.timeout)
        finally:
            run.move(NodeState.RUNNING)

    # --- containers --------------------------------------------------------------------

    def _own_thread(
        self,
        node: ParallelNode | ForeachNode | LoopNode | WaitNode,
        path: str,
        context: _Context,
        values: Outputs,
    ) -> _Outcome:
        if isinstance(node, WaitNode):
            return self._component(node, path, values)
        run = _NodeRun(self.store, path)
        run.start()
        try:
            if isinstance(node, ParallelNode):
                outcome = self._parallel(node, context)
            elif isinstance(node, ForeachNode):
                outcome = self._foreach(node, path, context, values)
            else:
                outcome = self._loop(node, path, context, values)
        except ExpressionError as exc:
            outcome = _Outcome(NodeState.FAILED, error=str(exc))
        if outcome.state is NodeState.FAILED and self._aborted.is_set():
            outcome.state = NodeState.CANCELLED
        run.end(outcome.state, outcome.outputs, outcome.error)
        if outcome.error:
            self.store.log(path, f"{outcome.state.value.lower()}: {outcome.error}")
        return outcome

    def _parallel(self, node: ParallelNode, context: _Context) -> _Outcome:
        results: list[_FlowResult | None] = [None] * len(node.branches)

        def branch(index: int) -> None:
            results[index] = self._run_flow(node.branches[index], context)

        threads = [
            threading.Thread(target=branch, args=(index,), daemon=True, name="baton-branch")
            for index in range(len(node.branches))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        visible: dict[str, Outputs] = {}
        errors: list[str] = []
        for index, result in enumerate(results):
            if result is None:  # pragma: no cover - a branch thread died of an engine bug
                errors.append(f"branch {index + 1}: did not finish")
                continue
            visible.update(result.nodes)
            if result.error:
                errors.append(f"branch {index + 1}: {result.error}")
        if errors:
            return _Outcome(NodeState.FAILED, error="; ".join(errors), visible=visible)
        if self._aborted.is_set():
            return _Outcome(NodeState.CANCELLED, visible=visible)
        return _Outcome(NodeState.SUCCEEDED, visible=visible)

    def _foreach(
        self, node: ForeachNode, path: str, context: _Context, values: Outputs
    ) -> _Outcome:
        items = evaluate(node.items, values)
        if not isinstance(items, list):
            raise ExpressionError(f"items gave {type(items).__name__}, not a list")
        results: list[object] = [None] * len(items)
        errors: list[str] = []
        failed = threading.Event()
        body_ids = [body_node.id for body_node in node.body.nodes]

        def item(index: int) -> None:
            if failed.is_set() or self._aborted.is_set():
                return  # stopped: this item does not start
            local = {**context.local, node.variable: items[index], "index": index}
            sub = _Context(f"{path}[{index}].", context.nodes, local)
            try:
                result = self._run_flow(node.body, sub)
            except Exception as exc:  # an engine bug must not lose the item silently
                result = _FlowResult(f"internal error: {exc!r}", {})
            if result.error:
                errors.append(f"item {index}: {result.error}")
                failed.set()
                return
            if node.collect is not None:
                try:
                    results[index] = evaluate(node.collect, self._values(result.nodes, local))
                except ExpressionError as exc:
                    errors.append(f"item {index}: collect: {exc}")
                    failed.set()
            else:
                results[index] = {
                    body_id: result.nodes[body_id]
                    for body_id in body_ids
                    if body_id in result.nodes
                }

        workers = max(1, min(node.concurrency, len(items)))
        with ThreadPoolExecutor(workers, thread_name_prefix="baton-item") as pool:
            for index in range(len(items)):
                pool.submit(item, index)
        if errors:
            return _Outcome(NodeState.FAILED, error="; ".join(sorted(errors)))
        if self._aborted.is_set():
            return _Outcome(NodeState.CANCELLED)
        return _Outcome(NodeState.SUCCEEDED, {"results": results})

    def _loop(self, node: LoopNode, path: str, context: _Context, values: Outputs) -> _Outcome:
        nodes = dict(context.nodes)
        iteration = 0
        while iteration < node.max_iterations and not self._aborted.is_set():
            local = {**context.local, "iteration": iteration}
            condition = evaluate(node.condition, self._values(nodes, local))
            if not isinstance(condition, bool):
                raise ExpressionError(
                    f"the condition gave {type(condition).__name__}, not a boolean"
                )
            if not condition:
                break
            result = self._run_flow(node.body, _Context(f"{path}#{iteration}.", nodes, local))
            if result.error:
                return _Outcome(NodeState.FAILED, error=f"pass {iteration}: {result.error}")
            nodes = result.nodes
            iteration += 1
        if self._aborted.is_set():
            return _Outcome(NodeState.CANCELLED)
        return _Outcome(NodeState.SUCCEEDED, {"iterations": iteration})


# --- helpers ---------------------------------------------------------------------------


def _branch_ids(node: ParallelNode) -> list[str]:
    ids: list[str] = []
    for branch in node.branches:
        for inner in branch.nodes:
            ids.append(inner.id)
            if isinstance(inner, ParallelNode):
                ids.extend(_branch_ids(inner))
    return ids


def _as_dict(value: object) -> Outputs:
    return dict(value) if isinstance(value, dict) else {}
