"""The runner process: runs job runs for the control plane, each in a child of its own
(``python -m baton.jobs.runner --listen tcp:HOST:PORT``).

The spawner starts runners from a server definition of kind ``runner`` (``baton init`` makes
one) and keeps one warm; the control plane leases one per run and talks to it over the runner
channel (:mod:`baton.jobs.channel`). The runner forks a child per accepted run (see
:class:`Runner`): the run's process, whose pid the control plane records. A runner has no
registry access: the control plane sends the run (job document, inputs, what an earlier
attempt finished) and persists every node transition, log line and variable sent back.
Commands and HTTP services run here (:class:`~baton.jobs.executors.LocalExecutors`);
programs, child runs, events and file waits are calls the control plane answers, which checks
the run's user may use each component.

If the control plane goes away mid-run the run is cancelled here (its commands' process groups
are stopped): the control plane resumes it elsewhere from what it persisted.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import Any

from baton.jobs.channel import ChannelError, Message, SyncChannel, parse_address
from baton.jobs.engine import Engine
from baton.jobs.executors import LocalExecutors, NodeFailed
from baton.jobs.expressions import evaluate, render_template
from baton.jobs.model import CommandNode, EventWait, FileWait, Job, JobNode, ProgramNode
from baton.jobs.states import NodeState
from baton.jobs.store import MemoryStore, Outputs
from baton.protocol.tickets import KEY_VARIABLE, TicketCheck, TicketRefused

#: Seconds a new connection has to send its hello and its run.
OPEN_TIMEOUT = 10.0
#: Seconds a new connection has to send its hello (the parent waits for it).
HELLO_TIMEOUT = 2.0
#: How often (seconds) the parent reaps its ended children.
REAP_INTERVAL = 0.5
#: How often (seconds) a call in flight checks its node's cancel event.
CALL_POLL = 0.05


class ChannelStore:
    """The engine's :class:`~baton.jobs.store.RunStore`, sent to the control plane."""

    def __init__(
        self,
        channel: SyncChannel,
        finished: Mapping[str, Outputs],
        variables: Mapping[str, object],
    ) -> None:
        self._channel = channel
        self._finished = dict(finished)
        self._variables = dict(variables)
        self._lock = threading.Lock()

    def _send(self, message: Message) -> None:
        with contextlib.suppress(OSError):  # gone: the reader thread cancels the run
            self._channel.send(message)

    def node_started(self, node_path: str, attempt: int) -> None:
        self._send({"type": "node", "path": node_path, "attempt": attempt, "state": "RUNNING"})

    def node_finished(
        self, node_path: str, attempt: int, state: NodeState, outputs: Outputs, error: str
    ) -> None:
        self._send(
            {
                "type": "node",
                "path": node_path,
                "attempt": attempt,
                "state": state.value,
                "outputs": outputs,
                "error": error,
            }
        )

    def node_moved(self, node_path: str, attempt: int, state: NodeState) -> None:
        self._send({"type": "node", "path": node_path, "attempt": attempt, "state": state.value})

    def finished_nodes(self) -> dict[str, Outputs]:
        return dict(self._finished)

    def log(self, node_path: str | None, line: str) -> None:
        self._send({"type": "log", "path": node_path or "", "line": line})

    def set_variable(self, name: str, value: object) -> None:
        with self._lock:
            self._variables[name] = value
        self._send({"type": "variable", "name": name, "value": value})

    def variables(self) -> dict[str, object]:
        with self._lock:
            return dict(self._variables)


class _Call:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: str | None = None


class Calls:
    """Calls to the control plane in flight, answered by ``reply`` messages."""

    def __init__(self, channel: SyncChannel) -> None:
        self._channel = channel
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._pending: dict[int, _Call] = {}
        self._gone = False

    def call(
        self, op: str, arguments: Mapping[str, object], cancel: threading.Event
    ) -> dict[str, object]:
        """Ask the control plane to do ``op``; its answer, or :class:`NodeFailed` (its error,
        or the node cancelled, or the control plane gone)."""
        pending = _Call()
        with self._lock:
            if self._gone:
                raise NodeFailed("the control plane is gone")
            call_id = next(self._ids)
            self._pending[call_id] = pending
        try:
            self._channel.send({"type": "call", "id": call_id, "op": op, **arguments})
            while not pending.done.wait(CALL_POLL):
                if cancel.is_set():
                    self._channel.send({"type": "abandon", "id": call_id})
                    raise NodeFailed("cancelled")
        except OSError:
            raise NodeFailed("the control plane is gone") from None
        finally:
            with self._lock:
                self._pending.pop(call_id, None)
        if pending.error is not None:
            raise NodeFailed(pending.error, _outputs(pending.value))
        return _outputs(pending.value)

    def answer(self, message: Message) -> None:
        with self._lock:
            pending = self._pending.get(message.get("id", -1))
        if pending is None:
            return  # abandoned meanwhile
        if message.get("ok"):
            pending.value = message.get("value")
        else:
            pending.error = str(message.get("error") or "failed")
            pending.value = message.get("outputs")
        pending.done.set()

    def fail_all(self) -> None:
        with self._lock:
            self._gone = True
            pending = list(self._pending.values())
        for call in pending:
            call.error = "the control plane is gone"
            call.done.set()


