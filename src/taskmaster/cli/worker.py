"""`taskmaster worker`: a scale-out worker that runs batches from the procrastinate queue.

Run any number of them, on any machines that reach the PostgreSQL database and the
store. Each one takes a job, leases its batch, runs the workflow from the batch's next
stage and heartbeats: its procrastinate heartbeat (a killed worker's job is retried by
the others), its batch lease, and its `workers` row (the dashboard). SIGTERM/SIGINT
stops taking jobs and finishes the batch in hand; SIGKILL costs a retry. The job body
is `taskmaster.queue.worker_jobs`; this module is only the command.
"""

from __future__ import annotations

import asyncio
import logging

import typer
from sqlalchemy.engine import make_url

from taskmaster import logs
from taskmaster.errors import ConfigError
from taskmaster.pipeline.services import Services
from taskmaster.queue.claim import Policy, worker_name
from taskmaster.queue.procrastinate_app import QUEUE, worker_app
from taskmaster.queue.worker_jobs import BatchJobs, run_batch_job, sweep
from taskmaster.queue.worker_status import WorkerStatus
from taskmaster.settings import Settings

log = logging.getLogger(__name__)


def worker(
    concurrency: int = typer.Option(
        1, "--concurrency", "-c", min=1, help="Batches run at once (one per core is typical)."
    ),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", help="Serve /healthz and /metrics on this port (0: any)."
    ),
    metrics_host: str = typer.Option(
        "127.0.0.1", "--metrics-host", help="Address of the health and metrics endpoint."
    ),
    heartbeat: float = typer.Option(
        10.0,
        "--heartbeat",
        min=0.5,
        help="Seconds between heartbeats; a worker silent for 3 beats is presumed dead "
        "(use the same value on every worker).",
    ),
) -> None:
    """Run batches from the PostgreSQL queue (TASKMASTER_QUEUE=procrastinate)."""
    settings = Settings()
    logs.configure(settings)
    if make_url(settings.db_url).get_backend_name() != "postgresql":
        raise ConfigError(
            "taskmaster worker needs PostgreSQL: set TASKMASTER_DATABASE_URL "
            "to postgresql+psycopg://user:password@host/database"
        )
    svc = Services.create(settings)
    status = WorkerStatus(svc.db, worker_name("w"), heartbeat_s=heartbeat)
    jobs = BatchJobs(
        svc=svc, status=status, policy=Policy(lease_s=3 * heartbeat, heartbeat_s=heartbeat)
    )
    app = worker_app(settings.db_url, run_batch_job, jobs.policy, pool_size=concurrency + 2)
    status.start(metrics_host, metrics_port)
    if status.metrics_url:
        log.info("worker %s: health and metrics at %s", status.name, status.metrics_url)

    async def main() -> None:
        async with app.open_async():
            sweeper = asyncio.create_task(sweep(jobs, app, heartbeat, 3 * heartbeat))
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=concurrency,
                    name=status.name,
                    additional_context={"jobs": jobs},
                    update_heartbeat_interval=heartbeat,
                    stalled_worker_timeout=3 * heartbeat,
                    install_signal_handlers=True,
                )
            finally:
                sweeper.cancel()

    try:
        asyncio.run(main())
    finally:
        status.stop()
        svc.close()
