"""The queue is the `batches` table: claiming, leases, heartbeats, retries.

A batch is runnable when its status is `pending` (new, retried, or verified and waiting
for export) or `running` with an expired lease (its worker died), and nobody holds an
unexpired lease on it. A worker claims one with a compare-and-set UPDATE — portable
between SQLite and PostgreSQL, and atomic on both — then keeps the lease alive with a
heartbeat while it runs the workflow. A killed worker stops heartbeating; its lease runs
out and another worker resumes the batch at the stage that did not finish.

`lease_until` doubles as "not before": a batch that failed with a retryable error is
released with `lease_until` in the future, which is its backoff.

The SQL is in `db/queries.py` (the worker lease); this module decides when to use it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy.orm import Session

from taskmaster.db import queries
from taskmaster.db.engine import Database
from taskmaster.db.models import utcnow
from taskmaster.db.status import BatchStatus
from taskmaster.errors import Conflict, TaskmasterError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Policy:
    """How long leases last and how often a batch is retried: the one set of queue
    numbers, for the embedded pool, `taskmaster process` and `taskmaster worker` alike."""

    lease_s: float = 60.0  # a dead worker's batch resumes after at most this long
    heartbeat_s: float = 10.0  # renew well before the lease runs out
    max_attempts: int = 5  # claims in a row without success before giving up
    backoff_s: float = 5.0  # first retry delay; doubles per attempt
    backoff_max_s: float = 300.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after attempt number `attempt` (1: the first) failed."""
        return float(min(self.backoff_s * 2 ** (attempt - 1), self.backoff_max_s))


def retryable(exc: BaseException) -> bool:
    """The one retry decision of every runner.

    Our own errors say whether a retry helps (`TaskmasterError.retryable`); a batch
    leased to someone else (`Conflict`) will be free later. Anything else escaped the
    stages (which end a batch `failed` on their own errors): a database gone away, a
    failover. That is worth another try, within `Policy.max_attempts`.
    """
    if isinstance(exc, TaskmasterError):
        return exc.retryable or isinstance(exc, Conflict)
    return True


@dataclass(frozen=True)
class Claim:
    """A batch this worker holds the lease on."""

    batch_id: str
    owner: str
    attempt: int


def worker_name(suffix: str = "") -> str:
    """A lease owner name: `host:pid[:suffix]`, so a restart can spot its own dead leases."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    return f"{name}:{suffix}" if suffix else name


def take_lease(
    session: Session,
    batch_id: str,
    owner: str,
    policy: Policy,
    now: datetime,
    status: str,
    previous: str | None,
    why: str,
) -> bool:
    """Lease `batch_id` to `owner` if it is runnable and unleased (one conditional UPDATE,
    safe on SQLite and PostgreSQL); the caller commits. A batch whose previous holder died
    mid-stage has that stage's open task rows closed, so its history says what happened."""
    won = queries.claim_batch(
        session, batch_id, owner, now + timedelta(seconds=policy.lease_s), now
    )
    if won and status == BatchStatus.RUNNING:
        queries.close_lost_tasks(
            session, batch_id, now, f"worker lost ({previous or 'unknown'}); {why}"
        )
    return won


def claim_next(db: Database, owner: str, policy: Policy) -> Claim | None:
    """Lease the next runnable batch (highest priority, then oldest) to `owner`."""
    for _ in range(5):  # another worker may win the race for a candidate; try the next
        now = utcnow()
        with db.session() as session:
            row = queries.next_runnable(session, now)
            if row is None:
                return None
            batch_id, attempts, status, previous = row
            if not take_lease(
                session, batch_id, owner, policy, now, status, previous, "lease expired"
            ):
                session.rollback()
                continue
            session.commit()
        if attempts + 1 > policy.max_attempts:
            give_up(
                db,
                Claim(batch_id, owner, attempts + 1),
                f"gave up after {attempts} attempts; the worker was lost each time",
            )
            continue
        return Claim(batch_id=batch_id, owner=owner, attempt=attempts + 1)
    return None


def renew(db: Database, claim: Claim, policy: Policy) -> bool:
    """Extend the lease; False if it was lost (expired and taken by someone else)."""
    with db.session() as session:
        renewed = queries.renew_worker_lease(
            session, claim.batch_id, claim.owner, utcnow() + timedelta(seconds=policy.lease_s)
        )
        session.commit()
        return renewed


def release(db: Database, claim: Claim, *, succeeded: bool) -> None:
    """Drop the lease after a run; a run that got somewhere resets the attempt count."""
    with db.session() as session:
        queries.drop_worker_lease(session, claim.batch_id, claim.owner, reset_attempts=succeeded)
        session.commit()


def retry_later(db: Database, claim: Claim, reason: str, policy: Policy) -> bool:
    """After a retryable error: back off, or give up after `max_attempts`.

    Returns True if the batch will be retried, False if it is now `failed`.
    """
    if claim.attempt >= policy.max_attempts:
        give_up(db, claim, f"gave up after {claim.attempt} attempts: {reason}")
        return False
    delay = policy.delay(claim.attempt)
    with db.session() as session:
        queries.retry_batch_later(
            session, claim.batch_id, claim.owner, reason, utcnow() + timedelta(seconds=delay)
        )
        session.commit()
    log.warning(
        "batch %s: attempt %d failed (%s); retrying in %.0f s",
        claim.batch_id,
        claim.attempt,
        reason,
        delay,
    )
    return True


def give_up(db: Database, claim: Claim, reason: str) -> None:
    """End the batch `failed` with `reason` and drop its lease."""
    with db.session() as session:
        queries.fail_batch(session, claim.batch_id, claim.owner, reason)
        session.commit()
    log.error("batch %s failed: %s", claim.batch_id, reason)


def release_dead_local(db: Database) -> list[str]:
    """Expire leases held by processes of this host that no longer exist.

    Called at start-up so batches of a killed server resume at once instead of after
    their lease runs out. Only this host's owners are judged (a pid means nothing on
    another machine); a reused pid errs on the side of waiting for the lease.
    """
    host = socket.gethostname()
    freed = []
    with db.session() as session:
        for batch_id, owner in queries.leases_of_host(session, host):
            pid = str(owner).split(":")[1]
            if pid.isdigit() and not _alive(int(pid)):
                queries.expire_worker_leases(
                    session, str(owner), utcnow() - timedelta(seconds=1), batch_id
                )
                freed.append(batch_id)
        session.commit()
    return freed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


class Heartbeat:
    """Renew a claim's lease from a background thread while the block runs.

        with Heartbeat(db, claim, policy):
            run_batch(...)

    `lost` turns True if the lease could not be renewed (someone else took the batch).
    """

    def __init__(self, db: Database, claim: Claim, policy: Policy) -> None:
        self.db, self.claim, self.policy = db, claim, policy
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, daemon=True, name=f"heartbeat-{claim.batch_id}"
        )

    def _beat(self) -> None:
        while not self._stop.wait(self.policy.heartbeat_s):
            try:
                if not renew(self.db, self.claim, self.policy):
                    self.lost = True
                    log.error("batch %s: lease lost by %s", self.claim.batch_id, self.claim.owner)
                    return
            except Exception:  # a busy database must not kill the heartbeat; try again
                log.exception("batch %s: heartbeat failed", self.claim.batch_id)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
