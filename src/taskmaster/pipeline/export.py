"""export: deliver finished documents to every export of their application.

The stage delivers each finished document once per exporter (an `ExportRecord` per
document and exporter makes a retried stage skip what it delivered). A correction made
after export (`PATCH /api/v1/documents/{id}/fields/{name}`, or the verify station)
delivers the document again to every exporter through `deliver`: the document's
`version` goes up by one (1 at the first export) and travels in `result["version"]`, so
an exporter replaces what it delivered before (SQL row updated, JSON file replaced, CSV
row rewritten) and a receiver can tell the newer delivery. Every redelivery is audited
(`document.reexport`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from taskmaster.db.models import AuditEntry, Document, ExportRecord, utcnow
from taskmaster.db.status import DocumentStatus
from taskmaster.exporters import Exporter, ExportTarget, PageContent
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.results import document_result
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.words import page_words, words_to_json
from taskmaster.plugins import create

log = logging.getLogger(__name__)


def _result(doc: Document) -> dict[str, Any]:
    result = document_result(doc)
    result["version"] = doc.version
    return result


def _send(svc: Services, session: Session, doc: Document, *, again: bool) -> None:
    """Deliver `doc` to each export of its application (`again`: also where it went)."""
    assert doc.app is not None
    app = svc.apps.get(doc.app).app
    result = _result(doc)
    for spec in app.exports:
        done = session.scalar(
            select(ExportRecord).where(
                ExportRecord.document_id == doc.id, ExportRecord.exporter == spec.kind
            )
        )
        if done is not None and not again:
            continue  # exactly once, also when this stage is retried
        exporter: Exporter = create("exporters", spec.kind)
        target = ExportTarget(
            root=svc.settings.exports_dir / app.name,
            database_url=svc.settings.db_url,
            options=dict(spec.options),
            store=svc.store,
            prefix=f"exports/{app.name}",
            pages=_pages(svc, doc),
        )
        where = exporter.export(result, target)
        if done is None:
            session.add(ExportRecord(document_id=doc.id, exporter=spec.kind, target=where))
        else:
            done.target, done.at = where, utcnow()
        # Commit each delivery at once: it records it exactly once, and an open write
        # transaction would lock SQLite against the SQL exporter's own writes.
        session.commit()


def _pages(svc: Services, doc: Document) -> Callable[[], list[PageContent]]:
    """Loads the document's stored page images and their words (read once if missing)."""

    def load() -> list[PageContent]:
        out = []
        for page in sorted(doc.pages, key=lambda p: p.number or 0):
            image = svc.store.get_image(page.image)
            words = page_words(svc, page, [doc.app] if doc.app else [], image)
            if page.words is None:
                page.words = words_to_json(words)  # committed with the export record
            out.append(PageContent(image=image, dpi=float(page.dpi or 300), words=words))
        return out

    return load


def run(ctx: TaskContext, svc: Services) -> None:
    with svc.db.session() as session:
        docs = list(
            session.scalars(
                select(Document)
                .where(
                    Document.batch_id == ctx.batch_id,
                    Document.status == DocumentStatus.DONE,
                    Document.type.is_not(None),
                )
                .order_by(Document.seq)
            )
        )
        for doc in docs:
            if doc.version == 0:
                doc.version = 1
                session.commit()
            _send(svc, session, doc, again=False)
            if doc.exported_at is None:
                doc.exported_at = utcnow()
            session.commit()


def deliver(svc: Services, document_id: str, *, actor: str) -> int:
    """Deliver a corrected document again to every exporter; its new version.

    Only a finished document goes out: one that waits for review again is delivered when
    it is done. Nothing happens (0) for a document that never went out.
    """
    with svc.db.session() as session:
        doc = session.get(Document, document_id)
        if doc is None or doc.exported_at is None or doc.status != DocumentStatus.DONE:
            return 0
        doc.version += 1
        session.add(
            AuditEntry(
                actor=actor,
                action="document.reexport",
                batch_id=doc.batch_id,
                document_id=doc.id,
                old=doc.version - 1,
                new=doc.version,
                detail="correction after export",
            )
        )
        session.commit()
        _send(svc, session, doc, again=True)
        doc.exported_at = utcnow()
        session.commit()
        log.info("document %s delivered again as version %d", doc.id, doc.version)
        return doc.version
