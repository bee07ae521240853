"""A job's ``program`` node, run through the dispatcher's load manager.

The runtime asks :func:`run_program` on the runner's behalf: the program runs on a server of
its dispatcher service exactly as a web request would (same pools, same queue, same
permission check for the run's user, same deadline), and what its ``main()`` returned (a JSON
body) becomes the node's output ``result``. A program that writes text instead gives that text.
The node's inputs become the request's fields: scalars as text, lists as repeated fields,
objects as JSON text (what :func:`baton.appserver.coercion.coerce` reads back).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import anyio.to_thread

from baton.appserver.resolver import canonical_name
from baton.broker.grants import GrantCache
from baton.errors import BatonError, ProgramNotFound, ProtocolError
from baton.jobs.executors import NodeFailed
from baton.loadmanager.connection import REUSABLE_CODES, ServerConnection, error_of
from baton.loadmanager.manager import LoadManager
from baton.protocol import frames
from baton.registry.access import Principal

#: The most bytes of a program's answer a node keeps.
MAX_ANSWER = 8 * 1024 * 1024
#: Seconds past its deadline a server may stay silent before it counts as lost.
DEADLINE_MARGIN = 10.0
#: Seconds a cancelled program has to end.
CANCEL_PATIENCE = 5.0


@dataclass(frozen=True)
class ProgramCall:
    """One program node's attempt, as the runner asked for it."""

    program: str
    service: str | None
    inputs: Mapping[str, object]
    timeout: float | None
    run_id: int
    node: str


def fields_of(inputs: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """The request fields of a node's inputs."""
    fields: list[tuple[str, str]] = []
    for name, value in inputs.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                text = "true" if item else "false"
            elif isinstance(item, dict | list):
                text = json.dumps(item, ensure_ascii=False)
            else:
                text = str(item)
            fields.append((name, text))
    return tuple(fields)


async def run_program(
    manager: LoadManager,
    grants: GrantCache,
    default_service: str,
    principal: Principal,
    call: ProgramCall,
) -> dict[str, object]:
    """Run ``call``'s program for ``principal``; the node's outputs (``{"result": ...}``).

    Raises:
        NodeFailed: the program failed, was refused, or its service has no server for it.
    """
    service = call.service or default_service
    try:
        return await _run(manager, grants, service, principal, call)
    except NodeFailed:
        raise
    except BatonError as exc:
        raise NodeFailed(f"program {call.program} on {service}: {exc.detail}") from None


async def _run(
    manager: LoadManager,
    grants: GrantCache,
    service: str,
    principal: Principal,
    call: ProgramCall,
) -> dict[str, object]:
    pool = await manager.pool(service)
    setup = manager.setup(service)
    assert setup is not None
    library, name = canonical_name(call.program)
    if library not in setup.spec.libraries:
        raise ProgramNotFound(
            call.program, reason=f"service {service!r} does not serve {library!r}"
        )
    if grants.fresh(principal, name, service):
        grants.may_run(principal, name, service, "")
    else:
        await anyio.to_thread.run_sync(grants.may_run, principal, name, service, "")
    deadline = setup.spec.settings.request_timeout
    if call.timeout is not None:
        deadline = max(0.001, min(deadline, call.timeout))
    request = frames.Request(
        request_id=f"run{call.run_id}-{secrets.token_hex(4)}",
        program=call.program,
        fields=fields_of(call.inputs),
        env={"BATON_RUN": str(call.run_id), "BATON_NODE": call.node},
        user=principal.name or None,
        deadline=deadline,
    )
    lease = await pool.acquire(None)
    server = lease.server
    try:
        connection = await server.connection()
    except ProtocolError as exc:
        pool.release(lease, lost=True)
        raise NodeFailed(f"the server for {call.program} cannot be reached: {exc.detail}") from None
    answer = _Answer()
    try:
        await answer.read(connection, request)
    finally:
        await server.give_back(connection, reusable=answer.reusable)
        pool.release(lease, lost=answer.lost, timed_out=answer.timed_out)
    if answer.error is not None:
        raise error_of(answer.error, program=call.program, service=service, timeout=deadline)
    if answer.problem:
        raise NodeFailed(f"program {call.program}: {answer.problem}")
    return answer.outputs(call.program)


class _Answer:
    """A program's answer, read from its server."""

    def __init__(self) -> None:
        self.status = 0
        self.content_type = ""
        self.body = bytearray()
        self.error: frames.Error | None = None
        self.problem = ""
        self.lost = False
        self.timed_out = False
        self.reusable = False

    async def read(self, connection: ServerConnection, request: frames.Request) -> None:
        loop = asyncio.get_running_loop()
        limit = loop.time() + request.deadline + DEADLINE_MARGIN
        try:
            await connection.send(request)
            async with asyncio.timeout_at(limit):
                await self._frames(connection)
        except TimeoutError:
            self.lost = self.timed_out = True
            self.problem = "the server did not answer within the deadline"
        except ProtocolError as exc:
            self.lost = True
            self.problem = f"the server was lost: {exc.detail}"
        except asyncio.CancelledError:
            # The node was cancelled: stop the program, give it a moment, then drop the server.
            self.lost = True
            with contextlib.suppress(ProtocolError, OSError):
                await connection.send(frames.Cancel(request.request_id))
            raise

    async def _frames(self, connection: ServerConnection) -> None:
        while True:
            frame = await connection.receive()
            match frame:
                case frames.Head():
                    self.status = frame.status
                    for header, value in frame.headers:
                        if header.lower() == "content-type":
                            self.content_type = value
                case frames.Data():
                    if len(self.body) + len(frame.chunk) > MAX_ANSWER:
                        self.problem = f"its answer is larger than {MAX_ANSWER} bytes"
                    else:
                        self.body += frame.chunk
                case frames.End():
                    self.reusable = True
                    return
                case frames.Error():
                    self.error = frame
                    self.reusable = frame.code in REUSABLE_CODES
                    return
                case _:
                    self.lost = True
                    self.problem = f"a {frame.kind.value} frame came out of turn"
                    return

    def outputs(self, program: str) -> dict[str, object]:
        text = bytes(self.body).decode("utf-8", errors="replace")
        if self.status >= 400:
            raise NodeFailed(
                f"program {program} answered {self.status}: {text[:500]}",
                {"status": self.status},
            )
        if self.content_type.split(";")[0].strip().lower() == "application/json":
            try:
                return {"result": json.loads(text)}
            except json.JSONDecodeError:
                raise NodeFailed(f"program {program} answered JSON that does not parse") from None
        return {"result": text}
