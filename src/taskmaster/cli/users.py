"""`taskmaster users add|list|passwd`."""

from __future__ import annotations

import sys

import typer
from sqlalchemy import select

from taskmaster.cli.output import emit_json, emit_rows, json_option
from taskmaster.db.engine import Database
from taskmaster.db.models import User
from taskmaster.security.accounts import add_user, get_user, set_password
from taskmaster.security.ratelimit import locked_out
from taskmaster.security.roles import ROLES
from taskmaster.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Users and their roles.")


def open_db() -> Database:
    """The installation's database (created and migrated if new)."""
    settings = Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    return Database(settings.db_url)


def read_password(from_stdin: bool) -> str:
    """A new password from stdin (one line) or an interactive prompt with confirmation."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    return value


@app.command()
def add(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(..., "--role", "-r", help=f"One of: {', '.join(ROLES)}."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin."
    ),
) -> None:
    """Add a user (asks for the password)."""
    password = read_password(password_stdin)
    db = open_db()
    with db.session() as session:
        add_user(session, name, role, password, actor="cli")
        session.commit()
    typer.echo(f"added {name} ({role})", err=True)


@app.command("list")
def list_(as_json: bool = json_option()) -> None:
    """List users: name, role, state."""
    db = open_db()
    rows = []
    with db.session() as session:
        for user in session.scalars(select(User).order_by(User.name)):
            locked = locked_out(session, user.name)
            state = "locked" if locked else ("active" if user.active else "disabled")
            rows.append(
                {
                    "name": user.name,
                    "role": user.role,
                    "state": state,
                    "created_at": user.created_at,
                }
            )
    if as_json:
        emit_json(rows)
    else:
        emit_rows(rows, ["name", "role", "state"])


@app.command()
def passwd(
    name: str = typer.Argument(..., help="User name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin."
    ),
) -> None:
    """Set a user's password (ends their sessions, lifts a lockout)."""
    password = read_password(password_stdin)
    db = open_db()
    with db.session() as session:
        set_password(session, get_user(session, name), password, actor="cli")
        session.commit()
    typer.echo(f"password of {name} changed", err=True)
