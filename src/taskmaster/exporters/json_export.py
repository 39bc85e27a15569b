"""JSON export: one file per document, `<exports>/<app>/<document>.json`."""

from __future__ import annotations

import json
from typing import Any

from taskmaster.exporters import ExportTarget
from taskmaster.hookspecs import hookimpl


class JsonExporter:
    name = "json"

    def export(self, result: dict[str, Any], target: ExportTarget) -> str:
        return target.put(f"{result['document']}.json", json.dumps(result, indent=1).encode())


@hookimpl
def taskmaster_exporters() -> dict[str, Any]:
    return {"json": JsonExporter}
