"""Entry point of the `taskmaster` command; the one place errors become exit codes."""

from __future__ import annotations

import logging
import sys

import typer

from taskmaster import __version__
from taskmaster.cli import apps, calibrate, db, doctor, process, serve, tokens, users, worker
from taskmaster.errors import TaskmasterError

app = typer.Typer(name="taskmaster", no_args_is_help=True, add_completion=False,
                  help="Taskmaster: open document capture on port 2402.")
app.add_typer(apps.app, name="apps")
app.add_typer(db.app, name="db")
app.command("process")(process.process)
app.command("import")(process.import_)
app.command("worker")(worker.worker)
app.command("serve")(serve.serve)
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.command("doctor")(doctor.doctor)
app.command("calibrate")(calibrate.calibrate)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"taskmaster {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit."),
          verbose: bool = typer.Option(False, "--verbose", "-v", help="Log more.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main() -> None:
    """Run the CLI; a TaskmasterError prints one line to stderr and exits with its code."""
    try:
        # Without standalone mode click *returns* a typer.Exit's code instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except TaskmasterError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as exc:  # click's usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
