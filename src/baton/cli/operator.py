"""``baton operator``: the spawner's operator interface, through the running control plane.

One-shot commands (``baton operator servers``, ``stop ID``, ...) each borrow the operator
session for their one change. Without a command, an interactive prompt reads the same commands
line by line from standard input (a terminal or a pipe), holds the operator session while it
runs and releases it when it ends (``quit``, end of input, Ctrl-C). Where the API is and who
signs in: see :mod:`baton.cli.remote`.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import typer

from baton.api.operator_views import (
    DefinitionView,
    HostView,
    RefreshResult,
    ServerView,
    SessionView,
    StopResult,
    TakeBody,
    TraceBody,
    TraceView,
)
from baton.cli import output
from baton.cli.context import invocation
from baton.cli.exits import ExitCode, exit_code
from baton.cli.remote import ControlPlane, Credentials, default_url
from baton.errors import BatonError

API = "/api/operator"

app = typer.Typer(
    help="Operate the spawner of the running control plane: list, stop, kill, quiesce, pause, "
    "resume, reset, refresh, trace. Without a command: an interactive prompt that holds the "
    "operator session.",
    invoke_without_command=True,
)
session_app = typer.Typer(help="Take, release or show the operator session.", no_args_is_help=True)
app.add_typer(session_app, name="session")

HELP = """\
servers [DEFINITION]        every server: state, pid, address, uptime, clients, uses
definitions                 every definition: failed, paused, quiesced, waiting, servers
hosts                       other hosts' spawners that joined, and their servers
stop ID | kill ID           stop a server (SIGTERM, then SIGKILL) | kill it at once
quiesce ID                  a server takes no new client and stops once its clients left
quiesce --definition DEF    the same for every server of a definition; none starts
unquiesce DEF               undo quiesce of a definition
pause DEF | resume DEF      give no new client a server (they wait) | give them again
reset DEF                   clear a FAILED definition so that its servers start again
refresh                     read the definitions from the registry again
trace on|off|show [N]       keep the supervisor's decisions | stop | show the last N
session take [--force] | release | show
help | quit"""


class TraceMode(StrEnum):
    """What ``baton operator trace`` does."""

    ON = "on"
    OFF = "off"
    SHOW = "show"


class SessionMode(StrEnum):
    """What ``session`` does in the prompt."""

    TAKE = "take"
    RELEASE = "release"
    SHOW = "show"


@dataclass
class Connection:
    """How ``baton operator`` reaches the API; signs in on first use, closed at the end."""

    url: str
    timeout: float
    token_file: Path | None
    user: str | None
    password_stdin: bool
    _plane: ControlPlane | None = field(default=None, init=False)

    def plane(self) -> ControlPlane:
        """The control plane, signed in (asks for the password the first time)."""
        if self._plane is None:
            credentials = Credentials.resolve(
                token_file=self.token_file, user=self.user, password_stdin=self.password_stdin
            )
            self._plane = ControlPlane(self.url, credentials, timeout=self.timeout)
        return self._plane

    def close(self) -> None:
        """Close the connections, if any were opened."""
        if self._plane is not None:
            self._plane.close()
            self._plane = None


def _plane(ctx: typer.Context) -> ControlPlane:
    connection = ctx.find_object(Connection)
    if connection is None:  # pragma: no cover - the operator callback always sets it
        raise RuntimeError("the baton operator callback did not run")
    return connection.plane()


def _segment(value: str) -> str:
    return quote(value, safe="")


# --- what each command does --------------------------------------------------------------------


def show_servers(plane: ControlPlane, definition: str | None = None) -> None:
    """Print every server (of ``definition``) as a table."""
    path = f"{API}/servers"
    if definition is not None:
        path += f"?definition={quote(definition)}"
    servers = plane.call("GET", path, list[ServerView])
    table = output.table(
        "server", "definition", "state", "pid", "address", "uptime", "clients", "uses", "notes"
    )
    for server in servers:
        notes = [note for note in ("draining" if server.draining else "", server.problem) if note]
        if server.failures:
            notes.append(f"{server.failures} failures in a row")
        table.add_row(
            server.id,
            server.definition,
            server.state,
            str(server.pid or "-"),
            server.address or "-",
            duration(server.uptime),
            str(server.clients),
            str(server.uses),
            "; ".join(notes) or "-",
        )
    output.show(table)
    if not servers:
        output.line("no server runs")


def show_definitions(plane: ControlPlane) -> None:
    """Print every definition as a table."""
    definitions = plane.call("GET", f"{API}/definitions", list[DefinitionView])
    table = output.table("definition", "kind", "status", "servers", "waiting")
    for definition in definitions:
        table.add_row(
            definition.name,
            definition.kind,
            status(definition),
            counts(definition),
            str(definition.waiting),
        )
    output.show(table)
    if not definitions:
        output.line("no definition runs on this host")


def show_hosts(plane: ControlPlane) -> None:
    """Print the other hosts' spawners and their servers as a table."""
    hosts = plane.call("GET", f"{API}/hosts", list[HostView])
    table = output.table("host", "spawner", "last join", "server", "state", "pid", "clients")
    for host in hosts:
        joined = f"{host.silent:.0f} s ago"
        if host.error or not host.servers:
            table.add_row(host.name, host.url, joined, host.error or "no server runs", "", "", "")
        for server in host.servers:
            table.add_row(
                host.name,
                host.url,
                joined,
                server.id,
                server.state,
                str(server.pid or "-"),
                str(server.clients),
            )
    output.show(table)
    if not hosts:
        output.line("no other host's spawner has joined")


