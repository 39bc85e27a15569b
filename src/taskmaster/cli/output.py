"""What commands print: a table for people, or JSON (`--json`) for scripts.

With `--json` a command writes exactly one JSON document to stdout and nothing else
there; messages and progress go to stderr either way.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer


def json_option() -> Any:
    """The `--json` flag every command that prints data takes."""
    return typer.Option(False, "--json", help="Print JSON on stdout instead of a table.")


def emit_json(data: Any) -> None:
    """`data` as one JSON document on stdout (dates and paths as strings)."""
    sys.stdout.write(json.dumps(data, indent=1, default=str, ensure_ascii=False) + "\n")


def emit_rows(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Rows as tab-separated lines, `columns` in order (for people and `cut`)."""
    for row in rows:
        typer.echo("\t".join("" if row[c] is None else str(row[c]) for c in columns))
