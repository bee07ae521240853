"""The key ring: sealing, tamper detection, file permissions, crash-safe rotation."""

from __future__ import annotations

import dataclasses
import json
import stat
from pathlib import Path

import pytest

from baton.errors import SecretError
from baton.registry.vault import NONCE_BYTES, Sealed, Vault
from baton.settings import SecretAlgorithm

SECRET = "launch-p@ssw0rd with spaces and ünïcode"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("algorithm", list(SecretAlgorithm))
def test_seal_and_open(tmp_path: Path, algorithm: SecretAlgorithm) -> None:
    vault = Vault.create(tmp_path / "secret.key", algorithm)
    assert vault.algorithm is algorithm
    sealed = vault.seal(SECRET, "runas")
    assert sealed.algorithm == str(algorithm)
    assert sealed.key_id == vault.active
    assert len(sealed.nonce) == NONCE_BYTES
    assert SECRET.encode() not in sealed.ciphertext
    assert vault.open(sealed, "runas") == SECRET
    # A key ring read back from its file opens it too.
    assert Vault.load(tmp_path / "secret.key").open(sealed, "runas") == SECRET


def test_each_seal_uses_a_fresh_nonce(vault: Vault) -> None:
    first, second = vault.seal(SECRET, "runas"), vault.seal(SECRET, "runas")
    assert first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext


def test_key_ring_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    vault = Vault.create(path, SecretAlgorithm.AES_256_GCM)
    assert mode_of(path) == 0o600
    new = vault.add_key(SecretAlgorithm.CHACHA20_POLY1305)
    assert mode_of(path) == 0o600
    vault.activate(new)
    assert mode_of(path) == 0o600
    # Saving is atomic through a temporary file; none is left behind.
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_load_refuses_a_readable_file(vault: Vault, mode: int) -> None:
    vault.path.chmod(mode)
    with pytest.raises(SecretError, match="600"):
        Vault.load(vault.path)


def test_missing_key_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "secret.key"
    with pytest.raises(SecretError) as caught:
        Vault.load(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "{}",
        '{"active": "k1", "keys": {}}',
        '{"active": "k1", "keys": {"k1": {"algorithm": "rot13", "key": "", "created": ""}}}',
        '{"active": "k1", "keys": []}',
        '{"active": [], "keys": {}}',
        "[1, 2]",
        '{"active": "k1", "keys": {"k1": 5}}',
        '{"active": "k1", "keys": {"k1": {"algorithm": "aes-256-gcm", "created": "",'
        ' "key": "%%%"}}}',
        # A 128-bit key: AES would accept it, but every key of the ring is 256 bits.
        '{"active": "k1", "keys": {"k1": {"algorithm": "aes-256-gcm", "created": "",'
        ' "key": "eHh4eHh4eHh4eHh4eHh4eA=="}}}',
        '{"active": "k1", "keys": {"k1": {"algorithm": "chacha20-poly1305", "created": "",'
        ' "key": "eHh4eHh4eHh4eHh4eHh4eA=="}}}',
    ],
)
def test_malformed_key_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "secret.key"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(SecretError) as caught:
        Vault.load(path)
    assert str(path) in str(caught.value)


def test_create_refuses_to_overwrite(vault: Vault) -> None:
    before = vault.path.read_bytes()
    with pytest.raises(SecretError, match="already exists"):
        Vault.create(vault.path, SecretAlgorithm.AES_256_GCM)
    assert vault.path.read_bytes() == before


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.mark.parametrize("algorithm", list(SecretAlgorithm))
def test_tampering_is_detected(tmp_path: Path, algorithm: SecretAlgorithm) -> None:
    vault = Vault.create(tmp_path / "secret.key", algorithm)
    sealed = vault.seal(SECRET, "runas")
    for tampered in (
        dataclasses.replace(sealed, ciphertext=flip(sealed.ciphertext, 0)),
        dataclasses.replace(sealed, ciphertext=flip(sealed.ciphertext, len(sealed.ciphertext) - 1)),
        dataclasses.replace(sealed, ciphertext=sealed.ciphertext[:-1]),
        dataclasses.replace(sealed, nonce=flip(sealed.nonce, 3)),
    ):
        with pytest.raises(SecretError, match="tampered"):
            vault.open(tampered, "runas")


def test_wrong_context_does_not_open(vault: Vault) -> None:
    sealed = vault.seal(SECRET, "runas")
    with pytest.raises(SecretError):
        vault.open(sealed, "other-credential")
    with pytest.raises(SecretError):
        vault.open(sealed, "")


def test_other_ring_does_not_open(tmp_path: Path, vault: Vault) -> None:
    sealed = vault.seal(SECRET, "runas")
    stranger = Vault.create(tmp_path / "other.key", SecretAlgorithm.AES_256_GCM)
    with pytest.raises(SecretError, match=sealed.key_id):
        stranger.open(sealed, "runas")
    # Even when the key ids happen to agree, the key material does not.
    forged = Sealed(sealed.algorithm, stranger.active, sealed.nonce, sealed.ciphertext)
    with pytest.raises(SecretError):
        stranger.open(forged, "runas")


def test_rotation_is_crash_safe(vault: Vault) -> None:
    old_id = vault.active
    old = vault.seal(SECRET, "runas")

    new_id = vault.add_key(SecretAlgorithm.CHACHA20_POLY1305)
    # A crash here: the file holds both keys and the old one is still active.
    crashed = Vault.load(vault.path)
    assert crashed.active == old_id
    assert set(crashed.key_ids) == {old_id, new_id}
    new = crashed.seal(SECRET, "runas", key_id=new_id)
    assert new.algorithm == SecretAlgorithm.CHACHA20_POLY1305
    assert crashed.open(old, "runas") == SECRET
    assert crashed.open(new, "runas") == SECRET
    assert crashed.seal("x", "y").key_id == old_id

    crashed.activate(new_id)
    after = Vault.load(vault.path)
    assert after.active == new_id
    assert after.key_ids == (new_id,)
    assert after.algorithm is SecretAlgorithm.CHACHA20_POLY1305
    assert after.open(new, "runas") == SECRET
    with pytest.raises(SecretError, match=old_id):
        after.open(old, "runas")
    assert json.loads(vault.path.read_text())["active"] == new_id


def test_activate_unknown_key(vault: Vault) -> None:
    before = vault.path.read_bytes()
    with pytest.raises(SecretError, match="knope"):
        vault.activate("knope")
    assert vault.path.read_bytes() == before
    assert vault.key_ids == (vault.active,)
