"""CSV export: one row per document in `<exports>/<app>/<document type>.csv`.

A document delivered again (a correction after export, `result["version"]` > 1) has its
row rewritten in place: the file keeps one row per document, always the latest.
"""

from __future__ import annotations

import csv
import fcntl
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
        target.root.mkdir(parents=True, exist_ok=True)
        path = target.root / f"{result['type']}.csv"
        with open(path, "a+", newline="", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # workers may share the folder
            fh.seek(0)
            reader = csv.DictReader(fh)
            existing = list(reader)
            mine = [i for i, r in enumerate(existing) if r.get("document") == result["document"]]
            if mine and result.get("version", 1) <= 1:
                return str(path)  # already delivered: exactly once
            if mine:  # a correction: the document's row is replaced, the file rewritten
                existing[mine[0]] = {k: row.get(k, "") for k in reader.fieldnames or row}
                fh.seek(0)
                fh.truncate()
                writer = csv.DictWriter(fh, fieldnames=list(reader.fieldnames or row))
                writer.writeheader()
                writer.writerows(existing)
                return str(path)
            writer = csv.DictWriter(fh, fieldnames=list(row))
            if not existing and fh.tell() == 0:
                writer.writeheader()
            fh.seek(0, 2)
            writer.writerow(row)
        return str(path)


@hookimpl
def taskmaster_exporters() -> dict[str, Any]:
    return {"csv": CsvExporter}
