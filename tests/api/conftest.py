"""A real control plane: uvicorn serving ``create_app`` on 127.0.0.1, an ephemeral port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from baton.api.app import create_app
from baton.registry import audit, users
from baton.registry.records import AuditRecord
from tests.conftest import Installation

PLAIN_USER = "plain"
PLAIN_PASSWORD = "plain-password-1"


@dataclass(frozen=True)
class LiveServer:
    """A running control plane and its installation."""

    url: str
    installation: Installation

    def client(
        self,
        user: str | None = None,
        password: str | None = None,
        *,
        local_address: str | None = None,
    ) -> httpx.Client:
        """An HTTP client, signed in with Basic credentials when given; ``local_address`` (another
        loopback address such as 127.0.0.2) makes the server see another client address."""
        auth = (user, password) if user is not None and password is not None else None
        transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
        return httpx.Client(base_url=self.url, auth=auth, transport=transport, timeout=30)

    def admin(self) -> httpx.Client:
        return self.client("admin", self.installation.admin_password)

    def plain(self) -> httpx.Client:
        """A signed-in user with no role and no grant beyond the installation's defaults."""
        return self.client(PLAIN_USER, PLAIN_PASSWORD)

    def bearer(self, token: str, *, local_address: str | None = None) -> httpx.Client:
        """An HTTP client that signs in with an API token."""
        transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            timeout=30,
        )

    def audit(self, action: str, actor: str | None = None) -> list[AuditRecord]:
        """The audit events called ``action``, newest first, read from the registry itself."""
        with self.installation.database.session() as session:
            return audit.list_events(session, action=action, actor=actor, limit=1000).items


@contextmanager
def serve(app: object, *, loop: str = "auto") -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread; yields its base URL. ``loop``: uvicorn's event loop
    (``auto``, as ``baton serve``: uvloop when installed; or ``asyncio``)."""
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        loop=loop,  # type: ignore[arg-type]
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def live(installation: Installation) -> Iterator[LiveServer]:
    """A control plane with the admin and a plain user (no role or grant of their own: only
    what the installation gives every signed-in user)."""
    with installation.database.session() as session:
        users.create_user(session, PLAIN_USER, password=PLAIN_PASSWORD)
    with serve(create_app(installation.settings, installation.database)) as url:
        yield LiveServer(url, installation)
