"""document changes: when a document last changed, its export version, why it was rejected

Revision ID: 0005
Revises: 0006
Create Date: 2026-11-30 16:00:00

`updated_at` lets pollers ask for documents changed since a time
(`GET /api/v1/documents?since=`); `version` counts deliveries to the exports (1 at the
first export, +1 per correction after it); `reason` says why a document is `rejected`
(no form matched, or an operator said "not this form").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.create_index("ix_documents_updated_at", ["updated_at"])
        batch.create_index("ix_documents_status", ["status"])
    # Documents from before this revision changed when their batch last did.
    op.execute(
        "UPDATE documents SET updated_at = (SELECT batches.updated_at FROM batches "
        "WHERE batches.id = documents.batch_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_status")
        batch.drop_index("ix_documents_updated_at")
        batch.drop_column("reason")
        batch.drop_column("version")
        batch.drop_column("updated_at")
