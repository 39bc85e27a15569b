"""JSON export: one file per document, `<exports>/<app>/<document>.json`."""

from __future__ import annotations

import json
from typing import Any

from taskmaster.exporters import ExportTarget
from taskmaster.hookspecs import hookimpl
from taskmaster.store import FileStore


class JsonExporter:
    name = "json"

    def export(self, result: dict[str, Any], target: ExportTarget) -> str:
        rel = f"{result['document']}.json"
        FileStore(target.root).put_bytes(rel, json.dumps(result, indent=1).encode())
        return str(target.root / rel)


@hookimpl
def taskmaster_exporters() -> dict[str, Any]:
    return {"json": JsonExporter}
