"""validate: field statuses from type rules and calibrated confidence; straight-through
or review.

A machine-read field is accepted without a person when its reader's score reaches the
threshold of the application's calibration fit for that field, source and style (how its
document was filled in: typed or by hand; docs/calibration.md); its shown confidence
becomes the fit's measured P(right). Without a fit, the application's bare
`accept_confidence` applies if it sets one; otherwise nothing is accepted (a new
application starts strict). A value a reading rule proposed rather than read
(`reading.result.PROPOSED`) waits for a person whatever its score. With a fit, a share of the
documents that would go straight through (`Settings.qa_share`) is sent to verify anyway
as QA samples (`Document.qa_sample`).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from taskmaster.apps.schema import Application, FieldDef
from taskmaster.calibration.fit import Fit, source_key, style_key
from taskmaster.db.models import Document, FieldValue
from taskmaster.db.status import DocumentStatus, FieldStatus
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services
from taskmaster.reading.result import PROPOSED
from taskmaster.validation import absent, check_value, field_status

ABSENT = "optional page not present"
QA_MESSAGE = "QA sample: would have gone straight through"


def field_defs(app: Application, doc_type: str) -> dict[str, FieldDef]:
    doc = next(d for d in app.document_types if d.name == doc_type)
    return {f.name: f for _, f in app.fields_of(doc)}


def validate_field(fv: FieldValue, fdef: FieldDef, threshold: float | None) -> None:
    """Set fv.status and validation messages (keeps the reader's own messages).

    `threshold` is the lowest score accepted without a person for a machine value; None
    keeps the verdict validate already gave it (strict when there is none).
    """
    problems = check_value(fdef, fv.value) if fv.value is not None else []
    reader_msgs = [m for m in (fv.messages or []) if not m.startswith("invalid: ")]
    fv.messages = reader_msgs + [f"invalid: {p}" for p in problems]
    if fv.page is None and ABSENT in reader_msgs:
        fv.status = FieldStatus.OK  # the optional page was not there: nothing to read or review
        return
    if fv.source == "human" or fv.override:
        fv.status = (
            FieldStatus.INVALID
            if problems and not fv.override
            else (
                FieldStatus.MISSING
                if absent(fdef, fv.value) and fdef.required and not fv.override
                else FieldStatus.OK
            )
        )
        return
    if threshold is None and fv.machine_status is not None:
        fv.status = FieldStatus.INVALID if problems else fv.machine_status
        return
    score = fv.machine_score if fv.machine_score is not None else fv.confidence
    fv.status = field_status(fdef, fv.value, score, threshold, problems)
    if fv.status == FieldStatus.OK and any(m.startswith(PROPOSED) for m in reader_msgs):
        fv.status = FieldStatus.NEEDS_REVIEW  # a value a rule proposed is for a person


def _pool(fv: FieldValue) -> str:
    """The fit's pool of a machine reading (its engine, or `empty`)."""
    if fv.machine_score is None:  # read before the machine's reading was kept apart
        return source_key(fv.source, fv.value)
    return source_key(fv.machine_source, fv.machine_value)


def machine_threshold(app: Application, fit: Fit | None, fv: FieldValue) -> float | None:
    """The accept threshold for a machine reading: the fit's, else the bare one."""
    if fit is None:
        return app.accept_confidence
    return fit.threshold(fv.name, _pool(fv), style_key(fv.machine_style))


def _calibrate(fv: FieldValue, fit: Fit | None) -> None:
    """Show the fit's P(right) as the field's confidence (the reader's score is kept)."""
    if fit is None or fv.machine_score is None or fv.source == "human":
        return
    p = fit.probability(fv.name, _pool(fv), fv.machine_score, style_key(fv.machine_style))
    if p is not None:
        fv.confidence = p


def qa_sampled(document_id: str, share: float) -> bool:
    """Whether a straight-through document is a QA sample (stable: a hash of its id)."""
    h = int.from_bytes(hashlib.sha256(document_id.encode()).digest()[:8], "big")
    return h / 2**64 < share


def document_status(fields: list[FieldValue]) -> str:
    return (
        DocumentStatus.DONE
        if all(f.status == FieldStatus.OK for f in fields)
        else DocumentStatus.NEEDS_REVIEW
    )


def run(ctx: TaskContext, svc: Services) -> None:
    with svc.db.session() as session:
        docs = session.scalars(
            select(Document).where(
                Document.batch_id == ctx.batch_id,
                Document.type.is_not(None),
                Document.status != DocumentStatus.FAILED,
            )
        )
        fits: dict[str, Fit | None] = {}  # read once per batch: a new fit applies here
        for doc in docs:
            assert doc.app is not None and doc.type is not None
            app = svc.apps.get(doc.app).app
            if doc.app not in fits:
                fits[doc.app] = svc.fits.get(doc.app)
            fit = fits[doc.app]
            defs = field_defs(app, doc.type)
            for fv in doc.fields:
                if fv.source != "human" and not fv.override:
                    fv.machine_status = None  # validate decides afresh
                validate_field(fv, defs[fv.name], machine_threshold(app, fit, fv))
                _calibrate(fv, fit)
                if fv.source != "human" and not fv.override:
                    fv.machine_status = fv.status
            doc.status = document_status(doc.fields)
            # QA samples keep a fit's bound honest; a bare threshold states no bound.
            doc.qa_sample = (
                fit is not None
                and doc.status == DocumentStatus.DONE
                and qa_sampled(doc.id, svc.settings.qa_share)
            )
            if doc.qa_sample:
                doc.status = DocumentStatus.NEEDS_REVIEW
        session.commit()
