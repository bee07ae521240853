"""The run pages in a real browser against a real control plane: a finished run's graph,
timeline, logs and outputs; a long run followed live and cancelled; run again; the run list's
filters and a job's duration chart.

Fixtures (a live control plane, a Chromium page, signing in) are in ``conftest.py``.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.runtime.conftest import Runtime
from tests.web.conftest import screenshot, signed_in

#: Seconds the page may take to show what a runner does (a runner may have to start first).
LIVE = 30_000


def _command(node: str, script: str) -> dict[str, Any]:
    return {"id": node, "kind": "command", "argv": ["sh", "-c", script]}


#: say -> fan (two branches at once) -> done; its output is what `say` printed.
HELLO: dict[str, Any] = {
    "name": "hello",
    "nodes": [
        _command("say", "echo hello"),
        {
            "id": "fan",
            "kind": "parallel",
            "branches": [
                {"nodes": [_command("left", "echo to the left")]},
                {"nodes": [_command("right", "echo to the right")]},
            ],
        },
        _command("done", "echo all done"),
    ],
    "edges": [{"from": "say", "to": "fan"}, {"from": "fan", "to": "done"}],
    "outputs": {"greeting": {"type": "string", "value": "nodes.say.stdout"}},
}


def _sign_in(page: Page, live: Runtime) -> None:
    signed_in(page, "admin", live.installation.admin_password)


def test_a_finished_run_shows_its_graph_timeline_logs_and_outputs(
    live: Runtime, page: Page
) -> None:
    with live.admin() as admin:
        live.save(admin, HELLO)
        run = live.run(admin, "hello")
        assert run["state"] == "SUCCEEDED", run
    _sign_in(page, live)
    page.goto(f"/runs/{run['id']}")

    expect(page.get_by_label("Run state")).to_have_text("SUCCEEDED")
    for node in ("say", "fan", "left", "right", "done"):
        expect(page.get_by_label(f"{node}: SUCCEEDED")).to_be_visible()

    timeline = page.get_by_role("table", name="Node attempts over time")
    for node in ("say", "left", "right", "done"):
        expect(timeline.get_by_role("rowheader", name=node, exact=True)).to_be_visible()
    expect(timeline.get_by_test_id("gantt-bar")).to_have_count(5)

    log = page.get_by_role("log", name="Run log")
    expect(page.get_by_text("The run has ended: this is the whole log.")).to_be_visible()
    expect(log.get_by_text("to the left", exact=True)).to_be_visible()
    # Only the chosen node's lines: `hello` is under `say`.
    page.get_by_label("Node", exact=True).select_option("say")
    line = log.locator("li").filter(has_text=re.compile(r"hello$"))
    expect(line).to_have_count(1)
    expect(line.locator(".runs-logs__node")).to_have_text("say")
    expect(log).not_to_contain_text("to the left")
    # A click on a node in the graph chooses it too.
    page.get_by_label("left: SUCCEEDED").get_by_role("button").click()
    expect(page.get_by_label("Node", exact=True)).to_have_value("left")
    expect(log.get_by_text("to the left", exact=True)).to_be_visible()
    expect(log).not_to_contain_text("hello")
    expect(page.get_by_role("heading", name="Node left")).to_be_visible()
    page.get_by_label("Node", exact=True).select_option("")

    outputs = page.get_by_label("Run outputs")
    expect(outputs).to_contain_text("greeting")
    expect(outputs).to_contain_text("hello")
    # Finished: nothing to cancel.
    expect(page.get_by_role("button", name="Cancel run")).to_have_count(0)

    page.set_viewport_size({"width": 1366, "height": 1250})
    page.get_by_role("heading", name=re.compile(r"^Run \d+")).scroll_into_view_if_needed()
    screenshot(page, "run")


def test_a_long_run_is_followed_live_and_cancelled_from_its_page(live: Runtime, page: Page) -> None:
    job = {"name": "sleeper", "nodes": [_command("nap", "sleep 30")]}
    with live.admin() as admin:
        live.save(admin, job)
        run = live.start(admin, "sleeper")
    _sign_in(page, live)
    page.goto(f"/runs/{run['id']}")

    state = page.get_by_label("Run state")
    expect(state).to_have_text("RUNNING", timeout=LIVE)
    expect(page.get_by_label("nap: RUNNING")).to_be_visible(timeout=LIVE)
    expect(page.get_by_text("Following the log live.")).to_be_visible()

    # Cancelling asks first; saying no leaves it running.
    page.get_by_role("button", name="Cancel run").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Cancel run {run['id']}?")
    dialog.get_by_role("button", name="No, keep it").click()
    expect(dialog).to_have_count(0)
    expect(state).to_have_text("RUNNING")

    page.get_by_role("button", name="Cancel run").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Yes, cancel it").click()
    expect(state).to_have_text("CANCELLED", timeout=LIVE)
    expect(page.get_by_label("nap: CANCELLED")).to_be_visible(timeout=LIVE)
    expect(page.get_by_role("button", name="Cancel run")).to_have_count(0)
    with live.admin() as admin:
        assert live.detail(admin, run["id"])["run"]["state"] == "CANCELLED"


#: A job whose runs end as their input says: exit code 0 succeeds, another fails.
NIGHTLY: dict[str, Any] = {
    "name": "nightly",
    "inputs": {"code": {"type": "integer", "required": True}},
    "nodes": [{"id": "load", "kind": "command", "argv": ["sh", "-c", "exit {{ inputs.code }}"]}],
}


def test_run_again_and_the_list_with_its_filters_and_chart(live: Runtime, page: Page) -> None:
    with live.admin() as admin:
        live.save(admin, HELLO)
        live.save(admin, NIGHTLY)
        first = live.run(admin, "hello")
        assert first["state"] == "SUCCEEDED", first
        for code in (0, 0, 3, 0, 0):
            ended = live.run(admin, "nightly", {"code": code})
            assert ended["state"] == ("FAILED" if code else "SUCCEEDED"), ended
    _sign_in(page, live)

    # Run again: a new run of the same version with the same inputs, and its page.
    page.goto(f"/runs/{first['id']}")
    expect(page.get_by_label("Run state")).to_have_text("SUCCEEDED")
    page.get_by_role("button", name="Run again").click()
    expect(page).not_to_have_url(re.compile(rf"/runs/{first['id']}$"))
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    again = int(page.url.rsplit("/", 1)[1])
    assert again > first["id"]
    expect(page.get_by_role("heading", name=re.compile(rf"^Run {again}\b"))).to_be_visible()
    expect(page.get_by_label("Run state")).to_have_text("SUCCEEDED", timeout=LIVE)
    expect(page.get_by_label("done: SUCCEEDED")).to_be_visible()

    # The list: every run, each linking to its page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    expect(page.get_by_text("7 runs", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Durations"))).to_have_count(0)

    page.get_by_label("State").select_option("FAILED")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_text("1 run", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="nightly v1")).to_be_visible()
    expect(page.get_by_role("cell", name="hello v1")).to_have_count(0)

    page.get_by_label("State").select_option("")
    page.get_by_label("Job", exact=True).fill("hello")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_text("2 runs", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="nightly v1")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/runs\?job=hello$"))
    chart = page.get_by_role("region", name="Durations and outcomes of job hello")
    expect(chart.locator(".recharts-bar-rectangle")).to_have_count(2)
    page.get_by_role("link", name=f"Run {again}").click()
    expect(page).to_have_url(re.compile(rf"/runs/{again}$"))
    page.go_back()
    expect(page.get_by_text("2 runs", exact=True)).to_be_visible()

    # One job named: its durations, coloured by outcome, and its runs per outcome.
    page.get_by_label("Job", exact=True).fill("nightly")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_text("5 runs", exact=True)).to_be_visible()
    chart = page.get_by_role("region", name="Durations and outcomes of job nightly")
    outcomes = chart.get_by_role("list", name="Outcomes")
    expect(outcomes.get_by_role("listitem")).to_have_text(["SUCCEEDED 4", "FAILED 1"])
    expect(chart.locator(".recharts-bar-rectangle")).to_have_count(5)
    screenshot(page, "runs")
