"""`taskmaster apps list|show|validate|new`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from taskmaster.apps.loader import load_application
from taskmaster.apps.onboard import onboard
from taskmaster.apps.registry import AppRegistry
from taskmaster.errors import NotFound
from taskmaster.plugins import create
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


@app.command("new")
def new(
    name: str = typer.Argument(..., help="Name of the new application (lower case)."),
    from_: Path = typer.Option(..., "--from", exists=True, dir_okay=False, readable=True,
                               help="The blank form: a PDF (fillable or flat) or a scan "
                                    "or photo (PNG, TIFF, JPEG)."),
    title: str = typer.Option(None, "--title", help="Title of the application."),
    replace: bool = typer.Option(False, "--replace", help="Replace an application of "
                                 "that name made before."),
    as_json: bool = typer.Option(False, "--json", help="Print what was found as JSON."),
) -> None:
    """Make an application from a blank form, install it and say what was found."""
    settings = Settings()
    summary = onboard(from_.read_bytes(), from_.name, name, settings.apps_path,
                      create("ocr_engines", "tesseract"), title=title, replace=replace)
    folder = settings.apps_path / name
    if as_json:
        typer.echo(json.dumps({**asdict(summary), "path": str(folder / "app.yaml")}))
        return
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(summary.kinds.items())) or "no fields"
    typer.echo(f"installed {name} ({summary.pages} page(s), from "
               f"{', '.join(sorted(set(summary.sources)))}): {kinds}  -> {folder / 'app.yaml'}")
    for field, why in summary.unsure:
        typer.echo(f"  unsure  {field}: {why}")
    for warning in summary.warnings:
        typer.echo(f"  warning {warning}")
