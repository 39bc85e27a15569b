"""The scale-out queue on procrastinate: one job runs one batch from its next stage.

Jobs live in PostgreSQL next to the batches (`procrastinate_jobs`), so a job is enqueued
in the same transaction as the batch it runs (`taskmaster.queue.distributed.enqueue_batch`)
and no broker can lose or double it. A job's arguments are ids only (`batch_id`, and the
`stage` it was enqueued for, for the record); the batch row says where to resume.

    job `taskmaster.run_batch`  lock = queueing_lock = batch id, priority = batch priority

`lock` keeps two workers off one batch; `queueing_lock` keeps one waiting job per batch.
The job runs the batch through `runner.run_claimed`, which decides retries for every
runner; `BatchRetry` schedules the job again when it did. The last attempt ends the
batch `failed` with its reason, in the database, so it never blocks the queue.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import procrastinate
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url

from taskmaster.queue.claim import Policy, retryable

log = logging.getLogger(__name__)

TASK = "taskmaster.run_batch"
QUEUE = "batches"


class RetryLater(Exception):  # noqa: N818 - a request, not an error
    """Raised by the batch job when the runner decided to retry the batch.

    The runner has already recorded the retry in the `batches` row (pending, with the
    backoff as its lease); this only asks procrastinate to run the job again then.
    """

    def __init__(self, batch_id: str, delay_s: float) -> None:
        super().__init__(f"batch {batch_id}: retry in {delay_s:.0f} s")
        self.delay_s = delay_s


class BatchRetry(BaseRetryStrategy):
    """When procrastinate runs a batch job again.

    A `RetryLater` from the runner: after its backoff (the runner counted the attempt in
    `Batch.attempts` and gives up after `Policy.max_attempts`). Any other retryable error
    raised by the job itself (`Conflict`: the batch is leased elsewhere) backs off by the
    same `Policy`, up to `max_attempts` runs of the job.
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, RetryLater):
            return RetryDecision(retry_in={"seconds": math.ceil(exception.delay_s)})
        if not retryable(exception) or job.attempts + 1 >= self.policy.max_attempts:
            return None
        return RetryDecision(retry_in={"seconds": int(self.policy.delay(job.attempts + 1))})


def conninfo(database_url: str) -> str:
    """The libpq connection string of an SQLAlchemy PostgreSQL URL."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"procrastinate needs PostgreSQL, not {url.get_backend_name()}")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def apply_schema(connection: Any) -> None:
    """Create procrastinate's tables and functions on a psycopg connection, once."""
    row = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
    if row is None or row[0] is None:
        connection.execute(SchemaManager.get_schema())


def deferrer_app() -> procrastinate.App:
    """An app that only enqueues, on a connection the caller passes (never opened)."""
    return procrastinate.App(connector=procrastinate.SyncPsycopgConnector())


def worker_app(
    database_url: str, run_job: Any, policy: Policy, pool_size: int = 4
) -> procrastinate.App:
    """The app of a `taskmaster worker`: a connection pool and the batch task.

    `run_job(context, batch_id, stage)` is the task body (see `worker_jobs`); it is
    registered here with the retry strategy so the queue's rules live in this module.
    """
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo(database_url), min_size=1, max_size=pool_size
        )
    )
    app.task(name=TASK, queue=QUEUE, pass_context=True, retry=BatchRetry(policy))(run_job)
    return app
