"""One request, from its REQUEST frame to its END or ERROR frame.

Resolve the program (``program_not_found``), prepare it (``bad_input``; a source that cannot be
parsed is ``program_failed``), open the session the request names (``session_not_found``), wait
for a free slot, run it, and finish: END with the log, the timings (``queued`` and ``run``, in
seconds) and the session the request ended with, or ERROR. The deadline counts from the moment
the REQUEST was read, waiting for a slot included; past it, or on :class:`Stop`, the request
ends with ERROR at once and the program is stopped (see the runners for what that means).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field

from baton.appserver.compiled import CompiledPrograms
from baton.appserver.executable import ExecutableProgram
from baton.appserver.inprocess import InProcessProgram
from baton.appserver.resolver import ProgramKind, ProgramResolver
from baton.appserver.response import Response
from baton.appserver.running import Running
from baton.appserver.sessions import SessionStore
from baton.appserver.slots import Slots
from baton.errors import InvalidFieldValue, ProgramNotFound, ProgramSourceError, SessionNotFound
from baton.protocol import frames
from baton.protocol.frames import ErrorCode

logger = logging.getLogger(__name__)


class Stop:
    """Why a request must end early: set once, by a deadline, a CANCEL or the connection."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.code: str | None = None
        self.message = ""
        #: The connection must be closed after the request's final frame.
        self.close = False

    def request(self, code: str, message: str, *, close: bool = False) -> None:
        """Ask the request to end with ERROR ``code`` (the first reason given wins)."""
        if self.code is None:
            self.code, self.message = code, message
        self.close = self.close or close
        self.event.set()


@dataclass(frozen=True)
class Runtime:
    """What every conversation of a server shares.

    Attributes:
        resolver: finds programs in the registered libraries.
        slots: the ``PROGRAMS=n`` limit and the counts.
        max_deadline: the server's ``--timeout``: no request runs longer.
        running: the programs running now (a stopped one stays until it really ends).
        sessions: the server's sessions.
        programs: the Python programs already read and compiled.
    """

    resolver: ProgramResolver
    slots: Slots
    max_deadline: float
    running: set[Running]
    sessions: SessionStore
    programs: CompiledPrograms = field(default_factory=CompiledPrograms)


async def converse(
    request: frames.Request, runtime: Runtime, response: Response, stop: Stop
) -> None:
    """Serve ``request``: send its answer through ``response``, ending with END or ERROR."""
    received = time.monotonic()
    seconds = min(request.deadline, runtime.max_deadline)
    deadline = received + seconds
    try:
        found = runtime.resolver.resolve(request.program)
    except ProgramNotFound as exc:
        logger.info("%s: %s", exc.detail, exc.reason)
        await response.fail(ErrorCode.PROGRAM_NOT_FOUND, exc.detail)
        return
    program: InProcessProgram | ExecutableProgram
    try:
        if found.kind is ProgramKind.PYTHON:
            program = InProcessProgram.prepare(found, request, runtime.programs)
        else:
            program = ExecutableProgram.prepare(found, request)
    except InvalidFieldValue as exc:
        await response.fail(ErrorCode.BAD_INPUT, exc.detail)
        return
    except ProgramSourceError as exc:
        await response.fail(ErrorCode.PROGRAM_FAILED, exc.detail)
        return
    try:
        session = runtime.sessions.begin(request.session_id, request.user)
    except SessionNotFound as exc:
        await response.fail(ErrorCode.SESSION_NOT_FOUND, exc.detail)
        return
    acquiring = asyncio.ensure_future(runtime.slots.acquire())
    acquired = False
    try:
        acquired = await _within(acquiring, stop, deadline, seconds)
    finally:
        if not acquired:  # the program never starts: give back what it would have released
            session.finish()
            if acquiring.done() and not acquiring.cancelled():
                runtime.slots.release()
            else:
                acquiring.cancel()
    if not acquired:
        await response.fail(stop.code or ErrorCode.TIMEOUT, stop.message)
        return
    started = time.monotonic()
    loop = asyncio.get_running_loop()
    running: list[Running] = []

    def on_exit() -> None:
        runtime.slots.release()
        session.finish()
        if running:
            runtime.running.discard(running[0])

    if isinstance(program, InProcessProgram):
        running.append(program.start(response, loop, on_exit, session))
    else:  # executables do not see sessions; their requests still keep theirs alive
        running.append(program.start(response, loop, on_exit))
    runtime.running.add(running[0])
    if not await _within(running[0].done, stop, deadline, seconds):
        # ERROR first: it closes the response, so the program cannot send after it.
        await response.fail(stop.code or ErrorCode.TIMEOUT, stop.message)
        running[0].halt()
        return
    outcome = running[0].done.result()
    if outcome.error is not None:
        await response.fail(ErrorCode.PROGRAM_FAILED, outcome.error)
        return
    timings = {"queued": started - received, "run": time.monotonic() - started}
    await response.end(outcome.log, timings, session.outcome())


async def _within(awaited: Awaitable[object], stop: Stop, deadline: float, seconds: float) -> bool:
    """Whether ``awaited`` completes before ``stop`` or the deadline (then ``stop`` says why)."""
    future = asyncio.ensure_future(awaited)
    stopper = asyncio.ensure_future(stop.event.wait())
    try:
        done, _ = await asyncio.wait(
            {future, stopper},
            timeout=max(0.0, deadline - time.monotonic()),
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        stopper.cancel()
    if future in done:
        return True
    stop.request(ErrorCode.TIMEOUT, f"the request ran past its deadline of {seconds:g} s")
    return False
