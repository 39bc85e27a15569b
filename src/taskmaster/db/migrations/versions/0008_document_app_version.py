"""documents.app_version: the application version a document was read with

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 16:00:00

The form designer saves an application as a new version; a document keeps the version
its fields were read with (null for documents read before this column existed).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("app_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("app_version")