def stop(plane: ControlPlane, server_id: str, *, kill: bool) -> None:
    """Stop or kill one server; returns once it exited."""
    verb = "kill" if kill else "stop"
    result = plane.call("POST", f"{API}/servers/{_segment(server_id)}/{verb}", StopResult)
    shown = "-" if result.exit_status is None else str(result.exit_status)
    output.line(f"server {result.server} {'killed' if kill else 'stopped'} (exit status {shown})")


def quiesce_server(plane: ControlPlane, server_id: str) -> None:
    """One server takes no new client and stops once its clients left."""
    server = plane.call("POST", f"{API}/servers/{_segment(server_id)}/quiesce", ServerView)
    output.line(
        f"server {server.id} quiesced: it takes no new client and stops once its "
        f"{server.clients} clients left"
    )


def on_definition(plane: ControlPlane, name: str, verb: str) -> None:
    """``reset``, ``pause``, ``resume``, ``quiesce`` or ``unquiesce`` a definition."""
    definition = plane.call("POST", f"{API}/definitions/{_segment(name)}/{verb}", DefinitionView)
    output.line(f"definition {definition.name}: {status(definition)} ({counts(definition)})")


def refresh(plane: ControlPlane) -> None:
    """Read the definitions again."""
    result = plane.call("POST", f"{API}/refresh", RefreshResult)
    output.line(f"definitions in effect: {output.names(result.definitions)}")


def trace(plane: ControlPlane, mode: TraceMode, lines: int = 50) -> None:
    """Turn the decision log on or off, or show its last ``lines``."""
    if mode is TraceMode.SHOW:
        view = plane.call("GET", f"{API}/trace?limit={lines}", TraceView)
        for text in view.lines:
            output.line(text)
        if not view.lines:
            output.line("no decision kept" + ("" if view.on else "; `trace on` keeps them"))
        return
    view = plane.call("POST", f"{API}/trace", TraceView, body=TraceBody(on=mode is TraceMode.ON))
    output.line(f"trace {'on' if view.on else 'off'}")


def session(plane: ControlPlane, mode: SessionMode, *, force: bool = False) -> SessionView:
    """Take, release or show the operator session; prints and returns it."""
    if mode is SessionMode.TAKE:
        view = plane.call("POST", f"{API}/session", SessionView, body=TakeBody(force=force))
    elif mode is SessionMode.RELEASE:
        view = plane.call("DELETE", f"{API}/session", SessionView)
    else:
        view = plane.call("GET", f"{API}/session", SessionView)
    output.line(describe_session(view))
    return view


# --- rendering ---------------------------------------------------------------------------------


def duration(seconds: float | None) -> str:
    """``1h02m``, ``3m05s``, ``42s``; ``-`` for none."""
    if seconds is None:
        return "-"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def status(definition: DefinitionView) -> str:
    """What an operator needs to know first about a definition."""
    parts = []
    if definition.failed:
        parts.append(f"FAILED: {definition.failed}")
    if definition.problem:
        parts.append(f"cannot launch: {definition.problem}")
    if definition.paused:
        parts.append("paused")
    if definition.quiesced:
        parts.append("quiesced")
    return "; ".join(parts) or "ok"


