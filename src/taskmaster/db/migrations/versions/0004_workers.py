"""workers table; procrastinate's job tables on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 08:00:00

`workers` records the heartbeats of `taskmaster worker` processes (both databases).
On PostgreSQL the scale-out queue is procrastinate, whose jobs live in the same database
so that a job is enqueued in the same transaction as the batch it runs; its schema is
procrastinate's own SQL, applied once. Downgrading leaves procrastinate's objects in
place: they belong to procrastinate and cost nothing when unused.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("name", sa.String(length=128), primary_key=True),
        sa.Column("host", sa.String(length=128), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=True),
        sa.Column("task", sa.String(length=16), nullable=True),
        sa.Column("jobs_done", sa.Integer(), nullable=False),
        sa.Column("jobs_failed", sa.Integer(), nullable=False),
        sa.Column("metrics_url", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_workers_heartbeat_at", "workers", ["heartbeat_at"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from taskmaster.queue.procrastinate_app import apply_schema

        apply_schema(bind.connection.driver_connection)


def downgrade() -> None:
    op.drop_index("ix_workers_heartbeat_at", table_name="workers")
    op.drop_table("workers")
