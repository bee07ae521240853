"""Fixtures of the web client's end-to-end tests: a real control plane serving the built client,
a Chromium page on it, and signing in through the sign-in form.

The client must be built (``make test`` builds it into ``web/dist``; ``BATON_TEST_WEB_DIST``
names another build folder); without it these tests are skipped loudly, and fail under CI.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from baton.api.web import DIST
from tests.browser import open_browser
from tests.conftest import Installation, sqlite_copy
from tests.runtime.conftest import Runtime, prepare, running

#: The built client the tests serve.
BUILT = Path(os.environ.get("BATON_TEST_WEB_DIST") or DIST)

NOT_BUILT = f"WEB CLIENT TESTS SKIPPED: {BUILT} is not built; run make test (it builds it)"

#: Where the screenshots of the main pages go (shown in the README).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the pages read the API, whatever the registry's backend."""
    return sqlite_copy(tmp_path, sqlite_template)


@pytest.fixture
def live(installation: Installation, tmp_path: Path) -> Iterator[Runtime]:
    """A control plane (with runners) serving the built client."""
    if not (BUILT / "index.html").is_file():
        if os.environ.get("CI"):
            pytest.fail(NOT_BUILT)
        pytest.skip(NOT_BUILT)
    settings = installation.settings.model_copy(update={"web_dist": BUILT})
    installation = dataclasses.replace(installation, settings=settings)
    prepare(installation, tmp_path)
    with running(installation) as runtime:
        yield runtime


@pytest.fixture
def page(live: Runtime) -> Iterator[Page]:
    """A Chromium page whose relative addresses go to the control plane."""
    with open_browser() as browser:
        context = browser.new_context(base_url=live.url, viewport={"width": 1366, "height": 820})
        try:
            yield context.new_page()
        finally:
            context.close()


def sign_in(page: Page, user: str, password: str) -> None:
    """Sign in through the form (the first page of a browser without a session)."""
    page.goto("/")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in(page: Page, user: str, password: str) -> None:
    """Sign in and wait for the app's header."""
    sign_in(page, user, password)
    expect(page.get_by_text("Signed in as")).to_contain_text(user)


def screenshot(page: Page, name: str) -> None:
    """Keep a screenshot of the page as docs/screenshots/NAME.png, when asked
    (``BATON_TEST_SCREENSHOTS=1``): the README shows them."""
    if os.environ.get("BATON_TEST_SCREENSHOTS"):
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
