"""What a runner asks the control plane for during a run, and how it is answered.

A runner sends a ``call`` (:mod:`baton.jobs.channel`) when a node needs what only the control
plane has: ``program`` (run through the dispatcher's load manager, as the run's user:
:mod:`baton.jobs.programs`), ``job`` (a child run, queued ahead of the cap and awaited;
abandoning the call cancels it), ``emit`` and ``wait_event`` (the control plane's
:class:`~baton.jobs.events.EventBus`), ``wait_file`` (a file matching a pattern in a program
library's folder, polled). The answer is a ``reply``: ``ok`` with the node's outputs, or the
error (and the outputs a failed program or child run produced).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import fnmatch
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from baton.broker.grants import GrantCache
from baton.errors import BatonError, NotFound
from baton.jobs.channel import ChannelError, Message
from baton.jobs.executors import NodeFailed
from baton.jobs.programs import ProgramCall, run_program
from baton.jobs.states import RunState
from baton.jobs.submit import submit
from baton.registry import libraries
from baton.registry.records import RunRecord

if TYPE_CHECKING:
    from baton.jobs.runtime import Active, Runtime

logger = logging.getLogger(__name__)


class RunnerCalls:
    """Answers the calls of the runs ``runtime`` drives."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._grants = GrantCache(runtime.database, runtime.settings.dispatcher.refresh_seconds)

    async def answer(self, active: Active, message: Message) -> None:
        """Do what ``message`` (a ``call``) asks and send the runner the ``reply``."""
        call_id = message.get("id")
        op = message.get("op")
        try:
            if op == "program":
                value = await self._program(active, message)
            elif op == "job":
                value = await self._child(active, message)
            elif op == "emit":
                name = str(message.get("event", ""))
                self._runtime.events.publish(
                    name, _object(message.get("payload")), source=f"run {active.run_id}"
                )
                value = {}
            elif op == "wait_event":
                value = await self._wait_event(message)
            elif op == "wait_file":
                value = await self._wait_file(message)
            else:
                raise NodeFailed(f"the runtime does not know the call {op!r}")
            reply: Message = {"type": "reply", "id": call_id, "ok": True, "value": value}
        except asyncio.CancelledError:
            return  # abandoned by the runner
        except NodeFailed as exc:
            reply = {"type": "reply", "id": call_id, "ok": False, "error": exc.detail}
            reply["outputs"] = exc.outputs
        except BatonError as exc:
            reply = {"type": "reply", "id": call_id, "ok": False, "error": exc.detail}
        except Exception as exc:
            logger.exception("run %s: call %s failed", active.run_id, op)
            reply = {"type": "reply", "id": call_id, "ok": False, "error": f"internal: {exc!r}"}
        finally:
            active.calls.pop(int(call_id or 0), None)
        if active.channel is not None:
            with contextlib.suppress(OSError, ChannelError):
                await active.channel.send(reply)

    async def _program(self, active: Active, message: Message) -> dict[str, object]:
        assert active.principal is not None
        timeout = message.get("timeout")
        call = ProgramCall(
            program=str(message.get("program", "")),
            service=message.get("service") or None,
            inputs=_object(message.get("inputs")),
            timeout=float(timeout) if isinstance(timeout, int | float) else None,
            run_id=active.run_id,
            node=str(message.get("node", "")),
        )
        default = self._runtime.settings.dispatcher.default_service
        return await run_program(
            self._runtime.manager, self._grants, default, active.principal, call
        )

    async def _child(self, active: Active, message: Message) -> dict[str, object]:
        assert active.principal is not None
        principal = active.principal
        name = str(message.get("job", ""))
        version = message.get("version")

        def create() -> RunRecord:
            with self._runtime.database.session() as session:
                return submit(
                    session,
                    principal,
                    self._runtime.settings,
                    name,
                    _object(message.get("inputs")),
                    version=version if isinstance(version, int) else None,
                    parent_run_id=active.run_id,
                )

        child = await anyio.to_thread.run_sync(create)
        active.children.add(child.id)
        self._runtime.wake()
        try:
            record = await self._runtime.wait(child.id)
        except asyncio.CancelledError:
            with contextlib.suppress(BatonError):
                await self._runtime.cancel(child.id, None)
            raise
        finally:
            active.children.discard(child.id)
        if record.state is not RunState.SUCCEEDED:
            detail = f": {record.error}" if record.error else ""
            raise NodeFailed(
                f"child run {record.id} of {name} {record.state.value.lower()}{detail}"
            )
        return {**record.outputs, "run": record.id}

    async def _wait_event(self, message: Message) -> dict[str, object]:
        name = str(message.get("event", ""))
        timeout = message.get("timeout")
        filter_text = message.get("filter")
        try:
            payload = await self._runtime.events.wait(
                name,
                filter_text if isinstance(filter_text, str) else None,
                float(timeout) if isinstance(timeout, int | float) else None,
            )
        except TimeoutError:
            raise NodeFailed(f"event {name} did not come in time") from None
        return {"event": payload, "at": _now()}

    async def _wait_file(self, message: Message) -> dict[str, object]:
        library = str(message.get("library", ""))
        pattern = str(message.get("pattern", ""))
        if "/" in pattern or "\\" in pattern or pattern in (".", ".."):
            raise NodeFailed(f"a file pattern names files in one folder, not {pattern!r}")
        folder = await anyio.to_thread.run_sync(self._library_folder, library)
        timeout = message.get("timeout")
        limit = None if not isinstance(timeout, int | float) else time.monotonic() + timeout
        while True:
            found = await anyio.to_thread.run_sync(_first_match, folder, pattern)
            if found is not None:
                return {"file": found, "at": _now()}
            if limit is not None and time.monotonic() >= limit:
                raise NodeFailed(f"no file {pattern} arrived in library {library} in time")
            await asyncio.sleep(self._runtime.settings.jobs.file_poll_seconds)

    def _library_folder(self, name: str) -> Path:
        with self._runtime.database.session() as session:
            try:
                return Path(libraries.load(session, name).path)
            except NotFound:
                raise NodeFailed(f"library {name!r} does not exist") from None


def _object(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _first_match(folder: Path, pattern: str) -> str | None:
    """The first (by name) regular file in ``folder`` matching ``pattern``."""
    try:
        names = sorted(entry.name for entry in folder.iterdir() if entry.is_file())
    except OSError:
        return None
    return next((name for name in names if fnmatch.fnmatchcase(name, pattern)), None)
