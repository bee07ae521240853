"""Executors: what runs a job's component nodes (programs, commands, services, sub-jobs).

The engine (:mod:`baton.jobs.engine`) walks the graph; for each component node it calls one
method of an :class:`Executors` with the node, its evaluated bindings, a deadline and a cancel
event. :class:`LocalExecutors` runs commands as local processes and services over HTTP; the
runtime wires programs (the dispatcher) and sub-jobs (child runs) later.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import IO, Protocol

import httpx

from baton.errors import JobError
from baton.jobs.model import (
    CommandNode,
    EventWait,
    FileWait,
    JobNode,
    ProgramNode,
    ServiceNode,
)

#: The most bytes of a command's stdout, and of its stderr, that are kept.
MAX_CAPTURE = 1024 * 1024
#: Seconds between SIGTERM and SIGKILL when a command's process group is stopped.
KILL_GRACE = 2.0
#: Environment variables a command inherits from the engine's process.
INHERITED_ENV = ("PATH", "LANG", "HOME")
#: Seconds a service call may take when the node has no timeout.
DEFAULT_SERVICE_TIMEOUT = 300.0
#: How often (seconds) a running command is checked for cancellation.
POLL_INTERVAL = 0.05


#: Told when a command's process group starts (True) and when it is gone (False), with its id:
#: whoever runs the executors can stop the groups a dead process left behind.
ProcessWatch = Callable[[int, bool], None]


class NodeFailed(JobError):
    """A node's component failed (the step's fault, not the infrastructure's).

    Attributes:
        outputs: what the component produced before failing (a command's exit code and
            output, a service's status), recorded with the failure and visible to the edges
            that follow a failure.
    """

    code = "node_failed"

    def __init__(self, detail: str, outputs: Mapping[str, object] | None = None) -> None:
        super().__init__(detail)
        self.outputs: dict[str, object] = dict(outputs or {})


class Executors(Protocol):
    """Runs component nodes for the engine.

    Every method is called from a worker thread of the engine, possibly from several at once,
    and must be thread-safe. The node's templates (a command's ``argv`` and ``env``, a
    service's ``url`` and ``headers``) are already rendered: executors never see expressions.
    ``inputs`` are the node's evaluated bindings (JSON-like values). ``deadline`` is a
    :func:`time.monotonic` time the call must not outlive (None: no limit); ``cancel`` is set
    when the run is cancelled or the deadline passed, and the call must then stop what it
    started and return promptly. A method returns the node's outputs (a JSON-like dict) or
    raises :class:`NodeFailed`; any other exception is an executor bug, which the engine
    reports as the node's failure too.
    """

    def program(
        self,
        node: ProgramNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        """Run a stored program; its outputs are ``{"result": <what main() returned>}``."""
        ...

    def command(
        self,
        node: CommandNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        """Run an argument vector; outputs ``exit_code``, ``stdout``, ``stderr`` (and
        ``json`` with ``parse_json``). Stopping it stops its whole process group."""
        ...

    def service(
        self,
        node: ServiceNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        """Call an HTTP service; outputs ``status``, ``json``, ``headers``."""
        ...

    def job(
        self,
        node: JobNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        """Run another job as a child run (cancelled with ``cancel``); outputs its outputs."""
        ...

    def emit(self, name: str, payload: Mapping[str, object]) -> None:
        """Raise the named event with ``payload``; returns once it is accepted."""
        ...

    def wait_event(
        self, wait: EventWait, deadline: float | None, cancel: threading.Event
    ) -> dict[str, object]:
        """Wait for the named event whose payload passes the wait's filter; outputs ``event``
        (its payload) and ``at``."""
        ...

    def wait_file(
        self, wait: FileWait, deadline: float | None, cancel: threading.Event
    ) -> dict[str, object]:
        """Wait for a file matching the wait's pattern in its library's folder; outputs
        ``file`` (the file's name in that folder) and ``at``."""
        ...


class LocalExecutors:
    """Commands as local processes, services over HTTP (httpx); programs, sub-jobs and event
    and file waits are not available here (the runner adds them). Emitted events are kept in
    :attr:`emitted`.

    Use it as a context manager (or call :meth:`close`) to release its HTTP connections.
    """

    def __init__(self, *, watch: ProcessWatch | None = None) -> None:
        self._lock = threading.Lock()
        self._watch = watch
        self._client: httpx.Client | None = None
        #: Every event emitted, in order: ``(name, payload)``.
        self.emitted: list[tuple[str, dict[str, object]]] = []

    def __enter__(self) -> LocalExecutors:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client (if a service node opened it)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def program(
        self,
        node: ProgramNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        raise NodeFailed(f"program nodes ({node.program}) are not available in this executor")

    def job(
        self,
        node: JobNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        raise NodeFailed(f"job nodes ({node.job}) are not available in this executor")

    def emit(self, name: str, payload: Mapping[str, object]) -> None:
        with self._lock:
            self.emitted.append((name, dict(payload)))

    def wait_event(
        self, wait: EventWait, deadline: float | None, cancel: threading.Event
    ) -> dict[str, object]:
        raise NodeFailed(f"event waits ({wait.name}) are not available in this executor")

    def wait_file(
        self, wait: FileWait, deadline: float | None, cancel: threading.Event
    ) -> dict[str, object]:
        raise NodeFailed(f"file waits ({wait.library}) are not available in this executor")

    # --- command -----------------------------------------------------------------------

    def command(
        self,
        node: CommandNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
        env.update({name: _env_text(value) for name, value in inputs.items()})
        env.update(node.env)
        if cancel.is_set():
            raise NodeFailed("cancelled before it started")
        try:
            process = subprocess.Popen(
                node.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                start_new_session=True,  # its own process group: stopping it stops its children
                close_fds=True,
            )
        except OSError as exc:
            raise NodeFailed(f"cannot run {node.argv[0]!r}: {exc.strerror or exc}") from exc
        assert process.stdout is not None and process.stderr is not None
        stdout, stderr = _Capture(process.stdout), _Capture(process.stderr)
        stopped = ""
        if self._watch is not None:
            self._watch(process.pid, True)
        try:
            stopped = _wait(process, deadline, cancel)
        finally:
            if process.returncode is None:  # an exception in the wait: never leave it behind
                _stop_group(process)
            # Whatever the leader left running in its group goes with it.
            _signal_group(process.pid, signal.SIGKILL)
            if self._watch is not None:
                self._watch(process.pid, False)
            stdout.join()
            stderr.join()
        outputs: dict[str, object] = {
            "exit_code": process.returncode,
            "stdout": stdout.text(),
            "stderr": stderr.text(),
        }
        if stopped:
            raise NodeFailed(stopped, outputs)
        if process.returncode not in node.exit_codes:
            tail = stderr.text()[-500:].strip()
            message = f"exit code {process.returncode} (expected {_codes(node.exit_codes)})"
            raise NodeFailed(f"{message}: {tail}" if tail else message, outputs)
        if node.parse_json:
            try:
                outputs["json"] = json.loads(outputs["stdout"])  # type: ignore[arg-type]
            except ValueError as exc:
                raise NodeFailed(f"stdout is not JSON: {exc}", outputs) from exc
        return outputs

    # --- service -----------------------------------------------------------------------

    def service(
        self,
        node: ServiceNode,
        inputs: Mapping[str, object],
        deadline: float | None,
        cancel: threading.Event,
    ) -> dict[str, object]:
        if cancel.is_set():
            raise NodeFailed("cancelled before it started")
        url = httpx.URL(node.url)
        if url.scheme not in ("http", "https"):
            raise NodeFailed(f"a service URL must be http or https, not {node.url!r}")
        timeout = DEFAULT_SERVICE_TIMEOUT
        if deadline is not None:
            timeout = max(0.001, deadline - time.monotonic())
        # GET and DELETE carry the inputs as query parameters, the others as a JSON body.
        query = {name: _env_text(value) for name, value in inputs.items()}
        has_body = node.method not in ("GET", "DELETE")
        try:
            response = self._http().request(
                node.method,
                url,
                headers=node.headers,
                timeout=timeout,
                params=None if has_body else query,
                json=dict(inputs) if has_body else None,
            )
        except httpx.TimeoutException as exc:
            raise NodeFailed(f"{node.method} {node.url}: timed out after {timeout:.3g} s") from exc
        except httpx.HTTPError as exc:
            raise NodeFailed(f"{node.method} {node.url}: {exc}") from exc
        status = response.status_code
        headers = dict(response.headers)
        if not response.is_success:
            snippet = response.text[:200].strip()
            raise NodeFailed(
                f"{node.method} {node.url} answered HTTP {status}"
                + (f": {snippet}" if snippet else ""),
                {"status": status, "headers": headers},
            )
        try:
            answer: object = response.json()
        except ValueError as exc:
            if node.outputs:
                raise NodeFailed(
                    f"{node.method} {node.url} answered HTTP {status} with a body that is not JSON",
                    {"status": status, "headers": headers},
                ) from exc
            answer = None
        if node.outputs and not isinstance(answer, dict):
            raise NodeFailed(
                f"{node.method} {node.url} answered HTTP {status} with JSON that is not an object",
                {"status": status, "headers": headers},
            )
        return {"status": status, "json": answer, "headers": headers}

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(follow_redirects=False)
            return self._client


def _env_text(value: object) -> str:
    """A binding's value as an environment variable: text as it is, others as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, default=str, ensure_ascii=False)


def _codes(codes: list[int]) -> str:
    return ", ".join(str(code) for code in codes)


class _Capture:
    """Reads a pipe to its end in a thread, keeping the first :data:`MAX_CAPTURE` bytes (the
    rest is read and dropped, so the writer never blocks on a full pipe)."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self._pipe = pipe
        self._chunks: list[bytes] = []
        self._size = 0
        self.truncated = False
        self._thread = threading.Thread(target=self._read, daemon=True, name="baton-capture")
        self._thread.start()

    def _read(self) -> None:
        try:
            while chunk := self._pipe.read1(65536):  # type: ignore[attr-defined]
                room = MAX_CAPTURE - self._size
                if room > 0:
                    self._chunks.append(chunk[:room])
                    self._size += min(room, len(chunk))
                if len(chunk) > room:
                    self.truncated = True
        except (OSError, ValueError):  # closed under us: keep what was read
            pass

    def join(self) -> None:
        # A process outside the group (it made its own session) may still hold the pipe.
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._pipe.close()

    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace")


def _wait(process: subprocess.Popen[bytes], deadline: float | None, cancel: threading.Event) -> str:
    """Wait for ``process``; stop its group on the deadline or on cancel. Returns why it was
    stopped, or "" when it exited by itself."""
    while True:
        step = POLL_INTERVAL
        if deadline is not None:
            step = min(step, max(0.0, deadline - time.monotonic()))
        try:
            process.wait(timeout=step)
            return ""
        except subprocess.TimeoutExpired:
            pass
        if cancel.is_set():
            _stop_group(process)
            return "cancelled"
        if deadline is not None and time.monotonic() >= deadline:
            _stop_group(process)
            return "timed out"


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, SIGKILL it after :data:`KILL_GRACE` seconds, reap the leader."""
    _signal_group(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=KILL_GRACE)
    _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)
