"""GET /api/dispatcher/history against a real control plane: its sampler starts with the app,
counts the broker requests the default service's servers answered, and only operators read it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from baton.api.app import create_app
from baton.loadmanager.history import DispatcherHistory, DispatcherHistoryView
from baton.registry import roles, users
from baton.registry.enums import PrincipalKind
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER, LiveServer, serve
from tests.appserver.serverprocess import wait_for
from tests.conftest import Installation, sqlite_copy
from tests.spawner.children import nothing_left_behind  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("libuv_ready", "nothing_left_behind")

OPERATOR = "oper"
OPERATOR_PASSWORD = "oper-password-1"
#: Seconds between samples here (10 in a real control plane), so that the test sees several.
INTERVAL = 0.1


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the history reads the pools, not the registry."""
    return sqlite_copy(tmp_path, sqlite_template)


@pytest.fixture
def live(installation: Installation) -> Iterator[LiveServer]:
    """A control plane sampling its pools every :data:`INTERVAL` s, with an operator and a
    plain user."""
    with installation.database.session() as session:
        users.create_user(session, PLAIN_USER, password=PLAIN_PASSWORD)
        users.create_user(session, OPERATOR, password=OPERATOR_PASSWORD)
        roles.assign(session, "operator", PrincipalKind.USER, OPERATOR)
    app = create_app(installation.settings, installation.database)
    history: DispatcherHistory = app.state.history
    history.interval = INTERVAL
    with serve(app) as url:
        yield LiveServer(url, installation)


def default_points(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The default service's figures at each sample that has it."""
    return [
        point
        for sample in body["samples"]
        for point in sample["services"]
        if point["service"] == "default"
    ]


def test_operators_read_the_requests_per_second_and_queue(live: LiveServer) -> None:
    with live.client(OPERATOR, OPERATOR_PASSWORD) as operator, live.admin() as admin:
        added = admin.get("/broker", params={"_PROGRAM": "sample.add", "a": 2, "b": 3})
        assert (added.status_code, added.text.strip()) == (200, "5")
        answers: list[dict[str, Any]] = []

        def counted() -> bool:
            answer = operator.get("/api/dispatcher/history")
            assert answer.status_code == 200, answer.text
            answers.append(answer.json())
            return any(point["requests"] == 1 for point in default_points(answers[-1]))

        wait_for(counted, "a sample that counts the request")

    body = answers[-1]
    DispatcherHistoryView.model_validate(body)
    assert (body["interval"], body["keep"]) == (INTERVAL, 360)
    assert body["samples"][0]["services"] == []  # sampled at start-up: no pool yet
    points = default_points(body)
    # The request may have waited for the pool's first server; it no longer does.
    assert {point["queue"] for point in points} <= {0, 1}
    assert points[-1]["queue"] == 0
    # Between the sample before the request and the first one after it, the rate is positive.
    first = next(point for point in points if point["requests"] == 1)
    assert first["requests_per_second"] > 0
    times = [sample["at"] for sample in body["samples"]]
    assert times == sorted(times)


def test_users_without_operate_are_refused(live: LiveServer) -> None:
    with live.plain() as plain, live.client() as anonymous:
        refused = plain.get("/api/dispatcher/history")
        unsigned = anonymous.get("/api/dispatcher/history")

    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert unsigned.status_code == 401
