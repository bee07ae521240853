"""The program catalog in a real browser: a program's generated form runs it through the broker
(the session cookie signs the request in) and shows the answer; HTML answers stay in a sandbox."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER
from tests.runtime.conftest import Runtime
from tests.web.conftest import screenshot, signed_in

#: Patience for the first request of a pool (its server starts), in milliseconds.
PROCESS_TIMEOUT = 30_000


def test_run_sample_add_from_its_generated_form(live: Runtime, page: Page) -> None:
    signed_in(page, "admin", live.installation.admin_password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Programs").click()
    page.get_by_role("region", name="Library sample").get_by_role("link", name="add").click()
    expect(page.get_by_role("heading", name="sample.add")).to_be_visible()

    page.get_by_label("a", exact=True).fill("2")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_role("alert")).to_contain_text("b: required")  # checked before sending

    page.get_by_label("b", exact=True).fill("3")
    expect(page.get_by_label("Broker link")).to_have_value(
        f"{live.url}/broker?_SERVICE=default&_PROGRAM=sample.add&a=2&b=3"
    )
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_label("Program output")).to_have_text("5", timeout=PROCESS_TIMEOUT)
    screenshot(page, "programs")

    # The same request as a link answers the same.
    answer = page.request.get(page.get_by_label("Broker link").input_value())
    assert answer.ok and answer.text().strip() == "5"


def test_html_answers_are_shown_in_a_sandboxed_frame(live: Runtime, page: Page) -> None:
    signed_in(page, PLAIN_USER, PLAIN_PASSWORD)
    page.goto("/programs/sample.hello")
    expect(page.get_by_role("heading", name="sample.hello")).to_be_visible()
    page.get_by_role("button", name="Run").click()
    # The first request starts the pool's server: a process, not a page update.
    expect(page.get_by_text("Running…")).to_have_count(0, timeout=PROCESS_TIMEOUT)
    frame = page.get_by_title("Program output")
    expect(frame).to_have_attribute("sandbox", "")
    expect(frame).to_have_attribute("srcdoc", re.compile("<h1>Hello, world!</h1>"))
    expect(page.frame_locator("iframe[title='Program output']").locator("body")).to_contain_text(
        "Hello"
    )


def test_a_program_one_may_not_run_is_not_found(live: Runtime, page: Page) -> None:
    signed_in(page, PLAIN_USER, PLAIN_PASSWORD)
    page.goto("/programs/sample.nosuch")
    expect(page.get_by_role("alert")).to_contain_text("does not exist")


def test_images_are_shown_and_attachments_downloaded(live: Runtime, page: Page) -> None:
    signed_in(page, PLAIN_USER, PLAIN_PASSWORD)
    page.goto("/programs/sample.chart")
    expect(page.get_by_role("heading", name="sample.chart")).to_be_visible()
    page.get_by_role("button", name="Run").click()
    image = page.get_by_role("img", name="Program output")
    expect(image).to_be_visible(timeout=PROCESS_TIMEOUT)
    assert image.evaluate("(img) => img.naturalWidth") > 100  # a real PNG, decoded

    page.goto("/programs/sample.table")
    expect(page.get_by_role("heading", name="sample.table")).to_be_visible()
    page.get_by_role("button", name="Run").click()
    link = page.get_by_role("link", name="Download regions.csv")
    expect(link).to_be_visible(timeout=PROCESS_TIMEOUT)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "regions.csv"
    saved = Path(download.value.path()).read_text()
    assert saved.splitlines()[0].count(",") >= 1  # a CSV header
