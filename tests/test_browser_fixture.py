"""The headless browser fixture: the ``form`` sample's page, opened and filled in Chromium."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import baton.appserver
from baton.protocol import frames
from tests.appserver.serverprocess import ServerProcess, body, wait_for
from tests.browser import alive, children, descendants, open_browser

SAMPLES = Path(baton.appserver.__file__).parent / "samples"


async def _ask_form(server: ServerProcess) -> list[frames.Frame]:
    client = await server.connect()
    try:
        await client.send(frames.Request("r1", "t.form"))
        return await client.until_final()
    finally:
        await client.aclose()


def form_page(tmp_path: Path) -> bytes:
    """The HTML the ``form`` sample writes, run by a real application server."""
    server = ServerProcess.start(SAMPLES, tmp_path / "server.log")
    try:
        answer = asyncio.run(_ask_form(server))
    finally:
        server.stop()
    assert isinstance(answer[-1], frames.End), answer
    return body(answer)


def name(pid: int) -> str:
    """The command name of process ``pid`` ("" once it is gone)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


@contextmanager
def serve(page: bytes) -> Iterator[str]:
    """Serve ``page`` at every path of a local HTTP server; its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the test's output is not the place for an access log

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="form-page", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/form"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_form_sample_in_chromium(tmp_path: Path, no_leaked_descriptors: None) -> None:
    page_html = form_page(tmp_path)
    screenshot = tmp_path / "form.png"
    before = children(os.getpid())
    with serve(page_html) as url, open_browser() as browser:
        browser_processes = descendants(os.getpid()) - before
        names = {name(pid) for pid in browser_processes}
        page = browser.new_page()
        page.goto(url)
        assert page.title() == "Say hello"
        page.fill("#name", "Ada")
        assert page.input_value("#name") == "Ada"
        submit = page.locator("#submit")
        assert submit.count() == 1 and submit.is_visible()
        assert submit.inner_text() == "Greet me"
        page.screenshot(path=screenshot)
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert screenshot.stat().st_size > 1000
    # open_browser waited for the browser's processes; check there were some, and none is left.
    assert any(command.startswith("chrom") for command in names), names
    wait_for(lambda: not any(alive(pid) for pid in browser_processes), "the browser to exit")
