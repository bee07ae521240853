"""The job designer's version history in a real browser against a real control plane: the
versions of a job, a visual diff of two of them, and restoring an old one.

Fixtures (a live control plane, a Chromium page, signing in) are in ``conftest.py``.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.runtime.conftest import Runtime
from tests.web.conftest import screenshot, signed_in

NAME = "history_demo"


def _command(node_id: str, *argv: str) -> dict[str, Any]:
    return {"id": node_id, "kind": "command", "argv": list(argv)}


#: Three versions: v2 adds a node, v3 changes the first node and adds another.
VERSIONS: list[dict[str, Any]] = [
    {"name": NAME, "nodes": [_command("start", "true")]},
    {
        "name": NAME,
        "nodes": [_command("start", "true"), _command("second", "true")],
        "edges": [{"from": "start", "to": "second"}],
    },
    {
        "name": NAME,
        "nodes": [
            _command("start", "echo", "hello"),
            _command("second", "true"),
            _command("third", "true"),
        ],
        "edges": [{"from": "start", "to": "second"}, {"from": "second", "to": "third"}],
    },
]


def test_compare_two_versions_and_restore_the_first(live: Runtime, page: Page) -> None:
    with live.admin() as admin:
        for document in VERSIONS:
            live.save(admin, document)
        assert admin.get(f"/api/jobs/{NAME}").json()["latest_version"] == 3

    signed_in(page, "admin", live.installation.admin_password)
    page.goto(f"/jobs/{NAME}")
    opener = page.get_by_role("tab", name="History").or_(
        page.get_by_role("button", name="History", exact=True)
    )
    opener.first.click()

    history = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="From"))
    expect(history.get_by_role("row")).to_have_count(4)  # the header and three versions
    expect(history.get_by_role("rowheader", name=re.compile(r"^v3"))).to_contain_text("latest")

    page.get_by_role("radio", name="Compare from version 1").check()
    page.get_by_role("radio", name="Compare to version 3").check()
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_role("heading", name="Changes from version 1 to version 3")).to_be_visible()

    graph = page.get_by_role("group", name="Graph of version 3, with the changes since version 1")
    added = graph.locator(".vdiff-node", has_text="third")
    expect(added).to_have_class(re.compile(r"\bvdiff-added\b"))
    expect(added).to_contain_text("added")
    changed = graph.locator(".vdiff-node", has_text="start")
    expect(changed).to_have_class(re.compile(r"\bvdiff-changed\b"))
    expect(changed).to_contain_text("changed: argv")
    changes = page.get_by_role("list", name="Changes")
    expect(changes).to_contain_text("node third")
    expect(page.get_by_label("Text diff (YAML)")).to_contain_text("+- id: third")
    # The diff graph's nodes in the middle of the history's panel.
    added.evaluate("node => node.scrollIntoView({ block: 'center' })")
    screenshot(page, "designer-history")

    page.get_by_role("button", name="Restore version 1").click()
    dialog = page.get_by_role("alertdialog", name="Restore version 1?")
    expect(dialog).to_contain_text("version 4")
    dialog.get_by_role("button", name="Restore version 1").click()

    expect(history.get_by_role("rowheader", name=re.compile(r"^v4"))).to_contain_text("latest")
    expect(page.get_by_text("Version 1 restored as version 4.")).to_be_visible()
    with live.admin() as admin:
        restored = admin.get(f"/api/jobs/{NAME}").json()
        assert restored["version"] == 4
        assert [node["id"] for node in restored["document"]["nodes"]] == ["start"]
