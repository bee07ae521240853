"""Job runs in the running control plane: ``baton job run``, ``baton runs``, ``baton run-status``,
``baton run-log``, ``baton run-cancel``.

These commands call the Runtime Server's API (``/api/jobs/{name}/runs``, ``/api/runs``); where it
is and who signs in is :mod:`baton.cli.remote`'s (``--url``, ``--user`` with the password asked
or ``--password-stdin``, ``--token-file``). Inputs are given as ``NAME=VALUE`` text and the
server converts each value to the input's declared type (``from_text``), so that the job's own
declaration decides, as it does for every other client.

``baton job run --wait`` polls ``GET /api/runs/{id}`` every :data:`POLL` seconds and shows the
nodes (:class:`~baton.cli.progress.RunProgress`), then the run's state, outputs and error. Its
exit status says how the run ended (:class:`RunExit`); errors before the run starts exit with
their class's status (:mod:`baton.cli.exits`). Ctrl-C stops the waiting and leaves the run
running, unless ``--cancel-on-interrupt`` asked to cancel it then.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import httpx
import typer
from pydantic import BaseModel, Field
from rich.console import Console
from rich.text import Text

from baton.cli import output
from baton.cli.context import invocation
from baton.cli.progress import RUN_ENDED, RunDetail, RunProgress, elapsed, node_table, styled, value
from baton.cli.remote import ControlPlane, Credentials, default_url, remote_error
from baton.errors import ConfigError, Conflict
from baton.jobs.states import RunState
from baton.registry.records import Page, RunLogRecord, RunRecord

#: Seconds between two looks at a run that is followed.
POLL = 0.3
#: The most runs one ``baton runs`` shows.
MAX_LIMIT = 10000


class RunExit(IntEnum):
    """The exit status of ``baton job run --wait`` (and ``run-cancel``) once the run is known;
    above the error statuses of :class:`~baton.cli.exits.ExitCode`, so that a script can tell a
    failed run from a run that could not start."""

    SUCCEEDED = 0
    FAILED = 10
    CANCELLED = 11
    CRASHED = 12
    STILL_RUNNING = 13
    INTERRUPTED = 130


#: How a run's state becomes the exit status.
EXIT_OF: dict[RunState, RunExit] = {
    RunState.SUCCEEDED: RunExit.SUCCEEDED,
    RunState.FAILED: RunExit.FAILED,
    RunState.CANCELLED: RunExit.CANCELLED,
    RunState.CRASHED: RunExit.CRASHED,
    RunState.QUEUED: RunExit.STILL_RUNNING,
    RunState.RUNNING: RunExit.STILL_RUNNING,
}


class RunBody(BaseModel):
    """What ``POST /api/jobs/{name}/runs`` is sent: text values, typed by the server."""

    inputs: dict[str, str]
    version: int | None = None
    from_text: bool = True


class _Plane(ControlPlane):
    """The control plane's API, with its server-sent event streams."""

    def events(self, path: str) -> Iterator[tuple[str, str]]:
        """The events of the stream at ``path``, as ``(event, data)``, as they come.

        Raises:
            ConfigError: the control plane cannot be reached.
            BatonError: the error it answered, as the class of its code.
        """
        try:
            with self._client.stream(
                "GET", path, headers={"Accept": "text/event-stream"}
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise remote_error(response)
                event = "message"
                data: list[str] = []
                for line in response.iter_lines():
                    if not line:  # a blank line ends an event
                        if data:
                            yield event, "\n".join(data)
                        event, data = "message", []
                        continue
                    name, _, rest = line.partition(":")
                    if name == "event":
                        event = rest.removeprefix(" ")
                    elif name == "data":
                        data.append(rest.removeprefix(" "))
        except httpx.HTTPError as exc:
            raise ConfigError(
                f"lost the control plane at {self.url} ({exc}); is `baton serve` running?",
                key="url",
            ) from exc


# --- options every command takes ---------------------------------------------------------------

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="The control plane's URL (default: http://HOST:PORT of the settings).",
        show_default=False,
    ),
]
SignInOption = Annotated[
    str | None,
    typer.Option(
        "--user", help="Sign in as this user (the password is asked).", show_default=False
    ),
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]
TokenFileOption = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        help="Sign in with the API token on this file's first line (see `baton token`).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
RunIdArg = Annotated[int, typer.Argument(min=1, help="The run's id.", show_default=False)]


