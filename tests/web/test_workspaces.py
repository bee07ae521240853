"""The workspaces page and the tokens page in a real browser against a real control plane.

Workspaces: the admin starts a real Jupyter kernel (ipykernel, under this interpreter, as in
tests/api/test_workspaces.py) from the page, runs code in it through the console, reads its
connection info and stops it. Tokens: a token created on the page is shown once and signs API
requests in until it is revoked there.

Fixtures (a live control plane, a Chromium page, signing in) are in ``conftest.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.api.test_workspaces import DEFINITION, add_definition, workspace_definition
from tests.runtime.conftest import Runtime
from tests.web.conftest import screenshot, signed_in

#: A kernel takes a few seconds to start; code runs in well under this.
KERNEL_PATIENCE = 30_000


@pytest.fixture
def workspace_definitions(live: Runtime, tmp_path: Path) -> list[str]:
    """Two enabled workspace definitions (the page then asks which), kernels keeping IPython's
    files in the test's folder. ``baton init``'s own ``workspace`` stays disabled."""
    names = [DEFINITION, f"{DEFINITION}-spare"]
    for name in names:
        add_definition(live.installation, workspace_definition(tmp_path, name))
    return names


def kernel_ids(live: Runtime, page: Page) -> list[str]:
    """The signed-in user's kernels, as the API lists them (with the page's session)."""
    answer = page.request.get(f"{live.url}/api/workspaces")
    assert answer.ok, answer.text()
    return [workspace["id"] for workspace in answer.json()]


def test_start_a_kernel_run_code_in_its_console_and_stop_it(
    live: Runtime, page: Page, workspace_definitions: list[str]
) -> None:
    signed_in(page, "admin", live.installation.admin_password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workspaces").click()
    expect(page.get_by_text("No kernel running.")).to_be_visible()

    choice = page.get_by_label("Workspace definition")
    expect(choice.get_by_role("option")).to_have_text(workspace_definitions)
    spare = workspace_definitions[1]
    choice.select_option(spare)
    page.get_by_role("button", name="Start a kernel").click()
    heading = page.get_by_role("heading", name=re.compile(r"^Kernel "))
    expect(heading).to_be_visible(timeout=KERNEL_PATIENCE)
    (kernel,) = kernel_ids(live, page)
    row = page.get_by_role("row").filter(has_text=kernel)
    expect(row).to_contain_text(spare)
    expect(row).to_contain_text("RUNNING")

    # The connection info is the connection file; its key only on request.
    key = page.request.get(f"{live.url}/api/workspaces/{kernel}").json()["connection"]["key"]
    connection = page.get_by_label("Connection file")
    expect(connection).to_contain_text('"transport": "tcp"')
    expect(connection).not_to_contain_text(key)
    page.get_by_role("button", name="Show key").click()
    expect(connection).to_contain_text(key)
    page.get_by_role("button", name="Hide key").click()
    expect(connection).not_to_contain_text(key)
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Download kernel-{kernel}.json").click()
    assert download.value.suggested_filename == f"kernel-{kernel}.json"

    # The console: Ctrl+Enter runs; each cell shows its count and what came out.
    code = page.get_by_label("Code", exact=True)
    transcript = page.get_by_role("list", name=f"Transcript of kernel {kernel}")
    code.fill("print(1 + 1)")
    code.press("Control+Enter")
    first = transcript.get_by_role("listitem").nth(0)
    expect(first).to_contain_text("In [1]:", timeout=KERNEL_PATIENCE)
    expect(first.get_by_text("2", exact=True)).to_be_visible()
    expect(code).to_have_value("")

    code.fill("1/0")
    code.press("Control+Enter")
    error = transcript.get_by_role("group", name="Error: ZeroDivisionError")
    expect(error).to_be_visible(timeout=KERNEL_PATIENCE)
    expect(error).to_contain_text("division by zero")
    expect(transcript.get_by_role("listitem").nth(1)).to_contain_text("In [2]:")

    # Standard error apart, and the value of the last expression after Out[n].
    code.fill("import sys\nprint('careful', file=sys.stderr)\n6 * 7")
    code.press("Control+Enter")
    third = transcript.get_by_role("listitem").nth(2)
    expect(third).to_contain_text("Out[3]:", timeout=KERNEL_PATIENCE)
    expect(third.get_by_text("42", exact=True)).to_be_visible()
    expect(third.get_by_role("group", name="Standard error")).to_contain_text("careful")

    # Up at the start of the empty input brings the last input back.
    code.press("ArrowUp")
    expect(code).to_have_value("import sys\nprint('careful', file=sys.stderr)\n6 * 7")
    code.fill("")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "workspaces")

    page.get_by_role("button", name=f"Stop kernel {kernel}").click()
    page.get_by_role("button", name="Stop kernel", exact=True).click()
    expect(page.get_by_text("No kernel running.")).to_be_visible(timeout=KERNEL_PATIENCE)
    expect(page.get_by_label("Code", exact=True)).to_have_count(0)
    assert kernel_ids(live, page) == []


def test_a_token_made_on_the_page_signs_requests_in_until_revoked(
    live: Runtime, page: Page
) -> None:
    signed_in(page, "admin", live.installation.admin_password)
    page.get_by_role("link", name="admin", exact=True).click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_text("No token yet.")).to_be_visible()

    page.get_by_label("Name").fill("e2e script")
    page.get_by_label("Expires after (days)").fill("7")
    page.get_by_role("button", name="Create token").click()
    shown = page.get_by_role("region", name="New token e2e script")
    expect(shown).to_contain_text("it will not be shown again")
    secret = shown.get_by_label("Token", exact=True).input_value()
    assert secret
    row = page.get_by_role("row").filter(has_text="e2e script")
    expect(row).to_contain_text("Active")
    expect(row).not_to_contain_text(secret)

    bearer = {"Authorization": f"Bearer {secret}"}
    me = page.request.get(f"{live.url}/api/me", headers=bearer)
    assert me.status == 200, me.text()
    assert me.json()["user"]["name"] == "admin" and me.json()["method"] == "bearer"

    shown.get_by_role("button", name="Done").click()
    expect(shown).to_have_count(0)
    page.reload()
    listed = page.get_by_role("row").filter(has_text="e2e script")
    expect(listed).to_be_visible()
    # Its first use is recorded (then at most once a minute).
    expect(listed).not_to_contain_text("never")
    assert secret not in page.content()

    page.get_by_role("button", name="Revoke token e2e script").click()
    page.get_by_role("button", name="Revoke token", exact=True).click()
    expect(page.get_by_role("row").filter(has_text="e2e script")).to_contain_text("Revoked")
    assert page.request.get(f"{live.url}/api/me", headers=bearer).status == 401
    # The page's own session is untouched.
    assert page.request.get(f"{live.url}/api/me").status == 200
