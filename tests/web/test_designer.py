"""The job designer in a real browser against a real control plane: a three-node job (program ->
if -> command) drawn by drag and drop, a planted type error flagged and fixed, saved with a
comment, run, and watched to success on the run page; the jobs list; the lock.

Fixtures (a live control plane, a Chromium page, signing in) are in ``conftest.py``.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER
from tests.runtime.conftest import Runtime
from tests.web.conftest import screenshot, signed_in

#: How long a real run may take to succeed, in milliseconds.
RUN_TIMEOUT = 60_000


def node(page: Page, node_id: str) -> Locator:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def drop(page: Page, item: str, x: int, y: int) -> None:
    """Drag palette item ``item`` onto the canvas at (x, y) of the canvas (HTML5 drag and drop)."""
    source = page.locator(f'.designer-palette__item[data-item="{item}"]')
    source.drag_to(page.get_by_test_id("canvas"), target_position={"x": x, "y": y})


def connect(page: Page, source: Locator, target: Locator) -> None:
    """Draw an edge with the mouse: press on a source handle, move, release on a target one."""
    start = source.bounding_box()
    end = target.bounding_box()
    assert start is not None and end is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()


def stored(live: Runtime, name: str) -> dict[str, Any]:
    with live.admin() as admin:
        answer = admin.get(f"/api/jobs/{name}")
        assert answer.status_code == 200, answer.text
        document: dict[str, Any] = answer.json()["document"]
        return document


def test_design_a_job_by_drag_and_drop_then_run_it(live: Runtime, page: Page) -> None:
    signed_in(page, "admin", live.installation.admin_password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs").click()
    page.get_by_role("link", name="New job").click()
    expect(page).to_have_url(f"{live.url}/jobs/new")
    page.get_by_label("Job name").fill("designed")

    expect(page.locator('.designer-palette__item[data-item="sample.add"]')).to_be_visible()
    drop(page, "sample.add", 120, 150)
    expect(node(page, "add")).to_be_visible()
    drop(page, "if", 380, 150)
    expect(node(page, "if_1")).to_be_visible()
    drop(page, "command", 640, 150)
    expect(node(page, "command_1")).to_be_visible()

    out_of_add = node(page, "add").locator(".react-flow__handle.source")
    connect(page, out_of_add, node(page, "if_1").locator(".react-flow__handle.target"))
    # (An edge drawn as a straight line has no height: Playwright would call it hidden.)
    expect(page.get_by_role("group", name="Edge add to if_1: success")).to_have_count(1)
    then = node(page, "if_1").locator('.react-flow__handle[data-handleid="then"]')
    connect(page, then, node(page, "command_1").locator(".react-flow__handle.target"))
    expect(page.get_by_role("group", name="Edge if_1 to command_1: success, then")).to_have_count(1)

    # A planted type error: a, an integer, gets a string.
    node(page, "add").click()
    expect(page.get_by_role("heading", name="program node add")).to_be_visible()
    page.get_by_role("combobox", name="a (integer, required)").fill('"five"')
    page.get_by_role("combobox", name="b (integer, required)").fill("3")
    flagged = "program node add, 1 error, 0 warnings"
    expect(node(page, "add")).to_have_attribute("aria-label", flagged)
    expect(node(page, "add").locator(".designer-node")).to_have_class(
        "designer-node designer-node--error designer-kind--program is-selected"
    )
    issues = page.get_by_role("tabpanel")
    row = issues.get_by_role("row").filter(has_text="type_mismatch")
    expect(row).to_contain_text("input 'a' of 'add' takes integer, but gets string")
    expect(row.get_by_role("button", name="Select node add")).to_be_visible()

    # Fixed: the node and the list are clear again.
    page.get_by_role("combobox", name="a (integer, required)").fill("2")
    expect(node(page, "add")).to_have_attribute("aria-label", "program node add")
    expect(issues.get_by_text("No issue: the job can run.")).to_be_visible()

    node(page, "if_1").click()
    condition = page.get_by_role("combobox", name="Condition")
    condition.fill("nodes.add.")
    expect(page.get_by_role("option", name="nodes.add.result integer")).to_be_visible()
    condition.fill("nodes.add.result == 5")
    node(page, "command_1").click()
    page.get_by_role("combobox", name="Argument 1 (the program)").fill("true")
    page.get_by_role("button", name="Remove argument 2").click()
    expect(node(page, "command_1")).to_contain_text("true")
    page.get_by_role("tab", name="Issues (0)").click()
    expect(issues.get_by_text("No issue: the job can run.")).to_be_visible()
    node(page, "add").click()
    screenshot(page, "designer")

    page.get_by_label("Comment").fill("first version, drawn in the browser")
    page.get_by_role("button", name="Create job").click()
    expect(page).to_have_url(f"{live.url}/jobs/designed")
    expect(page.get_by_text("You hold the edit lock.")).to_be_visible()

    document = stored(live, "designed")
    assert [(n["id"], n["kind"]) for n in document["nodes"]] == [
        ("add", "program"),
        ("if_1", "if"),
        ("command_1", "command"),
    ]
    assert document["nodes"][0]["bindings"] == {"a": "2", "b": "3"}
    assert document["nodes"][1]["condition"] == "nodes.add.result == 5"
    assert document["nodes"][2]["argv"] == ["true"]
    # Each node stays where it was dropped: left to right, on one row.
    positions = [n["position"] for n in document["nodes"]]
    assert positions[0]["x"] < positions[1]["x"] < positions[2]["x"]
    assert max(p["y"] for p in positions) - min(p["y"] for p in positions) < 5
    assert document["edges"] == [
        {"from": "add", "to": "if_1"},
        {"from": "if_1", "to": "command_1", "slot": "then"},
    ]

    page.get_by_role("button", name="Run…").click()
    page.get_by_role("button", name="Start run").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live.url)}/runs/\d+$"))
    expect(page.get_by_label("Run state")).to_have_text("SUCCEEDED", timeout=RUN_TIMEOUT)
    for node_id in ("add", "if_1", "command_1"):
        expect(page.get_by_label(f"{node_id}: SUCCEEDED")).to_be_visible()


def test_read_only_while_another_user_holds_the_lock(live: Runtime, page: Page) -> None:
    job = {"name": "shared", "nodes": [{"id": "say", "kind": "command", "argv": ["true"]}]}
    with live.admin() as admin:
        live.save(admin, job)
        for action in ("read", "write"):
            grant = {
                "principal_kind": "user",
                "principal": PLAIN_USER,
                "resource_kind": "job",
                "resource_name": "shared",
                "action": action,
            }
            assert admin.post("/api/permissions", json=grant).status_code == 201
        assert admin.post("/api/jobs/shared/lock").json()["locked_by"] == "admin"

    signed_in(page, PLAIN_USER, PLAIN_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs").click()
    expect(page.get_by_role("link", name="New job")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="shared")
    expect(row.get_by_role("cell").nth(4)).to_have_text("admin")
    row.get_by_role("link", name="shared").click()
    expect(page.get_by_text("Read-only: locked by")).to_contain_text("admin")
    expect(node(page, "say")).to_be_visible()
    expect(page.get_by_role("button", name="Save version")).to_have_count(0)
    expect(page.get_by_role("button", name="Add command")).to_have_count(0)

    with live.admin() as admin:
        assert admin.delete("/api/jobs/shared/lock").json()["locked_by"] is None
    page.reload()
    expect(page.get_by_text("You hold the edit lock.")).to_be_visible()
    assert stored_lock(live, "shared") == PLAIN_USER

    # Leaving the designer releases the lock.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs").click()
    page.wait_for_function(
        "async () => (await (await fetch('/api/jobs/shared')).json()).locked_by === null"
    )
    page.reload()
    expect(row.get_by_role("cell").nth(4)).to_have_text("nobody")


def stored_lock(live: Runtime, name: str) -> str | None:
    with live.admin() as admin:
        holder: str | None = admin.get(f"/api/jobs/{name}").json()["locked_by"]
        return holder
