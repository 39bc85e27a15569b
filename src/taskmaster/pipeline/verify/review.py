"""The verify station's work: what an operator sees, and what their edits do.

Every edit happens under the operator's review lease (`lease.require`) and is audited:
`field.set` (value changed), `field.verify` (machine value accepted as is),
`field.override` (accepted although invalid, or marked unreadable), `document.verify`.
The `old` of a field's audit row is the value as it stood with its confidence, source and
status, so calibration can tell a confirmed reading from a corrected one. When no
document of the batch waits for review any more, the batch goes back to the queue at
`verify` and continues to export on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from taskmaster.apps.schema import FieldDef
from taskmaster.db import queries
from taskmaster.db.models import AuditEntry, Batch, Document, FieldValue, utcnow
from taskmaster.db.status import BatchStatus, DocumentStatus, FieldStatus
from taskmaster.errors import Conflict, InputError, NotFound
from taskmaster.pipeline.export import deliver
from taskmaster.pipeline.results import document_result
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import make_runnable
from taskmaster.pipeline.validate import document_status, field_defs, validate_field
from taskmaster.pipeline.verify import flags, lease
from taskmaster.pipeline.verify.entry import display, multiline, parse_entry
from taskmaster.validation import check_value


def _defs(svc: Services, doc: Document) -> dict[str, FieldDef]:
    if doc.app is None or doc.type is None:
        return {}
    return field_defs(svc.apps.get(doc.app).app, doc.type)


def _field_view(
    fv: FieldValue, fdef: FieldDef | None, page_ids: dict[int, int], accept: float | None
) -> dict[str, Any]:
    return {
        "name": fv.name,
        "label": (fdef.label if fdef and fdef.label else fv.name),
        "kind": fv.kind,
        "type": fv.type,
        "required": bool(fdef and fdef.required),
        "options": [
            {"value": o.value, "label": o.label or str(o.value)}
            for o in (fdef.options if fdef else [])
        ],
        "multiline": bool(fdef and multiline(fdef)),
        "format": fdef.format if fdef else None,
        "value": fv.value,
        "text": display(fv.value, fdef),
        "raw": fv.raw,
        "confidence": round(float(fv.confidence), 3),
        "status": fv.status,
        "source": fv.source,
        "messages": list(fv.messages or []),
        "override": fv.override,
        "review": fv.status != FieldStatus.OK,
        "reasons": flags.reasons(fv, fdef, accept),
        "chars": flags.characters(fv),
        "threshold": flags.char_threshold(fdef, accept),
        "page": fv.page,
        "bbox": fv.bbox,
        "page_id": page_ids.get(fv.page or 0),
    }


def document_view(svc: Services, doc: Document) -> dict[str, Any]:
    """One document for the station: pages (ids, sizes) and fields, review fields first."""
    defs = _defs(svc, doc)
    accept = svc.apps.get(doc.app).app.accept_confidence if doc.app else 1.0
    pages = sorted(doc.pages, key=lambda p: p.number or 0)
    page_ids = {p.number or 0: p.id for p in pages}
    fields = [
        _field_view(fv, defs.get(fv.name), page_ids, accept)
        for fv in sorted(doc.fields, key=lambda f: f.position)
    ]
    # Fields that need the operator first, each group in form order (reading order).
    fields.sort(key=lambda f: not f["review"])
    return {
        "id": doc.id,
        "seq": doc.seq,
        "app": doc.app,
        "type": doc.type,
        "status": doc.status,
        "qa_sample": bool(doc.qa_sample),
        "pages": [
            {
                "id": p.id,
                "number": p.number,
                "source": p.source,
                "width": p.width,
                "height": p.height,
                "type": p.type,
            }
            for p in pages
        ],
        "fields": fields,
    }


def batch_view(svc: Services, batch_id: str, user: str) -> dict[str, Any]:
    """The batch as the station shows it: its lease and the documents that need review."""
    lease.require(svc.db, batch_id, user)
    with svc.db.session() as session:
        batch = session.get_one(Batch, batch_id)
        docs = queries.waiting_for_review(session, batch_id)
        return {
            "batch": batch.id,
            "owner": batch.review_owner,
            "until": batch.review_until.isoformat() if batch.review_until else None,
            "total_documents": len(batch.documents),
            # every document of the batch, for the station's list (status, pages)
            "batch_documents": [
                {
                    "id": d.id,
                    "seq": d.seq,
                    "type": d.type,
                    "status": d.status,
                    "pages": [p.id for p in sorted(d.pages, key=lambda p: p.number or 0)],
                }
                for d in batch.documents
            ],
            # what "not this form" can read a document as instead
            "types": [
                {"app": name, "type": t.name}
                for name in batch.apps
                for t in svc.apps.get(name).app.document_types
            ],
            "documents": [document_view(svc, d) for d in docs],
        }


def _document(session: Session, svc: Services, document_id: str, user: str) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}")
    lease.require(svc.db, doc.batch_id, user)
    return doc


def batch_of(svc: Services, document_id: str) -> str:
    """The batch a document belongs to (NotFound if there is no such document)."""
    with svc.db.session() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise NotFound(f"no document {document_id}")
        return doc.batch_id


def app_of(svc: Services, document_id: str) -> str:
    """The document's application, or its batch's first one for an untyped document."""
    with svc.db.session() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise NotFound(f"no document {document_id}")
        return doc.app or (doc.batch.apps[0] if doc.batch.apps else "")


def check_entry(svc: Services, document_id: str, name: str, entry: Any) -> dict[str, Any]:
    """Validate what the operator is typing: canonical value and problems (no change made)."""
    with svc.db.session() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise NotFound(f"no document {document_id}")
        fdef = _defs(svc, doc).get(name)
        if fdef is None:
            raise NotFound(f"document {document_id} has no field {name!r}")
    value = parse_entry(fdef, entry)
    problems = (
        check_value(fdef, value) if value is not None else (["required"] if fdef.required else [])
    )
    return {"value": value, "problems": problems}


@dataclass
class Submitted:
    """The outcome of submitting a document."""

    ok: bool
    problems: dict[str, list[str]] = field(default_factory=dict)
    status: str = DocumentStatus.NEEDS_REVIEW
    batch_released: bool = False


def machine_state(fv: FieldValue) -> dict[str, Any]:
    """The value as it stood before the operator, with what calibration needs of it."""
    return {
        "value": fv.value,
        "confidence": round(float(fv.confidence), 4),
        "source": fv.source,
        "status": fv.status,
    }


def _apply(
    session: Session,
    fv: FieldValue,
    fdef: FieldDef,
    edit: dict[str, Any],
    user: str,
    doc: Document,
    threshold: float | None,
) -> None:
    """One field the operator edited or explicitly accepted.

    The entry is compared with what the station showed (`display`): an entry the
    operator left as shown, or one without `value`, confirms the stored value and never
    rewrites it (`field.verify`); anything else is parsed and stored (`field.set`).
    """
    old = fv.value
    new = old
    if "value" in edit and edit["value"] != display(old, fdef):
        new = parse_entry(fdef, edit["value"])
    override = bool(edit.get("override"))
    base = {"actor": user, "batch_id": doc.batch_id, "document_id": doc.id, "field": fv.name}
    machine = machine_state(fv)
    if new != old:
        session.add(AuditEntry(action="field.set", old=machine, new=new, **base))
        fv.value = new
    else:
        session.add(AuditEntry(action="field.verify", old=machine, new=old, **base))
    if override and not fv.override:
        session.add(
            AuditEntry(
                action="field.override",
                old=machine,
                new=fv.value,
                detail="; ".join(fv.messages or []) or "marked unreadable",
                **base,
            )
        )
    fv.override, fv.source = override, "human"
    validate_field(fv, fdef, threshold)


def submit_document(
    svc: Services, document_id: str, edits: dict[str, dict[str, Any]], user: str
) -> Submitted:
    """Apply the operator's entries to a document and finish it if every field is ok.

    `edits` maps the name of each field the operator edited or explicitly accepted to
    `{"value": entry, "override": bool}` (no `value`: accepted as it stands); fields left
    out are not touched at all and must already be ok. Nothing is saved unless the whole
    document is valid, so a refused submit leaves no half-verified document. A document
    that was exported already is delivered again with its corrections.
    """
    with svc.db.session() as session:
        doc = _document(session, svc, document_id, user)
        if doc.status != DocumentStatus.NEEDS_REVIEW:
            raise Conflict(f"document {document_id} is {doc.status}, not waiting for review")
        assert doc.app is not None
        app = svc.apps.get(doc.app).app
        defs = _defs(svc, doc)
        unknown = set(edits) - {f.name for f in doc.fields}
        if unknown:
            raise InputError(f"document {document_id} has no field(s) {sorted(unknown)}")
        for fv in doc.fields:
            if fv.name in edits:
                _apply(session, fv, defs[fv.name], edits[fv.name], user, doc, app.accept_confidence)
        problems = {f.name: _problems(f) for f in doc.fields if f.status != FieldStatus.OK}
        if problems:
            session.rollback()
            return Submitted(ok=False, problems=problems)
        doc.status = document_status(doc.fields)
        doc.updated_at = utcnow()
        session.add(
            AuditEntry(
                actor=user,
                action="document.verify",
                batch_id=doc.batch_id,
                document_id=doc.id,
                new=doc.status,
            )
        )
        session.commit()
        exported = doc.exported_at is not None
        released = release_if_done(svc, session, doc.batch_id, user)
        status = doc.status
    if exported:
        deliver(svc, document_id, actor=user)  # a correction after export reaches it
    return Submitted(ok=True, status=status, batch_released=released)


# batch states in which a field may be changed one at a time (PATCH): in review, or done
# (a correction after export is delivered again)
EDITABLE = (BatchStatus.NEEDS_REVIEW, BatchStatus.DONE)


def _problems(fv: FieldValue) -> list[str]:
    """Why a field is not ok, as a submit's 422 names it."""
    return [
        m.removeprefix("invalid: ") for m in fv.messages or [] if m.startswith("invalid: ")
    ] or [fv.status]


