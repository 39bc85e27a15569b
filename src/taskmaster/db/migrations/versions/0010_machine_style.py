"""fields.machine_style: how the field's document was filled in (typed or by hand)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 21:45:00

The readers judge each form typed or hand-filled; recognize keeps that judgement beside
the machine's reading so calibration can certify its error bound for each kind of paper
apart (docs/calibration.md). Existing rows stay NULL: not judged, calibrated as
`unjudged`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fields") as batch:
        batch.add_column(sa.Column("machine_style", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fields") as batch:
        batch.drop_column("machine_style")
