"""Reading secrets (passwords, launch credentials) without echoing them."""

from __future__ import annotations

import sys

import typer


def read_secret(label: str, *, from_stdin: bool) -> str:
    """The first line of stdin, or a value typed twice with hidden input.

    Args:
        label: what to ask for (``"Password"``).
        from_stdin: read one line of standard input instead of prompting.

    Returns:
        The secret, without its line ending; emptiness is left for the registry to refuse.
    """
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(label, hide_input=True, confirmation_prompt=True))
