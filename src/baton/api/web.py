"""The web client: the single-page app built from ``web/`` (``npm run build`` into
``web/dist``), served by ``baton serve`` at ``/``.

Its files are public, like ``/docs``: everything it shows comes from the REST API, which
checks the signed-in user's rights on every call. ``/assets/...`` are the built files (their
names carry a content hash, so they are cached for a year); any other ``GET`` that no route of
the API, the broker or SOAP answers gets the app's ``index.html`` (the app routes in the
browser), except under ``/api/``, which stays a JSON 404. Before the client is built (``make
serve`` and ``make test`` build it) ``/`` says how to build it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

import baton

#: Where ``npm run build`` puts the client, in a checkout of the project.
DIST = Path(baton.__file__).resolve().parents[2] / "web" / "dist"

#: Paths the app never answers (the API's own 404s stay JSON).
NOT_THE_APP = ("api/", "soap/", "broker", "cgi-bin/")

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Baton</title>
</head><body><main><h1>Baton</h1><p>The web client is not built. Run <code>make serve</code>
(it runs <code>npm ci</code> and <code>npm run build</code> in <code>web/</code>), or use the API:
<a href="/docs">/docs</a>.</p></main></body></html>"""


class _Assets(StaticFiles):
    """Built files, cached for long: their names change with their content."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount(app: FastAPI, dist: Path = DIST) -> None:
    """Serve the client in ``dist`` at ``/``: its files, and its page for every ``GET`` no
    route answers (as the router's fallback, so a path no route knows is still a 404 for
    other methods and under ``/api/``, never a 405)."""
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", _Assets(directory=dist / "assets"), name="web-assets")
    fallback = app.router.default

    async def web_client(scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "/")).lstrip("/")
        wanted = scope["type"] == "http" and scope["method"] in ("GET", "HEAD")
        if not wanted or path == "api" or path.startswith(NOT_THE_APP):
            await fallback(scope, receive, send)
            return
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if index.is_file():
            page = HTMLResponse(index.read_text(encoding="utf-8"), headers=headers)
        else:
            page = HTMLResponse(NOT_BUILT, status_code=503, headers=headers)
        await page(scope, receive, send)

    app.router.default = web_client
