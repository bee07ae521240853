"""Fixtures of the registry tests: a key ring, a folder of programs, users that cost nothing.

Creating a local user hashes its password with argon2id (a tenth of a second on purpose), so
tests that only need *a* user create host-authenticated ones, which have no registry password.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from baton.registry import users
from baton.registry.enums import AuthSource
from baton.registry.records import UserRecord
from baton.registry.vault import Vault
from baton.settings import SecretAlgorithm


def host_user(session: Session, name: str) -> UserRecord:
    """A user who signs in through the host: no password, so no argon2 hashing."""
    return users.create_user(session, name, password=None, auth_source=AuthSource.HOST)


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    """A fresh AES-256-GCM key ring in a temporary folder."""
    return Vault.create(tmp_path / "keys" / "secret.key", SecretAlgorithm.AES_256_GCM)


@pytest.fixture
def program_dir(tmp_path: Path) -> Path:
    """A folder with one program, to register as a library."""
    folder = tmp_path / "programs"
    folder.mkdir()
    (folder / "hello.py").write_text("print('hello')\n")
    return folder
