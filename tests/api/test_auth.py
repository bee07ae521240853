"""Signing in to the API: Basic, Bearer tokens, the browser session cookie, the throttle.

Every refusal is a 401 with a challenge and leaves a ``signin.failed`` audit event; the
session cookie is HttpOnly, signed, bound to the password, and guarded by its CSRF token.
"""

from __future__ import annotations

import base64
import socket
from datetime import timedelta
from http.cookies import SimpleCookie

import httpx
import pytest
from sqlalchemy import select

from baton.api.cookies import SessionCookie
from baton.registry.models import ApiToken, Group, utcnow
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER, LiveServer

COOKIE = "baton_session"


def assert_refused(response: httpx.Response) -> None:
    """A 401 with the JSON error body and a challenge: both schemes for API clients, but no
    Basic for a browser (its session cookie and no Authorization, or its sign-in form), so no
    login dialog pops up."""
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "unauthenticated"
    challenge = response.headers["www-authenticate"]
    sent = response.request.headers
    browser = f"{COOKIE}=" in sent.get("cookie", "") and "authorization" not in sent
    browser = browser or response.request.url.path == "/api/session"
    assert ("Basic" in challenge) is not browser
    assert "Bearer" in challenge


def new_token(client: httpx.Client, name: str = "test") -> tuple[int, str]:
    """Create an API token with ``client``; its id and secret value."""
    response = client.post("/api/tokens", json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["info"]["id"], response.json()["token"]


def basic(value: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(value).decode()}


def group_exists(live: LiveServer, name: str) -> bool:
    with live.installation.database.session() as session:
        return session.scalar(select(Group.id).where(Group.name == name)) is not None


# Basic


def test_basic_with_the_right_password(live: LiveServer) -> None:
    with live.plain() as client:
        response = client.get("/api/me")
    assert response.status_code == 200
    assert response.json()["user"]["name"] == PLAIN_USER
    assert response.json()["method"] == "basic"
    assert live.audit("signin.failed") == []


def test_basic_with_a_wrong_password(live: LiveServer) -> None:
    with live.client(PLAIN_USER, "not-the-password") as client:
        assert_refused(client.get("/api/me"))
    [event] = live.audit("signin.failed")
    assert event.actor == PLAIN_USER
    assert event.outcome == "failed"
    assert event.remote_addr == "127.0.0.1"
    assert event.detail["method"] == "basic"


def test_basic_for_an_unknown_user(live: LiveServer) -> None:
    with live.client("ghost", PLAIN_PASSWORD) as client:
        response = client.get("/api/me")
    assert_refused(response)
    # The answer does not tell an unknown user from a wrong password.
    assert response.json()["detail"] == "invalid credentials"
    assert [event.actor for event in live.audit("signin.failed")] == ["ghost"]


def test_disabled_user_is_refused_by_password_and_by_token(live: LiveServer) -> None:
    with live.plain() as client:
        _, token = new_token(client)
    with live.admin() as admin:
        response = admin.patch(f"/api/users/{PLAIN_USER}", json={"disabled": True})
        assert response.status_code == 200
        assert response.json()["disabled"] is True
    with live.plain() as client:
        assert_refused(client.get("/api/me"))
    with live.bearer(token) as client:
        assert_refused(client.get("/api/me"))
    assert len(live.audit("signin.failed")) == 2

    with live.admin() as admin:
        admin.patch(f"/api/users/{PLAIN_USER}", json={"disabled": False}).raise_for_status()
    with live.plain() as client:
        assert client.get("/api/me").status_code == 200
    with live.bearer(token) as client:
        assert client.get("/api/me").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic !!!not-base64!!!"},
        basic(b"no-colon-here"),
        basic(b":password-without-a-name"),
        basic(b"admin:\xff\xfe not utf-8"),
        {"Authorization": "Basic"},
    ],
    ids=["not-base64", "no-colon", "empty-name", "not-utf8", "empty"],
)
def test_malformed_basic_header(live: LiveServer, headers: dict[str, str]) -> None:
    with live.client() as client:
        response = client.get("/api/me", headers=headers)
    assert_refused(response)
    assert "malformed" in response.json()["detail"]


