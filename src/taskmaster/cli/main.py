"""Entry point of the `taskmaster` command; the one place errors become exit codes.

Commands are listed in COMMANDS, one line each, by module; a module is imported only
when its command runs, so `taskmaster --help` does not load the engines or the server.
"""

from __future__ import annotations

import logging
import sys

import typer

# typer vendors its own click: these are the classes its parser raises.
from typer._click.exceptions import NoArgsIsHelpError, UsageError

from taskmaster import __version__, logs
from taskmaster.cli.lazy import Lazy, group_class
from taskmaster.errors import TaskmasterError
from taskmaster.private import owner_only

COMMANDS: list[Lazy] = [
    Lazy(
        "process",
        "taskmaster.cli.process:process",
        "Capture files in-process, without a server, and print the documents found.",
    ),
    Lazy(
        "import",
        "taskmaster.cli.process:import_",
        "Queue files as a batch for the server's workers; prints the batch id.",
    ),
    Lazy(
        "worker",
        "taskmaster.cli.worker:worker",
        "Run batches from the PostgreSQL queue (TASKMASTER_QUEUE=procrastinate).",
    ),
    Lazy(
        "serve",
        "taskmaster.cli.serve:serve",
        "Serve the REST API with its embedded workers until Ctrl-C.",
    ),
    Lazy(
        "doctor",
        "taskmaster.cli.doctor:doctor",
        "Check the port, database, engines, data directory and TLS.",
    ),
    Lazy("apps", "taskmaster.cli.apps:app", "Capture applications."),
    Lazy("db", "taskmaster.cli.db:app", "Database schema."),
    Lazy(
        "calibrate",
        "taskmaster.cli.calibrate:calibrate",
        "Refit an application's confidence and accept thresholds from verified fields.",
    ),
    Lazy(
        "backup",
        "taskmaster.cli.backup:backup",
        "Copy the database (SQLite, online) and the data directory to a folder.",
    ),
    Lazy("users", "taskmaster.cli.users:app", "Users and their roles."),
    Lazy("tokens", "taskmaster.cli.tokens:app", "API tokens."),
]

app = typer.Typer(
    name="taskmaster",
    cls=group_class(COMMANDS),
    no_args_is_help=True,
    add_completion=False,
    help="Taskmaster: open document capture on port 2402.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"taskmaster {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log more."),
) -> None:
    logs.configure_plain(logging.INFO if verbose else logging.WARNING)


def usage_line(exc: UsageError) -> str:
    """A usage error as one line: which command, what is wrong, where help is."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    path = exc.ctx.command_path if exc.ctx is not None else "taskmaster"
    return f"error: {path}: {message} (see `{path} --help`)"


def main() -> None:
    """Run the CLI; every error is one line on stderr and an exit code, never a traceback."""
    owner_only()  # before anything is created: see taskmaster.private
    try:
        # Without standalone mode click *returns* a typer.Exit's code instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except TaskmasterError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except NoArgsIsHelpError as exc:  # `taskmaster` or `taskmaster apps` alone: the help
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:  # unknown command or option, missing or malformed argument
        typer.echo(usage_line(exc), err=True)
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # click's other errors (e.g. a file it cannot open)
        typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
