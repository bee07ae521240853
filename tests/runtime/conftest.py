"""A real control plane running jobs: runners started by its spawner, programs on its pools.

The installation is ``baton init``'s, with a warm runner kept ready, and a test library ``rt``
served by the pool service ``rt`` (two servers, four programs each):

- ``rt.inc``: ``main(n: int) -> int`` returns ``n + 1``;
- ``rt.sleepy``: ``main(seconds: float) -> float`` sleeps, then returns ``seconds``;
- ``rt.boom``: raises.

The admin may do anything; the plain user (tests/api/conftest.py) may run ``rt`` programs but
has no grant on any job.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from baton.api.app import create_app
from baton.registry import access, libraries, services, users
from baton.registry.enums import (
    AUTHENTICATED_GROUP,
    Action,
    PrincipalKind,
    ResourceKind,
    ServiceKind,
)
from baton.registry.specs import ServiceSettings, ServiceSpec
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER, LiveServer, serve
from tests.conftest import Installation, runners_on_demand, sqlite_copy

PROGRAMS = {
    "inc.py": "def main(n: int) -> int:\n    return n + 1\n",
    "sleepy.py": (
        "import time\n\n\ndef main(seconds: float) -> float:\n"
        "    time.sleep(seconds)\n    return seconds\n"
    ),
    "boom.py": "def main() -> int:\n    raise RuntimeError('boom')\n",
}


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """The runtime's tests run on SQLite (the registry's runs are tested on both backends)."""
    return sqlite_copy(tmp_path, sqlite_template)


@dataclass(frozen=True)
class Runtime(LiveServer):
    """The live control plane, with job helpers."""

    def save(self, client: httpx.Client, document: dict[str, Any]) -> None:
        answer = client.put(f"/api/jobs/{document['name']}", json=document)
        if answer.status_code == 404:
            answer = client.post("/api/jobs", json=document)
        assert answer.status_code in (200, 201), answer.text

    def start(
        self, client: httpx.Client, job: str, inputs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        answer = client.post(f"/api/jobs/{job}/runs", json={"inputs": inputs or {}})
        assert answer.status_code == 201, answer.text
        record: dict[str, Any] = answer.json()
        return record

    def run(
        self,
        client: httpx.Client,
        job: str,
        inputs: dict[str, Any] | None = None,
        *,
        wait: float = 60,
    ) -> dict[str, Any]:
        answer = client.post(
            f"/api/jobs/{job}/runs", json={"inputs": inputs or {}}, params={"wait": wait}
        )
        assert answer.status_code == 201, answer.text
        record: dict[str, Any] = answer.json()
        return record

    def detail(self, client: httpx.Client, run_id: int) -> dict[str, Any]:
        answer = client.get(f"/api/runs/{run_id}")
        assert answer.status_code == 200, answer.text
        detail: dict[str, Any] = answer.json()
        return detail

    def until(
        self,
        client: httpx.Client,
        run_id: int,
        check: Callable[[dict[str, Any]], bool],
        seconds: float = 30,
    ) -> dict[str, Any]:
        """Poll run ``run_id`` until ``check`` holds on its detail ({run, nodes})."""
        deadline = time.monotonic() + seconds
        while True:
            detail = self.detail(client, run_id)
            if check(detail):
                return detail
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} did not get there: {detail}")
            time.sleep(0.05)

    def ended(self, client: httpx.Client, run_id: int, seconds: float = 60) -> dict[str, Any]:
        """Run ``run_id`` once it has ended."""
        done = ("SUCCEEDED", "FAILED", "CANCELLED")
        run: dict[str, Any] = self.until(
            client, run_id, lambda d: d["run"]["state"] in done, seconds
        )["run"]
        return run


def prepare(installation: Installation, folder: Path, *, warm: int = 1) -> None:
    """The test library and service, the plain user, ``warm`` runners kept ready."""
    library = folder / "rt"
    library.mkdir(exist_ok=True)
    for name, source in PROGRAMS.items():
        (library / name).write_text(source)
    with installation.database.session() as session:
        if users.find(session, PLAIN_USER) is None:
            users.create_user(session, PLAIN_USER, password=PLAIN_PASSWORD)
        if libraries.find(session, "rt") is None:
            libraries.create_library(session, "rt", str(library))
            access.grant(
                session,
                PrincipalKind.GROUP,
                AUTHENTICATED_GROUP,
                ResourceKind.LIBRARY,
                "rt",
                Action.RUN,
                granted_by="test",
            )
            services.create_service(
                session,
                ServiceSpec(
                    name="rt",
                    kind=ServiceKind.POOL,
                    server_definition="appserver",
                    libraries=["rt"],
                    settings=ServiceSettings(
                        max_servers=2, programs_per_server=4, request_timeout=60
                    ),
                ),
            )
    runners_on_demand(installation.database, warm=warm)


@contextmanager
def running(installation: Installation, **jobs: object) -> Iterator[Runtime]:
    """A control plane on ``installation`` (``jobs``: settings of its ``[jobs]`` section)."""
    settings = installation.settings
    if jobs:
        settings = settings.model_copy(update={"jobs": settings.jobs.model_copy(update=jobs)})
    app = create_app(settings, installation.database)
    with serve(app) as url:
        yield Runtime(url, installation)


@pytest.fixture
def runtime(installation: Installation, tmp_path: Path) -> Iterator[Runtime]:
    prepare(installation, tmp_path)
    with running(installation) as live:
        yield live
