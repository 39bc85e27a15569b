"""Exporters deliver a finished document's result JSON somewhere downstream.

Each exporter is a plugin (`taskmaster_exporters` hook) and must be idempotent for a
document id: delivering the same document twice leaves one copy (a retry after a crash
between delivery and its record must not double a row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class ExportTarget:
    """Where exports of one application go."""

    root: Path                 # folder for file exports: <home>/exports/<app>
    database_url: str          # the Taskmaster database (SQL export default)
    options: dict[str, Any] = field(default_factory=dict)


class Exporter(Protocol):
    """Delivers one document; returns a short description of where it went."""

    name: str

    def export(self, result: dict[str, Any], target: ExportTarget) -> str: ...


def flat_row(result: dict[str, Any]) -> dict[str, Any]:
    """A document result as one flat row: ids, type, then each field's value."""
    row: dict[str, Any] = {"document": result["document"], "batch": result["batch"],
                           "type": result["type"], "status": result["status"]}
    for name, f in result["fields"].items():
        row[name] = f["value"]
    return row
