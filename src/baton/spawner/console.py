"""Running code in a workspace kernel for a console: one ``execute_request`` and its outputs.

:func:`execute` connects to a kernel with its connection info, as any Jupyter client does,
makes sure that its IOPub subscription is in effect (a subscriber misses what was published
before it joined: it asks ``kernel_info`` until IOPub says something), sends the code, and
gathers what the kernel publishes for that request until the kernel is idle again:

- ``stream`` (stdout, stderr; consecutive pieces of one stream are joined);
- ``execute_result`` and ``display_data`` (``update_display_data`` too), keeping only
  :data:`MIME_TYPES`: text as text, PNG as base64, as Jupyter gives them, and
  ``application/json`` (a JSON value in Jupyter's messages) as its JSON text;
- ``error``, with the ANSI escapes (colours) of the traceback's lines removed.

Stream text is kept up to :data:`STREAM_LIMIT` characters and the other outputs up to
:data:`OUTPUT_LIMIT`; past either, a last ``stderr`` note says that the rest was cut.

When ``timeout`` passes first and the code runs, the kernel is interrupted (an
``interrupt_request`` on its control channel: SIGINT to its process group), so that it takes
the next request; the answer is TIMEOUT with the outputs so far (and the interrupt's
``KeyboardInterrupt`` when the kernel stops within :data:`INTERRUPT_GRACE`). Code that still
waits behind another client's is not interrupted (that would stop the other's code): it runs
once the kernel is free, unobserved. The kernel is told not to abort the requests queued
after a failing one (``stop_on_error`` false): one console's error does not cancel another's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from queue import Empty
from typing import Any, cast

import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.connect import KernelConnectionInfo

from baton.errors import Conflict
from baton.spawner.kernel import ConnectionInfo, reachable

#: The MIME types kept of a result or a display.
MIME_TYPES = ("text/plain", "text/html", "image/png", "image/svg+xml", "application/json")
#: Characters of stream output (stdout and stderr together) kept of one execution.
STREAM_LIMIT = 1_000_000
#: Characters of the other outputs (results, displays, errors) kept of one execution.
OUTPUT_LIMIT = 8_000_000
#: Seconds an interrupted kernel has to become idle before the answer goes without it.
INTERRUPT_GRACE = 5.0
#: Seconds between two looks at whether the kernel still runs, while it says nothing.
CHECK_EVERY = 0.5
#: Seconds between two ``kernel_info`` requests while the subscription is not in effect.
PROBE_EVERY = (0.02, 0.05, 0.1, 0.2)

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


class ExecutionStatus(StrEnum):
    """How an execution ended."""

    OK = "ok"
    ERROR = "error"  # the code raised (or the kernel refused the request)
    TIMEOUT = "timeout"  # it ran past its timeout (and was interrupted)


@dataclass(frozen=True)
class Stream:
    """Text the code wrote to ``stdout`` or ``stderr``."""

    name: str
    text: str


@dataclass(frozen=True)
class Result:
    """The value of the code's last expression (``execute_result``): MIME type -> content."""

    data: Mapping[str, str]


@dataclass(frozen=True)
class Display:
    """Something the code displayed (``display_data``): MIME type -> content."""

    data: Mapping[str, str]


@dataclass(frozen=True)
class ErrorOutput:
    """The exception the code raised; ``traceback`` lines without ANSI escapes."""

    ename: str
    evalue: str
    traceback: tuple[str, ...]


Output = Stream | Result | Display | ErrorOutput


@dataclass(frozen=True)
class Execution:
    """What running code in a kernel gave.

    Attributes:
        status: OK, ERROR or TIMEOUT.
        execution_count: the kernel's number for the execution (None when it never started).
        outputs: in the order the kernel published them.
    """

    status: ExecutionStatus
    execution_count: int | None
    outputs: tuple[Output, ...]

    def to_json(self) -> dict[str, Any]:
        """The wire form (what the API answers, and what a host's spawner sends)."""
        return {
            "status": str(self.status),
            "execution_count": self.execution_count,
            "outputs": [_output_json(output) for output in self.outputs],
        }

    @classmethod
    def from_json(cls, body: Any) -> Execution:
        """Read the wire form back.

        Raises:
            ValueError: ``body`` is not one.
        """
        try:
            count = body["execution_count"]
            if count is not None and not isinstance(count, int):
                raise ValueError("execution_count is not a number")
            outputs = tuple(_output_of(item) for item in body["outputs"])
            return cls(ExecutionStatus(body["status"]), count, outputs)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an execution: {exc}") from exc


