"""CSV export: one row per document in `<exports>/<app>/<document type>.csv`.

A correction after export (`result["version"]` > 1) rewrites the document's row in
place: the file keeps one row per document, always the latest version.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from taskmaster.exporters import ExportTarget, flat_row
from taskmaster.hookspecs import hookimpl


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # no formula injection when the CSV is opened in a spreadsheet
    return json.dumps(value) if isinstance(value, (dict, list)) else value


class CsvExporter:
    name = "csv"

    def export(self, result: dict[str, Any], target: ExportTarget) -> str:
        row = {k: _cell(v) for k, v in flat_row(result).items()}

        def add_row(old: bytes | None) -> bytes | None:
            text = (old or b"").decode("utf-8")
            reader = csv.DictReader(io.StringIO(text))
            existing = list(reader)
            mine = [i for i, r in enumerate(existing) if r.get("document") == result["document"]]
            if mine and result.get("version", 1) <= 1:
                return None  # already delivered: exactly once
            if mine:  # a correction: the document's row is replaced, the file rewritten
                fields = list(reader.fieldnames or row)
                existing[mine[0]] = {k: row.get(k, "") for k in fields}
                out = io.StringIO()
                writer = csv.DictWriter(out, fieldnames=fields)
                writer.writeheader()
                writer.writerows(existing)
                return out.getvalue().encode("utf-8")
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(row))
            if not text:
                writer.writeheader()
            writer.writerow(row)
            return (text + out.getvalue()).encode("utf-8")

        # The store serialises concurrent writers (a file lock, or S3 conditional PUTs).
        return target.update(f"{result['type']}.csv", add_row)


@hookimpl
def taskmaster_exporters() -> dict[str, Any]:
    return {"csv": CsvExporter}
