"""``baton serve``: run the control plane."""

from __future__ import annotations

from typing import Annotated

import typer

from baton.cli.context import invocation


def serve(
    ctx: typer.Context,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: port).", show_default=False)
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on (default: host).", show_default=False),
    ] = None,
) -> None:
    """Serve the control plane: the REST API, /healthz and /metrics (refuses an out-of-date
    registry)."""
    overrides: dict[str, str | int] = {}
    if port is not None:
        overrides["port"] = port
    if host is not None:
        overrides["host"] = host
    context = invocation(ctx)
    settings = context.settings(**overrides)
    database = context.database()  # raises SchemaOutOfDate before anything listens

    # Imported here: the web stack is heavy and no other command needs it.
    import uvicorn

    from baton.api.app import create_app

    uvicorn.run(
        create_app(settings, database),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
    )
