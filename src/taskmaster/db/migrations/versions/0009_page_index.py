"""pages.page_index: the page's 1-based index within its input file

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 19:00:00

Stages read the index from this column instead of parsing it back out of `source`
(`<file name>#<index>`). Existing rows are backfilled from `source`; a source that
names no index (none is written so today) gets 0.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_pages = sa.table(
    "pages",
    sa.column("id", sa.Integer()),
    sa.column("source", sa.String()),
    sa.column("page_index", sa.Integer()),
)


def index_of(source: str) -> int:
    """The index of `<file name>#<index>` (0 when the source names none)."""
    _, sep, tail = source.rpartition("#")
    return int(tail) if sep and tail.isdigit() else 0


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("page_index", sa.Integer(), nullable=False, server_default="0"))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_pages.c.id, _pages.c.source)).all()
    for page_id, source in rows:
        index = index_of(source or "")
        if index:
            conn.execute(_pages.update().where(_pages.c.id == page_id).values(page_index=index))


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("page_index")
