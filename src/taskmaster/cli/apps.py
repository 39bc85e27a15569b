"""`taskmaster apps list|show|validate`."""

from __future__ import annotations

from pathlib import Path

import typer

from taskmaster.apps.loader import load_application
from taskmaster.apps.registry import AppRegistry
from taskmaster.errors import NotFound
from taskmaster.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Capture applications.")


def _registry() -> AppRegistry:
    return AppRegistry([Settings().apps_path])


@app.command("list")
def list_() -> None:
    """List the installed applications."""
    reg = _registry()
    for name, path in reg.files().items():
        typer.echo(f"{name}\t{path}")


@app.command()
def show(name: str) -> None:
    """Show an application's document types, page types and fields."""
    loaded = _registry().get(name)
    a = loaded.app
    typer.echo(f"{a.name} v{a.version}: {a.title}  ({loaded.path})")
    for doc in a.document_types:
        pages = ", ".join(p.type + (" (optional)" if p.optional else "") for p in doc.pages)
        typer.echo(f"  document type {doc.name}: {pages}")
    for pt in a.page_types:
        typer.echo(f"  page type {pt.name}: {len(pt.fields)} fields")
        for f in pt.fields:
            req = " *" if f.required else ""
            typer.echo(f"    {f.name:<26} {f.kind:<10} {f.type}{req}")


@app.command()
def validate(target: str = typer.Argument(
        None, help="An application name or the path of an app.yaml (default: all).")) -> None:
    """Check application files; a broken one is reported with file, line and reason."""
    reg = _registry()
    if target and Path(target).exists():
        paths = [Path(target)]
    elif target:
        paths = [reg.get(target).path] if target in reg.files() else []
        if not paths:
            raise NotFound(f"no application or file named {target!r} "
                           f"(known: {', '.join(reg.names())})")
    else:
        paths = list(reg.files().values())
    for path in paths:
        a = load_application(path)  # raises ApplicationError -> exit 3 with file:line
        typer.echo(f"ok  {a.name} v{a.version}  {path}")
