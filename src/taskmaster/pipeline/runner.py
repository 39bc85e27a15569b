"""Drive a batch through the stages, recording every transition as a Task row.

The batch row says which stage comes next (`task`), so a batch interrupted by a crash
resumes at the stage that did not finish; stages are idempotent, so redoing it is safe.
"""

from __future__ import annotations

import logging

from taskmaster.db.keys import pages_tree
from taskmaster.db.models import Batch, Task, utcnow
from taskmaster.db.status import FINISHED, BatchStatus, DocumentStatus, TaskStatus
from taskmaster.errors import TaskmasterError
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.stages import STAGES, WAITS, next_stage

log = logging.getLogger(__name__)


def _begin(svc: Services, ctx: TaskContext, stage: str) -> int | None:
    """Mark the batch running at `stage`; None if it must not run (cancelled, finished)."""
    with svc.db.session() as session:
        batch = session.get(Batch, ctx.batch_id)
        if batch is None or batch.status in FINISHED:
            return None
        attempt = 1 + sum(1 for t in batch.tasks if t.name == stage)
        task = Task(batch_id=batch.id, name=stage, worker=ctx.worker, attempt=attempt)
        session.add(task)
        batch.status, batch.task = BatchStatus.RUNNING, stage
        session.commit()
        return task.id


def _finish(
    svc: Services,
    task_id: int,
    *,
    error: str | None = None,
    batch_status: str | None = None,
    next_task: str | None = None,
) -> None:
    with svc.db.session() as session:
        task = session.get_one(Task, task_id)
        task.status = TaskStatus.FAILED if error else TaskStatus.DONE
        task.finished_at, task.error, task.progress = utcnow(), error, 1.0
        batch = session.get_one(Batch, task.batch_id)
        if batch.status == BatchStatus.CANCELLED:
            session.commit()
            return
        if batch_status:
            batch.status = batch_status
        if batch_status == BatchStatus.FAILED:
            for doc in batch.documents:
                if doc.status in (DocumentStatus.PENDING, DocumentStatus.NEEDS_REVIEW):
                    doc.status, doc.error = DocumentStatus.FAILED, error
        if error:
            batch.error = error
        if next_task is not None or batch_status in FINISHED:
            batch.task = next_task
        session.commit()


def run_batch(svc: Services, ctx: TaskContext) -> str:
    """Run the batch from its next stage until it finishes or waits for verify.

    Returns the batch status. Errors that a retry may cure (`retryable`) propagate to the
    caller (the queue decides); all others end the batch `failed` with the reason.
    Page images pass from stage to stage in memory (`MemoStore`) for this run only.
    """
    with svc.store.run(pages_tree(ctx.batch_id) + "/"):
        return _run(svc, ctx)


def _run(svc: Services, ctx: TaskContext) -> str:
    with svc.db.session() as session:
        batch = session.get_one(Batch, ctx.batch_id)
        if batch.status in FINISHED:
            return batch.status
        stage_name = batch.task or next_stage(None)
    stages = dict(STAGES)
    while stage_name is not None:
        waits = WAITS.get(stage_name)
        if waits is not None and waits(svc, ctx.batch_id):
            with svc.db.session() as session:
                batch = session.get_one(Batch, ctx.batch_id)
                batch.status, batch.task = BatchStatus.NEEDS_REVIEW, stage_name
                session.commit()
            return BatchStatus.NEEDS_REVIEW
        task_id = _begin(svc, ctx, stage_name)
        if task_id is None:
            with svc.db.session() as session:
                return session.get_one(Batch, ctx.batch_id).status
        try:
            stages[stage_name](ctx, svc)
        except TaskmasterError as exc:
            if exc.retryable:
                _finish(svc, task_id, error=exc.message, batch_status=BatchStatus.PENDING)
                raise
            _finish(svc, task_id, error=exc.message, batch_status=BatchStatus.FAILED)
            log.error("batch %s failed in %s: %s", ctx.batch_id, stage_name, exc.message)
            return BatchStatus.FAILED
        except Exception as exc:
            log.exception("batch %s: internal error in %s", ctx.batch_id, stage_name)
            _finish(
                svc,
                task_id,
                error=f"internal error in {stage_name}: {exc!r}",
                batch_status=BatchStatus.FAILED,
            )
            return BatchStatus.FAILED
        following = next_stage(stage_name)
        _finish(
            svc,
            task_id,
            next_task=following,
            batch_status=BatchStatus.DONE if following is None else None,
        )
        stage_name = following
    return BatchStatus.DONE
