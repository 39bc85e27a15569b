"""A document's full text: OCR words with boxes, lines and blocks, and a searchable PDF.

Template-free pages are read in full during capture; form pages are read on first request
(with the default OCR engine) and the words are stored with the page either way.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from taskmaster.api.deps import DB, Reader, Svc
from taskmaster.api.routes.documents import get_document
from taskmaster.api.schemas import ErrorBody
from taskmaster.db.models import Document, Page
from taskmaster.engines.base import Word
from taskmaster.exporters.pdf_export import write_searchable_pdf
from taskmaster.locating import group_blocks, group_lines
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.words import page_words, words_to_json
from taskmaster.security.access import audit_read

router = APIRouter(
    prefix="/api/v1/documents",
    tags=["documents"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)


def _words(svc: Services, session: Session, doc: Document, page: Page) -> list[Word]:
    apps = [doc.app] if doc.app else list(page.batch.apps)
    words = page_words(svc, page, apps)
    if page.words is None:
        page.words = words_to_json(words)
        session.commit()
    return words


@router.get("/{doc_id}/text")
def text(doc_id: str, principal: Reader, session: DB, svc: Svc) -> dict[str, Any]:
    """Words (text, bbox in stored-page pixels, confidence), lines and blocks per page."""
    doc = get_document(session, doc_id)
    pages = []
    for page in sorted(doc.pages, key=lambda p: p.number or 0):
        words = _words(svc, session, doc, page)
        lines = group_lines(words)
        pages.append(
            {
                "number": page.number,
                "source": page.source,
                "width": page.width,
                "height": page.height,
                "words": words_to_json(words),
                "lines": [{"text": ln.text, "bbox": list(ln.bbox)} for ln in lines],
                "blocks": [
                    {"text": "\n".join(ln.text for ln in b.lines), "bbox": list(b.bbox)}
                    for b in group_blocks(lines)
                ],
            }
        )
    audit_read(session, principal, "text.read", batch_id=doc.batch_id, document_id=doc.id)
    return {"document": doc.id, "pages": pages}


@router.get(
    "/{doc_id}/pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}}
)
def searchable_pdf(doc_id: str, principal: Reader, session: DB, svc: Svc) -> Response:
    """The document as a PDF: each stored page image under an invisible text layer."""
    doc = get_document(session, doc_id)
    pages = [
        (svc.store.get_image(p.image), int(p.dpi or 300), _words(svc, session, doc, p))
        for p in sorted(doc.pages, key=lambda p: p.number or 0)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "doc.pdf"
        write_searchable_pdf(pages, out)
        data = out.read_bytes()
    audit_read(session, principal, "pdf.read", batch_id=doc.batch_id, document_id=doc.id)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{doc.id}.pdf"'},
    )