def test_unsupported_scheme(live: LiveServer) -> None:
    with live.client() as client:
        response = client.get("/api/me", headers={"Authorization": "Digest username=admin"})
    assert_refused(response)
    assert "digest" in response.json()["detail"]


def test_no_credentials(live: LiveServer) -> None:
    with live.client() as client:
        assert_refused(client.get("/api/me"))


# Bearer tokens


def test_valid_token(live: LiveServer) -> None:
    with live.plain() as client:
        token_id, token = new_token(client)
    with live.bearer(token) as client:
        response = client.get("/api/me")
    assert response.status_code == 200
    assert response.json()["user"]["name"] == PLAIN_USER
    assert response.json()["method"] == "bearer"
    with live.plain() as client:
        assert client.get(f"/api/tokens/{token_id}").json()["last_used_at"] is not None


def test_revoked_token(live: LiveServer) -> None:
    with live.plain() as client:
        token_id, token = new_token(client)
        with live.bearer(token) as bearer:
            assert bearer.get("/api/me").status_code == 200
        revoked = client.delete(f"/api/tokens/{token_id}")
        assert revoked.status_code == 200
        assert revoked.json()["revoked_at"] is not None
    with live.bearer(token) as bearer:
        assert_refused(bearer.get("/api/me"))
    [event] = live.audit("signin.failed")
    assert event.detail == {"method": "bearer", "reason": "unknown, expired or revoked token"}


