"""review lease: the verify operator holding a batch

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-26 07:00:00

The worker queue leases batches through lease_owner/lease_until; a verify operator's
hold on a batch is a different lease with a different lifetime, so it gets its own pair.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("review_owner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("review_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("review_until")
        batch.drop_column("review_owner")
