"""Documents and their fields: list, read, correct a value, accept it, assign a form.

    GET   /api/v1/documents?status=&since=&batch=&offset=&limit=   {"items", "total"}
    GET   /api/v1/documents/{id}                                    the result shape
    GET   /api/v1/documents/{id}/fields/{name}                      a field and its history
    PATCH /api/v1/documents/{id}/fields/{name}                      correct / accept
    POST  /api/v1/documents/{id}/assign {"type", "app"?}            read it as that form

A change re-runs the field's validation, updates the document's status, and writes an
AuditEntry (who, when, old, new). When the last document of a batch waiting in verify
is done, the batch goes back to the queue to be exported; a change to a document that
was exported already delivers it again to every exporter (`pipeline.export.deliver`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from taskmaster.api import background
from taskmaster.api.deps import DB, Editor, Reader, Svc
from taskmaster.api.schemas import (
    MAX_OFFSET,
    AssignIn,
    AuditOut,
    DocumentItem,
    DocumentPage,
    DocumentResult,
    DocumentStatus,
    ErrorBody,
    FieldDetail,
    FieldPatch,
)
from taskmaster.db import status as st
from taskmaster.db.models import AuditEntry, Document, FieldValue, utcnow
from taskmaster.errors import Conflict, InputError, NotFound
from taskmaster.pipeline.export import deliver
from taskmaster.pipeline.results import document_result
from taskmaster.pipeline.validate import document_status, field_defs, validate_field
from taskmaster.pipeline.verify import reread
from taskmaster.pipeline.verify.review import machine_state
from taskmaster.security.access import audit_read

router = APIRouter(prefix="/api/v1/documents", tags=["documents"],
                   responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody},
                              404: {"model": ErrorBody}})
# batch states in which a human may change fields
EDITABLE = {st.BatchStatus.NEEDS_REVIEW, st.BatchStatus.DONE}


def get_document(session: Session, doc_id: str) -> Document:
    doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFound(f"no document {doc_id!r}")
    return doc


def _field(doc: Document, name: str) -> FieldValue:
    for fv in doc.fields:
        if fv.name == name:
            return fv
    raise NotFound(f"document {doc.id} has no field {name!r}")


def field_detail(session: Session, fv: FieldValue) -> FieldDetail:
    history = session.scalars(select(AuditEntry).where(
        AuditEntry.document_id == fv.document_id, AuditEntry.field == fv.name)
        .order_by(AuditEntry.id))
    return FieldDetail(
        name=fv.name, kind=fv.kind, type=fv.type, value=fv.value, raw=fv.raw,
        confidence=round(float(fv.confidence), 4), status=fv.status, source=fv.source,
        page=fv.page, bbox=fv.bbox, messages=list(fv.messages or []), override=fv.override,
        history=[AuditOut.model_validate(a) for a in history])


def document_item(doc: Document) -> DocumentItem:
    """A document as the list shows it."""
    return DocumentItem.model_validate({
        **document_result(doc), "reason": doc.reason, "updated_at": doc.updated_at,
        "exported_at": doc.exported_at, "version": doc.version})


def _instant(text: str) -> datetime:
    """An ISO-8601 time (UTC when it names no zone); not a bare number, which pydantic
    would take as a Unix time."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"`since`: {text!r} is not an ISO-8601 time") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@router.get("", response_model=DocumentPage)
