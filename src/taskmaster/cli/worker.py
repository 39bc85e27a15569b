"""`taskmaster worker`: a scale-out worker that runs batches from the procrastinate queue.

Run any number of them, on any machines that reach the PostgreSQL database and the
store. Each one takes a job, leases its batch, runs the workflow from the batch's next
stage and heartbeats: its procrastinate heartbeat (a killed worker's job is retried by
the others), its batch lease, and its `workers` row (the dashboard). SIGTERM/SIGINT
stops taking jobs and finishes the batch in hand; SIGKILL costs a retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import procrastinate
import typer
from procrastinate.job_context import JobContext
from procrastinate.jobs import Job
from sqlalchemy.engine import make_url

from taskmaster import logs
from taskmaster.db.models import Batch
from taskmaster.db.status import BatchStatus
from taskmaster.errors import ConfigError, Conflict, TaskmasterError
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.runner import run_batch
from taskmaster.pipeline.services import Services
from taskmaster.queue.claim import RUNNABLE, Claim, Heartbeat, Policy, give_up, release, worker_name
from taskmaster.queue.distributed import reconcile, retry_stalled, take
from taskmaster.queue.procrastinate_app import QUEUE, RetryPolicy, retryable, worker_app
from taskmaster.queue.worker_status import WorkerStatus
from taskmaster.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class BatchJobs:
    """Everything the batch job needs in this process (procrastinate's extra context)."""

    svc: Services
    status: WorkerStatus
    lease: Policy
    retry: RetryPolicy

    def run(self, job: Job, batch_id: str, stage: str | None) -> str:
        """Run one batch job; returns the batch status. Raises to ask for a retry."""
        owner = self.status.name
        claim = take(self.svc.db, batch_id, owner, self.lease)
        if claim is None:
            with self.svc.db.session() as session:
                batch = session.get(Batch, batch_id)
                state = batch.status if batch is not None else "missing"
            if state in RUNNABLE:
                raise Conflict(f"batch {batch_id} is leased to another worker")
            return state  # finished, waiting for verify, cancelled or deleted: no work
        if job.attempts + 1 > self.retry.max_attempts:
            give_up(self.svc.db, claim, f"gave up after {job.attempts} attempts; "
                                        "the worker was lost each time")
            return BatchStatus.FAILED
        self.status.busy(batch_id, stage)
        started, outcome = time.monotonic(), "error"
        try:
            with Heartbeat(self.svc.db, claim, self.lease):
                outcome = run_batch(self.svc, TaskContext(batch_id=batch_id, worker=owner))
        except Exception as exc:
            return self._failed(job, claim, exc)
        finally:
            self.status.idle(outcome, time.monotonic() - started)
        release(self.svc.db, claim, succeeded=True)
        return outcome

    def _failed(self, job: Job, claim: Claim, exc: Exception) -> str:
        reason = exc.message if isinstance(exc, TaskmasterError) else repr(exc)
        if retryable(exc) and job.attempts + 1 < self.retry.max_attempts:
            release(self.svc.db, claim, succeeded=False)
            log.warning("batch %s: attempt %d failed (%s); retrying", claim.batch_id,
                        job.attempts + 1, reason)
            raise exc
        give_up(self.svc.db, claim, f"gave up after {job.attempts + 1} attempt(s): {reason}")
        return BatchStatus.FAILED


def _run_batch_job(context: JobContext, batch_id: str, stage: str | None = None) -> str:
    jobs: BatchJobs = context.additional_context["jobs"]
    assert context.job is not None
    return jobs.run(context.job, batch_id, stage)


async def _sweep(jobs: BatchJobs, app: procrastinate.App, every_s: float,
                 stalled_s: float) -> None:
    """Every `every_s`: retry jobs of dead workers, enqueue batches that lack a job."""
    while True:
        try:
            await retry_stalled(app, stalled_s)
            await asyncio.to_thread(reconcile, jobs.svc.db)
        except Exception:  # a database blip: try again at the next sweep
            log.exception("queue sweep failed")
        await asyncio.sleep(every_s)


def worker(
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1,
                                    help="Batches run at once (one per core is typical)."),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", help="Serve /healthz and /metrics on this port (0: any)."),
    metrics_host: str = typer.Option("127.0.0.1", "--metrics-host",
                                     help="Address of the health and metrics endpoint."),
    heartbeat: float = typer.Option(
        10.0, "--heartbeat", min=0.5,
        help="Seconds between heartbeats; a worker silent for 3 beats is presumed dead "
             "(use the same value on every worker)."),
) -> None:
    """Run batches from the PostgreSQL queue (TASKMASTER_QUEUE=procrastinate)."""
    settings = Settings()
    logs.configure(settings)
    if make_url(settings.db_url).get_backend_name() != "postgresql":
        raise ConfigError("taskmaster worker needs PostgreSQL: set TASKMASTER_DATABASE_URL "
                          "to postgresql+psycopg://user:password@host/database")
    svc = Services.create(settings)
    status = WorkerStatus(svc.db, worker_name("w"), heartbeat_s=heartbeat)
    jobs = BatchJobs(svc=svc, status=status, retry=RetryPolicy(),
                     lease=Policy(lease_s=3 * heartbeat, heartbeat_s=heartbeat))
    app = worker_app(settings.db_url, _run_batch_job, jobs.retry,
                     pool_size=concurrency + 2)
    status.start(metrics_host, metrics_port)
    if status.metrics_url:
        log.info("worker %s: health and metrics at %s", status.name, status.metrics_url)

    async def main() -> None:
        async with app.open_async():
            sweeper = asyncio.create_task(_sweep(jobs, app, heartbeat, 3 * heartbeat))
            try:
                await app.run_worker_async(
                    queues=[QUEUE], concurrency=concurrency, name=status.name,
                    additional_context={"jobs": jobs}, update_heartbeat_interval=heartbeat,
                    stalled_worker_timeout=3 * heartbeat, install_signal_handlers=True)
            finally:
                sweeper.cancel()

    try:
        asyncio.run(main())
    finally:
        status.stop()
        svc.close()
