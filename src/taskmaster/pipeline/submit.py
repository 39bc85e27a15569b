"""Create a batch: store its files and rows in one transaction, ready for the workflow."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from taskmaster.db.keys import file_key
from taskmaster.db.models import AuditEntry, Batch, InputFile, new_id, utcnow
from taskmaster.db.status import BatchStatus
from taskmaster.errors import InputError, LimitExceeded
from taskmaster.pipeline.services import Services

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file name without directories or odd characters (it becomes a path on disk)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _SAFE.sub("_", base).strip("._")[:120] or "file"


def create_batch(
    svc: Services,
    files: Sequence[tuple[str, bytes]],
    apps: list[str],
    *,
    priority: int = 0,
    origin: str = "api",
    actor: str = "system",
    batch_id: str | None = None,
    lease_owner: str | None = None,
    lease_s: float = 60.0,
) -> str:
    """Store `files` (name, content) as a new pending batch for `apps`; return its id.

    `files` is gone through twice (sizes first, then storing), one file at a time: a
    sequence that reads each file when it is taken keeps one file in memory at once.

    `batch_id` lets a caller name the batch before it exists (the hot folder records it
    first, so a crash cannot import a file twice). `lease_owner` creates the batch leased
    to the caller for `lease_s` seconds, so no worker pool claims it (`process` runs its
    batch itself and renews the lease with `taskmaster.queue.claim.Heartbeat`).
    """
    if not files:
        raise InputError("a batch needs at least one file")
    if not apps:
        raise InputError("a batch needs at least one application")
    for app in apps:
        svc.apps.get(app)  # NotFound names the known applications
    for name, data in files:
        if len(data) > svc.settings.max_upload_bytes:
            raise LimitExceeded(
                f"{name}: {len(data)} bytes is over the limit of {svc.settings.max_upload_bytes}"
            )
    batch_id = batch_id or new_id("b")
    with svc.db.session() as session:
        batch = Batch(
            id=batch_id,
            apps=list(apps),
            priority=priority,
            origin=origin,
            created_by=actor,
            status=BatchStatus.PENDING,
            task="ingest",
            lease_owner=lease_owner,
            lease_until=utcnow() + timedelta(seconds=lease_s) if lease_owner else None,
        )
        for seq, (name, data) in enumerate(files, start=1):
            rel = svc.store.put_bytes(file_key(batch_id, seq, safe_name(name)), data)
            batch.files.append(
                InputFile(
                    seq=seq,
                    name=name,
                    path=rel,
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                )
            )
        session.add(batch)
        session.add(
            AuditEntry(
                actor=actor,
                action="batch.create",
                batch_id=batch_id,
                detail=f"{len(files)} file(s) for {', '.join(apps)} via {origin}",
            )
        )
        if lease_owner is None:
            make_runnable(svc, session, batch_id, stage="ingest", priority=priority)
        session.commit()
    return batch_id


def make_runnable(
    svc: Services, session: Session, batch_id: str, *, stage: str, priority: int = 0
) -> None:
    """Hand a batch to the workers in the caller's transaction, just before its commit.

    With the embedded pool the committed batch row is the queue, so there is nothing to
    do. With `taskmaster worker` processes (procrastinate on PostgreSQL) the job is
    inserted in the same transaction, so it exists if and only if the batch state does.
    """
    if svc.settings.queue != "procrastinate":
        return
    # procrastinate and psycopg load only with that backend (0.15 s of every start-up
    # of `taskmaster process` otherwise), as boto3 loads only with the S3 store.
    from taskmaster.queue.distributed import enqueue_batch

    enqueue_batch(session, batch_id, stage=stage, priority=priority)
