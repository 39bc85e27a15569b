"""Batch downloads: the documents' results as a JSON array or a CSV table."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import Response

from taskmaster.exporters import flat_row


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # no formula injection when the file is opened in a spreadsheet
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def to_csv(results: list[dict[str, Any]]) -> str:
    """One row per document; columns are the union of all fields, in first-seen order."""
    rows = [{k: _cell(v) for k, v in flat_row(r).items()} for r in results]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns) or ["document"], restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def export_response(batch_id: str, results: list[dict[str, Any]], fmt: str) -> Response:
    """A download of `results` in `fmt` ("json" or "csv")."""
    if fmt == "csv":
        body, media = to_csv(results).encode(), "text/csv; charset=utf-8"
    else:
        body, media = json.dumps(results, indent=1).encode(), "application/json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{batch_id}.{fmt}"'},
    )
