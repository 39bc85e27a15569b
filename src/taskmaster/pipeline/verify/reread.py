"""Operator actions that send pages to be read again: not this form, assign, rotate.

- "Not this form" (`reidentify` without a target): the document leaves its type and
  becomes `rejected` (reason kept), so it waits in the exceptions queue; a page is never
  forced onto the wrong form.
- Assign (`reidentify` with a target, or from the exceptions queue): a rejected document,
  or one under review, is read as the operator's document type. Its pages are registered
  onto that type's reference pages (or scaled to them when registration finds nothing),
  and the batch goes back to `recognize`, which reads only documents not yet done or in
  review, so other documents keep their values and edits.
- Rotate: the page turns and the batch is identified again; documents already
  verified keep their values (identify leaves done documents alone).

All are audited: `document.reidentify`, `document.assign`, `page.rotate`.
"""

from __future__ import annotations

import cv2
import numpy as np
from sqlalchemy.orm import Session

from taskmaster.db.keys import page_key
from taskmaster.db.models import AuditEntry, Batch, Document, Page, utcnow
from taskmaster.db.status import BatchStatus, DocumentStatus
from taskmaster.errors import Conflict, InputError, NotFound
from taskmaster.imaging.registration import identify, warp_to_reference
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import make_runnable
from taskmaster.pipeline.verify import lease
from taskmaster.pipeline.verify.review import Submitted, release_if_done

NOT_THIS_FORM = "operator: not this form"
# Batches in these states may have a document reassigned (not while a worker runs it).
ASSIGNABLE_BATCH = (BatchStatus.NEEDS_REVIEW, BatchStatus.DONE, BatchStatus.FAILED)


def _document(session: Session, document_id: str) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}")
    return doc


def reidentify(svc: Services, document_id: str, user: str) -> Submitted:
    """'Not this form': the document leaves its type and becomes `rejected`."""
    with svc.db.session() as session:
        doc = _document(session, document_id)
        lease.require(svc.db, doc.batch_id, user)
        session.add(
            AuditEntry(
                actor=user,
                action="document.reidentify",
                batch_id=doc.batch_id,
                document_id=doc.id,
                old=doc.type,
                new=None,
                detail=NOT_THIS_FORM,
            )
        )
        doc.app = doc.type = None
        doc.status, doc.reason = DocumentStatus.REJECTED, f"{NOT_THIS_FORM} ({user})"
        doc.updated_at = utcnow()
        doc.fields.clear()
        for page in doc.pages:
            page.app = page.type = None
        session.commit()
        released = release_if_done(svc, session, doc.batch_id, user)
        return Submitted(ok=True, status=DocumentStatus.REJECTED, batch_released=released)


def _check_batch(svc: Services, batch: Batch, user: str) -> None:
    if batch.status not in ASSIGNABLE_BATCH:
        raise Conflict(
            f"batch {batch.id} is {batch.status}; assign its documents once it "
            "waits for review or is finished"
        )
    if batch.status == BatchStatus.NEEDS_REVIEW and batch.review_owner not in (None, user):
        lease.require(svc.db, batch.id, user)  # Conflict names the operator holding it


def _register(svc: Services, page: Page, app: str, page_type: str) -> None:
    """Bring the page into the reference frame of `page_type` so its zones apply."""
    fp = svc.fingerprint(app, page_type)
    image = svc.store.get_image(page.image)
    match = identify(image, [fp], min_score=0.0)
    if match.homography is not None:
        image = warp_to_reference(image, match, fp)
    else:  # nothing to register on: scale the page to the reference size
        image = np.asarray(cv2.resize(image, fp.size, interpolation=cv2.INTER_AREA), np.uint8)
    page.image = svc.store.put_image(page_key(page.batch_id, page.seq, "as"), image)
    page.height, page.width = image.shape[:2]
    page.match_score = match.score


