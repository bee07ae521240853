"""Launch credentials: secrets sealed at rest, never in records, rotated in one transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from baton.errors import AlreadyExists, Conflict, InvalidInput, NotFound, SecretError
from baton.registry import audit, credentials, definitions
from baton.registry.database import Database
from baton.registry.enums import ServerKind
from baton.registry.models import Credential
from baton.registry.records import CredentialRecord
from baton.registry.specs import ServerDefinitionSpec
from baton.registry.vault import Vault
from baton.settings import SecretAlgorithm

SECRETS = {"runas": "s3cret-runas-pw", "batch": "b@tch-pw-2", "web": "ünïcode-pw"}


def create_all(database: Database, vault: Vault) -> None:
    with database.session() as session:
        for name, secret in SECRETS.items():
            credentials.create_credential(
                session, vault, name, username=f"svc_{name}", secret=secret, actor="admin"
            )


def revealed(database: Database, vault: Vault) -> dict[str, str]:
    with database.session() as session:
        return {name: credentials.reveal(session, vault, name)[1] for name in SECRETS}


def test_create_and_reveal(database: Database, vault: Vault) -> None:
    with database.session() as session:
        record = credentials.create_credential(
            session, vault, "runas", username="svc_runas", secret="s3cret-runas-pw", actor="admin"
        )
    assert (record.name, record.username) == ("runas", "svc_runas")
    assert record.algorithm == "aes-256-gcm"
    assert record.key_id == vault.active
    with database.session() as session:
        assert credentials.reveal(session, vault, "runas") == ("svc_runas", "s3cret-runas-pw")
        (event,) = audit.list_events(session, action="credential.create").items
    assert (event.actor, event.resource) == ("admin", "credential:runas")


def test_records_never_carry_the_secret(database: Database, vault: Vault) -> None:
    create_all(database, vault)
    assert not {"secret", "ciphertext", "nonce", "password"} & set(CredentialRecord.model_fields)
    with database.session() as session:
        records = [
            *credentials.list_credentials(session).items,
            credentials.get_credential(session, "runas"),
        ]
    for record in records:
        dumped = record.model_dump_json()
        assert all(secret not in dumped for secret in SECRETS.values())


def test_secret_is_encrypted_at_rest(database: Database, vault: Vault) -> None:
    create_all(database, vault)
    with database.session() as session:
        rows = session.execute(text("SELECT * FROM credentials")).mappings().all()
    assert len(rows) == len(SECRETS)
    for row in rows:
        plain = SECRETS[row["name"]].encode()
        assert bytes(row["ciphertext"]) != plain
        for value in row.values():
            if isinstance(value, bytes | memoryview):
                assert plain not in bytes(value)
            else:
                assert plain.decode() not in str(value)


def test_create_refusals(database: Database, vault: Vault) -> None:
    create_all(database, vault)
    cases: list[tuple[dict[str, str], str]] = [
        ({"name": "bad name"}, "name"),
        ({"username": "bad user"}, "username"),
        ({"secret": ""}, "secret"),
        ({"secret": "x" * (credentials.MAX_SECRET + 1)}, "secret"),
    ]
    for change, field in cases:
        arguments = {"name": "fresh", "username": "svc", "secret": "pw"} | change
        with pytest.raises(InvalidInput) as caught, database.session() as session:
            credentials.create_credential(
                session,
                vault,
                arguments["name"],
                username=arguments["username"],
                secret=arguments["secret"],
            )
        assert caught.value.field == field
    with pytest.raises(AlreadyExists), database.session() as session:
        credentials.create_credential(session, vault, "runas", username="x", secret="y")
    with database.session() as session:
        assert credentials.list_credentials(session).total == len(SECRETS)


def test_update(database: Database, vault: Vault) -> None:
    create_all(database, vault)
    with database.session() as session:
        before = bytes(credentials.load(session, "runas").ciphertext)
        record = credentials.update_credential(
            session, vault, "runas", username="svc_new", description="new", actor="admin"
        )
    assert (record.username, record.description) == ("svc_new", "new")
    with database.session() as session:
        assert bytes(credentials.load(session, "runas").ciphertext) == before
        credentials.update_credential(session, vault, "runas", secret="rotated-pw")
    with database.session() as session:
        assert bytes(credentials.load(session, "runas").ciphertext) != before
        assert credentials.reveal(session, vault, "runas") == ("svc_new", "rotated-pw")
    with pytest.raises(InvalidInput), database.session() as session:
        credentials.update_credential(session, vault, "runas", secret="")
    with pytest.raises(NotFound), database.session() as session:
        credentials.update_credential(session, vault, "ghost", secret="x")


def test_ciphertext_moved_to_another_credential_does_not_open(
    database: Database, vault: Vault
) -> None:
    create_all(database, vault)
    with database.session() as session:
        source, target = credentials.load(session, "runas"), credentials.load(session, "batch")
        target.nonce, target.ciphertext = source.nonce, source.ciphertext
        target.key_id, target.algorithm = source.key_id, source.algorithm
    with database.session() as session:
        with pytest.raises(SecretError):
            credentials.reveal(session, vault, "batch")
        assert credentials.reveal(session, vault, "runas")[1] == SECRETS["runas"]


def test_reveal_with_another_ring_fails(database: Database, vault: Vault) -> None:
    create_all(database, vault)
    stranger = Vault.create(vault.path.with_name("other.key"), SecretAlgorithm.AES_256_GCM)
    with pytest.raises(SecretError), database.session() as session:
        credentials.reveal(session, stranger, "runas")


def test_rotate(database: Database, vault: Vault) -> None:
    create_all(database, vault)
    old_id = vault.active
    with database.session() as session:
        new_id, count = credentials.rotate(
            session, vault, SecretAlgorithm.CHACHA20_POLY1305, actor="admin"
        )
    assert count == len(SECRETS)
    with database.session() as session:
        stored = {
            (key_id, algorithm)
            for key_id, algorithm in session.execute(
                select(Credential.key_id, Credential.algorithm)
            )
        }
    assert stored == {(new_id, "chacha20-poly1305")}
    vault.activate(new_id)
    ring = Vault.load(vault.path)
    assert ring.key_ids == (new_id,)
    assert revealed(database, ring) == SECRETS
    with database.session() as session:
        (event,) = audit.list_events(session, action="secrets.rotate").items
    assert event.detail == {"key_id": new_id, "algorithm": "chacha20-poly1305", "credentials": 3}
    assert old_id != new_id


def test_rotation_rolled_back_keeps_every_secret_readable(database: Database, vault: Vault) -> None:
    create_all(database, vault)
    old_id = vault.active
    with pytest.raises(RuntimeError), database.session() as session:
        new_id, _ = credentials.rotate(session, vault, SecretAlgorithm.CHACHA20_POLY1305)
        raise RuntimeError("crash before the commit")
    with database.session() as session:
        assert set(session.scalars(select(Credential.key_id))) == {old_id}
        assert audit.list_events(session, action="secrets.rotate").total == 0
    # The ring on disk kept the old key (the new one was never activated).
    ring = Vault.load(vault.path)
    assert ring.active == old_id
    assert set(ring.key_ids) == {old_id, new_id}
    assert revealed(database, ring) == SECRETS
    # A later rotation finishes the job.
    with database.session() as session:
        final_id, count = credentials.rotate(session, ring, SecretAlgorithm.AES_256_GCM)
    ring.activate(final_id)
    assert count == len(SECRETS)
    assert revealed(database, Vault.load(vault.path)) == SECRETS


def test_rotate_with_no_credentials(database: Database, vault: Vault) -> None:
    with database.session() as session:
        new_id, count = credentials.rotate(session, vault, SecretAlgorithm.AES_256_GCM)
    assert count == 0
    vault.activate(new_id)
    assert vault.key_ids == (new_id,)


def test_delete(database: Database, vault: Vault) -> None:
    create_all(database, vault)
    with database.session() as session:
        credentials.delete_credential(session, "batch", actor="admin")
    with database.session() as session:
        assert [c.name for c in credentials.list_credentials(session).items] == ["runas", "web"]
        with pytest.raises(NotFound):
            credentials.get_credential(session, "batch")
        assert audit.list_events(session, action="credential.delete").total == 1
    with pytest.raises(NotFound), database.session() as session:
        credentials.delete_credential(session, "batch")


def test_credential_used_by_a_definition_cannot_be_deleted(
    database: Database, vault: Vault
) -> None:
    create_all(database, vault)
    spec = ServerDefinitionSpec(
        name="apps", kind=ServerKind.APPLICATION, command=["python", "-m", "x"], credential="runas"
    )
    with database.session() as session:
        definitions.create_definition(session, spec)
    with pytest.raises(Conflict), database.session() as session:
        credentials.delete_credential(session, "runas")
    with database.session() as session:
        assert credentials.reveal(session, vault, "runas")[1] == SECRETS["runas"]
        assert audit.list_events(session, action="credential.delete").total == 0


def test_list_pages(database: Database, vault: Vault) -> None:
    create_all(database, vault)
    with database.session() as session:
        page = credentials.list_credentials(session, limit=2, offset=1)
    assert page.total == 3
    assert [c.name for c in page.items] == ["runas", "web"]
