"""Progress of the running stage of a batch, visible in the API and the dashboard."""

from __future__ import annotations

from sqlalchemy import update

from taskmaster.db.models import Task
from taskmaster.db.status import TaskStatus
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services


def report(svc: Services, ctx: TaskContext, stage: str, done: int, total: int) -> None:
    """Record that `done` of `total` units of `stage` are finished (own short transaction)."""
    if total <= 0:
        return
    with svc.db.session() as session:
        session.execute(
            update(Task)
            .where(
                Task.batch_id == ctx.batch_id, Task.name == stage, Task.status == TaskStatus.RUNNING
            )
            .values(progress=round(min(done / total, 1.0), 3))
        )
        session.commit()
