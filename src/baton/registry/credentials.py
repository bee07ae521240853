"""Stored launch credentials: an OS account plus a secret, encrypted at rest by the vault.

The secret is only ever returned by :func:`reveal`, which the spawner calls when it launches a
server; records and the API never carry it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from baton.registry import audit, triggers
from baton.registry.models import Credential, ServerDefinition
from baton.registry.naming import check_name, check_os_user
from baton.registry.paging import paginate
from baton.registry.records import CredentialRecord, Page
from baton.registry.vault import Sealed, Vault
from baton.settings import SecretAlgorithm

MAX_SECRET = 4096


def load(session: Session, name: str) -> Credential:
    """The ORM credential called ``name``, or :class:`NotFound`."""
    row = session.scalar(select(Credential).where(Credential.name == name))
    if row is None:
        raise NotFound("credential", name)
    return row


def _check_secret(secret: str) -> None:
    if not secret or len(secret) > MAX_SECRET:
        raise InvalidInput("secret", f"must be 1 to {MAX_SECRET} characters")


def _store(row: Credential, sealed: Sealed) -> None:
    row.algorithm, row.key_id = sealed.algorithm, sealed.key_id
    row.nonce, row.ciphertext = sealed.nonce, sealed.ciphertext


def create_credential(
    session: Session,
    vault: Vault,
    name: str,
    *,
    username: str,
    secret: str,
    description: str = "",
    actor: str = "",
) -> CredentialRecord:
    """Store a new credential; the secret is sealed before it reaches the database."""
    check_name(name)
    check_os_user(username)
    _check_secret(secret)
    if session.scalar(select(Credential.id).where(Credential.name == name)) is not None:
        raise AlreadyExists("credential", name)
    row = Credential(name=name, username=username, description=description)
    _store(row, vault.seal(secret, name))
    session.add(row)
    session.flush()
    audit.record(session, "credential.create", actor=actor, resource=f"credential:{name}")
    return CredentialRecord.model_validate(row)


def update_credential(
    session: Session,
    vault: Vault,
    name: str,
    *,
    username: str | None = None,
    secret: str | None = None,
    description: str | None = None,
    actor: str = "",
) -> CredentialRecord:
    """Change a credential; a new secret is sealed with the active key."""
    row = load(session, name)
    if username is not None:
        row.username = check_os_user(username)
    if description is not None:
        row.description = description
    if secret is not None:
        _check_secret(secret)
        _store(row, vault.seal(secret, name))
    session.flush()
    audit.record(session, "credential.update", actor=actor, resource=f"credential:{name}")
    return CredentialRecord.model_validate(row)


def get_credential(session: Session, name: str) -> CredentialRecord:
    """A credential's metadata (never its secret)."""
    return CredentialRecord.model_validate(load(session, name))


def list_credentials(
    session: Session, *, limit: int = 50, offset: int = 0
) -> Page[CredentialRecord]:
    """Credentials by name, without secrets."""
    statement = select(Credential).order_by(Credential.name)
    return paginate(session, statement, CredentialRecord.model_validate, limit=limit, offset=offset)


def delete_credential(session: Session, name: str, *, actor: str = "") -> None:
    """Delete a credential that no server definition uses."""
    row = load(session, name)
    users = list(
        session.scalars(
            select(ServerDefinition.name).where(ServerDefinition.credential_id == row.id)
        )
    )
    if users:
        raise Conflict(f"credential {name!r} is used by server definitions {', '.join(users)}")
    session.delete(row)
    session.flush()
    audit.record(session, "credential.delete", actor=actor, resource=f"credential:{name}")


def reveal(session: Session, vault: Vault, name: str) -> tuple[str, str]:
    """``(username, secret)`` of a credential, decrypted: for the spawner only."""
    row = load(session, name)
    sealed = Sealed(row.algorithm, row.key_id, row.nonce, row.ciphertext)
    return row.username, vault.open(sealed, name)


def reseal_all(session: Session, vault: Vault, key_id: str) -> int:
    """Re-encrypt every credential with ``key_id`` (inside the caller's transaction)."""
    count = 0
    for row in session.scalars(select(Credential).order_by(Credential.id)):
        sealed = Sealed(row.algorithm, row.key_id, row.nonce, row.ciphertext)
        _store(row, vault.seal(vault.open(sealed, row.name), row.name, key_id=key_id))
        count += 1
    session.flush()
    return count


def rotate(
    database_session: Session, vault: Vault, algorithm: SecretAlgorithm, *, actor: str = ""
) -> tuple[str, int]:
    """Rotate the key ring: new key, every secret (credentials, webhooks' secrets) re-sealed,
    old keys dropped.

    The caller holds the ring exclusively (``Vault.using(path, exclusive=True)``), commits
    ``database_session`` and then calls ``vault.activate(key_id)``; a crash between the steps
    leaves a ring that still opens every stored secret.
    """
    key_id = vault.add_key(algorithm)
    count = reseal_all(database_session, vault, key_id)
    triggers.reseal_all(database_session, vault, key_id)
    audit.record(
        database_session,
        "secrets.rotate",
        actor=actor,
        resource="keyring",
        detail={"key_id": key_id, "algorithm": str(algorithm), "credentials": count},
    )
    return key_id, count
