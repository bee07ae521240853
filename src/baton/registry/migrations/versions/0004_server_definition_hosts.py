"""server definition hosts

A server definition may run on several hosts: ``server_definitions.host_id`` becomes the
ordered association table ``server_definition_hosts``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_links = sa.table(
    "server_definition_hosts",
    sa.column("definition_id", sa.Integer()),
    sa.column("host_id", sa.Integer()),
    sa.column("position", sa.Integer()),
)
_definitions = sa.table(
    "server_definitions", sa.column("id", sa.Integer()), sa.column("host_id", sa.Integer())
)
_services = sa.table(
    "services", sa.column("id", sa.Integer()), sa.column("server_definition_id", sa.Integer())
)


@contextmanager
def _definitions_unreferenced() -> Iterator[None]:
    """Unlink every row that points at a server definition while the block runs (SQLite).

    Batch mode on SQLite copies ``server_definitions`` into a new table and drops the old
    one. With foreign keys on (``PRAGMA foreign_keys`` cannot change inside the migration's
    transaction) that drop deletes every row first: a service using a definition makes it
    fail, and the rows of ``server_definition_hosts`` go with it (ON DELETE CASCADE).
    Callers keep the links themselves; services are unlinked here and linked again after.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    column = _services.c.server_definition_id
    uses = bind.execute(sa.select(_services.c.id, column).where(column.is_not(None))).all()
    bind.execute(_services.update().values(server_definition_id=None))
    yield
    if uses:
        bind.execute(
            _services.update()
            .where(_services.c.id == sa.bindparam("service"))
            .values(server_definition_id=sa.bindparam("definition")),
            [{"service": service, "definition": definition} for service, definition in uses],
        )


def upgrade() -> None:
    op.create_table(
        "server_definition_hosts",
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["server_definitions.id"],
            name=op.f("fk_server_definition_hosts_definition_id_server_definitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["hosts.id"],
            name=op.f("fk_server_definition_hosts_host_id_hosts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "definition_id", "host_id", name=op.f("pk_server_definition_hosts")
        ),
        sa.UniqueConstraint(
            "definition_id", "position", name="uq_server_definition_hosts_position"
        ),
    )
    with op.batch_alter_table("server_definition_hosts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_server_definition_hosts_host_id"), ["host_id"], unique=False
        )

    bind = op.get_bind()
    bound = bind.execute(
        sa.select(_definitions.c.id, _definitions.c.host_id).where(
            _definitions.c.host_id.is_not(None)
        )
    ).all()
    with _definitions_unreferenced(), op.batch_alter_table("server_definitions") as batch_op:
        batch_op.drop_constraint("fk_server_definitions_host_id_hosts", type_="foreignkey")
        batch_op.drop_column("host_id")
    if bound:
        op.bulk_insert(
            _links,
            [{"definition_id": id_, "host_id": host_id, "position": 0} for id_, host_id in bound],
        )


def downgrade() -> None:
    # Only the first host survives: before 0004 a definition runs on one host.
    bind = op.get_bind()
    first = bind.execute(
        sa.select(_links.c.definition_id, _links.c.host_id).where(_links.c.position == 0)
    ).all()
    with _definitions_unreferenced(), op.batch_alter_table("server_definitions") as batch_op:
        batch_op.add_column(sa.Column("host_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_server_definitions_host_id_hosts"),
            "hosts",
            ["host_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    if first:
        bind.execute(
            _definitions.update()
            .where(_definitions.c.id == sa.bindparam("definition"))
            .values(host_id=sa.bindparam("host")),
            [{"definition": definition, "host": host} for definition, host in first],
        )

    with op.batch_alter_table("server_definition_hosts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_server_definition_hosts_host_id"))

    op.drop_table("server_definition_hosts")
