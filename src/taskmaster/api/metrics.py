"""Prometheus metrics, read from the database at scrape time.

The database is the one source of truth shared by the server, its embedded workers and
any scale-out worker, so queue depth, pages and task durations are queried when scraped
instead of counted in one process. Failed logins are counted here (they never reach the
database when the user does not exist).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, Float, cast, func, select

from taskmaster.db.engine import Database
from taskmaster.db.models import Batch, Page, Task

QUEUED = ("pending", "running", "needs_review")


def _seconds(db: Database) -> ColumnElement[float]:
    """Task duration in seconds, in the database's own dialect."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(Task.finished_at) - func.julianday(Task.started_at)) * 86400.0
    return cast(func.extract("epoch", Task.finished_at - Task.started_at), Float)


class _DatabaseCollector(Collector):
    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | SummaryMetricFamily]:
        with self.db.session() as session:
            by_status = dict(session.execute(
                select(Batch.status, func.count()).group_by(Batch.status)).all())
            pages = session.scalar(select(func.count()).select_from(Page)) or 0
            durations = session.execute(
                select(Task.name, Task.status, func.count(), func.sum(_seconds(self.db)))
                .where(Task.finished_at.is_not(None)).group_by(Task.name, Task.status)
            ).all()
        depth = GaugeMetricFamily("taskmaster_queue_depth", "Batches not finished, by status.",
                                  labels=["status"])
        for status in QUEUED:
            depth.add_metric([status], by_status.get(status, 0))
        yield depth
        batches = GaugeMetricFamily("taskmaster_batches", "Batches by status.", labels=["status"])
        for status, n in sorted(by_status.items()):
            batches.add_metric([status], n)
        yield batches
        yield CounterMetricFamily("taskmaster_pages_processed", "Pages ingested.", value=pages)
        summary = SummaryMetricFamily("taskmaster_task_duration_seconds",
                                      "Workflow step durations.", labels=["task", "status"])
        for name, status, count, total in durations:
            summary.add_metric([name, status], count_value=count, sum_value=float(total or 0))
        yield summary


class Metrics:
    """One registry per app (tests build many apps in one process)."""

    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.failed_logins = Counter("taskmaster_failed_logins", "Failed logins and bad tokens.",
                                     registry=self.registry)
        self.registry.register(_DatabaseCollector(db))
