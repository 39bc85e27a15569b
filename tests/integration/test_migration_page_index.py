"""Migration 0009 backfills `pages.page_index` from `source` on a real SQLite database,
and the stages read the column (a page's index is no longer parsed out of its source)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from taskmaster.db.engine import Database, upgrade


def _filler(column: sa.Column[Any]) -> Any:
    """A value for a NOT NULL column without a default, by its type."""
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return datetime.now(UTC)
    if isinstance(kind, sa.Integer | sa.Float):
        return 0
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.JSON):
        return []
    return "x"


def _insert(conn: sa.Connection, table: sa.Table, **values: Any) -> None:
    row = {
        c.name: _filler(c)
        for c in table.columns
        if not c.nullable
        and c.server_default is None
        and c.name not in values
        and not (c.primary_key and isinstance(c.type, sa.Integer))
    }
    conn.execute(table.insert().values(**row, **values))


def test_page_index_is_backfilled_from_the_source(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'taskmaster.db'}"
    upgrade(url, "0008")
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    assert "page_index" not in meta.tables["pages"].c
    with engine.begin() as conn:
        _insert(conn, meta.tables["batches"], id="b-1", apps=["intake"])
        _insert(conn, meta.tables["files"], id=1, batch_id="b-1", name="scan#2.pdf")
        for seq, source in enumerate(["scan#2.pdf#1", "scan#2.pdf#12", "drawing"], start=1):
            _insert(
                conn,
                meta.tables["pages"],
                id=seq,
                batch_id="b-1",
                file_id=1,
                seq=seq,
                source=source,
            )
    engine.dispose()
    db = Database(url)  # migrates to head
    with db.session() as session:
        rows = session.execute(sa.text("SELECT source, page_index FROM pages ORDER BY id"))
        assert [tuple(r) for r in rows] == [
            ("scan#2.pdf#1", 1),
            ("scan#2.pdf#12", 12),
            ("drawing", 0),
        ]
    db.dispose()