def test_expired_token(live: LiveServer) -> None:
    with live.plain() as client:
        token_id, token = new_token(client)
    with live.bearer(token) as bearer:
        assert bearer.get("/api/me").status_code == 200
    with live.installation.database.session() as session:
        row = session.get(ApiToken, token_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    with live.bearer(token) as bearer:
        assert_refused(bearer.get("/api/me"))
    assert len(live.audit("signin.failed")) == 1


@pytest.mark.parametrize(
    "token",
    ["garbage", "bt_" + "A" * 43, "bt_" + "x" * 300, ""],
    ids=["garbage", "well-formed-unknown", "too-long", "empty"],
)
def test_garbage_token(live: LiveServer, token: str) -> None:
    with live.client() as client:
        response = client.get("/api/me", headers={"Authorization": f"Bearer {token}".strip()})
    assert_refused(response)
    assert [event.detail["method"] for event in live.audit("signin.failed")] == ["bearer"]


def test_a_token_value_is_not_a_password(live: LiveServer) -> None:
    with live.plain() as client:
        _, token = new_token(client)
    with live.client(PLAIN_USER, token) as client:
        assert_refused(client.get("/api/me"))


# The throttle (SignInThrottle: 10 failures per user name, and per address, in 5 minutes)


def assert_throttled(response: httpx.Response) -> None:
    """A 429 naming the wait, with Retry-After."""
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "too_many_attempts"
    assert 1 <= int(response.headers["retry-after"]) <= 301


@pytest.fixture(scope="module")
def loopback_aliases() -> None:
    """Clients at 127.0.0.2-4 (Linux routes all of 127/8 to the loopback; macOS does not)."""
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        with socket.socket() as probe:
            try:
                probe.bind((address, 0))
            except OSError:
                pytest.skip(f"{address} is not a loopback address on this machine")


@pytest.mark.usefixtures("loopback_aliases")
def test_throttle_refuses_the_right_password_after_ten_wrong_ones(live: LiveServer) -> None:
    with live.client(PLAIN_USER, "wrong-password", local_address="127.0.0.2") as client:
        for _ in range(10):
            assert_refused(client.get("/api/me"))
    # The account is throttled, whatever the address.
    with live.plain() as client:
        assert_throttled(client.get("/api/me"))
    latest = live.audit("signin.failed")[0]
    assert latest.detail["reason"] == "throttled"
    assert latest.remote_addr == "127.0.0.1"
    assert [event.remote_addr for event in live.audit("signin.failed")].count("127.0.0.2") == 10
    # Other accounts are not.
    with live.admin() as admin:
        assert admin.get("/api/me").status_code == 200


@pytest.mark.usefixtures("loopback_aliases")
def test_throttle_refuses_an_address_after_ten_failures(live: LiveServer) -> None:
    with live.admin() as admin:
        _, token = new_token(admin)
    for n in range(10):
        with live.client(f"ghost{n}", "wrong-password", local_address="127.0.0.3") as client:
            assert_refused(client.get("/api/me"))
    password = live.installation.admin_password
    with live.client("admin", password, local_address="127.0.0.3") as client:
        assert_throttled(client.get("/api/me"))
    with live.bearer(token, local_address="127.0.0.3") as client:
        assert_throttled(client.get("/api/me"))
    # The same credentials from another address still work.
    with live.client("admin", password, local_address="127.0.0.4") as client:
        assert client.get("/api/me").status_code == 200
    with live.bearer(token) as client:
        assert client.get("/api/me").status_code == 200


# The browser session


def sign_in(live: LiveServer, user: str, password: str) -> tuple[str, str, httpx.Response]:
    """POST /api/session; the cookie value, the CSRF token and the answer."""
    with live.client() as client:
        response = client.post("/api/session", json={"username": user, "password": password})
    assert response.status_code == 200, response.text
    cookie = SimpleCookie()
    cookie.load(response.headers["set-cookie"])
    return cookie[COOKIE].value, response.json()["csrf_token"], response


def session_client(live: LiveServer, cookie: str, csrf: str | None = None) -> httpx.Client:
    """A client that sends only the session cookie (and the CSRF header when given)."""
    headers = {"Cookie": f"{COOKIE}={cookie}"}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    return httpx.Client(base_url=live.url, headers=headers, timeout=30)


def test_session_sign_in_sets_a_safe_cookie(live: LiveServer) -> None:
    cookie, csrf, response = sign_in(live, "admin", live.installation.admin_password)
    header = response.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "path", "max-age"} <= attributes
    assert "samesite=lax" in header.lower()
    assert "secure" not in attributes  # served over plain HTTP in this test
    assert response.json()["user"]["name"] == "admin"
    assert len(csrf) >= 20
    [event] = live.audit("signin")
    assert event.actor == "admin"
    assert event.detail == {"method": "cookie"}
    assert event.remote_addr == "127.0.0.1"

    with session_client(live, cookie) as client:
        me = client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["user"]["name"] == "admin"
    assert me.json()["method"] == "cookie"


def test_session_sign_in_with_a_wrong_password(live: LiveServer) -> None:
    with live.client() as client:
        response = client.post("/api/session", json={"username": "admin", "password": "nope"})
    assert_refused(response)
    assert "set-cookie" not in response.headers
    assert live.audit("signin") == []
    assert [event.detail["method"] for event in live.audit("signin.failed")] == ["cookie"]


def test_session_change_needs_the_csrf_token(live: LiveServer) -> None:
    cookie, csrf, _ = sign_in(live, "admin", live.installation.admin_password)
    with session_client(live, cookie) as client:
        response = client.post("/api/groups", json={"name": "no-csrf"})
    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    assert not group_exists(live, "no-csrf")

    with session_client(live, cookie, "a" * len(csrf)) as client:
        response = client.post("/api/groups", json={"name": "wrong-csrf"})
    assert response.json()["error"] == "csrf_failed"
    assert not group_exists(live, "wrong-csrf")

    with session_client(live, cookie, csrf) as client:
        response = client.post("/api/groups", json={"name": "with-csrf"})
    assert response.status_code == 201, response.text
    assert group_exists(live, "with-csrf")


