"""`taskmaster tokens create|revoke|list`."""

from __future__ import annotations

import typer
from sqlalchemy import select

from taskmaster.cli.output import emit_json, emit_rows, json_option
from taskmaster.cli.users import open_db
from taskmaster.db.models import ApiToken, AuditEntry, User
from taskmaster.security.accounts import get_user
from taskmaster.security.roles import ROLES
from taskmaster.security.tokens import create_token, find_token, revoke_token

app = typer.Typer(no_args_is_help=True, help="API tokens.")


@app.command()
def create(
    user: str = typer.Option(..., "--user", "-u", help="The token's user."),
    role: str = typer.Option(
        ..., "--role", "-r", help=f"One of: {', '.join(ROLES)}; at most the user's."
    ),
    name: str = typer.Option("", "--name", "-n", help="What the token is for."),
) -> None:
    """Create a token; prints only the token on stdout (it is not shown again)."""
    db = open_db()
    with db.session() as session:
        token, row = create_token(session, get_user(session, user), role, name)
        session.add(
            AuditEntry(
                actor="cli", action="token.create", detail=f"{row.prefix} for {user} ({role})"
            )
        )
        session.commit()
    typer.echo(token)


@app.command()
def revoke(ref: str = typer.Argument(..., help="Token id or prefix (tm_xxxxxxxx).")) -> None:
    """Revoke a token."""
    db = open_db()
    with db.session() as session:
        row = find_token(session, ref)
        revoke_token(session, row)
        session.add(AuditEntry(actor="cli", action="token.revoke", detail=row.prefix))
        session.commit()
    typer.echo(f"revoked token {row.id} ({row.prefix})", err=True)


@app.command("list")
def list_(as_json: bool = json_option()) -> None:
    """List tokens: id, prefix, user, role, name, state."""
    db = open_db()
    with db.session() as session:
        rows = [
            {
                "id": tok.id,
                "prefix": tok.prefix,
                "user": user,
                "role": tok.role,
                "name": tok.name,
                "state": "revoked" if tok.revoked_at else "active",
                "created_at": tok.created_at,
                "last_used_at": tok.last_used_at,
            }
            for tok, user in session.execute(
                select(ApiToken, User.name)
                .join(User, User.id == ApiToken.user_id)
                .order_by(ApiToken.id)
            )
        ]
    if as_json:
        emit_json(rows)
    else:
        emit_rows(rows, ["id", "prefix", "user", "role", "name", "state"])
