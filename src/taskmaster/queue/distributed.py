"""The distributed backend's glue: enqueue in the caller's transaction, take a batch's
lease, find batches that have no job (reconcile) and jobs whose worker died (stalled).

The `batches` table stays the single source of truth. A procrastinate job only says
"look at this batch"; a worker still takes the batch's lease before running it, so the
embedded pool, `taskmaster process` and the distributed workers never run one batch
twice, and the reconciler re-enqueues any runnable batch that lacks a job (one created
by a path that does not enqueue, or whose job ended while the batch still had work).
"""

from __future__ import annotations

import logging
from functools import lru_cache

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from psycopg.pq import TransactionStatus
from sqlalchemy import literal, select, text
from sqlalchemy.orm import Session

from taskmaster.db.engine import Database
from taskmaster.db.models import Batch, utcnow
from taskmaster.queue.claim import Claim, Policy, release_dead_local, take_lease
from taskmaster.queue.procrastinate_app import QUEUE, TASK, deferrer_app
from taskmaster.settings import Settings

log = logging.getLogger(__name__)


def active(settings: Settings) -> bool:
    """True when batches run on `taskmaster worker` processes (procrastinate)."""
    return settings.queue == "procrastinate"


@lru_cache(maxsize=1)
def _deferrer() -> procrastinate.App:
    return deferrer_app()


def enqueue_batch(session: Session, batch_id: str, *, stage: str | None, priority: int = 0) -> bool:
    """Enqueue a job for `batch_id` inside `session`'s transaction (commit is the caller's).

    Call it right before the commit that makes the batch runnable (created, retried,
    verified): the job exists if and only if that commit happens. Returns False when a
    job for the batch is already waiting (one is enough). PostgreSQL only.
    """
    session.flush()  # the batch row goes first
    driver = session.connection().connection.driver_connection
    assert driver is not None
    if driver.info.transaction_status == TransactionStatus.IDLE:
        session.execute(select(literal(1)))  # open the caller's transaction on this connection
    try:
        # A savepoint on the driver connection (procrastinate bypasses SQLAlchemy, so
        # SQLAlchemy's own savepoint would never be emitted): a refused INSERT rolls back
        # to here instead of aborting the caller's transaction.
        with driver.transaction():
            _deferrer().configure_task(
                TASK,
                queue=QUEUE,
                lock=batch_id,
                queueing_lock=batch_id,
                priority=priority,
                task_kwargs={"batch_id": batch_id, "stage": stage},
                connection=driver,
            ).defer()
    except AlreadyEnqueued:
        return False
    return True


def take(db: Database, batch_id: str, owner: str, policy: Policy) -> Claim | None:
    """Lease this one batch to `owner` if it is runnable and nobody alive holds it.

    A batch left `running` by a dead worker gets its open task rows closed as lost, so
    its history says what happened (as `claim.claim_next` does for the embedded pool).
    """
    release_dead_local(db)
    now = utcnow()
    with db.session() as session:
        row = session.get(Batch, batch_id)
        if row is None:
            return None
        if not take_lease(
            session, batch_id, owner, policy, now, row.status, row.lease_owner, "job retried"
        ):
            session.rollback()
            return None
        session.commit()
        return Claim(batch_id=batch_id, owner=owner, attempt=row.attempts + 1)


_ORPHANS = text("""
    SELECT b.id, b.task, b.priority FROM batches b
     WHERE b.status IN ('pending', 'running')
       AND (b.lease_until IS NULL OR b.lease_until < now())
       AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j
                        WHERE j.queueing_lock = b.id AND j.status IN ('todo', 'doing'))
     ORDER BY b.priority DESC, b.created_at
     LIMIT 500""")


def reconcile(db: Database) -> list[str]:
    """Enqueue every runnable batch that has no waiting or running job; return their ids."""
    found = []
    with db.session() as session:
        for batch_id, stage, priority in session.execute(_ORPHANS).all():
            if enqueue_batch(session, batch_id, stage=stage, priority=priority):
                found.append(batch_id)
        session.commit()
    if found:
        log.info("enqueued %d batch(es) without a job: %s", len(found), ", ".join(found))
    return found


async def retry_stalled(app: procrastinate.App, seconds_since_heartbeat: float) -> int:
    """Hand the jobs of workers that stopped heartbeating back to the queue.

    A worker killed mid-job leaves its job `doing`; procrastinate knows the worker is
    gone once its heartbeat is old. The retry counts as an attempt, so a batch that
    kills its worker every time ends `failed` instead of looping.
    """
    count = 0
    for job in await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=seconds_since_heartbeat
    ):
        try:
            await app.job_manager.retry_job(job)
        except procrastinate.exceptions.ProcrastinateException as exc:
            log.info("stalled job %s: another worker was first (%s)", job.id, exc)
            continue
        log.warning(
            "job %s (batch %s): its worker was lost; retrying",
            job.id,
            job.task_kwargs.get("batch_id"),
        )
        count += 1
    return count
