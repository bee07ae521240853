"""A control plane whose spawner runs a tiny real server, for the operator interface's tests.

The ``tiny`` definition starts one server (``start_size`` 1): a Python script that listens on
its port, says so, and accepts and closes connections. The spawner's timings are short so
that restarts and stops happen within a test.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from baton.api.app import create_app
from baton.registry import definitions, roles, users
from baton.registry.enums import PrincipalKind, ServerKind
from baton.registry.specs import PoolSettings, ServerDefinitionSpec
from baton.settings import load_settings
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER, LiveServer, serve
from tests.appserver.serverprocess import wait_for
from tests.conftest import Installation

#: A user with the built-in operator role (operate, nothing else).
OPERATOR = "oper"
OPERATOR_PASSWORD = "oper-password-1"
#: A second one.
OTHER_OPERATOR = "oper2"

TINY = """
    import socket, sys
    server = socket.socket()
    server.bind(("127.0.0.1", int(sys.argv[1])))
    server.listen()
    print("listening tcp:127.0.0.1:%d" % server.getsockname()[1], flush=True)
    while True:
        connection, _ = server.accept()
        connection.close()
"""


def tiny_definition(script: Path, name: str = "tiny") -> ServerDefinitionSpec:
    """A definition of one tiny server, always running."""
    return ServerDefinitionSpec(
        name=name,
        kind=ServerKind.APPLICATION,
        command=[sys.executable, "-S", str(script), "{port}"],
        pool=PoolSettings(start_size=1, idle_timeout=0, start_timeout=10),
    )


@contextmanager
def operated_control_plane(installation: Installation, folder: Path) -> Iterator[LiveServer]:
    """A control plane serving ``installation`` whose spawner runs the ``tiny`` definition, with
    a plain user and two operators."""
    script = folder / "tiny.py"
    script.write_text(textwrap.dedent(TINY))
    settings = load_settings(
        installation.settings.home,
        environ={},
        database_url=installation.settings.registry_url,
        admin_password=installation.admin_password,
        spawner={
            # The test runs as root on CI machines; its tiny servers have no launch credential.
            "allow_root_servers": True,
            "tick_seconds": 0.05,
            "stop_grace": 2.0,
            "backoff_seconds": 0.05,
            "max_backoff_seconds": 0.2,
        },
    )
    database = installation.database
    with database.session() as session:
        definitions.create_definition(session, tiny_definition(script))
        users.create_user(session, PLAIN_USER, password=PLAIN_PASSWORD)
        for name in (OPERATOR, OTHER_OPERATOR):
            users.create_user(session, name, password=OPERATOR_PASSWORD)
            roles.assign(session, "operator", PrincipalKind.USER, name)
    with serve(create_app(settings, database)) as url:
        yield LiveServer(url, Installation(settings, database, installation.admin_password))


def running(client: httpx.Client, definition: str = "tiny") -> list[dict[str, object]]:
    """The RUNNING servers of ``definition`` that take clients, as the API lists them."""
    answer = client.get("/api/operator/servers", params={"definition": definition})
    assert answer.status_code == 200, answer.text
    return [
        server
        for server in answer.json()
        if server["state"] == "RUNNING" and not server["draining"]
    ]


def one_running(
    client: httpx.Client, definition: str = "tiny", *, other_than: object = None
) -> dict[str, object]:
    """Wait until exactly one server of ``definition`` runs (with a pid other than
    ``other_than``, when given); that server."""
    found: list[dict[str, object]] = []

    def check() -> bool:
        found[:] = running(client, definition)
        return len(found) == 1 and found[0]["pid"] != other_than

    wait_for(check, f"one running {definition} server")
    return found[0]
