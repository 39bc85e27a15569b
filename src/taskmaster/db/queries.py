"""Named queries of the work queue and of verify: the SQL that must be right on SQLite and
PostgreSQL alike, written once and named for what it does.

    worker lease    a batch claimed by a worker (`lease_owner`, `lease_until`: also the
                    backoff's "not before"), renewed by its heartbeat, released, retried
                    later, failed; queue/claim.py and queue/distributed.py decide when
    review lease    a batch held by one verify operator (`review_owner`, `review_until`);
                    pipeline/verify/lease.py decides when
    review          the documents of a batch that wait for a person

Every taking of a lease is one compare-and-set UPDATE (atomic on both databases): the
caller learns from the row count whether it won. The functions run in the caller's
session and never commit: the caller's transaction decides what goes together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, CursorResult, Row, or_, select, update
from sqlalchemy.orm import Session

from taskmaster.db.models import Batch, Document, Task
from taskmaster.db.status import RUNNABLE, BatchStatus, DocumentStatus, TaskStatus


def _matched(result: object) -> int:
    """Rows an UPDATE matched (its CursorResult knows; the generic Result type does not)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _set(session: Session, *where: ColumnElement[bool], **values: object) -> int:
    """UPDATE batches SET values WHERE where; the rows it matched."""
    return _matched(
        session.execute(
            update(Batch)
            .where(*where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    )


# --- the worker lease (the queue) ------------------------------------------------------


def _worker_lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(Batch.lease_until.is_(None), Batch.lease_until < now)


def next_runnable(session: Session, now: datetime) -> Row[str, int, str, str | None] | None:
    """The batch a worker should claim next (highest priority, then oldest): id, attempts,
    status and the previous lease owner; None when nothing is runnable."""
    return session.execute(
        select(Batch.id, Batch.attempts, Batch.status, Batch.lease_owner)
        .where(Batch.status.in_(RUNNABLE), _worker_lease_free(now))
        .order_by(Batch.priority.desc(), Batch.created_at, Batch.id)
        .limit(1)
    ).first()


def claim_batch(
    session: Session, batch_id: str, owner: str, until: datetime, now: datetime
) -> bool:
    """Lease a runnable, unleased batch to `owner` until `until`, counting one attempt;
    False when it is not runnable or someone else holds it."""
    return (
        _set(
            session,
            Batch.id == batch_id,
            Batch.status.in_(RUNNABLE),
            _worker_lease_free(now),
            lease_owner=owner,
            lease_until=until,
            attempts=Batch.attempts + 1,
        )
        == 1
    )


def close_lost_tasks(session: Session, batch_id: str, now: datetime, error: str) -> None:
    """Mark the stage runs a dead worker left open as failed with `error`."""
    session.execute(
        update(Task)
        .where(Task.batch_id == batch_id, Task.status == TaskStatus.RUNNING)
        .values(status=TaskStatus.FAILED, finished_at=now, error=error)
        .execution_options(synchronize_session=False)
    )


def renew_worker_lease(session: Session, batch_id: str, owner: str, until: datetime) -> bool:
    """Extend `owner`'s lease; False if it no longer holds the batch."""
    return _set(session, Batch.id == batch_id, Batch.lease_owner == owner, lease_until=until) == 1


def drop_worker_lease(session: Session, batch_id: str, owner: str, *, reset_attempts: bool) -> None:
    """Release `owner`'s lease (only theirs); `reset_attempts` after a run that got on."""
    values: dict[str, object] = {"lease_owner": None, "lease_until": None}
    if reset_attempts:
        values["attempts"] = 0
    _set(session, Batch.id == batch_id, Batch.lease_owner == owner, **values)


def retry_batch_later(
    session: Session, batch_id: str, owner: str, reason: str, not_before: datetime
) -> None:
    """Put `owner`'s batch back as pending, runnable again from `not_before`."""
    _set(
        session,
        Batch.id == batch_id,
        Batch.lease_owner == owner,
        status=BatchStatus.PENDING,
        error=reason,
        lease_owner=None,
        lease_until=not_before,
    )


def fail_batch(session: Session, batch_id: str, owner: str, reason: str) -> None:
    """End `owner`'s batch `failed` with `reason`, its lease dropped."""
    _set(
        session,
        Batch.id == batch_id,
        Batch.lease_owner == owner,
        status=BatchStatus.FAILED,
        error=reason,
        task=None,
        lease_owner=None,
        lease_until=None,
    )


def leases_of_host(session: Session, host: str) -> Sequence[Row[str, str | None]]:
    """(batch id, owner) of the runnable batches leased by processes of `host`."""
    return session.execute(
        select(Batch.id, Batch.lease_owner).where(
            Batch.lease_owner.like(f"{host}:%"), Batch.status.in_(RUNNABLE)
        )
    ).all()


def expire_worker_leases(
    session: Session, owner: str, at: datetime, batch_id: str | None = None
) -> None:
    """Let the batches `owner` held (or that one) be claimed again from `at`."""
    where = [Batch.lease_owner == owner] + ([Batch.id == batch_id] if batch_id else [])
    _set(session, *where, lease_until=at)


# --- the review lease (verify) ---------------------------------------------------------


def _review_free_for(user: str, now: datetime) -> ColumnElement[bool]:
    """Nobody else holds an unexpired review lease."""
    return or_(
        Batch.review_owner.is_(None),
        Batch.review_owner == user,
        Batch.review_until.is_(None),
        Batch.review_until < now,
    )


def review_held_by(
    session: Session, user: str, now: datetime, batch_id: str | None = None
) -> str | None:
    """A batch waiting for review that `user` holds an unexpired lease on (that one)."""
    where = [
        Batch.status == BatchStatus.NEEDS_REVIEW,
        Batch.review_owner == user,
        Batch.review_until >= now,
    ] + ([Batch.id == batch_id] if batch_id else [])
    return session.scalar(select(Batch.id).where(*where).limit(1))


def next_for_review(session: Session, user: str, now: datetime) -> str | None:
    """The next batch waiting for review that `user` may take (priority, then age)."""
    return session.scalar(
        select(Batch.id)
        .where(Batch.status == BatchStatus.NEEDS_REVIEW, _review_free_for(user, now))
        .order_by(Batch.priority.desc(), Batch.created_at, Batch.id)
        .limit(1)
    )


def take_review(session: Session, batch_id: str, user: str, until: datetime, now: datetime) -> bool:
    """Hold a batch waiting for review for `user` until `until`; False if it does not
    wait for review or another operator holds it."""
    return (
        _set(
            session,
            Batch.id == batch_id,
            Batch.status == BatchStatus.NEEDS_REVIEW,
            _review_free_for(user, now),
            review_owner=user,
            review_until=until,
        )
        == 1
    )


def renew_review(session: Session, batch_id: str, user: str, until: datetime) -> bool:
    """Extend `user`'s review lease; False if they no longer hold it."""
    return (
        _set(
            session,
            Batch.id == batch_id,
            Batch.review_owner == user,
            Batch.status == BatchStatus.NEEDS_REVIEW,
            review_until=until,
        )
        == 1
    )


def review_until(session: Session, batch_id: str) -> datetime | None:
    """When the batch's review lease runs out (None: nobody holds it)."""
    return session.scalar(select(Batch.review_until).where(Batch.id == batch_id))


def drop_review(session: Session, batch_id: str, user: str) -> bool:
    """Release `user`'s review lease (only theirs); False if they held none."""
    return (
        _set(
            session,
            Batch.id == batch_id,
            Batch.review_owner == user,
            review_owner=None,
            review_until=None,
        )
        == 1
    )


# --- review: what waits for a person ---------------------------------------------------


def waiting_for_review(session: Session, batch_id: str) -> list[Document]:
    """The batch's documents that wait for review, in reading order."""
    return list(
        session.scalars(
            select(Document)
            .where(Document.batch_id == batch_id, Document.status == DocumentStatus.NEEDS_REVIEW)
            .order_by(Document.seq, Document.id)
        )
    )


def any_waiting_for_review(session: Session, batch_id: str) -> bool:
    """Whether any document of the batch still waits for review."""
    return (
        session.scalar(
            select(Document.id)
            .where(Document.batch_id == batch_id, Document.status == DocumentStatus.NEEDS_REVIEW)
            .limit(1)
        )
        is not None
    )