def _outputs(value: object) -> dict[str, object]:
    return dict(value) if isinstance(value, dict) else {}


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


class RunnerExecutors(LocalExecutors):
    """Commands and services here; programs, child runs, events and files via the control
    plane. Commands run on the control plane's host (where the runners are): a command node
    naming another host fails rather than run in the wrong place."""

    def __init__(self, calls: Calls, channel: SyncChannel) -> None:
        def watch(group: int, running: bool) -> None:
            # The control plane kills the groups still running if this process dies.
            with contextlib.suppress(OSError, ChannelError):
                channel.send({"type": "process", "group": group, "running": running})

        super().__init__(watch=watch)
        self._calls = calls

    def program(
        self,
        node: ProgramNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        arguments = {
            "node": node.id,
            "program": node.program,
            "service": node.service,
            "inputs": dict(inputs),
            "timeout": _remaining(deadline),
        }
        return self._calls.call("program", arguments, cancel)

    def command(
        self,
        node: CommandNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        if node.host is not None:
            raise NodeFailed(
                f"command nodes run on the control plane's host; host {node.host!r} is not "
                "supported yet (leave host out)"
            )
        return super().command(node, inputs, deadline, cancel)

    def job(
        self,
        node: JobNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        arguments = {"node": node.id, "job": node.job, "version": node.version}
        return self._calls.call("job", {**arguments, "inputs": dict(inputs)}, cancel)

    def emit(self, name: str, payload: Mapping[str, object]) -> None:
        self._calls.call("emit", {"event": name, "payload": dict(payload)}, threading.Event())

    def wait_event(
        self, wait: EventWait, deadline: float | None, cancel: threading.Event
    ) -> dict[str, object]:
        arguments = {"event": wait.name, "filter": wait.filter, "timeout": _remaining(deadline)}
        return self._calls.call("wait_event", arguments, cancel)

    def wait_file(
        self, wait: FileWait, deadline: float | None, cancel: threading.Event
    ) -> dict[str, object]:
        arguments = {
            "library": wait.library,
            "pattern": wait.pattern,
            "timeout": _remaining(deadline),
        }
        return self._calls.call("wait_file", arguments, cancel)


class Runner:
    """Serves runs on ``sock`` until stopped: each accepted connection whose hello is valid is
    handed to a child forked for it (one run, one process), so a run starts without paying
    for Python's start-up and imports, and a run that dies takes nothing else with it.

    The parent stays single-threaded (it only accepts, checks hellos, forks and reaps), which
    is what makes forking it safe.

    Args:
        sock: the listening socket.
        key: the server key its connections' tickets must prove ("" accepts any).
        max_threads: the most component nodes a run runs at once.
    """

    def __init__(self, sock: socket.socket, key: str, *, max_threads: int = 32) -> None:
        self._sock = sock
        self._tickets = TicketCheck(key) if key else None
        self.max_threads = max_threads
        self._stopping = False
        self._children: set[int] = set()

    def stop(self) -> None:
        """Stop accepting; the runs in progress are told to stop (SIGTERM to their children)."""
        self._stopping = True
        for pid in list(self._children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def serve(self) -> None:
        """Accept, fork, reap; returns once stopped and every child has ended."""
        self._sock.settimeout(REAP_INTERVAL)
        while not self._stopping:
            self._reap()
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping:
                    break
                raise
            with conn:
                self._take(conn)
        self._sock.close()
        while self._children:
            self._reap(block=True)

    def _reap(self, *, block: bool = False) -> None:
        while self._children:
            try:
                pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                self._children.clear()
                return
            if pid == 0:
                return
            self._children.discard(pid)
            if block:
                return

    def _take(self, conn: socket.socket) -> None:
        """Check the connection's hello here (one memory of the nonces seen), then fork."""
        channel = SyncChannel(conn)
        conn.settimeout(HELLO_TIMEOUT)
        try:
            refusal = self._refusal(channel.receive())
            if refusal:
                channel.send({"type": "refused", "reason": refusal})
                return
        except (OSError, ChannelError):
            return
        pid = os.fork()
        if pid:
            self._children.add(pid)
            return
        status = 0
        try:
            self._sock.close()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _Run(conn, channel, self.max_threads).serve()
        except BaseException:
            status = 1
        finally:
            os._exit(status)

    def _refusal(self, hello: Message | None) -> str:
        """Why ``hello`` is refused ("" when it is accepted)."""
        if hello is None or hello.get("type") != "hello":
            return "the connection must open with hello"
        if self._tickets is None:
            return ""
        try:
            self._tickets.check(
                str(hello.get("lease", "")),
                int(hello.get("expires", 0)),
                str(hello.get("nonce", "")),
                int(hello.get("time", 0)),
                str(hello.get("proof", "")),
            )
        except (TicketRefused, TypeError, ValueError) as exc:
            return str(exc) or "a bad hello"
        return ""


class _Run:
    """One run, in the child forked for it."""

    def __init__(self, conn: socket.socket, channel: SyncChannel, max_threads: int) -> None:
        self._conn = conn
        self._channel = channel
        self._max_threads = max_threads

    def serve(self) -> None:
        channel = self._channel
        channel.send({"type": "welcome", "pid": os.getpid()})
        self._conn.settimeout(OPEN_TIMEOUT)
        start = channel.receive()
        self._conn.settimeout(None)
        if start is None or start.get("type") != "start":
            return
        job = Job.model_validate(start["job"])
        cancel = threading.Event()
        signal.signal(signal.SIGTERM, lambda _signum, _frame: cancel.set())
        calls = Calls(channel)
        reader = threading.Thread(
            target=_read, args=(channel, calls, cancel), daemon=True, name="baton-channel"
        )
        reader.start()
        store = ChannelStore(channel, start.get("finished", {}), start.get("variables", {}))
        with RunnerExecutors(calls, channel) as executors:
            engine = Engine(
                job,
                start.get("inputs", {}),
                store,
                executors,
                cancel=cancel,
                max_threads=self._max_threads,
            )
            result = engine.run()
        end = {
            "type": "end",
            "state": result.state.value,
            "outputs": result.outputs,
            "error": result.error,
        }
        with contextlib.suppress(OSError):
            channel.send(end)
            reader.join(OPEN_TIMEOUT)  # the control plane closes once it has the end


def _read(channel: SyncChannel, calls: Calls, cancel: threading.Event) -> None:
    """The channel's reader: replies to calls, cancel; the end of the connection cancels."""
    try:
        while True:
            message = channel.receive()
            if message is None:
                break
            if message["type"] == "reply":
                calls.answer(message)
            elif message["type"] == "cancel":
                cancel.set()
    except (OSError, ChannelError):
        pass
    calls.fail_all()
    cancel.set()


def warm() -> None:
    """Build, once in the parent, what every run would otherwise build in its own child: the
    CEL parser (its LALR tables take a tenth of a second), the evaluator, an engine run."""
    job = Job.model_validate({"name": "warm", "nodes": [{"id": "a", "kind": "expression"}]})
    with LocalExecutors() as executors:
        Engine(job, {}, MemoryStore(), executors, max_threads=1).run()
    evaluate("nodes.a.x + 1 > 0", {"nodes": {"a": {"x": 1}}})
    render_template("{{ 1 }}", {})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m baton.jobs.runner", description=__doc__)
    parser.add_argument("--listen", default="tcp:127.0.0.1:0", help="tcp:HOST:PORT (0: any)")
    parser.add_argument("--threads", type=int, default=32, help="component nodes at once")
    options = parser.parse_args(argv)
    try:
        host, port = parse_address(options.listen)
    except ChannelError as exc:
        parser.error(exc.detail)
    key = os.environ.pop(KEY_VARIABLE, "")
    warm()
    sock = socket.create_server((host, port))
    runner = Runner(sock, key, max_threads=max(1, options.threads))

    def stop(_signum: int, _frame: FrameType | None) -> None:
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    bound_host, bound_port = sock.getsockname()[:2]
    sys.stdout.write(f"listening tcp:{bound_host}:{bound_port}\n")
    sys.stdout.flush()
    runner.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
