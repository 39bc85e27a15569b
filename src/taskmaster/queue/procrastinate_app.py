"""The scale-out queue on procrastinate: one job runs one batch from its next stage.

Jobs live in PostgreSQL next to the batches (`procrastinate_jobs`), so a job is enqueued
in the same transaction as the batch it runs (`taskmaster.queue.distributed.enqueue_batch`)
and no broker can lose or double it. A job's arguments are ids only (`batch_id`, and the
`stage` it was enqueued for, for the record); the batch row says where to resume.

    job `taskmaster.run_batch`  lock = queueing_lock = batch id, priority = batch priority

`lock` keeps two workers off one batch; `queueing_lock` keeps one waiting job per batch.
Errors a retry may cure back off exponentially (`BatchRetry`); the last attempt ends the
batch `failed` with its reason, in the database, so it never blocks the queue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import procrastinate
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from taskmaster.errors import Conflict, TaskmasterError

log = logging.getLogger(__name__)

TASK = "taskmaster.run_batch"
QUEUE = "batches"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon a batch job is retried."""

    max_attempts: int = 5       # runs of one job, worker losses included
    backoff_s: float = 5.0      # first retry delay; doubles per attempt
    backoff_max_s: float = 300.0

    def delay(self, attempts: int) -> float:
        return float(min(self.backoff_s * 2 ** attempts, self.backoff_max_s))


def retryable(exc: BaseException) -> bool:
    """The one retry decision of the distributed worker.

    Our own errors say whether a retry helps; a batch leased to someone else (`Conflict`)
    will be free later; a database error mid-run (connection lost, failover) is worth
    another try. Anything else ends the job.
    """
    if isinstance(exc, TaskmasterError):
        return exc.retryable or isinstance(exc, Conflict)
    return isinstance(exc, DBAPIError)


class BatchRetry(BaseRetryStrategy):
    """Exponential backoff for retryable errors, up to `RetryPolicy.max_attempts` runs."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def get_retry_decision(self, *, exception: BaseException,
                           job: Job) -> RetryDecision | None:
        if not retryable(exception) or job.attempts + 1 >= self.policy.max_attempts:
            return None
        return RetryDecision(retry_in={"seconds": int(self.policy.delay(job.attempts))})


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


def worker_app(database_url: str, run_job: Any, policy: RetryPolicy,
               pool_size: int = 4) -> procrastinate.App:
    """The app of a `taskmaster worker`: a connection pool and the batch task.

    `run_job(context, batch_id, stage)` is the task body (see `cli.worker`); it is
    registered here with the retry strategy so the queue's rules live in this module.
    """
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url), min_size=1, max_size=pool_size))
    app.task(name=TASK, queue=QUEUE, pass_context=True, retry=BatchRetry(policy))(run_job)
    return app