def assign(svc: Services, document_id: str, user: str, app: str, doc_type: str) -> str:
    """Read the document as `app`/`doc_type` from now on; returns its new status (pending).

    InputError if the application has no such document type or the document has more
    pages than the type; Conflict while a worker runs the batch or another operator
    holds it.
    """
    loaded = svc.apps.get(app).app  # NotFound names the known applications
    target = next((d for d in loaded.document_types if d.name == doc_type), None)
    if target is None:
        raise InputError(
            f"application {app} has no document type {doc_type!r} (it has "
            f"{', '.join(d.name for d in loaded.document_types)})"
        )
    with svc.db.session() as session:
        doc = _document(session, document_id)
        batch = session.get_one(Batch, doc.batch_id)
        _check_batch(svc, batch, user)
        if doc.status not in (
            DocumentStatus.REJECTED,
            DocumentStatus.NEEDS_REVIEW,
            DocumentStatus.FAILED,
        ):
            raise Conflict(
                f"document {document_id} is {doc.status}; only a rejected, failed "
                "or unverified document can be assigned to another form"
            )
        pages = sorted(doc.pages, key=lambda p: p.number or 0)
        if len(pages) > len(target.pages):
            raise InputError(
                f"document {document_id} has {len(pages)} pages; {doc_type} has {len(target.pages)}"
            )
        with session.no_autoflush:  # registration is slow: no write transaction meanwhile
            for page, slot in zip(pages, target.pages, strict=False):
                if loaded.page_type(slot.type).reference:
                    _register(svc, page, app, slot.type)
                page.app, page.type = app, slot.type
        old = f"{doc.app}/{doc.type}" if doc.type else None
        was = doc.reason or doc.error or doc.status
        doc.app, doc.type, doc.reason, doc.error = app, doc_type, None, None
        doc.status = DocumentStatus.PENDING
        doc.updated_at = utcnow()
        doc.fields.clear()
        session.add(
            AuditEntry(
                actor=user,
                action="document.assign",
                batch_id=doc.batch_id,
                document_id=doc.id,
                old=old,
                new=f"{app}/{doc_type}",
                detail=f"was: {was}",
            )
        )
        if app not in batch.apps:
            batch.apps = [*batch.apps, app]
        batch.status, batch.task, batch.error = BatchStatus.PENDING, "recognize", None
        batch.review_owner = batch.review_until = None
        make_runnable(svc, session, batch.id, stage="recognize", priority=batch.priority)
        session.commit()
        return doc.status


def rotate_page(svc: Services, page_id: int, user: str, quarter_turns: int = 1) -> None:
    """Turn a page clockwise and send its batch back to identify.

    The page is identified and read again in its new orientation; the batch comes back
    to the verify queue if it still needs review. Documents already verified keep their
    values (identify leaves done documents alone); unsubmitted entries on the batch's
    other documents are not saved (the station asks first).
    """
    with svc.db.session() as session:
        page = session.get(Page, page_id)
        if page is None:
            raise NotFound(f"no page {page_id}")
        lease.require(svc.db, page.batch_id, user)
        image = svc.store.get_image(page.image)
        turns = quarter_turns % 4
        codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
        if turns:
            image = cv2.rotate(image, codes[turns])
        page.image = svc.store.put_image(page_key(page.batch_id, page.seq, "rot"), image)
        page.height, page.width = image.shape[:2]
        page.rotation = (page.rotation + 90 * turns) % 360
        batch = session.get_one(Batch, page.batch_id)
        batch.status, batch.task = BatchStatus.PENDING, "identify"
        batch.review_owner = batch.review_until = None
        session.add(
            AuditEntry(
                actor=user,
                action="page.rotate",
                batch_id=page.batch_id,
                document_id=page.document_id,
                old=None,
                new=90 * turns,
                detail=f"page {page.seq} ({page.source})",
            )
        )
        make_runnable(svc, session, batch.id, stage="identify", priority=batch.priority)
        session.commit()