def counts(definition: DefinitionView) -> str:
    """Its servers by state: ``1 running, 1 starting``."""
    shown = ", ".join(
        f"{number} {state.lower()}" for state, number in sorted(definition.states.items())
    )
    return shown or "no server"


def describe_session(view: SessionView) -> str:
    """The session in a sentence."""
    if view.holder is None:
        return "operator session is free"
    since = view.since.isoformat(timespec="seconds") if view.since else "?"
    if view.yours:
        return f"you hold the operator session (as {view.holder} since {since})"
    return f"operator session held by {view.holder} since {since}"


# --- the prompt --------------------------------------------------------------------------------


class PromptUsage(Exception):
    """A prompt line that names no command, or a command with the wrong arguments."""


def run_line(plane: ControlPlane, words: list[str]) -> None:
    """Run one prompt command (already split into words)."""
    verb, args = words[0], words[1:]
    match verb, args:
        case "servers", ([] | [_]):
            show_servers(plane, args[0] if args else None)
        case "definitions", []:
            show_definitions(plane)
        case "hosts", []:
            show_hosts(plane)
        case "stop" | "kill", [server_id]:
            stop(plane, server_id, kill=verb == "kill")
        case "quiesce", ["--definition", name]:
            on_definition(plane, name, "quiesce")
        case "quiesce", [server_id] if not server_id.startswith("-"):
            quiesce_server(plane, server_id)
        case "unquiesce" | "pause" | "resume" | "reset", [name]:
            on_definition(plane, name, verb)
        case "refresh", []:
            refresh(plane)
        case "trace", ["on" | "off" | "show"]:
            trace(plane, TraceMode(args[0]))
        case "trace", ["show", lines] if lines.isdigit():
            trace(plane, TraceMode.SHOW, int(lines))
        case "session", ([] | ["show"]):
            session(plane, SessionMode.SHOW)
        case "session", ["release"]:
            session(plane, SessionMode.RELEASE)
        case "session", ["take"] | ["take", "--force"]:
            session(plane, SessionMode.TAKE, force="--force" in args)
        case _:
            raise PromptUsage(f"not a command: {shlex.join(words)!r}; `help` lists them")


def prompt(plane: ControlPlane, *, force: bool) -> ExitCode:
    """Hold the operator session and run commands from standard input until it ends.

    Returns:
        OK, or the exit status of the last command that failed.
    """
    view = plane.call("POST", f"{API}/session", SessionView, body=TakeBody(force=force))
    output.line(f"{describe_session(view)}; `help` lists the commands, `quit` ends")
    interactive = sys.stdin.isatty()
    result = ExitCode.OK
    try:
        while True:
            try:
                line = input("operator> " if interactive else "")
            except EOFError:
                break
            try:
                words = shlex.split(line, comments=True)
            except ValueError as exc:
                output.error(f"cannot read the line: {exc}")
                result = ExitCode.USAGE
                continue
            if not words:
                continue
            if words[0] in ("quit", "exit"):
                break
            if words[0] in ("help", "?"):
                output.line(HELP)
                continue
            try:
                run_line(plane, words)
            except PromptUsage as exc:
                output.error(str(exc))
                result = ExitCode.USAGE
            except BatonError as error:
                output.error(error.detail)
                result = exit_code(error)
    except KeyboardInterrupt:
        output.line("")
    finally:
        try:
            released = plane.call("DELETE", f"{API}/session", SessionView)
        except BatonError as error:
            output.error(f"the operator session was not released: {error.detail}")
            result = exit_code(error)
        else:
            output.line(describe_session(released))
    return result


# --- the commands ------------------------------------------------------------------------------


@app.callback()
def operator(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option(
            help="The control plane's URL (default: http://HOST:PORT of the settings).",
            show_default=False,
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", help="Sign in as this user (the password is asked).", show_default=False
        ),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of standard input."
        ),
    ] = False,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help="Sign in with the API token on this file's first line (see `baton token`).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Prompt: take the session over (administrators)."),
    ] = False,
) -> None:
    """Operate this host's spawner through the running control plane.

    Without a command, read commands from standard input (`help` lists them) while holding the
    operator session. Exit status: 3 no such server or definition, 4 another operator holds the
    session, 6 not signed in or no operate capability, 8 the control plane cannot be reached.
    """
    settings = invocation(ctx).settings()
    connection = Connection(
        url=url or default_url(settings),
        timeout=settings.spawner.stop_grace + 30.0,
        token_file=token_file,
        user=user,
        password_stdin=password_stdin,
    )
    ctx.obj = connection
    ctx.call_on_close(connection.close)
    if ctx.invoked_subcommand is None:
        code = prompt(connection.plane(), force=force)
        if code is not ExitCode.OK:
            raise typer.Exit(code)


