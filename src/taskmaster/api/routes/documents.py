"""Documents and their fields: list, read, correct a value, accept it, assign a form.

    GET   /api/v1/documents?status=&since=&batch=&offset=&limit=   {"items", "total"}
    GET   /api/v1/documents/{id}                                    the result shape
    GET   /api/v1/documents/{id}/fields/{name}                      a field and its history
    PATCH /api/v1/documents/{id}/fields/{name}                      correct / accept
    POST  /api/v1/documents/{id}/assign {"type", "app"?}            read it as that form

A change goes through the verify service (`pipeline/verify/review.py:patch_field`), as a
station submit does for that field: the entry is parsed as typed at the station, the
field validated again, the document's status updated, and an AuditEntry written (who,
when, old, new). When the last document of a batch waiting in verify is done, the batch
goes back to the queue to be exported; a change to a document that was exported already
delivers it again to every exporter (`pipeline.export.deliver`).
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
from taskmaster.db.models import AuditEntry, Document, FieldValue
from taskmaster.errors import InputError, NotFound
from taskmaster.pipeline.results import document_result
from taskmaster.pipeline.verify import reread, review
from taskmaster.security.access import audit_read

router = APIRouter(
    prefix="/api/v1/documents",
    tags=["documents"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)


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
    history = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.document_id == fv.document_id, AuditEntry.field == fv.name)
        .order_by(AuditEntry.id)
    )
    return FieldDetail(
        name=fv.name,
        kind=fv.kind,
        type=fv.type,
        value=fv.value,
        raw=fv.raw,
        confidence=round(float(fv.confidence), 4),
        status=fv.status,
        source=fv.source,
        page=fv.page,
        bbox=fv.bbox,
        messages=list(fv.messages or []),
        override=fv.override,
        history=[AuditOut.model_validate(a) for a in history],
    )


def document_item(doc: Document) -> DocumentItem:
    """A document as the list shows it."""
    return DocumentItem.model_validate(
        {
            **document_result(doc),
            "reason": doc.reason,
            "updated_at": doc.updated_at,
            "exported_at": doc.exported_at,
            "version": doc.version,
        }
    )


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
    _: Reader,
    session: DB,
    status: DocumentStatus | None = None,
    since: Annotated[
        str | None,
        Query(
            max_length=40,
            json_schema_extra={"format": "date-time"},
            description="ISO-8601; documents changed at or after this time",
        ),
    ] = None,
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
    order = (
        (Document.updated_at, Document.id)
        if since is not None
        else (Document.updated_at.desc(), Document.id)
    )
    rows = session.scalars(
        select(Document)
        .where(*where)
        .options(selectinload(Document.pages), selectinload(Document.fields))
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
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
    audit_read(
        session,
        principal,
        "document.read",
        batch_id=doc.batch_id,
        document_id=doc.id,
        detail=f"field {name}",
    )
    return detail


@router.patch(
    "/{doc_id}/fields/{name}",
    response_model=FieldDetail,
    responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def patch_field(
    request: Request,
    doc_id: str,
    name: str,
    body: FieldPatch,
    principal: Editor,
    session: DB,
    svc: Svc,
) -> FieldDetail:
    """Correct a field (`value`, typed as at the verify station) and/or accept it as is
    (`override`); audited. A value still invalid is a 422 and changes nothing."""
    edit = body.model_dump(include=body.model_fields_set | {"override"})
    session.rollback()  # the verify service writes in its own session
    if review.patch_field(svc, doc_id, name, edit, principal.name):
        background.notify(request)  # the batch goes on to export
    return field_detail(session, _field(get_document(session, doc_id), name))


@router.post(
    "/{doc_id}/assign",
    response_model=DocumentItem,
    responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def assign(
    request: Request, doc_id: str, body: AssignIn, principal: Editor, session: DB, svc: Svc
) -> DocumentItem:
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