def _connect(
    ctx: typer.Context,
    url: str | None,
    user: str | None,
    password_stdin: bool,
    token_file: Path | None,
) -> _Plane:
    """The control plane of the settings (or ``url``), signed in; closed when the command ends."""
    credentials = Credentials.resolve(
        token_file=token_file, user=user, password_stdin=password_stdin
    )
    plane = _Plane(url or default_url(invocation(ctx).settings()), credentials)
    ctx.call_on_close(plane.close)
    return plane


def _fields(texts: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` arguments as a mapping; a malformed or repeated one is a usage error."""
    values: dict[str, str] = {}
    for text in texts:
        name, sep, given = text.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="INPUTS")
        if name in values:
            raise typer.BadParameter(f"input {name!r} is given twice", param_hint="INPUTS")
        values[name] = given
    return values


def _detail(plane: ControlPlane, run_id: int) -> RunDetail:
    return plane.call("GET", f"/api/runs/{run_id}", RunDetail)


def _follow(
    plane: ControlPlane, run_id: int, progress: RunProgress | None, deadline: float | None
) -> RunDetail:
    """Look at the run (showing it on ``progress``) until it ends or ``deadline`` (a monotonic
    time) passes; its last detail."""
    try:
        while True:
            detail = _detail(plane, run_id)
            if progress is not None:
                progress.update(detail)
            if detail.run.state in RUN_ENDED:
                return detail
            if deadline is not None and time.monotonic() >= deadline:
                return detail
            time.sleep(POLL)
    finally:
        if progress is not None:
            progress.close()


def _state_line(prefix: str, state: RunState, more: str = "") -> None:
    """``prefix STATE more`` on stdout, the state in its colour."""
    line = Text(prefix).append_text(styled(state.value)).append(more)
    Console(highlight=False).print(line, soft_wrap=True)


def show_result(run: RunRecord) -> None:
    """The run's state and duration, its outputs, and its error (on stderr)."""
    took = "" if run.started_at is None else f" after {elapsed(run.started_at, run.finished_at)}"
    _state_line(f"run {run.id} ", run.state, took)
    if run.outputs:
        output.line("outputs:")
        for name, data in run.outputs.items():
            output.line(f"  {name} = {value(data)}")
    if run.error and run.state is not RunState.SUCCEEDED:
        output.error(run.error)


# --- the commands ------------------------------------------------------------------------------


def run_job(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The job's name.", show_default=False)],
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="NAME=VALUE",
            help="Input values, as text: converted to each input's declared type.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        int | None,
        typer.Option(min=1, help="Run this version (default: the latest).", show_default=False),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Follow the run until it ends; exit by its state.")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            help="Stop waiting after this many seconds (implies --wait; the run goes on).",
            show_default=False,
        ),
    ] = None,
    cancel_on_interrupt: Annotated[
        bool,
        typer.Option("--cancel-on-interrupt", help="Ctrl-C while waiting cancels the run."),
    ] = False,
    json_output: JsonOption = False,
    url: UrlOption = None,
    user: SignInOption = None,
    password_stdin: PasswordStdinOption = False,
    token_file: TokenFileOption = None,
) -> None:
    """Queue a run of a job in the running control plane.

    With --wait, follow its nodes (a live table on a terminal, a line per change otherwise) and
    end with its state, outputs and error. Ctrl-C stops waiting and leaves the run running
    (unless --cancel-on-interrupt). Exit status: 0 queued, or SUCCEEDED; 10 FAILED, 11
    CANCELLED, 12 CRASHED, 13 still running when --timeout passed, 130 interrupted; before
    the run: 2 a malformed NAME=VALUE, 3 no such job, 4 the job cannot run (a draft), 5 an
    input that does not fit, 6 not signed in or not allowed, 8 the control plane cannot be
    reached.
    """
    given = _fields(inputs or [])
    plane = _connect(ctx, url, user, password_stdin, token_file)
    body = RunBody(inputs=given, version=version)
    record = plane.call("POST", f"/api/jobs/{quote(name, safe='')}/runs", RunRecord, body=body)
    if not wait and timeout is None:
        if json_output:
            output.line(record.model_dump_json(indent=2))
        else:
            where = f" (position {record.position} in the queue)" if record.position else ""
            output.line(f"run {record.id} of {record.job} version {record.version} queued{where}")
        return
    if not json_output:
        output.line(f"run {record.id} of {record.job} version {record.version} queued")
    console = Console(highlight=False)
    progress = None if json_output else RunProgress(console, live=console.is_interactive)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        detail = _follow(plane, record.id, progress, deadline)
    except KeyboardInterrupt:
        detail = _interrupted(plane, record.id, cancel=cancel_on_interrupt)
    run = detail.run
    if json_output:
        output.line(run.model_dump_json(indent=2))
    else:
        show_result(run)
        if run.state not in RUN_ENDED:
            output.line(
                f"still {run.state.value} after {timeout:g}s; it goes on (`baton run-status "
                f"{run.id}` shows it, `baton run-cancel {run.id}` cancels it)"
            )
    code = EXIT_OF[run.state]
    if code is not RunExit.SUCCEEDED:
        raise typer.Exit(code)


