"""A real control plane with the broker, a test library ``t`` and services over it.

Services (all serve ``t`` and ``sample``):

- ``t``: a pool (min 0, max 2, 2 programs per server), 3 s request timeout, sign-in required;
- ``pub``: a public pool (no sign-in; PUBLIC may run ``t``);
- ``tiny``: a pool of one server running one program at a time, a queue of 5 and 1 s timeout;
- ``tlaunch``: a launch service;
- ``launch``, ``default``: as ``baton init`` makes them.

The plain user has ``run`` on ``t`` and ``sample`` (through AUTHENTICATED) but on nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from baton.api.app import create_app
from baton.broker.app import Broker
from baton.loadmanager.pool import ServicePool
from baton.registry import access, libraries, requests, services, users
from baton.registry.bootstrap import initialise
from baton.registry.database import Database
from baton.registry.enums import (
    AUTHENTICATED_GROUP,
    PUBLIC_GROUP,
    Action,
    PrincipalKind,
    ResourceKind,
    ServiceKind,
)
from baton.registry.records import DispatchRequestRecord
from baton.registry.specs import ServiceSettings, ServiceSpec
from baton.settings import load_settings
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER, LiveServer, serve
from tests.broker.programs import PROGRAMS
from tests.conftest import (
    ADMIN_PASSWORD,
    TEST_SPAWNER,
    Installation,
    runners_on_demand,
    sqlite_copy,
)


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """The broker's tests run on SQLite only: the registry's backends are tested elsewhere."""
    return sqlite_copy(tmp_path, sqlite_template)


@contextmanager
def _installation(home: Path, sqlite_template: Path) -> Iterator[Installation]:
    url = sqlite_copy(home.parent, sqlite_template)
    settings = load_settings(
        home,
        environ={},
        database_url=url,
        admin_password=ADMIN_PASSWORD,
        spawner=TEST_SPAWNER,
    )
    database = Database(url)
    initialise(settings, database=database)
    runners_on_demand(database)
    try:
        yield Installation(settings=settings, database=database)
    finally:
        database.dispose()


def _service(name: str, *, public: bool = False, **settings: object) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        kind=ServiceKind.POOL,
        server_definition="appserver",
        libraries=["t", "sample"],
        settings=ServiceSettings.model_validate(settings),
        auth_required=not public,
    )


@dataclass(frozen=True)
class Dispatcher(LiveServer):
    """The live control plane, with helpers for broker requests."""

    broker_app: Broker = field(default=None, repr=False)  # type: ignore[assignment]

    def broker(self, client: httpx.Client, **fields: str) -> httpx.Response:
        return client.get("/broker", params=fields)

    def pool(self, service: str) -> ServicePool:
        """The live pool of ``service`` (it must have served a request)."""
        return self.broker_app.manager.pools()[service]

    def records(self) -> list[DispatchRequestRecord]:
        with self.installation.database.session() as session:
            return requests.list_requests(session, limit=1000).items


@contextmanager
def _dispatcher(installation: Installation, folder: Path) -> Iterator[Dispatcher]:
    library = folder / "lib"
    library.mkdir()
    for name, source in PROGRAMS.items():
        (library / name).write_text(source.lstrip())
    with installation.database.session() as session:
        users.create_user(session, PLAIN_USER, password=PLAIN_PASSWORD)
        libraries.create_library(session, "t", str(library))
        libraries.create_library(session, "secret", str(library))
        access.grant(
            session,
            PrincipalKind.GROUP,
            AUTHENTICATED_GROUP,
            ResourceKind.LIBRARY,
            "t",
            Action.RUN,
            granted_by="test",
        )
        access.grant(
            session,
            PrincipalKind.GROUP,
            PUBLIC_GROUP,
            ResourceKind.PROGRAM,
            "t.echo",
            Action.RUN,
            granted_by="test",
        )
        t_service = _service(
            "t", request_timeout=3, programs_per_server=2, max_servers=2, queue_timeout=10
        )
        services.create_service(
            session, t_service.model_copy(update={"libraries": ["t", "sample", "secret"]})
        )
        services.create_service(session, _service("pub", public=True))
        launch = _service("tlaunch").model_copy(update={"kind": ServiceKind.LAUNCH})
        services.create_service(session, launch)
        services.create_service(
            session,
            _service(
                "tiny",
                max_servers=1,
                programs_per_server=1,
                max_queue=5,
                queue_timeout=1,
                request_timeout=10,
            ),
        )
        services.create_service(
            session,
            _service("fallback", invalid_session_program="t.expired"),
        )
    app = create_app(installation.settings, installation.database)
    with serve(app) as url:
        yield Dispatcher(url, installation, app.state.broker)


@pytest.fixture
def dispatcher(installation: Installation, tmp_path: Path) -> Iterator[Dispatcher]:
    """A control plane of its own, for tests that stop or break its servers."""
    with _dispatcher(installation, tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Dispatcher]:
    """One control plane for a module's tests that leave it as they found it."""
    folder = tmp_path_factory.mktemp("dispatcher")
    with (
        _installation(folder / "home", sqlite_template) as installation,
        _dispatcher(installation, folder) as running,
    ):
        yield running
