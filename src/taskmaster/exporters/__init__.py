"""Exporters deliver a finished document's result JSON somewhere downstream.

Each exporter is a plugin (`taskmaster_exporters` hook) and must be idempotent for a
document id: delivering the same document twice leaves one copy (a retry after a crash
between delivery and its record must not double a row).

File exports go through the configured store (`ExportTarget.put`/`update`), under
`exports/<app>/` of the data directory or of the S3 bucket, so every worker writes to the
same place whatever machine it runs on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from taskmaster.engines.base import Gray, Word
from taskmaster.errors import ConfigError
from taskmaster.store import Change, FileStore, Store


@dataclass(frozen=True)
class PageContent:
    """One page of a document as archive exporters need it: image, dpi, its words."""

    image: Gray
    dpi: float
    words: list[Word]


@dataclass(frozen=True)
class ExportTarget:
    """Where exports of one application go."""

    root: Path  # folder for file exports: <home>/exports/<app>
    database_url: str  # the Taskmaster database (SQL export default)
    options: dict[str, Any] = field(default_factory=dict)
    store: Store | None = None  # the configured store; None: a folder store at `root`
    prefix: str = ""  # key of the application's export folder in `store`
    # The document's pages, loaded only when an exporter asks (images are large).
    pages: Callable[[], list[PageContent]] | None = None

    def key(self, name: str) -> str:
        """The store key of export file `name`; a name that would leave the folder fails."""
        parts = name.replace("\\", "/").split("/")
        if (
            not name
            or name.startswith(("/", "\\"))
            or "\x00" in name
            or any(p in ("", ".", "..") for p in parts)
        ):
            raise ConfigError(f"export file name {name!r} would leave the exports folder")
        return f"{self.prefix}/{name}" if self.prefix else name

    def _store(self) -> Store:
        return self.store if self.store is not None else FileStore(self.root)

    def put(self, name: str, data: bytes) -> str:
        """Write export file `name` (atomically); returns where it went."""
        key = self.key(name)
        store = self._store()
        store.put_bytes(key, data)
        return store.locate(key)

    def update(self, name: str, change: Change) -> str:
        """Read-modify-write export file `name` safely against other workers."""
        key = self.key(name)
        store = self._store()
        store.update_bytes(key, change)
        return store.locate(key)

    def load_pages(self) -> list[PageContent]:
        if self.pages is None:
            raise ConfigError("this export needs the document's pages, which were not given")
        return self.pages()


class Exporter(Protocol):
    """Delivers one document; returns a short description of where it went."""

    name: str

    def export(self, result: dict[str, Any], target: ExportTarget) -> str: ...


def flat_row(result: dict[str, Any]) -> dict[str, Any]:
    """A document result as one flat row: ids, type, then each field's value."""
    row: dict[str, Any] = {
        "document": result["document"],
        "batch": result["batch"],
        "type": result["type"],
        "status": result["status"],
    }
    for name, f in result["fields"].items():
        row[name] = f["value"]
    return row
