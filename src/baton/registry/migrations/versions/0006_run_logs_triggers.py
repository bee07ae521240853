"""run logs, resumes, triggers

Every run keeps its log lines (per node) in ``run_logs``; a run counts how often it was resumed
after a crash. A schedule row becomes a trigger: named, with a filter over the event's payload,
the user it runs as, (webhooks) a sealed secret, (file triggers) a file name pattern, and
the state it keeps between fires (the last run or error, the files already seen).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_runs = sa.table("runs", sa.column("resumes", sa.Integer()))
_schedules = sa.table(
    "schedules",
    sa.column("filter", sa.String()),
    sa.column("created_by", sa.String()),
    sa.column("pattern", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "run_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_logs_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_logs")),
    )
    with op.batch_alter_table("run_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_logs_run_id"), ["run_id"], unique=False)
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resumes", sa.Integer(), nullable=True))
    op.execute(_runs.update().values(resumes=0))
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.alter_column("resumes", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("filter", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("secret", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pattern", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("state", sa.JSON(), nullable=True))
    op.execute(_schedules.update().values(filter="", created_by="", pattern=""))
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.alter_column("filter", existing_type=sa.String(length=2000), nullable=False)
        batch_op.alter_column("created_by", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("pattern", existing_type=sa.String(length=200), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_schedules_name"), ["name"])
        batch_op.create_index(batch_op.f("ix_schedules_kind"), ["kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedules_kind"))
        batch_op.drop_constraint(batch_op.f("uq_schedules_name"), type_="unique")
        batch_op.drop_column("state")
        batch_op.drop_column("pattern")
        batch_op.drop_column("created_by")
        batch_op.drop_column("secret")
        batch_op.drop_column("filter")
        batch_op.drop_column("name")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("resumes")
    with op.batch_alter_table("run_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_logs_run_id"))
    op.drop_table("run_logs")
