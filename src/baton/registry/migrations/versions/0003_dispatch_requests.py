"""dispatch requests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispatch_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("program", sa.String(length=200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=False),
        sa.Column("bytes_sent", sa.BigInteger(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("waited", sa.Float(), nullable=False),
        sa.Column("server", sa.String(length=100), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_requests")),
        sa.UniqueConstraint("request_id", name=op.f("uq_dispatch_requests_request_id")),
    )
    with op.batch_alter_table("dispatch_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_requests_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_requests_service"), ["service"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_requests_user"), ["user"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dispatch_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_requests_user"))
        batch_op.drop_index(batch_op.f("ix_dispatch_requests_service"))
        batch_op.drop_index(batch_op.f("ix_dispatch_requests_at"))

    op.drop_table("dispatch_requests")
