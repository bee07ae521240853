"""Python programs, run in-process in a fresh module namespace on a worker thread.

Each request compiles the program's file and executes it in a new namespace (``__name__`` is
``"__baton_program__"``, so an ``if __name__ == "__main__":`` block does not run); modules the
program imports stay imported, which is what makes a long-lived server fast. When the file
defines ``main()``, it is called with the request's fields coerced to its annotations; a value it
returns becomes a JSON body (``application/json``) unless the program wrote output itself.
Without ``main()`` the module body is the program.

A Python thread cannot be killed. When a request is stopped (deadline, ``CANCEL``, the broker
went away) the conversation ends at once with its ERROR frame, and the program's next
``webout.write`` (or ``flush``) raises :class:`~baton.program.ProgramStopped`; the thread keeps
its slot, and counts as active in STATUS, until it really ends. A program that never writes
again holds its slot until it returns.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import contextvars
import dataclasses
import inspect
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import CodeType

from baton.appserver.coercion import coerce
from baton.appserver.compiled import CompiledPrograms
from baton.appserver.output import ProgramOutput
from baton.appserver.resolver import ResolvedProgram
from baton.appserver.response import Response
from baton.appserver.running import Outcome, Running
from baton.program import Params, ProgramStopped, RequestContext, SessionControl, bind
from baton.protocol import frames

logger = logging.getLogger(__name__)

#: The ``__name__`` a program runs under.
PROGRAM_MODULE_NAME = "__baton_program__"


@dataclass(frozen=True)
class InProcessProgram:
    """A Python program ready to run for one request.

    Attributes:
        program: the resolved file.
        arguments: ``main()``'s keyword arguments, or None when the file has no ``main()``.
        params: the request's fields and files.
        env: the request's CGI variables.
    """

    program: ResolvedProgram
    arguments: dict[str, object] | None
    params: Params
    env: Mapping[str, str]
    code: CodeType

    @classmethod
    def prepare(
        cls, program: ResolvedProgram, request: frames.Request, programs: CompiledPrograms
    ) -> InProcessProgram:
        """Read the program's signature (statically) and coerce the request's fields to it.

        Args:
            program: the resolved file.
            request: the request.
            programs: the server's programs already read and compiled.

        Raises:
            ProgramSourceError: the file cannot be read or parsed.
            InvalidFieldValue: a field does not fit ``main()``.
        """
        compiled = programs.get(program.path, name=program.qualified_name)
        signature = compiled.signature
        arguments = coerce(signature, request.fields) if signature.has_main else None
        params = Params(request.fields, request.files)
        return cls(program, arguments, params, dict(request.env), compiled.code)

    def start(
        self,
        response: Response,
        loop: asyncio.AbstractEventLoop,
        on_exit: Callable[[], None],
        session: SessionControl | None = None,
    ) -> Running:
        """Run the program on a new daemon thread; ``on_exit`` runs on the loop when it ends.

        ``session`` is what ``baton.program.session`` reaches (None: no sessions).
        """
        output = ProgramOutput(response, loop)
        context = RequestContext(self.params, self.env, output, session=session)
        done: asyncio.Future[Outcome] = loop.create_future()

        def finished(outcome: Outcome) -> None:
            on_exit()
            if not done.done():
                done.set_result(outcome)

        def thread_main() -> None:
            outcome = Outcome("the program did not finish", context.log_lines)
            try:
                outcome = contextvars.Context().run(self._run, output, context)
            finally:
                # RuntimeError: the loop is closed, the server exited meanwhile.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(finished, outcome)

        name = f"baton-program-{self.program.qualified_name}"
        threading.Thread(target=thread_main, name=name, daemon=True).start()
        # Stopping is the response's business: once closed, the next write raises.
        return Running(done=done, halt=response.stop)

    def _run(self, output: ProgramOutput, context: RequestContext) -> Outcome:
        bind(context)
        lines = context.log_lines
        try:
            self._execute(output)
            output.finish()
        except ProgramStopped:
            return Outcome("the request was stopped", lines)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                return Outcome(f"the program exited with status {exc.code}", lines)
            try:
                output.finish()
            except ProgramStopped:
                return Outcome("the request was stopped", lines)
        except BaseException as exc:
            logger.error("program %s failed", self.program.qualified_name, exc_info=exc)
            return Outcome(f"the program raised {type(exc).__name__}", lines)
        return Outcome(None, lines)

    def _execute(self, output: ProgramOutput) -> None:
        path = self.program.path
        namespace: dict[str, object] = {
            "__name__": PROGRAM_MODULE_NAME,
            "__file__": str(path),
            "__builtins__": builtins,
        }
        exec(self.code, namespace)
        if self.arguments is None:
            return
        main = namespace.get("main")
        if not callable(main):
            raise TypeError("main is not callable")
        result = main(**self.arguments)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        if result is not None and not output.wrote:
            body = json.dumps(result, default=_jsonable, ensure_ascii=False)
            output.set_header("Content-Type", "application/json")
            output.write(body.encode("utf-8"))


def _jsonable(value: object) -> object:
    """What :func:`json.dumps` cannot write by itself, as JSON values."""
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"main() returned a {type(value).__name__}, which is not JSON")