def _output_json(output: Output) -> dict[str, Any]:
    if isinstance(output, Stream):
        return {"type": "stream", "name": output.name, "text": output.text}
    if isinstance(output, ErrorOutput):
        traceback = list(output.traceback)
        return {
            "type": "error",
            "ename": output.ename,
            "evalue": output.evalue,
            "traceback": traceback,
        }
    kind = "result" if isinstance(output, Result) else "display"
    return {"type": kind, "data": dict(output.data)}


def _output_of(item: Any) -> Output:
    kind = item["type"]
    if kind == "stream":
        return Stream(str(item["name"]), str(item["text"]))
    if kind == "error":
        lines = tuple(str(line) for line in item["traceback"])
        return ErrorOutput(str(item["ename"]), str(item["evalue"]), lines)
    if kind in ("result", "display"):
        data = {str(mime): str(content) for mime, content in dict(item["data"]).items()}
        return Result(data) if kind == "result" else Display(data)
    raise ValueError(f"unknown output type {kind!r}")


def strip_ansi(text: str) -> str:
    """``text`` without ANSI escape sequences (colours, cursor moves)."""
    return _ANSI.sub("", text)


def _kept(data: Any) -> dict[str, str]:
    """The :data:`MIME_TYPES` of a result's or display's ``data``."""
    if not isinstance(data, dict):
        return {}
    kept: dict[str, str] = {}
    for mime in MIME_TYPES:
        value = data.get(mime)
        if value is None:
            continue
        if mime == "application/json":
            kept[mime] = json.dumps(value)
        elif isinstance(value, str):
            kept[mime] = value
        elif isinstance(value, list) and all(isinstance(line, str) for line in value):
            kept[mime] = "".join(value)
    return kept


class _Gathering:
    """What the kernel said of one request (``msg_id``), as it says it."""

    def __init__(self, msg_id: str) -> None:
        self.msg_id = msg_id
        self.started = self.done = self.failed = False
        self.count: int | None = None
        self._outputs: list[Output] = []
        self._streamed = self._shown = 0
        self._cut: list[tuple[str, int]] = []

    def take(self, message: dict[str, Any]) -> None:
        """Take one IOPub message (those of other requests are ignored)."""
        if message.get("parent_header", {}).get("msg_id") != self.msg_id:
            return
        kind, content = message.get("msg_type"), message.get("content") or {}
        if kind == "status":
            state = content.get("execution_state")
            self.started |= state == "busy"
            self.done |= state == "idle"
        elif kind == "execute_input":
            self.started = True
            self._count(content.get("execution_count"))
        elif kind == "stream":
            name = "stderr" if content.get("name") == "stderr" else "stdout"
            self._stream(name, str(content.get("text", "")))
        elif kind in ("execute_result", "display_data", "update_display_data"):
            data = _kept(content.get("data"))
            if kind == "execute_result":
                self._count(content.get("execution_count"))
            if data:
                output = Result(data) if kind == "execute_result" else Display(data)
                self._show(output, sum(len(value) for value in data.values()))
        elif kind == "error":
            self.failed = True
            lines = tuple(strip_ansi(str(line)) for line in content.get("traceback") or ())
            ename, evalue = str(content.get("ename", "")), str(content.get("evalue", ""))
            self._show(
                ErrorOutput(ename, evalue, lines), len(ename) + len(evalue) + sum(map(len, lines))
            )

    def reply(self, message: dict[str, Any]) -> None:
        """Take one shell message: the request's ``execute_reply``."""
        if message.get("parent_header", {}).get("msg_id") != self.msg_id:
            return
        content = message.get("content") or {}
        self._count(content.get("execution_count"))
        if content.get("status") != "ok":
            self.failed = True
        if content.get("status") == "aborted":  # never ran, and publishes nothing more
            self.done = True

    def execution(self, status: ExecutionStatus) -> Execution:
        notes = [
            Stream("stderr", f"\n[Baton: {what} passed {limit:,} characters; the rest was cut]\n")
            for what, limit in self._cut
        ]
        return Execution(status, self.count, (*self._outputs, *notes))

    def _count(self, count: object) -> None:
        if isinstance(count, int):
            self.count = count

    def _stream(self, name: str, text: str) -> None:
        room = STREAM_LIMIT - self._streamed
        if room <= 0:
            return
        if len(text) > room:
            text = text[:room]
            self._cut.append(("the stream output", STREAM_LIMIT))
        self._streamed += len(text)
        last = self._outputs[-1] if self._outputs else None
        if isinstance(last, Stream) and last.name == name:
            self._outputs[-1] = Stream(name, last.text + text)
        elif text:
            self._outputs.append(Stream(name, text))

    def _show(self, output: Output, size: int) -> None:
        if self._shown + size > OUTPUT_LIMIT:
            if self._shown <= OUTPUT_LIMIT:
                self._cut.append(("the other outputs", OUTPUT_LIMIT))
                self._shown = OUTPUT_LIMIT + 1  # nothing more is kept
            return
        self._shown += size
        self._outputs.append(output)


