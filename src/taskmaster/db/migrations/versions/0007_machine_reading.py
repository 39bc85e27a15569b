"""machine reading kept beside the field; QA-sampled documents

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30 16:00:00

Calibration learns from what operators did to what the machine read, so the machine's
value, score and source at recognition time (and the status validate gave it) are kept
in columns that a human edit never writes. `documents.qa_sample` marks a document that
would have gone straight through but was sent to verify as a quality-control sample.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fields") as batch:
        batch.add_column(sa.Column("machine_value", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("machine_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("machine_source", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("machine_status", sa.String(length=16), nullable=True))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(
            sa.Column("qa_sample", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("qa_sample")
    with op.batch_alter_table("fields") as batch:
        batch.drop_column("machine_status")
        batch.drop_column("machine_source")
        batch.drop_column("machine_score")
        batch.drop_column("machine_value")
