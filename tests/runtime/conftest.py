"""A real control plane running jobs: runners started by its spawner, programs on its pools.

The installation is ``baton init``'s (the ``runner`` definition keeps a warm runner; the
``default`` pool serves ``sample``); the admin may do anything. Helpers save a job and run it
through the REST API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from baton.api.app import create_app
from baton.registry import users
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER, LiveServer, serve
from tests.conftest import Installation, sqlite_copy


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
        deadline = time.monotonic() + seconds
        while True:
            detail = self.detail(client, run_id)
            if check(detail):
                return detail
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} did not get there: {detail}")
            time.sleep(0.05)


@pytest.fixture
def runtime(installation: Installation) -> Iterator[Runtime]:
    with installation.database.session() as session:
        users.create_user(session, PLAIN_USER, password=PLAIN_PASSWORD)
    app = create_app(installation.settings, installation.database)
    with serve(app) as url:
        yield Runtime(url, installation)
