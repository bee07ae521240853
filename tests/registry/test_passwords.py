"""Password hashing: argon2id, length limits, constant work for unknown users."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from baton.errors import InvalidInput
from baton.registry.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)

PASSWORD = "correct-horse-battery"


def test_hash_and_verify() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert hashed != hash_password(PASSWORD)  # salted
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD.upper())
    assert not needs_rehash(hashed)


@pytest.mark.parametrize("password", ["", "x" * (MIN_LENGTH - 1), "x" * (MAX_LENGTH + 1)])
def test_length_limits(password: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        hash_password(password)
    assert caught.value.field == "password"


def test_no_hash_never_verifies() -> None:
    assert not verify_password(None, PASSWORD)
    assert not verify_password(None, "baton-dummy-password")
    assert not verify_password("", PASSWORD)


def test_garbage_hash_does_not_verify() -> None:
    assert not verify_password("not-a-hash", PASSWORD)
    assert not verify_password("$argon2id$v=19$m=1,t=1,p=1$garbage", PASSWORD)


def test_weak_hash_needs_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    assert verify_password(weak, PASSWORD)
    assert needs_rehash(weak)
