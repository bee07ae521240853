"""The SOAP interface's operations: a validated request element in, a response element out.

Each operation does what its REST counterpart does, with the same rights: a run is visible to
whoever may read its job, to the user who started it and to operators (otherwise it is "not
found", so its existence is not told); cancelling another user's run needs the ``operate``
capability or ``administer`` on its job (:meth:`Runtime.cancel` checks).

Inputs of ``RunJob`` are ``name``/``value`` items whose value is text read as the input's
declared type, as on the command line: a ``string``, ``date``, ``datetime`` or ``any`` input
takes the text as it is; any other type takes JSON text (``3``, ``true``, ``[1, 2]``). Outputs
are always JSON text.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import anyio.to_thread
from lxml import etree

from baton.errors import InvalidInput
from baton.jobs import design
from baton.jobs.runtime import Runtime
from baton.jobs.submit import visible_run
from baton.registry import jobs as stored_jobs
from baton.registry import runs
from baton.registry.access import Principal
from baton.registry.database import Database
from baton.registry.records import JobRecord, NodeRunRecord, RunLogRecord, RunRecord

NS = "urn:baton:runtime"
#: What XML 1.0 cannot carry (log lines may hold terminal escapes).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Handler = Callable[[Principal, etree._Element], Awaitable[etree._Element]]


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot carry (controls, lone surrogates) replaced."""
    return _NOT_XML.sub("\ufffd", text)


class Operations:
    """The operations of the WSDL's port type, by name.

    Args:
        runtime: the control plane's runtime.
        database: the registry.
    """

    NAMES = ("RunJob", "GetRunStatus", "GetRunOutputs", "GetRunLog", "CancelRun", "ListJobs")

    def __init__(self, runtime: Runtime, database: Database) -> None:
        self.runtime = runtime
        self.database = database
        self._handlers: Mapping[str, Handler] = {
            "RunJob": self.run_job,
            "GetRunStatus": self.get_run_status,
            "GetRunOutputs": self.get_run_outputs,
            "GetRunLog": self.get_run_log,
            "CancelRun": self.cancel_run,
            "ListJobs": self.list_jobs,
        }

    async def call(self, principal: Principal, request: etree._Element) -> etree._Element:
        """The response element of ``request`` (an operation element the schema accepted).

        Raises:
            BatonError: what the runtime or the registry refused.
        """
        return await self._handlers[etree.QName(request).localname](principal, request)

    async def run_job(self, principal: Principal, request: etree._Element) -> etree._Element:
        name = _text(request, "jobName") or ""
        version = _optional(request, "version", int)
        wait = _optional(request, "waitSeconds", float)
        if wait is not None and not math.isfinite(wait):
            raise InvalidInput("waitSeconds", f"{wait} is not a number of seconds")
        record = await self.runtime.start(
            principal, name, _inputs(request), version=version, from_text=True
        )
        if wait:
            with contextlib.suppress(TimeoutError):
                record = await self.runtime.wait(record.id, wait)
            if not self.runtime.ended(record):  # for its place in the queue now
                record = await anyio.to_thread.run_sync(self._visible, principal, record.id)
        return _run_status("RunJobResponse", record)

    async def get_run_status(self, principal: Principal, request: etree._Element) -> etree._Element:
        record = await anyio.to_thread.run_sync(self._visible, principal, _run_id(request))
        return _run_status("GetRunStatusResponse", record)

    async def get_run_outputs(
        self, principal: Principal, request: etree._Element
    ) -> etree._Element:
        run_id = _run_id(request)
        with_nodes = _optional(request, "includeNodes", _boolean) or False

        def read() -> tuple[RunRecord, list[NodeRunRecord] | None]:
            record = self._visible(principal, run_id)
            if not with_nodes:
                return record, None
            with self.database.session() as session:
                return record, runs.node_runs(session, run_id)

        record, nodes = await anyio.to_thread.run_sync(read)
        answer = _element("GetRunOutputsResponse")
        _add(answer, "runId", record.id)
        _add(answer, "state", record.state.value)
        _outputs(_add(answer, "outputs"), record.outputs)
        if nodes is not None:
            container = _add(answer, "nodeRuns")
            for node in nodes:
                item = _add(container, "nodeRun")
                _add(item, "node", node.node)
                _add(item, "attempt", node.attempt)
                _add(item, "state", node.state.value)
                _add(item, "error", node.error)
                _add_time(item, "startedAt", node.started_at)
                _add_time(item, "finishedAt", node.finished_at)
                _outputs(_add(item, "outputs"), node.outputs)
        return answer

    async def get_run_log(self, principal: Principal, request: etree._Element) -> etree._Element:
        run_id = _run_id(request)
        after = _optional(request, "afterId", int) or 0

        def read() -> list[RunLogRecord]:
            self._visible(principal, run_id)
            with self.database.session() as session:
                return runs.log_lines(session, run_id, after=after)

        answer = _element("GetRunLogResponse")
        for line in await anyio.to_thread.run_sync(read):
            item = _add(answer, "line")
            _add(item, "id", line.id)
            _add(item, "node", line.node)
            _add(item, "time", _time(line.at))
            _add(item, "text", line.line)
        return answer

    async def cancel_run(self, principal: Principal, request: etree._Element) -> etree._Element:
        run_id = _run_id(request)
        await anyio.to_thread.run_sync(self._visible, principal, run_id)
        record = await self.runtime.cancel(run_id, principal)
        return _run_status("CancelRunResponse", record)

    async def list_jobs(self, principal: Principal, request: etree._Element) -> etree._Element:
        def read() -> list[JobRecord]:
            with self.database.session() as session:
                names = design.readable_names(session, principal)
                limit = max(len(names), 1)
                return stored_jobs.list_jobs(session, names=names, limit=limit).items

        answer = _element("ListJobsResponse")
        for job in await anyio.to_thread.run_sync(read):
            item = _add(answer, "job")
            _add(item, "name", job.name)
            _add(item, "description", job.description)
            _add(item, "latestVersion", job.latest_version)
            _add(item, "updatedAt", _time(job.updated_at))
        return answer

    def _visible(self, principal: Principal, run_id: int) -> RunRecord:
        """Run ``run_id`` if ``principal`` may see it (the REST API's rule), else NotFound."""
        with self.database.session() as session:
            return visible_run(session, principal, run_id)