ServerArg = Annotated[str, typer.Argument(help="The server's id (DEFINITION-N).")]
DefinitionArg = Annotated[str, typer.Argument(help="The definition's name.")]


@app.command("servers")
def servers_command(
    ctx: typer.Context,
    definition: Annotated[
        str | None, typer.Argument(help="Only this definition's.", show_default=False)
    ] = None,
) -> None:
    """Every server: state, pid, address, uptime, clients, uses."""
    show_servers(_plane(ctx), definition)


@app.command("definitions")
def definitions_command(ctx: typer.Context) -> None:
    """Every definition: failed, paused, quiesced, servers by state, waiting clients."""
    show_definitions(_plane(ctx))


@app.command("hosts")
def hosts_command(ctx: typer.Context) -> None:
    """Other hosts' spawners that joined the control plane, and their servers."""
    show_hosts(_plane(ctx))


@app.command("stop")
def stop_command(ctx: typer.Context, server_id: ServerArg) -> None:
    """Stop a server (SIGTERM, SIGKILL after the grace period); others start as needed."""
    stop(_plane(ctx), server_id, kill=False)


@app.command("kill")
def kill_command(ctx: typer.Context, server_id: ServerArg) -> None:
    """Kill a server at once (SIGKILL)."""
    stop(_plane(ctx), server_id, kill=True)


@app.command("quiesce")
def quiesce_command(
    ctx: typer.Context,
    server_id: Annotated[str | None, typer.Argument(help="A server's id.", show_default=False)] = (
        None
    ),
    definition: Annotated[
        str | None,
        typer.Option("--definition", help="Quiesce every server of it.", show_default=False),
    ] = None,
) -> None:
    """No new client; stop once the current clients left (a server, or a whole definition)."""
    if (server_id is None) == (definition is None):
        raise typer.BadParameter("name a server id or --definition DEF (one of them)")
    if definition is not None:
        on_definition(_plane(ctx), definition, "quiesce")
    else:
        assert server_id is not None
        quiesce_server(_plane(ctx), server_id)


@app.command("unquiesce")
def unquiesce_command(ctx: typer.Context, definition: DefinitionArg) -> None:
    """Undo quiesce of a definition: its servers take clients again."""
    on_definition(_plane(ctx), definition, "unquiesce")


@app.command("pause")
def pause_command(ctx: typer.Context, definition: DefinitionArg) -> None:
    """Give no new client a server of the definition (they wait); servers keep running."""
    on_definition(_plane(ctx), definition, "pause")


@app.command("resume")
def resume_command(ctx: typer.Context, definition: DefinitionArg) -> None:
    """Undo pause: waiting clients get servers again."""
    on_definition(_plane(ctx), definition, "resume")


@app.command("reset")
def reset_command(ctx: typer.Context, definition: DefinitionArg) -> None:
    """Clear a FAILED definition so that its servers start again."""
    on_definition(_plane(ctx), definition, "reset")


@app.command("refresh")
def refresh_command(ctx: typer.Context) -> None:
    """Read the definitions from the registry again (changed ones replace their servers)."""
    refresh(_plane(ctx))


@app.command("trace")
def trace_command(
    ctx: typer.Context,
    mode: Annotated[TraceMode, typer.Argument(help="on, off, or show the kept decisions.")],
    lines: Annotated[int, typer.Option(min=1, max=1000, help="show: how many, newest.")] = 50,
) -> None:
    """Keep (on) or stop keeping (off) the supervisor's decisions, or show them."""
    trace(_plane(ctx), mode, lines)


@session_app.command("take")
def session_take(
    ctx: typer.Context,
    force: Annotated[
        bool, typer.Option("--force", help="Take it over from another operator (admins).")
    ] = False,
) -> None:
    """Take the operator session; kept until released (or idle past its lapse time)."""
    session(_plane(ctx), SessionMode.TAKE, force=force)


@session_app.command("release")
def session_release(ctx: typer.Context) -> None:
    """Release the operator session, if you hold it."""
    session(_plane(ctx), SessionMode.RELEASE)


@session_app.command("show")
def session_show(ctx: typer.Context) -> None:
    """Who holds the operator session, since when."""
    session(_plane(ctx), SessionMode.SHOW)
