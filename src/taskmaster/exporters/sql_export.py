"""SQL export: one row per document in a table per document type.

The table lives in the Taskmaster database unless the export names `database_url`; it
is created on first use with one column per field (JSON-encoded values are stored as
text for lists). Rows are keyed by document id, so a re-delivery replaces, never doubles.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, Text, create_engine, delete, insert
from sqlalchemy.exc import DBAPIError

from taskmaster.exporters import ExportTarget, flat_row
from taskmaster.hookspecs import hookimpl


def _table_name(result: dict[str, Any], options: dict[str, Any]) -> str:
    name = str(options.get("table") or result["type"] or "documents")
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


class SqlExporter:
    name = "sql"

    def export(self, result: dict[str, Any], target: ExportTarget) -> str:
        url = str(target.options.get("database_url") or target.database_url)
        row = flat_row(result)
        row = {
            k: (
                v
                if v is None or isinstance(v, str)
                else str(v).lower()
                if isinstance(v, bool)
                else str(v)
            )
            for k, v in row.items()
        }
        meta = MetaData()
        table = Table(
            _table_name(result, target.options),
            meta,
            Column("document", String(32), primary_key=True),
            *[Column(k, Text) for k in row if k != "document"],
        )
        engine = create_engine(url)
        try:
            try:
                meta.create_all(engine, checkfirst=True)
            except DBAPIError:
                # Another worker created the table between our check and our CREATE
                # ("table already exists"); checking again finds it. Any other error
                # raises again here.
                meta.create_all(engine, checkfirst=True)
            with engine.begin() as conn:
                conn.execute(delete(table).where(table.c.document == row["document"]))
                conn.execute(insert(table).values(**row))
        finally:
            engine.dispose()
        return f"{table.name}@{engine.url.render_as_string(hide_password=True)}"


@hookimpl
def taskmaster_exporters() -> dict[str, Any]:
    return {"sql": SqlExporter}
