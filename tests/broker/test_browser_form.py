"""The Done-when of the dispatcher: ``sample.form`` in a real browser, through the broker."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import PLAIN_PASSWORD, PLAIN_USER
from tests.broker.conftest import Dispatcher
from tests.browser import open_browser


def test_the_sample_form_submits_to_the_broker_and_shows_the_greeting(
    shared: Dispatcher, tmp_path: Path
) -> None:
    with open_browser() as browser:
        context = browser.new_context(
            http_credentials={"username": PLAIN_USER, "password": PLAIN_PASSWORD}
        )
        try:
            page = context.new_page()
            answer = page.goto(f"{shared.url}/broker?_PROGRAM=sample.form")
            assert answer is not None and answer.status == 200
            page.screenshot(path=str(tmp_path / "form.png"))
            page.fill("#name", "Ada <Lovelace>")
            with page.expect_navigation():
                page.click("#submit")
            page.wait_for_selector("h1")
            assert page.inner_text("h1") == "Hello, Ada <Lovelace>!"
            assert page.url.endswith("/broker")  # the form posted to the broker
            shot = tmp_path / "greeting.png"
            page.screenshot(path=str(shot))
            assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 1000
        finally:
            context.close()


def test_a_signed_in_browser_posts_with_its_session_cookie(shared: Dispatcher) -> None:
    """The web client's way: the session cookie, accepted from the broker's own origin."""
    with open_browser() as browser:
        context = browser.new_context()
        try:
            signed_in = context.request.post(
                f"{shared.url}/api/session",
                data={"username": PLAIN_USER, "password": PLAIN_PASSWORD},
            )
            assert signed_in.ok, signed_in.text()
            page = context.new_page()
            page.goto(f"{shared.url}/broker?_PROGRAM=sample.form")
            page.fill("#name", "Grace")
            with page.expect_navigation():
                page.click("#submit")
            assert page.inner_text("h1") == "Hello, Grace!"
        finally:
            context.close()