def _interrupted(plane: ControlPlane, run_id: int, *, cancel: bool) -> RunDetail:
    """After Ctrl-C: cancel the run and wait for its end (``cancel``), else leave it running."""
    if not cancel:
        output.line(
            f"stopped waiting; run {run_id} goes on (`baton run-status {run_id}` shows it, "
            f"`baton run-cancel {run_id}` cancels it)"
        )
        raise typer.Exit(RunExit.INTERRUPTED)
    output.line(f"cancelling run {run_id}")
    try:
        with contextlib.suppress(Conflict):  # it ended meanwhile
            plane.call("POST", f"/api/runs/{run_id}/cancel", RunRecord)
        return _follow(plane, run_id, None, None)
    except KeyboardInterrupt:
        output.line(f"stopped waiting; run {run_id} was told to cancel")
        raise typer.Exit(RunExit.INTERRUPTED) from None


def list_runs(
    ctx: typer.Context,
    job: Annotated[str | None, typer.Option(help="Only this job's.", show_default=False)] = None,
    state: Annotated[
        RunState | None,
        typer.Option(case_sensitive=False, help="Only runs in this state.", show_default=False),
    ] = None,
    started_by: Annotated[
        str | None,
        typer.Option("--started-by", help="Only runs this user started.", show_default=False),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            help="Created at or after (local time unless a zone is given).", show_default=False
        ),
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(help="Created before.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip the newest N.")] = 0,
    json_output: JsonOption = False,
    url: UrlOption = None,
    user: SignInOption = None,
    password_stdin: PasswordStdinOption = False,
    token_file: TokenFileOption = None,
) -> None:
    """Runs of the jobs you may read, newest first: id, job, version, state, who, when, how
    long."""
    query: dict[str, str | int] = {"limit": limit, "offset": offset}
    for key, given in (("job", job), ("user", started_by)):
        if given is not None:
            query[key] = given
    if state is not None:
        query["state"] = state.value
    for key, moment in (("since", since), ("until", until)):
        if moment is not None:
            query[key] = moment.astimezone(UTC).isoformat()  # naive: local time
    plane = _connect(ctx, url, user, password_stdin, token_file)
    page = plane.call("GET", f"/api/runs?{urlencode(query)}", Page[RunRecord])
    if json_output:
        output.line(page.model_dump_json(indent=2))
        return
    table = output.table("run", "job", "version", "state", "started by", "created", "took", "note")
    for run in page.items:
        note = f"position {run.position}" if run.position else _first_line(run.error)
        table.add_row(
            str(run.id),
            run.job,
            str(run.version),
            styled(run.state.value),
            run.created_by or "-",
            output.moment(run.created_at),
            elapsed(run.started_at, run.finished_at),
            note,
        )
    output.show(table)
    shown = len(page.items)
    if not shown:
        output.line("no run matches")
    elif shown < page.total:
        output.line(f"runs {offset + 1}-{offset + shown} of {page.total} (--offset shows more)")


