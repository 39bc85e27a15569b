"""`taskmaster db upgrade`."""

from __future__ import annotations

import typer

from taskmaster.db.engine import upgrade as alembic_upgrade
from taskmaster.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Database schema.")


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply the database migrations (idempotent)."""
    settings = Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    alembic_upgrade(settings.db_url, revision)
    typer.echo(f"database at {revision}: {settings.db_url}")
