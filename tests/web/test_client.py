"""The web client in a real browser (Chromium through playwright) against a real control plane:
signing in and out, the home page, the runs page, and what a user without rights sees.

Fixtures (a live control plane, a Chromium page, signing in) are in ``conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER
from tests.runtime.conftest import Runtime
from tests.web.conftest import BUILT, screenshot, sign_in


def test_sign_in_home_runs_and_sign_out(live: Runtime, page: Page, tmp_path: Path) -> None:
    job = {"name": "hello", "nodes": [{"id": "say", "kind": "command", "argv": ["true"]}]}
    with live.admin() as admin:
        live.save(admin, job)
        run = live.run(admin, "hello")
        assert run["state"] == "SUCCEEDED"

    sign_in(page, "admin", "wrong password")
    expect(page.get_by_role("alert")).to_contain_text("invalid credentials")

    sign_in(page, "admin", live.installation.admin_password)
    expect(page.get_by_text("Signed in as")).to_contain_text("admin")
    expect(page.get_by_role("heading", name="Services")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="default")).to_be_visible()
    expect(page.get_by_role("cell", name="hello v1")).to_be_visible()
    expect(page.get_by_role("heading", name="Servers")).to_be_visible()  # operators see pools
    expect(page.get_by_text("No run is waiting in the queue.")).to_be_visible()
    screenshot(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    expect(page).to_have_url(f"{live.url}/runs")
    page.get_by_label("State").select_option("FAILED")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("0 runs")).to_be_visible()
    page.get_by_label("State").select_option("SUCCEEDED")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 run", exact=True)).to_be_visible()

    # A reload keeps the session (the cookie) and the page (the app routes in the browser).
    page.reload()
    expect(page.get_by_role("heading", name="Runs")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Baton")).to_be_visible()
    assert page.request.get(f"{live.url}/api/me").status == 401


def test_a_user_sees_only_what_the_api_shows_them(live: Runtime, page: Page) -> None:
    job = {"name": "private", "nodes": [{"id": "say", "kind": "command", "argv": ["true"]}]}
    with live.admin() as admin:
        live.save(admin, job)
        assert live.run(admin, "private")["state"] == "SUCCEEDED"
    sign_in(page, PLAIN_USER, PLAIN_PASSWORD)
    expect(page.get_by_text("Signed in as")).to_contain_text(PLAIN_USER)
    expect(page.get_by_text("No run yet.")).to_be_visible()
    expect(page.get_by_role("heading", name="Servers")).to_have_count(0)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Programs")).to_be_visible()
    expect(nav.get_by_role("link", name="Operator")).to_have_count(0)
    expect(nav.get_by_role("link", name="Administration")).to_have_count(0)
    expect(page.get_by_role("cell", name="private v1")).to_have_count(0)


def test_the_app_answers_its_own_paths_and_the_api_keeps_its_404s(live: Runtime) -> None:
    with live.client() as client:
        assert '<div id="root">' in client.get("/runs").text
        assert client.get("/some/page").headers["content-type"].startswith("text/html")
        asset = next((BUILT / "assets").glob("*.js")).name
        cached = client.get(f"/assets/{asset}")
        assert cached.status_code == 200 and "immutable" in cached.headers["cache-control"]
        # The client's calls get no Basic challenge (the browser would pop up a dialog).
        scripted = client.get("/api/me", headers={"X-Requested-With": "XMLHttpRequest"})
        assert scripted.status_code == 401
        assert "Basic" not in scripted.headers["www-authenticate"]
        assert "Basic" in client.get("/api/me").headers["www-authenticate"]
        # A path climbing out of the built files gets the app, never a file of the checkout.
        assert "[project]" not in client.get("/assets/../../pyproject.toml").text
    with live.admin() as admin:
        missing = admin.get("/api/no-such-thing")
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
        assert admin.get("/healthz").json()["status"] == "ok"
        assert admin.get("/openapi.json").status_code == 200
