"""Programs that are not Python: executables run as argument-vector child processes.

The program file is executed directly (no shell, no arguments), in its library's folder, in a
new session (so it and its children form one process group), with standard input from
``/dev/null``. Its standard output is the response body, streamed as DATA frames as it comes
(the head is the default: 200, ``text/html; charset=utf-8``); its standard error lines are the
request's log lines. It ends well when it exits with status 0; any other status is
``program_failed``. When the request is stopped (deadline, ``CANCEL``, the broker went away)
its whole process group is killed with SIGKILL.

Its environment holds ``PATH`` (the server's), ``LANG=C.UTF-8``, the request's CGI variables
as given, ``BATON_PROGRAM`` (``library.name``), ``BATON_REQUEST_ID``, ``BATON_USER`` (when
authenticated) and one variable per field: ``BATON_FIELD_<NAME>``, where ``<NAME>`` is the
field's name in upper case with every character other than ``A-Z``, ``0-9`` and ``_`` replaced
by ``_``, holds the field's first value. A field given several times also sets
``BATON_FIELD_<NAME>_COUNT`` (the number of values) and ``BATON_FIELD_<NAME>_1`` ...
``_<COUNT>``. A field whose name or value holds a NUL character cannot be passed: the request
is refused as ``bad_input``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from baton.appserver.resolver import ResolvedProgram
from baton.appserver.response import Response
from baton.appserver.running import Outcome, Running
from baton.errors import InvalidFieldValue
from baton.protocol import frames

#: Bytes read from the child's output at a time.
READ_SIZE = 64 * 1024
#: Log lines kept from the child's standard error.
MAX_LOG_LINES = 1000
_UNSAFE = re.compile(r"[^A-Z0-9_]")


def field_variable(name: str) -> str:
    """The environment variable that carries the field ``name`` (``BATON_FIELD_<NAME>``)."""
    return "BATON_FIELD_" + _UNSAFE.sub("_", name.upper())


def program_environment(program: ResolvedProgram, request: frames.Request) -> dict[str, str]:
    """The environment of an executable program's process (see the module's docstring).

    Raises:
        InvalidFieldValue: a field's name or value holds a NUL character.
    """
    environment = {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8"}
    for key, value in request.env.items():
        if "\0" not in key + value and "=" not in key and key:
            environment[key] = value
    environment["BATON_PROGRAM"] = program.qualified_name
    environment["BATON_REQUEST_ID"] = request.request_id
    if request.user is not None:
        environment["BATON_USER"] = request.user
    values: dict[str, list[str]] = {}
    for name, value in request.fields:
        if "\0" in name or "\0" in value:
            raise InvalidFieldValue(name.replace("\0", "\\0"), "text", "got a NUL character")
        values.setdefault(name, []).append(value)
    for name, given in values.items():
        variable = field_variable(name)
        environment[variable] = given[0]
        if len(given) > 1:
            environment[f"{variable}_COUNT"] = str(len(given))
            for index, value in enumerate(given, start=1):
                environment[f"{variable}_{index}"] = value
    return environment


@dataclass(frozen=True)
class ExecutableProgram:
    """An executable program ready to run for one request.

    Attributes:
        program: the resolved file.
        environment: its process's whole environment.
    """

    program: ResolvedProgram
    environment: Mapping[str, str]

    @classmethod
    def prepare(cls, program: ResolvedProgram, request: frames.Request) -> ExecutableProgram:
        """Build the environment of the program's process.

        Raises:
            InvalidFieldValue: a field cannot be passed in the environment.
        """
        return cls(program, program_environment(program, request))

    def start(
        self, response: Response, loop: asyncio.AbstractEventLoop, on_exit: Callable[[], None]
    ) -> Running:
        """Start the child process; ``on_exit`` runs once it was reaped."""
        process: list[asyncio.subprocess.Process] = []

        def halt() -> None:
            response.stop()
            if process and process[0].returncode is None:
                _kill_group(process[0].pid)

        async def run() -> Outcome:
            try:
                return await self._run(response, process)
            finally:
                on_exit()

        return Running(done=loop.create_task(run()), halt=halt)

    async def _run(self, response: Response, holder: list[asyncio.subprocess.Process]) -> Outcome:
        log: list[str] = []
        try:
            process = await asyncio.create_subprocess_exec(
                str(self.program.path),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=dict(self.environment),
                cwd=self.program.path.parent,
                start_new_session=True,
            )
        except OSError as exc:
            return Outcome(f"the program could not start ({exc.strerror})", log)
        holder.append(process)
        assert process.stdout is not None and process.stderr is not None
        errors = asyncio.create_task(_collect(process.stderr, log))
        try:
            while chunk := await process.stdout.read(READ_SIZE):
                if not await response.send_data(chunk):
                    _kill_group(process.pid)
                    break
            await errors
            status = await process.wait()
        finally:
            if process.returncode is None:
                _kill_group(process.pid)
                await process.wait()
            errors.cancel()
            _kill_group(process.pid)  # children it left behind
        if response.closed:
            return Outcome("the request was stopped", log)
        if status != 0:
            return Outcome(f"the program exited with status {status}", log)
        return Outcome(None, log)


async def _collect(stream: asyncio.StreamReader, log: list[str]) -> None:
    """Read ``stream`` to its end, keeping its first lines as log lines."""
    while True:
        try:
            line = await stream.readline()
        except ValueError:  # a line over the reader's limit: it was dropped
            continue
        if not line:
            return
        if len(log) < MAX_LOG_LINES:
            log.append(line.decode("utf-8", "replace").rstrip("\r\n"))


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
