"""login failures per user and address; session counter; forced password change

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 16:00:00

Failed logins are counted per (user name, client address) in `login_failures`, so a
guesser elsewhere cannot lock a user out (the per-user columns go). `users.session_epoch`
is bound into every session cookie: logging out raises it and so ends the session.
`users.must_change_password` marks the first admin whose password was generated and
printed: its browser sessions may do nothing but change it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("user_name", sa.String(length=64), primary_key=True),
        sa.Column("host", sa.String(length=64), primary_key=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_failures_window_start", "login_failures", ["window_start"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.drop_column("must_change_password")
        batch.drop_column("session_epoch")
    op.drop_index("ix_login_failures_window_start", table_name="login_failures")
    op.drop_table("login_failures")
