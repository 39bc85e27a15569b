"""The verify operator's lease on a batch: take the next one, renew, release.

A batch waiting for review (`needs_review`) is held by at most one operator at a time
through `review_owner`/`review_until` (the worker queue's `lease_*` columns are a
different lease). Taking is a compare-and-set UPDATE, atomic on SQLite and PostgreSQL,
so two operators pressing "next batch" at the same instant never get the same one. A
lease that is not renewed (the station renews it while open) runs out and frees the batch.
The SQL is in `db/queries.py` (the review lease); this module decides when to use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from taskmaster.db import queries
from taskmaster.db.engine import Database
from taskmaster.db.models import AuditEntry, Batch, utcnow
from taskmaster.db.status import BatchStatus
from taskmaster.errors import Conflict, NotFound

LEASE = timedelta(minutes=10)
REVIEWABLE = BatchStatus.NEEDS_REVIEW


@dataclass(frozen=True)
class Lease:
    """A batch held by one operator until `until`."""

    batch_id: str
    owner: str
    until: datetime


def _grab(db: Database, batch_id: str, user: str, ttl: timedelta) -> Lease | None:
    now = utcnow()
    until = now + ttl
    with db.session() as session:
        # Opening the station again on a batch one holds renews the lease; only a new
        # take is audited (`batch.take` once per take, not per reload or renewal).
        held = queries.review_held_by(session, user, now, batch_id)
        won = queries.take_review(session, batch_id, user, until, now)
        if won and held is None:
            session.add(AuditEntry(actor=user, action="batch.take", batch_id=batch_id))
        session.commit()
    return Lease(batch_id, user, until) if won else None


def take(db: Database, batch_id: str, user: str, ttl: timedelta = LEASE) -> Lease:
    """Hold `batch_id` for `user` (again, if they hold it already).

    NotFound if there is no such batch; Conflict if it does not wait for review or
    another operator holds it.
    """
    lease = _grab(db, batch_id, user, ttl)
    if lease is not None:
        return lease
    with db.session() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFound(f"no batch {batch_id}")
        if batch.status != REVIEWABLE:
            raise Conflict(f"batch {batch_id} does not wait for review (it is {batch.status})")
        raise Conflict(f"batch {batch_id} is being verified by {batch.review_owner}")


def take_next(db: Database, user: str, ttl: timedelta = LEASE) -> Lease | None:
    """The batch `user` already holds, else the next free one (priority, then age)."""
    for _ in range(10):  # another operator may win a candidate; try the next one
        now = utcnow()
        with db.session() as session:
            candidate = queries.review_held_by(session, user, now) or queries.next_for_review(
                session, user, now
            )
        if candidate is None:
            return None
        lease = _grab(db, candidate, user, ttl)
        if lease is not None:
            return lease
    return None


def renew(db: Database, batch_id: str, user: str, ttl: timedelta = LEASE) -> Lease:
    """Extend `user`'s lease; Conflict if they no longer hold it (it ran out and was taken)."""
    until = utcnow() + ttl
    with db.session() as session:
        renewed = queries.renew_review(session, batch_id, user, until)
        session.commit()
    if not renewed:
        raise Conflict(f"you no longer hold batch {batch_id}")
    return Lease(batch_id, user, until)


def release(db: Database, batch_id: str, user: str, until: datetime | None = None) -> None:
    """Give the batch back (idempotent; only the holder's lease is dropped).

    With `until` (a closing station page names the lease it held), only that lease is
    released: if the operator took the batch again since (a reload), it stays theirs.
    """
    with db.session() as session:
        if until is not None:
            held = queries.review_until(session, batch_id)
            utc = utcnow().tzinfo
            if held is not None and held.tzinfo is None:
                held = held.replace(tzinfo=utc)
            if until.tzinfo is None:
                until = until.replace(tzinfo=utc)
            if held is None or abs((held - until).total_seconds()) > 0.001:
                return
        if queries.drop_review(session, batch_id, user):
            session.add(AuditEntry(actor=user, action="batch.release", batch_id=batch_id))
        session.commit()


def held_by_another(batch: Batch, user: str) -> str | None:
    """The operator other than `user` whose review lease on `batch` has not run out."""
    until = batch.review_until
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=utcnow().tzinfo)
    if batch.review_owner in (None, user) or until is None or until < utcnow():
        return None
    return batch.review_owner


def require(db: Database, batch_id: str, user: str) -> None:
    """Conflict unless `user` holds an unexpired lease on `batch_id` (checked on every edit)."""
    with db.session() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFound(f"no batch {batch_id}")
        until = batch.review_until
        if until is not None and until.tzinfo is None:
            until = until.replace(tzinfo=utcnow().tzinfo)
        if batch.review_owner != user or until is None or until < utcnow():
            raise Conflict(
                f"take batch {batch_id} for review first (held by {batch.review_owner or 'nobody'})"
            )
