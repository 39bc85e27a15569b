"""Alembic environment: runs migrations against the URL given by taskmaster.db.engine."""

from __future__ import annotations

from alembic import context

from taskmaster.db.engine import make_engine
from taskmaster.db.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
