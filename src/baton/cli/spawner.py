"""``baton spawner``: run this host's spawner, joined to a control plane."""

from __future__ import annotations

import asyncio
import socket
from typing import Annotated

import typer

from baton.cli.context import invocation


def spawner(
    ctx: typer.Context,
    control_plane: Annotated[
        str | None,
        typer.Option(
            "--control-plane",
            help="The control plane's URL, http://host:port (default: spawner.control_plane).",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="This host's token (default: spawner.token; prefer BATON_SPAWNER__TOKEN, "
            "which other users cannot read in the process list).",
            show_default=False,
        ),
    ] = None,
    listen: Annotated[
        str | None,
        typer.Option(help="Address to listen on (default: spawner.listen).", show_default=False),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            help="Port to listen on; 0 picks one (default: spawner.port).", show_default=False
        ),
    ] = None,
) -> None:
    """Run this host's spawner: it joins the control plane, runs the definitions bound to this
    host, and answers the control plane's requests for servers. It prints `listening ADDRESS`
    once it serves."""
    settings = invocation(ctx).settings()
    url = control_plane or settings.spawner.control_plane
    secret = token or (settings.spawner.token.get_secret_value() if settings.spawner.token else "")
    if not url or not secret:
        raise typer.BadParameter("give --control-plane and --token (or spawner.* settings)")
    address = listen if listen is not None else settings.spawner.listen
    chosen = port if port is not None else settings.spawner.port

    # Imported here: the web stack is heavy and no other command needs it.
    import uvicorn

    from baton.spawner.daemon import ControlPlane, daemon_app, new_secret
    from baton.spawner.service import HostSpawner

    listener = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, chosen))
    bound = listener.getsockname()[1]
    control = ControlPlane(url, secret, settings.spawner)
    host = HostSpawner(settings, None, host="remote", plans=control.plans, kernel_ip=address)
    app = daemon_app(host, new_secret(), control, f"http://{address}:{bound}")
    server = uvicorn.Server(uvicorn.Config(app, log_level=settings.log_level, lifespan="on"))

    async def run() -> bool:
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if server.started:
            print(f"listening tcp:{address}:{bound}", flush=True)
        await serving
        return server.started

    if not asyncio.run(run()):
        raise typer.Exit(1)  # it could not start (the log says why)
