"""The key ring that encrypts stored secrets (launch credentials) at rest.

The ring is a JSON file in ``BATON_HOME`` with mode 0600: one active key plus, during a
rotation, the previous ones. Every key is 256 bits and bound to one authenticated cipher
(AES-256-GCM by default, or ChaCha20-Poly1305); a sealed secret records the key id and cipher
it was sealed with, and the name it belongs to is its associated data, so a ciphertext copied to
another row does not decrypt.

Whoever seals and commits secrets holds the ring's lock shared (:meth:`Vault.using`); a
rotation holds it exclusively from its first step to its last, so no secret can be sealed with
a key that the rotation is about to drop.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from baton.errors import SecretError
from baton.settings import SecretAlgorithm

NONCE_BYTES = 12
KEY_BYTES = 32


@dataclass(frozen=True)
class Sealed:
    """A secret as stored: cipher, key id, nonce and ciphertext (with its tag)."""

    algorithm: str
    key_id: str
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class _Key:
    algorithm: SecretAlgorithm
    material: bytes
    created: str


def _cipher(algorithm: str, material: bytes) -> AESGCM | ChaCha20Poly1305:
    if algorithm == SecretAlgorithm.AES_256_GCM:
        return AESGCM(material)
    if algorithm == SecretAlgorithm.CHACHA20_POLY1305:
        return ChaCha20Poly1305(material)
    raise SecretError(f"unknown cipher {algorithm!r}")


class Vault:
    """Seals and opens secrets with the keys of one key ring file."""

    def __init__(self, path: Path, keys: dict[str, _Key], active: str) -> None:
        self.path = path
        self._keys = keys
        self.active = active

    # --- the file ---------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, algorithm: SecretAlgorithm) -> Vault:
        """Make a new ring with one fresh key; refuses to overwrite an existing file."""
        if path.exists():
            raise SecretError(f"key ring {path} already exists")
        key_id = cls._new_id()
        vault = cls(path, {key_id: cls._new_key(algorithm)}, key_id)
        vault._save()
        return vault

    @classmethod
    @contextmanager
    def using(cls, path: Path, *, exclusive: bool = False) -> Iterator[Vault]:
        """The ring, loaded under its lock: keep the block open until the sealed secrets are
        committed. ``exclusive`` is for rotation; everything else shares the lock."""
        fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield cls.load(path)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @classmethod
    def load(cls, path: Path) -> Vault:
        """Read the ring; refuses a file that others can read."""
        try:
            mode = path.stat().st_mode & 0o777
            raw = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise SecretError(f"key ring {path} is missing; stored secrets cannot be read") from exc
        except (OSError, ValueError) as exc:
            raise SecretError(f"key ring {path} is unreadable: {exc}") from exc
        if mode & 0o077:
            raise SecretError(f"key ring {path} has mode {mode:o}; it must be 600")
        try:
            keys = {
                key_id: _Key(
                    algorithm=SecretAlgorithm(entry["algorithm"]),
                    material=base64.b64decode(entry["key"]),
                    created=entry["created"],
                )
                for key_id, entry in raw["keys"].items()
            }
            active = raw["active"]
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise SecretError(f"key ring {path} is malformed: {exc}") from exc
        if not isinstance(active, str) or active not in keys:
            raise SecretError(f"key ring {path} names an active key it does not hold")
        if any(len(key.material) != KEY_BYTES for key in keys.values()):
            raise SecretError(f"key ring {path} holds a key that is not {KEY_BYTES * 8} bits")
        return cls(path, keys, active)

    def _save(self) -> None:
        """Write the ring atomically with mode 0600 (a crash leaves the old or the new file)."""
        payload = {
            "active": self.active,
            "keys": {
                key_id: {
                    "algorithm": str(key.algorithm),
                    "key": base64.b64encode(key.material).decode(),
                    "created": key.created,
                }
                for key_id, key in self._keys.items()
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".keyring-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(payload, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    @staticmethod
    def _new_id() -> str:
        return "k" + secrets.token_hex(6)

    @staticmethod
    def _new_key(algorithm: SecretAlgorithm) -> _Key:
        return _Key(algorithm, secrets.token_bytes(KEY_BYTES), datetime.now(UTC).isoformat())

    # --- rotation, in three crash-safe steps ----------------------------------------------

    def add_key(self, algorithm: SecretAlgorithm) -> str:
        """Step 1: add a new key to the ring (not yet active) and save; returns its id."""
        key_id = self._new_id()
        self._keys[key_id] = self._new_key(algorithm)
        self._save()
        return key_id

    def activate(self, key_id: str) -> None:
        """Step 3: make ``key_id`` the active key and forget every other key, then save."""
        if key_id not in self._keys:
            raise SecretError(f"no key {key_id!r} in the ring")
        self.active = key_id
        self._keys = {key_id: self._keys[key_id]}
        self._save()

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    @property
    def algorithm(self) -> SecretAlgorithm:
        """The cipher of the active key."""
        return self._keys[self.active].algorithm

    # --- sealing ------------------------------------------------------------------------------

    def seal(self, plaintext: str, context: str, *, key_id: str | None = None) -> Sealed:
        """Encrypt ``plaintext``, bound to ``context`` (the owning record's name)."""
        key_id = key_id or self.active
        key = self._keys[key_id]
        nonce = secrets.token_bytes(NONCE_BYTES)
        ciphertext = _cipher(key.algorithm, key.material).encrypt(
            nonce, plaintext.encode(), context.encode()
        )
        return Sealed(str(key.algorithm), key_id, nonce, ciphertext)

    def open(self, sealed: Sealed, context: str) -> str:
        """Decrypt a sealed secret; :class:`SecretError` when the key or the tag is wrong."""
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise SecretError(
                f"the key {sealed.key_id!r} that sealed this secret is not in the ring"
            )
        try:
            plain = _cipher(sealed.algorithm, key.material).decrypt(
                sealed.nonce, sealed.ciphertext, context.encode()
            )
        except InvalidTag as exc:
            raise SecretError("the secret does not decrypt: wrong key or tampered data") from exc
        return plain.decode()
