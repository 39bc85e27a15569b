"""What the dashboard and the batch pages show: queues, throughput, errors, batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taskmaster.db.models import Batch, Document, ExportRecord, InputFile, Page, utcnow
from taskmaster.db.status import PUT_ASIDE, QUEUED, BatchStatus, DocumentStatus, FileStatus

FLIGHT = (BatchStatus.PENDING, BatchStatus.RUNNING)


@dataclass(frozen=True)
class Queue:
    """Batches of one application waiting at (or running) one task."""

    app: str
    task: str
    status: str
    batches: int


def queues(session: Session) -> list[Queue]:
    """Open batches grouped by application, task and status (finished ones left out)."""
    rows = session.execute(
        select(Batch.apps, Batch.task, Batch.status, func.count())
        .where(Batch.status.in_(QUEUED))
        .group_by(Batch.apps, Batch.task, Batch.status)
    ).all()
    out: dict[tuple[str, str, str], int] = {}
    for apps, task, status, n in rows:
        key = (", ".join(apps or []), task or "-", status)
        out[key] = out.get(key, 0) + n
    return [Queue(a, t, s, n) for (a, t, s), n in sorted(out.items())]


def summary(session: Session) -> dict[str, Any]:
    """Counts for the dashboard's figures: in flight, waiting for review, throughput, errors."""
    now = utcnow()
    hour, day = now - timedelta(hours=1), now - timedelta(days=1)

    def count(stmt: Any) -> int:
        return int(session.scalar(stmt) or 0)

    return {
        "in_flight": count(select(func.count()).select_from(Batch).where(Batch.status.in_(FLIGHT))),
        "needs_review": count(
            select(func.count()).select_from(Batch).where(Batch.status == BatchStatus.NEEDS_REVIEW)
        ),
        "docs_review": count(
            select(func.count())
            .select_from(Document)
            .where(Document.status == DocumentStatus.NEEDS_REVIEW)
        ),
        "exported_hour": count(
            select(func.count(func.distinct(ExportRecord.document_id))).where(
                ExportRecord.at >= hour
            )
        ),
        "exported_day": count(
            select(func.count(func.distinct(ExportRecord.document_id))).where(
                ExportRecord.at >= day
            )
        ),
        "pages_day": count(
            select(func.count())
            .select_from(Page)
            .join(Batch)
            .where(Batch.status == BatchStatus.DONE, Batch.updated_at >= day)
        ),
        "failed_day": count(
            select(func.count())
            .select_from(Batch)
            .where(Batch.status == BatchStatus.FAILED, Batch.updated_at >= day)
        ),
    }


def recent_errors(session: Session, limit: int = 10) -> list[Batch]:
    """The latest failed batches, with their reasons."""
    return list(
        session.scalars(
            select(Batch)
            .where(Batch.status == BatchStatus.FAILED)
            .order_by(Batch.updated_at.desc())
            .limit(limit)
        )
    )


def failed_documents(session: Session, limit: int = 10) -> list[Document]:
    """The latest failed documents (a batch can finish with some of its documents failed)."""
    return list(
        session.scalars(
            select(Document)
            .join(Batch)
            .where(Document.status == DocumentStatus.FAILED)
            .order_by(Batch.updated_at.desc(), Document.seq)
            .limit(limit)
        )
    )


def failed_counts(session: Session, batch_ids: list[str]) -> dict[str, int]:
    """How many documents failed in each of these batches (only those with any)."""
    if not batch_ids:
        return {}
    rows = session.execute(
        select(Document.batch_id, func.count())
        .where(Document.batch_id.in_(batch_ids), Document.status == DocumentStatus.FAILED)
        .group_by(Document.batch_id)
    ).all()
    return {batch_id: int(n) for batch_id, n in rows}


def batch_list(
    session: Session, status: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[Batch], int]:
    """Batches, newest first, optionally of one status; and how many there are in all."""
    stmt = select(Batch)
    total = select(func.count()).select_from(Batch)
    if status:
        stmt, total = stmt.where(Batch.status == status), total.where(Batch.status == status)
    rows = session.scalars(stmt.order_by(Batch.created_at.desc()).limit(limit).offset(offset))
    return list(rows), int(session.scalar(total) or 0)


@dataclass(frozen=True)
class ExceptionEntry:
    """One entry of the exceptions queue: a rejected or failed document, or a failed file."""

    kind: str  # rejected | failed | file
    id: str  # document id, or "<batch>/<file name>" for a file
    batch_id: str
    reason: str
    assignable: bool  # a document an operator may assign to a form


def exceptions(session: Session, limit: int = 20) -> tuple[dict[str, int], list[ExceptionEntry]]:
    """Counts by kind and the latest entries of the exceptions queue.

    Pages no form matched and documents an operator rejected ("not this form") are
    `rejected` documents; documents recognition failed on are `failed`; files that could
    not be decoded are failed input files.
    """
    counts = {"rejected": 0, "failed": 0, "file": 0}
    for status, n in session.execute(
        select(Document.status, func.count())
        .where(Document.status.in_(PUT_ASIDE))
        .group_by(Document.status)
    ):
        counts[status] = int(n)
    counts["file"] = int(
        session.scalar(
            select(func.count()).select_from(InputFile).where(InputFile.status == FileStatus.FAILED)
        )
        or 0
    )
    docs = session.scalars(
        select(Document)
        .where(Document.status.in_(PUT_ASIDE))
        .order_by(Document.updated_at.desc(), Document.id)
        .limit(limit)
    )
    rows = [
        ExceptionEntry(
            d.status, d.id, d.batch_id, d.reason or d.error or "no reason recorded", True
        )
        for d in docs
    ]
    files = session.scalars(
        select(InputFile)
        .where(InputFile.status == FileStatus.FAILED)
        .order_by(InputFile.id.desc())
        .limit(limit)
    )
    rows += [
        ExceptionEntry(
            "file", f"{f.batch_id}/{f.name}", f.batch_id, f.error or "could not be read", False
        )
        for f in files
    ]
    return counts, rows
