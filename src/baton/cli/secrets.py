"""``baton secrets``: the key ring that encrypts stored credentials."""

from __future__ import annotations

from typing import Annotated

import typer

from baton.cli import output
from baton.cli.context import actor, invocation
from baton.registry import credentials
from baton.registry.vault import Vault
from baton.settings import SecretAlgorithm

app = typer.Typer(help="Manage the encryption of stored credentials.", no_args_is_help=True)


@app.command("rotate")
def rotate(
    ctx: typer.Context,
    algorithm: Annotated[
        SecretAlgorithm | None,
        typer.Option(
            help="Cipher of the new key (default: secrets.algorithm).", show_default=False
        ),
    ] = None,
) -> None:
    """Re-encrypt every stored credential with a new key and drop the old keys."""
    context = invocation(ctx)
    settings = context.settings()
    cipher = algorithm or settings.secrets.algorithm
    with Vault.using(settings.key_path, exclusive=True) as vault:
        with context.session() as session:
            key_id, count = credentials.rotate(session, vault, cipher, actor=actor())
        # Only once the re-sealed secrets are committed may the old keys go.
        vault.activate(key_id)
    output.line(f"re-encrypted {count} credential(s) with key {key_id} ({cipher})")
