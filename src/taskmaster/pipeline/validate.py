"""validate: field statuses from type rules and confidence; straight-through or review."""

from __future__ import annotations

from sqlalchemy import select

from taskmaster.apps.schema import Application, FieldDef
from taskmaster.db.models import Document, FieldValue
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services
from taskmaster.validation import check_value, field_status

ABSENT = "optional page not present"


def field_defs(app: Application, doc_type: str) -> dict[str, FieldDef]:
    doc = next(d for d in app.document_types if d.name == doc_type)
    return {f.name: f for _, f in app.fields_of(doc)}


def validate_field(fv: FieldValue, fdef: FieldDef, threshold: float) -> None:
    """Set fv.status and validation messages (keeps the reader's own messages)."""
    problems = check_value(fdef, fv.value) if fv.value is not None else []
    reader_msgs = [m for m in (fv.messages or []) if not m.startswith("invalid: ")]
    fv.messages = reader_msgs + [f"invalid: {p}" for p in problems]
    if fv.page is None and ABSENT in reader_msgs:
        fv.status = "ok"  # the optional page was not there: nothing to read or review
        return
    if fv.source == "human" or fv.override:
        fv.status = "invalid" if problems and not fv.override else (
            "missing" if fv.value is None and fdef.required and not fv.override else "ok")
        return
    fv.status = field_status(fdef, fv.value, fv.confidence, threshold, problems)


def document_status(fields: list[FieldValue]) -> str:
    return "done" if all(f.status == "ok" for f in fields) else "needs_review"


def run(ctx: TaskContext, svc: Services) -> None:
    with svc.db.session() as session:
        docs = session.scalars(select(Document).where(Document.batch_id == ctx.batch_id,
                                                      Document.type.is_not(None),
                                                      Document.status != "failed"))
        for doc in docs:
            assert doc.app is not None and doc.type is not None
            app = svc.apps.get(doc.app).app
            defs = field_defs(app, doc.type)
            for fv in doc.fields:
                validate_field(fv, defs[fv.name], app.accept_confidence)
            doc.status = document_status(doc.fields)
        session.commit()
