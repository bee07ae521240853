"""Headless Chromium for the tests that look at pages as a person would.

The browser is Debian's ``chromium`` package, driven through playwright's sync API with
``executable_path``: playwright's own browser download (``playwright install``) is never used.
``make test`` installs the package when it runs as root. Without it the browser tests are
skipped loudly, and fail under CI (``CI`` set), where they must run.

::

    from tests.browser import open_browser

    def test_page(...) -> None:
        with open_browser() as browser:
            page = browser.new_page()
            page.goto(url)

Leaving :func:`open_browser` closes the browser and waits until every process it started (the
playwright driver, Chromium and its helpers) has exited; one still alive fails the test.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

#: Where Debian's ``chromium`` package puts the browser.
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")

MISSING = "BROWSER TESTS SKIPPED: chromium is not installed; run make test as root to install it"

#: Seconds the browser's processes get to exit once it is closed.
EXIT_PATIENCE = 10.0


def chromium_path() -> str | None:
    """The Chromium executable to drive: Debian's, else ``chromium`` on PATH, else None."""
    if DEBIAN_CHROMIUM.is_file() and os.access(DEBIAN_CHROMIUM, os.X_OK):
        return str(DEBIAN_CHROMIUM)
    return shutil.which("chromium")


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid``, read from ``/proc``."""
    return {child for child, parent in _parents().items() if parent == pid}


def descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (children, their children, ...), read from ``/proc``."""
    parents = _parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _parents() -> dict[int, int]:
    """Every process's parent, by process id."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name (in parentheses) may hold spaces: split after its last ')'.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        parents[int(entry.name)] = int(fields[1])
    return parents


def _crash_handlers(config: str) -> set[int]:
    """The running ``chrome_crashpad_handler`` processes of the browser whose configuration
    folder is ``config`` (their ``--database`` lies in it)."""
    found: set[int] = set()
    for pid in _parents():
        try:
            name = Path(f"/proc/{pid}/comm").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if name.startswith("chrome_crashpad") and config.encode() in command and alive(pid):
            found.add(pid)
    return found


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@contextmanager
def open_browser() -> Iterator[Browser]:
    """A headless Chromium, closed afterwards with every process it started.

    Skips the test when Chromium is not installed, or fails it when ``CI`` is set.

    Yields:
        The browser (``browser.new_page()`` opens a tab).

    Raises:
        AssertionError: a process of the browser was still running ``EXIT_PATIENCE`` seconds
            after it was closed (it is killed first).
    """
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(MISSING, pytrace=False)
        pytest.skip(MISSING)
    # Chromium's sandbox refuses to run as root.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    before = children(os.getpid())
    started: set[int] = set()
    # A configuration folder of its own: the crash reporter's handlers daemonize (their parent
    # is init), and their --database in this folder tells them from other tests' browsers'.
    with tempfile.TemporaryDirectory(prefix="baton-chromium-") as config:
        try:
            with sync_playwright() as playwright:
                # The driver is the one child playwright starts; Chromium runs below it.
                drivers = children(os.getpid()) - before
                browser = playwright.chromium.launch(
                    executable_path=path,
                    args=args,
                    headless=True,
                    env={**os.environ, "XDG_CONFIG_HOME": config},
                )
                try:
                    yield browser
                finally:
                    started = drivers.union(*(descendants(driver) for driver in drivers))
                    started |= _crash_handlers(config)
                    browser.close()
        finally:
            _wait_for_exit(started)


def _wait_for_exit(pids: set[int]) -> None:
    """Wait until every one of ``pids`` has exited; kill the rest and fail."""
    limit = time.monotonic() + EXIT_PATIENCE
    while any(alive(pid) for pid in pids) and time.monotonic() < limit:
        time.sleep(0.05)
    lingering = sorted(pid for pid in pids if alive(pid))
    for pid in lingering:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not lingering, f"browser processes still running after close: {lingering}"