def _always() -> bool:
    return True


async def execute(
    info: ConnectionInfo,
    code: str,
    timeout: float,
    *,
    alive: Callable[[], bool] = _always,
    what: str = "the kernel",
) -> Execution:
    """Run ``code`` in the kernel of ``info``; what it gave (see the module).

    Args:
        info: the kernel's connection info (with its key).
        code: the code, as a user typed it.
        timeout: seconds the code may run (connecting included).
        alive: whether the kernel's process still runs (asked while the kernel says nothing).
        what: how errors name the kernel.

    Raises:
        Conflict: the kernel ended before the code did.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    context = zmq.asyncio.Context()
    client = AsyncKernelClient(context=context)
    try:
        client.load_connection_info(cast(KernelConnectionInfo, reachable(info)))
        client.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=True)
        if not await _subscribe(client, deadline, alive, what):
            return Execution(ExecutionStatus.TIMEOUT, None, ())
        run = _Gathering(
            client.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        )
        if await _follow(client, run, deadline, alive, what):
            return run.execution(ExecutionStatus.ERROR if run.failed else ExecutionStatus.OK)
        if run.started:
            client.control_channel.send(client.session.msg("interrupt_request", {}))
            await _follow(client, run, loop.time() + INTERRUPT_GRACE, alive, what)
        return run.execution(ExecutionStatus.TIMEOUT)
    finally:
        client.stop_channels()
        context.destroy(linger=0)


async def _subscribe(
    client: AsyncKernelClient, deadline: float, alive: Callable[[], bool], what: str
) -> bool:
    """Return once IOPub delivers (True), or False at ``deadline``."""
    loop = asyncio.get_running_loop()
    for attempt in itertools.count():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        client.kernel_info()
        wait = PROBE_EVERY[min(attempt, len(PROBE_EVERY) - 1)]
        try:
            await client.get_iopub_msg(timeout=min(wait, remaining))
            return True
        except Empty:
            if not alive():
                raise Conflict(f"{what} ended before the code could run") from None
        except ValueError:  # not signed with the key: not the kernel's
            continue
    raise AssertionError("unreachable")


async def _follow(
    client: AsyncKernelClient,
    run: _Gathering,
    deadline: float,
    alive: Callable[[], bool],
    what: str,
) -> bool:
    """Gather ``run``'s outputs until it is done (True) or ``deadline`` (False)."""
    loop = asyncio.get_running_loop()
    while True:
        while await client.shell_channel.msg_ready():
            try:
                run.reply(await client.get_shell_msg(timeout=0))
            except (Empty, ValueError):
                break
        if run.done:
            return True
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        try:
            run.take(await client.get_iopub_msg(timeout=min(remaining, CHECK_EVERY)))
        except Empty:
            if not alive():
                raise Conflict(f"{what} ended while it ran the code") from None
        except ValueError:
            continue