# --- reading a request (already valid against the schema) --------------------------------------


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    return parent.find(f"{{{NS}}}{name}")


def _text(parent: etree._Element, name: str) -> str | None:
    child = _child(parent, name)
    return None if child is None else (child.text or "")


def _optional(parent: etree._Element, name: str, convert: Callable[[str], Any]) -> Any:
    text = _text(parent, name)
    return None if text is None else convert(text.strip())


def _boolean(text: str) -> bool:
    return text in ("true", "1")


def _run_id(request: etree._Element) -> int:
    return int((_text(request, "runId") or "").strip())


def _inputs(request: etree._Element) -> dict[str, str]:
    """The ``inputs`` items by name; a name given twice is refused."""
    given: dict[str, str] = {}
    container = _child(request, "inputs")
    for item in container.iterfind(f"{{{NS}}}input") if container is not None else ():
        name = _text(item, "name") or ""
        if name in given:
            raise InvalidInput(f"inputs.{name}", "given twice")
        given[name] = _text(item, "value") or ""
    return given


# --- writing a response ------------------------------------------------------------------------


def _element(name: str) -> etree._Element:
    return etree.Element(f"{{{NS}}}{name}", nsmap={"b": NS})


def _add(parent: etree._Element, name: str, value: str | int | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NS}}}{name}")
    if value is not None:
        child.text = xml_text(str(value))
    return child


def _time(moment: datetime) -> str:
    return moment.isoformat()


def _add_time(parent: etree._Element, name: str, moment: datetime | None) -> None:
    if moment is not None:
        _add(parent, name, _time(moment))


def _outputs(container: etree._Element, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        item = _add(container, "output")
        _add(item, "name", name)
        _add(item, "value", json.dumps(value, ensure_ascii=False))


def _run_status(tag: str, record: RunRecord) -> etree._Element:
    answer = _element(tag)
    _add(answer, "runId", record.id)
    _add(answer, "job", record.job)
    _add(answer, "version", record.version)
    _add(answer, "state", record.state.value)
    _add(answer, "createdBy", record.created_by)
    _add(answer, "createdAt", _time(record.created_at))
    _add_time(answer, "startedAt", record.started_at)
    _add_time(answer, "finishedAt", record.finished_at)
    _add(answer, "error", record.error)
    if record.position is not None:
        _add(answer, "position", record.position)
    if record.parent_run_id is not None:
        _add(answer, "parentRunId", record.parent_run_id)
    return answer
