"""Services defined in ``baton.toml`` rather than in the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from baton.errors import ConfigError
from baton.loadmanager.manager import LoadManager
from baton.registry.enums import ServiceKind
from baton.settings import load_settings
from tests.conftest import TEST_SPAWNER, Installation

FILE = """
[dispatcher.services.reports]
kind = "launch"
server_definition = "appserver"
libraries = ["sample"]
auth_required = false
settings = { max_servers = 3, request_timeout = 42 }

[dispatcher.services.default]
kind = "socket"
addresses = ["127.0.0.1:1"]
libraries = ["sample"]
"""


@pytest.mark.anyio
async def test_file_services_are_served_and_win_over_the_registry(
    installation: Installation,
) -> None:
    home = installation.settings.home
    (home / "baton.toml").write_text(FILE)
    settings = load_settings(
        home, environ={}, database_url=installation.settings.registry_url, spawner=TEST_SPAWNER
    )
    manager = LoadManager(settings, installation.database)
    try:
        reports = await manager.pool("reports")
        default = await manager.pool("default")  # the registry's pool service, replaced
        setup = manager.setup("reports")
        assert setup is not None
        assert reports.config.kind is ServiceKind.LAUNCH
        assert reports.config.settings.request_timeout == 42
        assert setup.recipe.libraries == {"sample": home / "programs" / "sample"}
        assert setup.spec.auth_required is False
        assert default.config.kind is ServiceKind.SOCKET
        assert default.config.addresses == ("tcp:127.0.0.1:1",)
    finally:
        await manager.aclose()


def test_a_wrong_file_service_stops_start_up(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "baton.toml").write_text('[dispatcher.services.bad]\nkind = "teleport"\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(home, environ={})
    assert "dispatcher.services" in raised.value.detail