def list_documents(
    _: Reader, session: DB,
    status: DocumentStatus | None = None,
    since: Annotated[str | None, Query(
        max_length=40, json_schema_extra={"format": "date-time"},
        description="ISO-8601; documents changed at or after this time")] = None,
    batch: Annotated[str | None, Query(max_length=32)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DocumentPage:
    """Documents, most recently changed first; `status=rejected` is the exceptions queue.

    With `since`, the oldest change first instead, so a poller can page forward.
    """
    where = []
    if status:
        where.append(Document.status == status)
    if since is not None:
        where.append(Document.updated_at >= _instant(since))
    if batch:
        where.append(Document.batch_id == batch)
    total = session.scalar(select(func.count()).select_from(Document).where(*where)) or 0
    order = ((Document.updated_at, Document.id) if since is not None
             else (Document.updated_at.desc(), Document.id))
    rows = session.scalars(select(Document).where(*where)
                           .options(selectinload(Document.pages), selectinload(Document.fields))
                           .order_by(*order).offset(offset).limit(limit))
    return DocumentPage(items=[document_item(d) for d in rows], total=total)


@router.get("/{doc_id}", response_model=DocumentResult)
def get(doc_id: str, principal: Reader, session: DB) -> DocumentResult:
    """One document in the result shape (the read is audited)."""
    doc = get_document(session, doc_id)
    result = DocumentResult.model_validate(document_result(doc))
    audit_read(session, principal, "document.read", batch_id=doc.batch_id, document_id=doc.id)
    return result


@router.get("/{doc_id}/fields/{name}", response_model=FieldDetail)
def get_field(doc_id: str, name: str, principal: Reader, session: DB) -> FieldDetail:
    """One field with its raw text, zone and history (the read is audited)."""
    doc = get_document(session, doc_id)
    detail = field_detail(session, _field(doc, name))
    # The field goes in `detail`: a field's history lists only its changes.
    audit_read(session, principal, "document.read", batch_id=doc.batch_id, document_id=doc.id,
               detail=f"field {name}")
    return detail


@router.patch("/{doc_id}/fields/{name}", response_model=FieldDetail,
              responses={409: {"model": ErrorBody}})
def patch_field(request: Request, doc_id: str, name: str, body: FieldPatch,
                principal: Editor, session: DB, svc: Svc) -> FieldDetail:
    """Correct a field (`value`) and/or accept it as is (`override`); audited."""
    doc = get_document(session, doc_id)
    fv = _field(doc, name)
    if doc.batch.status not in EDITABLE:
        raise Conflict(f"batch {doc.batch_id} is {doc.batch.status}; fields can be changed "
                       "once it is in review or done")
    assert doc.app is not None and doc.type is not None  # a document with fields has a type
    loaded = svc.apps.get(doc.app).app
    fdef = field_defs(loaded, doc.type)[name]
    old = machine_state(fv)
    changed = "value" in body.model_fields_set
    if changed:
        fv.value, fv.source, fv.confidence = body.value, "human", 1.0
    fv.override = body.override
    validate_field(fv, fdef, loaded.accept_confidence)
    doc.status = document_status(doc.fields)
    doc.updated_at = utcnow()
    session.add(AuditEntry(actor=principal.name, action="field.set" if changed else "field.verify",
                           batch_id=doc.batch_id, document_id=doc.id, field=name,
                           old=old, new=fv.value, detail=f"status {fv.status}"))
    requeue = False
    if doc.batch.status == st.BatchStatus.NEEDS_REVIEW:
        waiting = session.scalar(select(func.count()).where(
            Document.batch_id == doc.batch_id, Document.status == st.DocumentStatus.NEEDS_REVIEW))
        if not waiting:
            doc.batch.status, requeue = st.BatchStatus.PENDING, True  # resumes at verify -> export
    session.commit()
    if requeue:
        background.notify(request)
    deliver(svc, doc.id, actor=principal.name)  # after export: the exports get the fix
    session.expire_all()
    return field_detail(session, fv)


@router.post("/{doc_id}/assign", response_model=DocumentItem,
             responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}})
def assign(request: Request, doc_id: str, body: AssignIn, principal: Editor, session: DB,
           svc: Svc) -> DocumentItem:
    """Read a rejected (or failed, or unverified) document as `type` from now on.

    Its pages are registered onto the type's reference pages and read again; the batch
    goes back to the queue (recognize) and the document to review if it needs it.
    """
    doc = get_document(session, doc_id)
    app = body.app or (doc.batch.apps[0] if doc.batch.apps else "")
    session.rollback()  # the read above must not hold the database while pages register
    reread.assign(svc, doc_id, principal.name, app, body.type)
    background.notify(request)
    session.expire_all()
    return document_item(get_document(session, doc_id))
