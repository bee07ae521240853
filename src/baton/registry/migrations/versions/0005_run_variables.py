"""run variables

A run keeps the job variables its ``expression`` nodes assigned, so that a resumed run goes on
with them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


_runs = sa.table("runs", sa.column("variables", sa.JSON()))


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variables", sa.JSON(), nullable=True))
    op.execute(_runs.update().values(variables={}))
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.alter_column("variables", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("variables")