def run_status(
    ctx: typer.Context,
    run_id: RunIdArg,
    json_output: JsonOption = False,
    url: UrlOption = None,
    user: SignInOption = None,
    password_stdin: PasswordStdinOption = False,
    token_file: TokenFileOption = None,
) -> None:
    """A run (state, inputs, outputs, error, times) and every node attempt."""
    plane = _connect(ctx, url, user, password_stdin, token_file)
    detail = _detail(plane, run_id)
    if json_output:
        output.line(detail.model_dump_json(indent=2))
        return
    run = detail.run
    table = output.table("run", str(run.id))
    rows: list[tuple[str, Any]] = [
        ("job", f"{run.job} (version {run.version})"),
        ("state", styled(run.state.value)),
        ("started by", run.created_by or "-"),
        ("created", output.moment(run.created_at)),
        ("started", output.moment(run.started_at)),
        ("finished", output.moment(run.finished_at)),
        ("took", elapsed(run.started_at, run.finished_at)),
        ("runner", run.runner or "-"),
    ]
    if run.position:
        rows.append(("queue position", str(run.position)))
    if run.resumes:
        rows.append(("resumed", f"{run.resumes} time(s)"))
    rows.extend((f"input {name}", value(data)) for name, data in run.inputs.items())
    rows.extend((f"output {name}", value(data)) for name, data in run.outputs.items())
    if run.error:
        rows.append(("error", run.error))
    for key, shown in rows:
        table.add_row(key, shown)
    output.show(table)
    if detail.nodes:
        output.show(node_table(detail.nodes))
    else:
        output.line("no node has started")


def run_log(
    ctx: typer.Context,
    run_id: RunIdArg,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines until the run ends.")
    ] = False,
    node: Annotated[
        str | None,
        typer.Option(
            help="Only this node path's lines (and its inner nodes').", show_default=False
        ),
    ] = None,
    url: UrlOption = None,
    user: SignInOption = None,
    password_stdin: PasswordStdinOption = False,
    token_file: TokenFileOption = None,
) -> None:
    """A run's log: time (UTC), node ('run' for the run itself), line. With -f, follow it until
    the run ends, then print its final state."""
    plane = _connect(ctx, url, user, password_stdin, token_file)
    base = f"/api/runs/{run_id}/log"
    extra = {"node": node} if node is not None else {}
    after = 0
    while True:  # the log comes in pages of at most 1,000 lines
        query = urlencode({"after": after, **extra})
        lines = plane.call("GET", f"{base}?{query}", list[RunLogRecord])
        for record in lines:
            _print_log(record)
            after = record.id
        if not lines:
            break
    if not follow:
        return
    query = urlencode({"after": after, "follow": 1, **extra})
    for event, data in plane.events(f"{base}?{query}"):
        if event == "log":
            _print_log(RunLogRecord.model_validate_json(data))
        elif event == "end":
            end = _End.model_validate_json(data)
            _state_line(f"run {run_id} ended ", end.state)
            if end.error and end.state is not RunState.SUCCEEDED:
                output.error(end.error)
            return


class _End(BaseModel):
    """The ``end`` event of a followed log."""

    state: RunState
    error: str = Field("")


def _print_log(record: RunLogRecord) -> None:
    at = record.at.astimezone(UTC).strftime("%H:%M:%S")
    output.line(f"{at} {record.node or 'run'}: {record.line}")


def _first_line(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= 80 else first[:79] + "…"


def run_cancel(
    ctx: typer.Context,
    run_id: RunIdArg,
    timeout: Annotated[
        float, typer.Option(min=0.0, help="Seconds to wait for the run to end.")
    ] = 30.0,
    url: UrlOption = None,
    user: SignInOption = None,
    password_stdin: PasswordStdinOption = False,
    token_file: TokenFileOption = None,
) -> None:
    """Cancel a run: a queued one ends at once, a running one is told to stop (its commands,
    programs and child runs stop); waits for it to end. Exit status: 0 cancelled (or ended
    otherwise meanwhile), 13 still stopping after --timeout, 4 it had already ended, 3 no such
    run, 6 not yours to cancel."""
    plane = _connect(ctx, url, user, password_stdin, token_file)
    plane.call("POST", f"/api/runs/{run_id}/cancel", RunRecord)
    deadline = time.monotonic() + timeout
    detail = _follow(plane, run_id, None, deadline)
    _state_line(f"run {run_id} ", detail.run.state)
    if detail.run.state not in RUN_ENDED:
        output.line(f"still stopping after {timeout:g}s")
        raise typer.Exit(RunExit.STILL_RUNNING)
