"""Who is working on what, for the dashboard: worker processes and batches in flight.

Two sources, because the two kinds of worker report differently:

- a `taskmaster worker` process upserts its `workers` row every heartbeat (name, state,
  the batch in hand); a row whose heartbeat is old belongs to a worker that died or hangs;
- the embedded pool of `taskmaster serve` writes no such row; what it does shows in the
  `batches` table: a running batch holds a queue lease (`lease_owner`, `lease_until`)
  that its worker renews while it runs. The same holds for `taskmaster worker` batches,
  so the in-flight list covers both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from taskmaster.db.models import Batch, Task, Worker, utcnow
from taskmaster.db.status import BatchStatus, TaskStatus

# A worker beats every 10 s by default and is presumed dead after 3 silent beats (see
# `taskmaster worker --heartbeat`); 45 s leaves room for one slow database round trip.
STALE_AFTER = timedelta(seconds=45)
# Stopped or long-dead workers stay listed this long, then drop off the dashboard.
KEEP = timedelta(days=1)


def _aware(dt: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass(frozen=True)
class WorkerView:
    """One `taskmaster worker` process as the dashboard shows it."""

    name: str
    kind: str
    host: str
    pid: int
    state: str  # idle | busy | stopping | stopped (as the worker said)
    batch_id: str | None
    task: str | None
    heartbeat_at: datetime
    age_s: float  # seconds since the last heartbeat
    stale: bool  # not stopped, yet silent for longer than STALE_AFTER
    jobs_done: int
    jobs_failed: int
    metrics_url: str | None


@dataclass(frozen=True)
class InFlight:
    """A running batch and the worker that holds its queue lease."""

    batch_id: str
    apps: str
    task: str | None
    owner: str | None  # lease owner: host:pid (worker) or host:pid:wN (embedded pool)
    kind: str  # "worker" when a workers row has this name, else "embedded"
    since: datetime | None  # when the running task started
    progress: float  # of the running task, 0-1
    lease_until: datetime | None
    expired: bool  # the lease ran out: its worker died or hangs


def workers(session: Session, now: datetime | None = None) -> list[WorkerView]:
    """Worker processes seen in the last day: live ones first, then by name."""
    now = now or utcnow()
    rows = session.scalars(
        select(Worker).where(Worker.heartbeat_at >= now - KEEP).order_by(Worker.name)
    )
    out = []
    for w in rows:
        beat = _aware(w.heartbeat_at) or now
        age = max(0.0, (now - beat).total_seconds())
        out.append(
            WorkerView(
                name=w.name,
                kind=w.kind,
                host=w.host,
                pid=w.pid,
                state=w.status,
                batch_id=w.batch_id,
                task=w.task,
                heartbeat_at=beat,
                age_s=round(age, 1),
                stale=w.status != "stopped" and age > STALE_AFTER.total_seconds(),
                jobs_done=w.jobs_done,
                jobs_failed=w.jobs_failed,
                metrics_url=w.metrics_url,
            )
        )
    return sorted(out, key=lambda v: (v.state == "stopped" or v.stale, v.name))


def in_flight(session: Session, now: datetime | None = None, limit: int = 50) -> list[InFlight]:
    """Running batches with their lease holder and the progress of the running task."""
    now = now or utcnow()
    batches = list(
        session.scalars(
            select(Batch)
            .where(Batch.status == BatchStatus.RUNNING)
            .order_by(Batch.updated_at.desc())
            .limit(limit)
        )
    )
    if not batches:
        return []
    named = set(session.scalars(select(Worker.name)))
    running: dict[str, Task] = {}
    for t in session.scalars(
        select(Task)
        .where(Task.batch_id.in_([b.id for b in batches]), Task.status == TaskStatus.RUNNING)
        .order_by(Task.id)
    ):
        running[t.batch_id] = t  # the latest running task of each batch
    out = []
    for b in batches:
        until = _aware(b.lease_until)
        task = running.get(b.id)
        out.append(
            InFlight(
                batch_id=b.id,
                apps=", ".join(b.apps or []),
                task=b.task,
                owner=b.lease_owner,
                kind="worker" if b.lease_owner in named else "embedded",
                since=_aware(task.started_at) if task else None,
                progress=float(task.progress) if task else 0.0,
                lease_until=until,
                expired=until is None or until < now,
            )
        )
    return out


def ago(seconds: float) -> str:
    """A short age for people: '4 s', '3 min', '2 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"
