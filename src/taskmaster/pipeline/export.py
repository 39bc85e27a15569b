"""export: deliver finished documents to every export of their application, once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select

from taskmaster.db.models import Document, ExportRecord, utcnow
from taskmaster.exporters import Exporter, ExportTarget, PageContent
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.results import document_result
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.words import page_words, words_to_json
from taskmaster.plugins import create

log = logging.getLogger(__name__)


def run(ctx: TaskContext, svc: Services) -> None:
    with svc.db.session() as session:
        docs = list(session.scalars(select(Document).where(
            Document.batch_id == ctx.batch_id, Document.status == "done",
            Document.type.is_not(None)).order_by(Document.seq)))
        for doc in docs:
            assert doc.app is not None
            app = svc.apps.get(doc.app).app
            result = document_result(doc)
            for spec in app.exports:
                done = session.scalar(select(ExportRecord).where(
                    ExportRecord.document_id == doc.id, ExportRecord.exporter == spec.kind))
                if done is not None:
                    continue  # exactly once, also when this stage is retried
                exporter: Exporter = create("exporters", spec.kind)
                target = ExportTarget(root=svc.settings.exports_dir / app.name,
                                      database_url=svc.settings.db_url,
                                      options=dict(spec.options), store=svc.store,
                                      prefix=f"exports/{app.name}", pages=_pages(svc, doc))
                where = exporter.export(result, target)
                session.add(ExportRecord(document_id=doc.id, exporter=spec.kind, target=where))
                # Commit each delivery at once: it records it exactly once, and an open
                # write transaction would lock SQLite against the SQL exporter's own writes.
                session.commit()
            doc.exported_at = utcnow()
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
