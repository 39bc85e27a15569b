"""Reads of captured data are audited, not only changes (a HIPAA access log).

Every route that returns a document's content (its fields, page images, text or PDF, or
a batch's results) records who read what in the audit log, with an action named
`<thing>.read`. One row per request, in the request's own session: cheap enough for a
verify station that loads a page image per document.

    document.read   a document's fields (GET /documents/{id}, /fields/{name})
    page.read       a page image or thumbnail (detail: "image" or "thumbnail")
    text.read       a document's OCR words
    pdf.read        a document's searchable PDF
    batch.read      a batch's results (documents list, or the export download)
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from taskmaster.db.models import AuditEntry
from taskmaster.security.principal import Principal

READ_ACTIONS = ("document.read", "page.read", "text.read", "pdf.read", "batch.read")


def audit_read(
    session: Session,
    principal: Principal,
    action: str,
    *,
    batch_id: str | None = None,
    document_id: str | None = None,
    detail: str | None = None,
) -> None:
    """Record that `principal` read something (commits the request's session)."""
    assert action in READ_ACTIONS, action
    session.add(
        AuditEntry(
            actor=principal.name,
            action=action,
            batch_id=batch_id,
            document_id=document_id,
            detail=detail,
        )
    )
    session.commit()
