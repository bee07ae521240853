"""What the API does when something it did not foresee goes wrong."""

from __future__ import annotations

import pytest

from baton.registry import users
from tests.api.conftest import PLAIN_PASSWORD, LiveServer


def test_an_unexpected_error_is_a_json_500(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(users, "get_user", broken)  # a fault injected into the route's callee
    with live.admin() as client:
        response = client.get("/api/users/admin")
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "fire" not in response.text  # nothing internal leaks to the client
    assert any("the disk caught fire" in str(record.exc_info) for record in caplog.records)


def test_changing_my_password_checks_the_current_one_like_a_sign_in(live: LiveServer) -> None:
    with live.plain() as client:
        wrong = {"current_password": "not-my-password", "new_password": "whatever-new-1"}
        response = client.put("/api/me/password", json=wrong)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_input"
        assert "current_password" in response.json()["detail"]
        failures = live.audit("signin.failed", "plain")
        assert failures[0].detail["method"] == "password-change"
        for _ in range(9):
            assert client.put("/api/me/password", json=wrong).status_code == 400
        right = {"current_password": PLAIN_PASSWORD, "new_password": "whatever-new-1"}
        assert client.put("/api/me/password", json=right).status_code == 429
