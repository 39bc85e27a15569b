"""The procrastinate job of `taskmaster worker`: take the batch's lease, run it.

The job body is the same runner the embedded pool and `taskmaster process` use
(`runner.run_claimed`); this module only adds what the procrastinate queue needs: the
lease is taken by batch id (`distributed.take`), a batch leased elsewhere asks for a
later try (`Conflict`), a retry decided by the runner becomes `RetryLater`, and the
sweep that re-enqueues lost and orphaned jobs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import procrastinate
from procrastinate.job_context import JobContext

from taskmaster.db.models import Batch
from taskmaster.db.status import RUNNABLE, BatchStatus
from taskmaster.errors import Conflict
from taskmaster.pipeline.services import Services
from taskmaster.queue.claim import Policy, give_up
from taskmaster.queue.distributed import reconcile, retry_stalled, take
from taskmaster.queue.procrastinate_app import RetryLater
from taskmaster.queue.runner import run_claimed
from taskmaster.queue.worker_status import WorkerStatus

log = logging.getLogger(__name__)


@dataclass
class BatchJobs:
    """Everything the batch job needs in this process (procrastinate's extra context)."""

    svc: Services
    status: WorkerStatus
    policy: Policy

    def run(self, batch_id: str, stage: str | None) -> str:
        """Run one batch job; returns the batch status. Raises to ask for a retry."""
        owner = self.status.name
        claim = take(self.svc.db, batch_id, owner, self.policy)
        if claim is None:
            with self.svc.db.session() as session:
                batch = session.get(Batch, batch_id)
                state = batch.status if batch is not None else "missing"
            if state in RUNNABLE:
                raise Conflict(f"batch {batch_id} is leased to another worker")
            return state  # finished, waiting for verify, cancelled or deleted: no work
        if claim.attempt > self.policy.max_attempts:
            give_up(
                self.svc.db,
                claim,
                f"gave up after {claim.attempt - 1} attempts; the worker was lost each time",
            )
            return BatchStatus.FAILED
        self.status.busy(batch_id, stage)
        started = time.monotonic()
        try:
            outcome = run_claimed(self.svc, claim, self.policy)
        except BaseException:
            self.status.idle("error", time.monotonic() - started)
            raise
        self.status.idle(outcome.status, time.monotonic() - started)
        if outcome.retry_in is not None:
            raise RetryLater(batch_id, outcome.retry_in)
        return outcome.status


def run_batch_job(context: JobContext, batch_id: str, stage: str | None = None) -> str:
    """The procrastinate task body (registered by `procrastinate_app.worker_app`)."""
    jobs: BatchJobs = context.additional_context["jobs"]
    return jobs.run(batch_id, stage)


async def sweep(jobs: BatchJobs, app: procrastinate.App, every_s: float, stalled_s: float) -> None:
    """Every `every_s`: retry jobs of dead workers, enqueue batches that lack a job."""
    while True:
        try:
            await retry_stalled(app, stalled_s)
            await asyncio.to_thread(reconcile, jobs.svc.db)
        except Exception:  # a database blip: try again at the next sweep
            log.exception("queue sweep failed")
        await asyncio.sleep(every_s)