def test_session_refuses_a_cross_origin_change(live: LiveServer) -> None:
    cookie, csrf, _ = sign_in(live, "admin", live.installation.admin_password)
    with session_client(live, cookie, csrf) as client:
        response = client.post(
            "/api/groups", json={"name": "cross"}, headers={"Origin": "https://evil.example"}
        )
        assert response.status_code == 403
        assert response.json()["error"] == "csrf_failed"
        assert not group_exists(live, "cross")
        same = client.post("/api/groups", json={"name": "same"}, headers={"Origin": live.url})
        assert same.status_code == 201, same.text


def test_session_sign_out_clears_the_cookie(live: LiveServer) -> None:
    cookie, csrf, _ = sign_in(live, "admin", live.installation.admin_password)
    with session_client(live, cookie, csrf) as client:
        response = client.delete("/api/session")
    assert response.status_code == 204
    cleared = SimpleCookie()
    cleared.load(response.headers["set-cookie"])
    assert cleared[COOKIE].value == ""
    assert cleared[COOKIE]["max-age"] == "0"
    assert [event.actor for event in live.audit("signout")] == ["admin"]
    # A browser keeps the cookie from signing in and drops it on signing out.
    with live.client() as browser:
        signed_in = browser.post(
            "/api/session",
            json={"username": "admin", "password": live.installation.admin_password},
        )
        assert browser.get("/api/me").json()["method"] == "cookie"
        headers = {"X-CSRF-Token": signed_in.json()["csrf_token"]}
        kept = browser.cookies[COOKIE]
        assert browser.delete("/api/session", headers=headers).status_code == 204
        assert COOKIE not in browser.cookies
        assert_refused(browser.get("/api/me"))
    # The session ended on the server: a copy of the cookie kept from before is refused too.
    with session_client(live, kept) as client:
        assert_refused(client.get("/api/me"))


def test_forged_and_tampered_cookies(live: LiveServer) -> None:
    cookie, _, _ = sign_in(live, "admin", live.installation.admin_password)
    payload, _, signature = cookie.rpartition(".")
    tampered_signature = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    # A well-formed cookie signed with another key.
    other_key = SessionCookie(b"k" * 32, name=COOKIE, max_age=3600, secure=False)
    forged = other_key.value("a-token-of-our-own")
    for value in ["garbage", tampered_signature, forged, cookie[:-1]]:
        with session_client(live, value) as client:
            assert_refused(client.get("/api/me"))


def test_password_change_ends_older_sessions(live: LiveServer) -> None:
    first, csrf, _ = sign_in(live, PLAIN_USER, PLAIN_PASSWORD)
    second, _, _ = sign_in(live, PLAIN_USER, PLAIN_PASSWORD)
    with session_client(live, second) as client:
        assert client.get("/api/me").status_code == 200
    new_password = "a-brand-new-password"
    with session_client(live, first, csrf) as client:
        response = client.put(
            "/api/me/password",
            json={"current_password": PLAIN_PASSWORD, "new_password": new_password},
        )
        assert response.status_code == 204, response.text
        assert_refused(client.get("/api/me"))
    with session_client(live, second) as client:
        assert_refused(client.get("/api/me"))
    with live.plain() as client:
        assert_refused(client.get("/api/me"))
    fresh, _, _ = sign_in(live, PLAIN_USER, new_password)
    with session_client(live, fresh) as client:
        assert client.get("/api/me").json()["user"]["name"] == PLAIN_USER


def test_disabling_a_user_ends_their_sessions(live: LiveServer) -> None:
    cookie, _, _ = sign_in(live, PLAIN_USER, PLAIN_PASSWORD)
    with live.admin() as admin:
        admin.patch(f"/api/users/{PLAIN_USER}", json={"disabled": True}).raise_for_status()
    with session_client(live, cookie) as client:
        assert_refused(client.get("/api/me"))
