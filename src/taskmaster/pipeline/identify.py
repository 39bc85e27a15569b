"""identify: give each page its page type and assemble pages into documents.

Fingerprint page types (known forms) are tried first; a matched page is stored warped
into its reference frame, so every field zone of the application applies to it as is.
Pages no fingerprint matches are offered to the layout page types (e.g. receipts),
which classify on the page's full text. A page nothing claims becomes a document of
its own with no type, status `rejected` (its `reason` says how close the best form came):
never forced onto a form. Run again (after verify's rotate), identify leaves documents
that are already done alone, with their pages and verified values.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from sqlalchemy import delete, select

from taskmaster.apps.schema import Application, DocumentType, PageType
from taskmaster.db.keys import page_key
from taskmaster.db.models import Batch, Document, Page
from taskmaster.db.status import DocumentStatus
from taskmaster.engines.base import Word
from taskmaster.imaging.registration import identify, warp_to_reference
from taskmaster.locating import classify_layout_page, read_page_words
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.progress import report
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.words import layout_ocr, page_words, words_to_json

LAYOUT_MIN_SCORE = 0.5


@dataclass
class _Open:
    """The document being assembled and the next slot of its type."""

    doc: Document
    app: Application
    type: DocumentType
    slot: int


def classify_page(svc: Services, apps: list[str], page: Page) -> None:
    """Set page.app/type/match_score (and the registered image) for one page."""
    image = svc.store.get_image(page.image)
    fingerprints = [
        (name, svc.fingerprint(name, pt.name))
        for name in apps
        for pt in svc.apps.get(name).app.page_types
        if pt.reference
    ]
    if fingerprints:
        match = identify(image, [fp for _, fp in fingerprints])
        if match.page_type is not None:
            app, fp = next((a, f) for a, f in fingerprints if f.page_type == match.page_type)
            warped = warp_to_reference(image, match, fp)
            page.image = svc.store.put_image(page_key(page.batch_id, page.seq, "reg"), warped)
            page.height, page.width = warped.shape[:2]
            page.app, page.type, page.match_score = app, match.page_type, match.score
            return
        page.match_score = match.score
    layout = [
        (name, pt) for name in apps for pt in svc.apps.get(name).app.page_types if not pt.reference
    ]
    if layout:
        words = page_words(svc, page, apps, image)
        best, app, page_type = _best_layout(words, layout)
        if best < LAYOUT_MIN_SCORE:
            # Orientation detection is unsure between upright and upside down on sparse
            # pages: try the half turn before calling the page unidentified.
            turned = np.asarray(cv2.rotate(image, cv2.ROTATE_180), dtype=np.uint8)
            words_t = read_page_words(svc.ocr(layout_ocr(svc, apps)), turned)
            score_t, app_t, type_t = _best_layout(words_t, layout)
            if score_t >= LAYOUT_MIN_SCORE and score_t > best:
                page.image = svc.store.put_image(page_key(page.batch_id, page.seq, "turn"), turned)
                page.rotation = (page.rotation + 180) % 360
                best, app, page_type, words = score_t, app_t, type_t, words_t
        if best >= LAYOUT_MIN_SCORE:
            page.app, page.type, page.match_score = app, page_type, best
            page.words = words_to_json(words)


def _best_layout(words: list[Word], layout: list[tuple[str, PageType]]) -> tuple[float, str, str]:
    """The best (score, application, page type) among layout page types."""
    return max((classify_layout_page(words, pt), name, pt.name) for name, pt in layout)


def run(ctx: TaskContext, svc: Services) -> None:
    with svc.db.session() as session:
        batch = session.get_one(Batch, ctx.batch_id)
        apps = list(batch.apps)
        pages = list(
            session.scalars(select(Page).where(Page.batch_id == batch.id).order_by(Page.seq))
        )
        kept = set(
            session.scalars(
                select(Document.id).where(
                    Document.batch_id == batch.id,
                    Document.status == DocumentStatus.DONE,
                    Document.type.is_not(None),
                )
            )
        )
        # No write transaction during the slow part; a registered page is written while
        # the next page is matched, and all are written before the rows are committed.
        with svc.store.writing_behind(), session.no_autoflush:
            for n, page in enumerate(pages):
                if n % 5 == 0:
                    report(svc, ctx, "identify", n, len(pages))
                if page.document_id in kept:
                    continue
                page.app = page.type = None
                page.document_id, page.number = None, None
                page.words = None  # the image may have turned since (verify's rotate)
                if not page.blank:
                    classify_page(svc, apps, page)
        session.execute(
            delete(Document).where(Document.batch_id == batch.id, Document.id.not_in(kept))
        )
        _assemble(svc, batch, pages, kept, session)
        session.commit()


def _unmatched(page: Page) -> str:
    score = f" (best match {page.match_score:.2f})" if page.match_score is not None else ""
    return f"no form matched{score}"


def _assemble(
    svc: Services, batch: Batch, pages: list[Page], kept: set[str], session: object
) -> None:
    current: _Open | None = None
    seq = max((d.seq for d in batch.documents), default=0)  # the kept ones

    def start(app: str | None, type_: str | None, status: str) -> Document:
        nonlocal seq
        seq += 1
        doc = Document(batch_id=batch.id, seq=seq, app=app, type=type_, status=status)
        batch.documents.append(doc)
        return doc

    for page in pages:
        if page.blank:
            continue
        if page.document_id in kept:
            current = None
            continue
        if page.type is None or page.app is None:
            current = None
            doc = start(None, None, DocumentStatus.REJECTED)
            doc.reason = _unmatched(page)
            page.document, page.number = doc, 1
            continue
        app = svc.apps.get(page.app).app
        if current is not None and current.app.name == app.name:
            slots = current.type.pages[current.slot :]
            for offset, slot in enumerate(slots):
                if slot.type == page.type:
                    current.slot += offset + 1
                    page.document = current.doc
                    page.number = len([p for p in pages if p.document is current.doc])
                    break
                if not slot.optional:
                    break
            if page.document is current.doc:
                continue
        doc_type = app.document_type_for_page(page.type)
        if doc_type is None:
            current = None
            doc = start(None, None, DocumentStatus.REJECTED)
            doc.reason = f"page {page.type} of {app.name} starts no document type"
        else:
            doc = start(app.name, doc_type.name, DocumentStatus.PENDING)
            doc.app_version = app.version  # a designer's later save does not change it
            current = _Open(doc, app, doc_type, 1)
        page.document, page.number = doc, 1
