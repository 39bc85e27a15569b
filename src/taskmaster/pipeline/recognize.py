"""recognize: read every field of every typed document from its page image.

Form pages (fingerprints) are read zone by zone by the reader of each field's kind
(`taskmaster.reading`); layout pages (no template) have their fields located on the
page's full-page OCR words (`taskmaster.locating`). A document of form pages is judged
typed or hand-filled over all its readings (`reading.typed_page`): its fields keep that
as `machine_style`, which calibration certifies apart. Documents already done or waiting
for review are not read again: a batch comes back here when an operator assigns one of
its rejected documents to a form, and the others keep their values and edits.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from taskmaster.apps.schema import FieldDef, PageType
from taskmaster.calibration.procedure import HAND, TYPED
from taskmaster.db.models import Document, FieldValue, Page
from taskmaster.db.status import DocumentStatus, FieldStatus
from taskmaster.errors import TaskmasterError
from taskmaster.locating import extract_fields
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.progress import report
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.validate import ABSENT
from taskmaster.pipeline.words import layout_ocr, page_words, words_to_json
from taskmaster.reading import FieldReading, read_page, typed_page

log = logging.getLogger(__name__)
# read, validated, maybe verified: not read again
READ = (DocumentStatus.DONE, DocumentStatus.NEEDS_REVIEW)


def fill_style(readings: dict[str, FieldReading]) -> str | None:
    """How a document was filled in, judged on its form pages' readings as the readers
    judge a page (`typed_page`: mostly machine print): TYPED or HAND; None without form
    pages (a layout page is not judged)."""
    if not readings:
        return None
    return TYPED if typed_page(readings) else HAND


def _read_page(
    svc: Services, page: Page, page_type: PageType, readings: dict[str, FieldReading]
) -> dict[str, dict[str, Any]]:
    """Field name -> column values for FieldValue, for one page; a form page's readings
    are added to `readings`."""
    image = svc.store.get_image(page.image)
    out: dict[str, dict[str, Any]] = {}
    if page_type.reference:
        for name, r in read_page(image, page_type.fields, svc.engines).items():
            readings[name] = r
            out[name] = {
                "value": r.value,
                "raw": r.raw,
                "confidence": r.confidence,
                "source": r.source,
                "bbox": list(r.bbox),
                "messages": list(r.messages),
                "char_confidences": list(r.char_confidences) or None,
            }
        return out
    apps = list(page.batch.apps)
    words = page_words(svc, page, apps, image)
    if page.words is None:  # identify stores the words of every page it classified
        page.words = words_to_json(words)
    found = extract_fields(
        words,
        (page.width, page.height),
        page_type,
        ocr=layout_ocr(svc, apps) or svc.engines.ocr.name,
    )
    for field in page_type.fields:
        loc = found.get(field.name)
        out[field.name] = {
            "value": loc.value if loc else None,
            "raw": loc.value if loc else None,
            "confidence": loc.confidence if loc else 0.0,
            "source": "ocr",
            "bbox": list(loc.bbox) if loc and loc.bbox else None,
            "messages": list(loc.messages) if loc else ["not found on the page"],
            "char_confidences": None,
        }
    return out


def _absent(field: FieldDef) -> dict[str, Any]:
    """A field of an optional page the document lacks: empty, still at its zone."""
    return {
        "value": None,
        "raw": None,
        "confidence": 1.0,
        "source": "ocr",
        "bbox": list(field.bbox) if field.bbox else None,
        "messages": [ABSENT],
        "char_confidences": None,
    }


def run(ctx: TaskContext, svc: Services) -> None:
    with svc.db.session() as session:
        docs = list(
            session.scalars(
                select(Document)
                .where(
                    Document.batch_id == ctx.batch_id,
                    Document.type.is_not(None),
                    Document.status.not_in(READ),
                )
                .order_by(Document.seq)
            )
        )
        # Read first, write after, commit per document: SQLite has one writer, and a
        # write transaction held through seconds of OCR would stall every other process.
        for n, doc in enumerate(docs):
            report(svc, ctx, "recognize", n, len(docs))
            assert doc.app is not None
            app = svc.apps.get(doc.app).app
            doc_type = next(d for d in app.document_types if d.name == doc.type)
            pages = {p.type: p for p in doc.pages}
            readings: dict[str, FieldReading] = {}
            try:
                read = {
                    slot.type: _read_page(svc, pages[slot.type], app.page_type(slot.type), readings)
                    for slot in doc_type.pages
                    if slot.type in pages
                }
            except TaskmasterError as exc:
                if exc.retryable:
                    raise
                _fail(doc, exc.message)
                session.commit()
                continue
            except Exception as exc:  # one bad document must not sink its batch
                log.exception("document %s: recognition failed", doc.id)
                _fail(doc, f"recognition failed: {exc!r}")
                session.commit()
                continue
            style = fill_style(readings)
            doc.fields.clear()
            session.flush()
            position = 0
            for slot in doc_type.pages:
                page = pages.get(slot.type)
                for field in app.page_type(slot.type).fields:
                    cols = read.get(slot.type, {}).get(field.name)
                    # The machine's reading, kept apart from what verify makes of it.
                    machine = (
                        {
                            "machine_value": cols["value"],
                            "machine_score": cols["confidence"],
                            "machine_source": cols["source"],
                            "machine_style": style,
                        }
                        if cols
                        else {}
                    )
                    position += 1
                    doc.fields.append(
                        FieldValue(
                            name=field.name,
                            position=position,
                            kind=field.kind,
                            type=field.type,
                            page=page.number if page else None,
                            status=FieldStatus.NEEDS_REVIEW,
                            **(cols or _absent(field)),
                            **machine,
                        )
                    )
            doc.status, doc.error = DocumentStatus.PENDING, None
            session.commit()


def _fail(doc: Document, reason: str) -> None:
    doc.status, doc.error = DocumentStatus.FAILED, reason
    log.error("document %s failed: %s", doc.id, reason)
