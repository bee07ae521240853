"""``baton run`` and ``baton services``: the Application Dispatcher from the command line."""

from __future__ import annotations

import asyncio
import sys
import uuid
from typing import Annotated

import typer

from baton.cli import output
from baton.cli.context import invocation
from baton.errors import (
    BatonError,
    ProgramNotFound,
    ServerLost,
)
from baton.protocol import frames
from baton.registry import services
from baton.registry.database import Database
from baton.settings import Settings


def _field(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise typer.BadParameter(f"{text!r} is not NAME=VALUE")
    return name, value


def run(
    ctx: typer.Context,
    program: Annotated[str, typer.Argument(help="library.name", show_default=False)],
    fields: Annotated[
        list[str] | None, typer.Argument(help="Fields as NAME=VALUE.", show_default=False)
    ] = None,
    service: Annotated[
        str | None,
        typer.Option(
            help="Service to run it on (default: dispatcher.default_service).", show_default=False
        ),
    ] = None,
    headers: Annotated[
        bool, typer.Option("--headers", help="Print the status and headers to stderr.")
    ] = False,
) -> None:
    """Run a program through a service and print its output as it comes.

    The command starts the service's servers itself (as the service's pool would, with its
    libraries, limits and timeout), runs the program on one of them and stops them again; it
    needs no running control plane. The servers' log goes to BATON_HOME/run/baton-run.log.
    Exit status: 0 on success, 3 when the program is not found, 5 on bad input, 1 when it
    failed.
    """
    context = invocation(ctx)
    settings = context.settings()
    database = context.database()
    pairs = tuple(_field(text) for text in fields or ())
    name = service or settings.dispatcher.default_service
    asyncio.run(_run(settings, database, name, program, pairs, show_headers=headers))


async def _run(
    settings: Settings,
    database: Database,
    service: str,
    program: str,
    fields: tuple[tuple[str, str], ...],
    *,
    show_headers: bool,
) -> None:
    from baton.appserver.resolver import canonical_name
    from baton.loadmanager.connection import error_of
    from baton.loadmanager.manager import LoadManager

    settings.run_path.mkdir(parents=True, exist_ok=True, mode=0o700)
    manager = LoadManager(settings, database, server_log=settings.run_path / "baton-run.log")
    try:
        pool = await manager.pool(service)
        setup = manager.setup(service)
        assert setup is not None
        library, _ = canonical_name(program)
        if library not in setup.spec.libraries:
            raise ProgramNotFound(program, reason=f"service does not serve {library!r}")
        lease = await pool.acquire(None)
        lost = False
        try:
            connection = await lease.server.connection()
        except BatonError as exc:
            pool.release(lease, lost=True)
            raise ServerLost(program, exc.detail) from exc
        finished = False
        try:
            request = frames.Request(
                request_id=uuid.uuid4().hex,
                program=program,
                fields=fields,
                env={"REQUEST_METHOD": "GET", "SCRIPT_NAME": "baton run"},
                deadline=setup.spec.settings.request_timeout,
            )
            await connection.send(request)
            while True:
                try:
                    frame = await connection.receive()
                except BatonError as exc:
                    lost = True
                    raise ServerLost(program, exc.detail) from exc
                if isinstance(frame, frames.Head) and show_headers:
                    print(f"Status: {frame.status}", file=sys.stderr)
                    for header, value in frame.headers:
                        print(f"{header}: {value}", file=sys.stderr)
                elif isinstance(frame, frames.Data):
                    sys.stdout.buffer.write(frame.chunk)
                    sys.stdout.buffer.flush()
                elif isinstance(frame, frames.End):
                    finished = True
                    break
                elif isinstance(frame, frames.Error):
                    raise error_of(
                        frame,
                        program=program,
                        service=service,
                        timeout=setup.spec.settings.request_timeout,
                    )
        finally:
            await lease.server.give_back(connection, reusable=finished)
            pool.release(lease, lost=lost)
    finally:
        await manager.aclose()


def services_command(
    ctx: typer.Context,
    servers: Annotated[bool, typer.Option("--servers", help="Also list each server.")] = False,
) -> None:
    """The services and, while `baton serve` runs, their servers, load and queue."""
    from baton.loadmanager.snapshot import STATUS_FILE, read_status

    context = invocation(ctx)
    settings = context.settings()
    with context.session() as session:
        configured = services.list_services(session, limit=1000).items
    status = read_status(settings.run_path / STATUS_FILE)
    live = {entry.service: entry for entry in status.services} if status else {}
    table = output.table("service", "kind", "libraries", "sign-in", "servers", "busy", "queue")
    for record in configured:
        pool = live.get(record.name)
        if pool is None:
            counts, busy, queue = "-", "-", "-"
        else:
            states: dict[str, int] = {}
            for server in pool.servers:
                states[server.state] = states.get(server.state, 0) + 1
            counts = ", ".join(f"{n} {state.lower()}" for state, n in sorted(states.items()))
            busy = f"{sum(s.active for s in pool.servers)}/{sum(s.capacity for s in pool.servers)}"
            queue = str(pool.queue)
        table.add_row(
            record.name + ("" if record.enabled else " (disabled)"),
            str(record.kind),
            output.names(record.libraries),
            "required" if record.auth_required else "public",
            counts or "0",
            busy,
            queue,
        )
    output.show(table)
    if status is None:
        output.line("no live status: `baton serve` is not running for this home")
        return
    if servers:
        detail = output.table("server", "state", "pid", "address", "busy", "requests", "average")
        for pool in status.services:
            for server in pool.servers:
                detail.add_row(
                    server.server_id,
                    server.state,
                    str(server.pid or "-"),
                    server.address,
                    f"{server.active}/{server.capacity}",
                    str(server.requests),
                    f"{server.average * 1000:.1f} ms",
                )
        output.show(detail)