def patch_field(
    svc: Services, document_id: str, name: str, edit: dict[str, Any], user: str
) -> bool:
    """Correct one field (`{"value": entry}`) and/or accept it (`{"override": bool}`)
    outside the station: `PATCH /api/v1/documents/{id}/fields/{name}`.

    The same as a submit does for that field: the entry is parsed as typed at the
    station (`parse_entry`), audited as `field.set`/`field.verify`/`field.override` with
    the machine's state as `old`, the source becomes `human` (the confidence stays the
    machine's). A value that is still invalid or missing (not overridden) is an
    InputError naming the problem, and nothing is saved; a batch another operator holds
    for review is a Conflict. The document's status follows
    its fields; when none of the batch waits for review any more, the batch goes on to
    export (`release_if_done`); a document exported already is delivered again. True
    when the batch was released to export.
    """
    with svc.db.session() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise NotFound(f"no document {document_id!r}")
        fv = next((f for f in doc.fields if f.name == name), None)
        if fv is None:
            raise NotFound(f"document {document_id} has no field {name!r}")
        if doc.batch.status not in EDITABLE:
            raise Conflict(
                f"batch {doc.batch_id} is {doc.batch.status}; fields can be "
                "changed once it is in review or done"
            )
        holder = lease.held_by_another(doc.batch, user)
        if holder is not None:  # one operator per batch: their station has it open
            raise Conflict(f"batch {doc.batch_id} is being verified by {holder}")
        assert doc.app is not None  # a document with fields has a type
        _apply(
            session,
            fv,
            _defs(svc, doc)[name],
            edit,
            user,
            doc,
            svc.apps.get(doc.app).app.accept_confidence,
        )
        if fv.status != FieldStatus.OK:
            problems = _problems(fv)
            session.rollback()
            raise InputError(
                f"field {name!r}: {'; '.join(problems)} (override: true accepts it as it is)"
            )
        doc.status = document_status(doc.fields)
        doc.updated_at = utcnow()
        session.commit()
        released = release_if_done(svc, session, doc.batch_id, user)
    deliver(svc, document_id, actor=user)  # exported already: the exports get the fix
    return released


def release_if_done(svc: Services, session: Session, batch_id: str, user: str) -> bool:
    """Send the batch on to export once none of its documents waits for review."""
    if queries.any_waiting_for_review(session, batch_id):
        return False
    batch = session.get_one(Batch, batch_id)
    if batch.status != BatchStatus.NEEDS_REVIEW:
        return False
    batch.status, batch.task = BatchStatus.PENDING, "verify"
    batch.review_owner = batch.review_until = None
    session.add(AuditEntry(actor=user, action="batch.verified", batch_id=batch_id))
    make_runnable(svc, session, batch_id, stage="verify", priority=batch.priority)
    session.commit()
    return True


def results(svc: Services, batch_id: str) -> list[dict[str, Any]]:
    """The result JSON of every document of a batch."""
    with svc.db.session() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFound(f"no batch {batch_id}")
        return [document_result(d) for d in batch.documents]
