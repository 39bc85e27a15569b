"""`taskmaster apps list|show|validate|new`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from taskmaster.apps.loader import load_application
from taskmaster.apps.onboard import onboard
from taskmaster.apps.registry import AppRegistry, LoadedApp
from taskmaster.cli.output import emit_json, emit_rows, json_option
from taskmaster.errors import NotFound
from taskmaster.pipeline.services import Services
from taskmaster.plugins import create
from taskmaster.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Capture applications.")


def _registry() -> AppRegistry:
    return AppRegistry([Settings().apps_path])


@app.command("list")
def list_(as_json: bool = json_option()) -> None:
    """List the installed applications."""
    rows = [{"name": name, "path": str(path)} for name, path in _registry().files().items()]
    if as_json:
        emit_json(rows)
    else:
        emit_rows(rows, ["name", "path"])


def describe(loaded: LoadedApp) -> dict[str, Any]:
    """An application's document types, page types and fields as plain data."""
    a = loaded.app
    return {
        "name": a.name,
        "version": a.version,
        "title": a.title,
        "path": str(loaded.path),
        "document_types": [
            {"name": d.name, "pages": [{"type": p.type, "optional": p.optional} for p in d.pages]}
            for d in a.document_types
        ],
        "page_types": [
            {
                "name": pt.name,
                "fields": [
                    {"name": f.name, "kind": f.kind, "type": f.type, "required": f.required}
                    for f in pt.fields
                ],
            }
            for pt in a.page_types
        ],
    }


@app.command()
def show(name: str, as_json: bool = json_option()) -> None:
    """Show an application's document types, page types and fields."""
    info = describe(_registry().get(name))
    if as_json:
        emit_json(info)
        return
    typer.echo(f"{info['name']} v{info['version']}: {info['title']}  ({info['path']})")
    for doc in info["document_types"]:
        pages = ", ".join(
            p["type"] + (" (optional)" if p["optional"] else "") for p in doc["pages"]
        )
        typer.echo(f"  document type {doc['name']}: {pages}")
    for pt in info["page_types"]:
        typer.echo(f"  page type {pt['name']}: {len(pt['fields'])} fields")
        for f in pt["fields"]:
            req = " *" if f["required"] else ""
            typer.echo(f"    {f['name']:<26} {f['kind']:<10} {f['type']}{req}")


@app.command()
def validate(
    target: str = typer.Argument(
        None, help="An application name or the path of an app.yaml (default: all)."
    ),
    as_json: bool = json_option(),
) -> None:
    """Check application files; a broken one is reported with file, line and reason."""
    reg = _registry()
    if target and Path(target).exists():
        paths = [Path(target)]
    elif target:
        paths = [reg.get(target).path] if target in reg.files() else []
        if not paths:
            raise NotFound(
                f"no application or file named {target!r} (known: {', '.join(reg.names())})"
            )
    else:
        paths = list(reg.files().values())
    checked = []
    for path in paths:
        a = load_application(path)  # raises ApplicationError -> exit 3 with file:line
        checked.append({"name": a.name, "version": a.version, "path": str(path), "ok": True})
        if not as_json:
            typer.echo(f"ok  {a.name} v{a.version}  {path}")
    if as_json:
        emit_json(checked)


@app.command("new")
def new(
    name: str = typer.Argument(..., help="Name of the new application (lower case)."),
    from_: Path = typer.Option(
        ...,
        "--from",
        exists=True,
        dir_okay=False,
        readable=True,
        help="The blank form: a PDF (fillable or flat) or a scan or photo (PNG, TIFF, JPEG).",
    ),
    title: str = typer.Option(None, "--title", help="Title of the application."),
    replace: bool = typer.Option(
        False, "--replace", help="Replace an application of that name made before."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print what was found as JSON."),
) -> None:
    """Make an application from a blank form, install it and say what was found."""
    settings = Settings()
    svc = Services.create(settings)  # its decoder: the blank is decoded in the sandbox too
    try:
        summary = onboard(
            from_.read_bytes(),
            from_.name,
            name,
            settings.apps_path,
            create("ocr_engines", "tesseract"),
            decode=svc.decode_pages,
            title=title,
            replace=replace,
        )
    finally:
        svc.close()
    folder = settings.apps_path / name
    if as_json:
        typer.echo(json.dumps({**asdict(summary), "path": str(folder / "app.yaml")}))
        return
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(summary.kinds.items())) or "no fields"
    typer.echo(
        f"installed {name} ({summary.pages} page(s), from "
        f"{', '.join(sorted(set(summary.sources)))}): {kinds}  -> {folder / 'app.yaml'}"
    )
    for field, why in summary.unsure:
        typer.echo(f"  unsure  {field}: {why}")
    for warning in summary.warnings:
        typer.echo(f"  warning {warning}")
