"""Throwaway OS users for the tests that need a real account (root only; CI runs as root)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def need_root(what: str) -> None:
    """Skip the test unless it runs as root with ``useradd``; under CI, fail instead."""
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        if os.environ.get("CI"):
            pytest.fail(f"{what} need root and useradd under CI")
        pytest.skip(f"{what} need root to create an OS user")


@contextmanager
def throwaway_user(what: str, *, with_group: bool = False) -> Iterator[tuple[str, str]]:
    """A new OS user with a password (and, with ``with_group``, in a new supplementary
    group), removed afterwards; yields its name and password."""
    need_root(what)
    name, password = f"bt{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    group = f"bg{secrets.token_hex(4)}" if with_group else None
    if group is not None:
        subprocess.run(["groupadd", group], check=True)
    extra = ["-G", group] if group is not None else []
    subprocess.run(["useradd", "--no-create-home", *extra, name], check=True)
    try:
        subprocess.run(["chpasswd"], input=f"{name}:{password}", text=True, check=True)
        yield name, password
    finally:
        subprocess.run(["userdel", name], check=False)
        if group is not None:
            subprocess.run(["groupdel", group], check=False)
