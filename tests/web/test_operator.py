"""The operator console in a real browser against a real control plane: an operator stops a
pool server of the default service and sees another one come back; a user without rights sees
no console.

Fixtures (a live control plane, a Chromium page, signing in) are in ``conftest.py``.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from baton.registry.specs import ServiceSpec
from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER
from tests.appserver.serverprocess import wait_for
from tests.runtime.conftest import Runtime
from tests.web.conftest import screenshot, signed_in

#: Patience for a server to stop and another to start (processes, not page updates).
PROCESS_TIMEOUT = 30_000


def keep_one_default_server(admin: httpx.Client) -> None:
    """The default service keeps one server (``baton init`` keeps none), and its pool runs."""
    record: dict[str, Any] = admin.get("/api/services/default").json()
    spec = {field: record[field] for field in ServiceSpec.model_fields}
    spec["settings"] = {**spec["settings"], "min_servers": 1}
    replaced = admin.put("/api/services/default", json=spec)
    assert replaced.status_code == 200, replaced.text
    for a in range(3):  # the first request starts the pool; the chart gets a few requests
        added = admin.get("/broker", params={"_PROGRAM": "sample.add", "a": a, "b": 3})
        assert (added.status_code, added.text.strip()) == (200, str(a + 3))


def default_servers(admin: httpx.Client) -> list[dict[str, Any]]:
    """This host's running servers of the default service, as the operator API lists them."""
    answer = admin.get("/api/operator/servers", params={"definition": "appserver.default"})
    assert answer.status_code == 200, answer.text
    return [server for server in answer.json() if server["state"] == "RUNNING"]


def test_an_operator_stops_a_pool_server_and_another_comes_back(live: Runtime, page: Page) -> None:
    with live.admin() as admin:
        keep_one_default_server(admin)
        [first] = default_servers(admin)

    signed_in(page, "admin", live.installation.admin_password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Operator").click()
    expect(page).to_have_url(f"{live.url}/operator")
    expect(page.get_by_role("heading", name="Operator console")).to_be_visible()
    servers = page.get_by_role("region", name="Servers of this host")
    row = servers.get_by_role("row").filter(has=page.get_by_role("rowheader", name=first["id"]))
    expect(row).to_contain_text("RUNNING")
    expect(row).to_contain_text(str(first["pid"]))
    expect(page.get_by_text("Data from")).to_be_visible()
    pools = page.get_by_role("region", name="Services (LOADSTAT)")
    expect(pools.get_by_role("rowheader", name="default")).to_be_visible()

    row.get_by_role("button", name=f"Stop {first['id']}").click()
    confirm = page.get_by_role("group", name=f"Confirm: stop {first['id']}")
    expect(confirm).to_contain_text(f"Really stop {first['id']}?")
    expect(confirm.get_by_role("button", name="Confirm")).to_be_focused()
    with live.admin() as admin:
        assert [server["pid"] for server in default_servers(admin)] == [first["pid"]]
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="Stopped server")).to_contain_text(
        f"Stopped server {first['id']} (exit status", timeout=PROCESS_TIMEOUT
    )
    expect(servers.get_by_role("rowheader", name=first["id"])).to_have_count(0)
    # The pool keeps its minimum: another server of the default service comes back.
    another = (
        servers.get_by_role("row")
        .filter(has_text="appserver.default")
        .filter(has_not=page.get_by_role("rowheader", name=first["id"]))
        .filter(has_text="RUNNING")
    )
    expect(another).to_have_count(1, timeout=PROCESS_TIMEOUT)
    with live.admin() as admin:
        [second] = default_servers(admin)
        session = admin.get("/api/operator/session").json()
    assert second["id"] != first["id"] and second["pid"] != first["pid"]
    expect(another).to_contain_text(str(second["pid"]))
    assert (session["holder"], session["yours"]) == ("admin", True)  # taken at the first change
    expect(page.get_by_text("You hold the operator session")).to_be_visible()
    [stop] = live.audit("operator.server.stop", "admin")
    assert stop.resource == f"server:{first['id']}"

    if os.environ.get("BATON_TEST_SCREENSHOTS"):  # a chart with lines: 3 samples, 10 s apart
        chart = page.get_by_role("region", name="Requests and queue, last hour")
        expect(chart.get_by_text("(3 samples")).to_be_visible(timeout=40_000)
    page.evaluate("window.scrollTo(0, 0)")  # the overview: pools and chart
    screenshot(page, "operator")

    # Leaving the console releases the session.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Services")).to_be_visible()
    with live.admin() as admin:
        wait_for(
            lambda: admin.get("/api/operator/session").json()["holder"] is None,
            "the console to release the operator session",
        )


def test_a_user_without_rights_sees_no_operator_console(live: Runtime, page: Page) -> None:
    signed_in(page, PLAIN_USER, PLAIN_PASSWORD)
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Home")).to_be_visible()
    expect(navigation.get_by_role("link", name="Operator")).to_have_count(0)

    page.goto("/operator")
    expect(page).to_have_url(f"{live.url}/")
    expect(page.get_by_role("heading", name="Services")).to_be_visible()
    expect(page.get_by_role("heading", name="Operator console")).to_have_count(0)
    with live.plain() as plain:
        assert plain.get("/api/operator/servers").status_code == 403
