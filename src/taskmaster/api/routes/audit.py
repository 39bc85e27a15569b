"""The audit log: every field change and administrative action (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from taskmaster.api.deps import DB, Admin
from taskmaster.api.schemas import MAX_OFFSET, AuditOut, AuditPage, ErrorBody
from taskmaster.db.models import AuditEntry

router = APIRouter(
    prefix="/api/v1/audit",
    tags=["audit"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}},
)


@router.get("", response_model=AuditPage)
def audit(
    _: Admin,
    session: DB,
    batch: Annotated[str | None, Query(max_length=32)] = None,
    document: Annotated[str | None, Query(max_length=32)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[
        str | None, Query(max_length=32, description="e.g. field.set, page.read")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Entries, newest first, optionally for one batch, document, actor or action."""
    where = []
    if batch:
        where.append(AuditEntry.batch_id == batch)
    if document:
        where.append(AuditEntry.document_id == document)
    if actor:
        where.append(AuditEntry.actor == actor)
    if action:
        where.append(AuditEntry.action == action)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    rows = session.scalars(
        select(AuditEntry).where(*where).order_by(AuditEntry.id.desc()).offset(offset).limit(limit)
    )
    return AuditPage(items=[AuditOut.model_validate(r) for r in rows], total=total)
