from __future__ import annotations

from tests.api.conftest import LiveServer


def test_me_requires_credentials(live: LiveServer) -> None:
    with live.client() as client:
        assert client.get("/api/me").status_code == 401
    with live.admin() as client:
        assert client.get("/api/me").json()["user"]["name"] == "admin"
