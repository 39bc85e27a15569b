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

from taskmaster.calibration.stats import figures
from taskmaster.calibration.store import Fits
from taskmaster.db.engine import Database
from taskmaster.db.models import Batch, Page, Task
from taskmaster.db.status import QUEUED


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
            by_status = dict(
                session.execute(select(Batch.status, func.count()).group_by(Batch.status)).all()
            )
            pages = session.scalar(select(func.count()).select_from(Page)) or 0
            durations = session.execute(
                select(Task.name, Task.status, func.count(), func.sum(_seconds(self.db)))
                .where(Task.finished_at.is_not(None))
                .group_by(Task.name, Task.status)
            ).all()
        depth = GaugeMetricFamily(
            "taskmaster_queue_depth", "Batches not finished, by status.", labels=["status"]
        )
        for status in QUEUED:
            depth.add_metric([status], by_status.get(status, 0))
        yield depth
        batches = GaugeMetricFamily("taskmaster_batches", "Batches by status.", labels=["status"])
        for status, n in sorted(by_status.items()):
            batches.add_metric([status], n)
        yield batches
        yield CounterMetricFamily("taskmaster_pages_processed", "Pages ingested.", value=pages)
        summary = SummaryMetricFamily(
            "taskmaster_task_duration_seconds",
            "Workflow step durations.",
            labels=["task", "status"],
        )
        for name, status, count, total in durations:
            summary.add_metric([name, status], count_value=count, sum_value=float(total or 0))
        yield summary


class _StraightThroughCollector(Collector):
    """Straight-through figures per application and field (calibration.stats)."""

    def __init__(self, db: Database, fits: Fits) -> None:
        self.db, self.fits = db, fits

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.db.session() as session:
            apps = figures(session, self.fits, self.fits.home)
        doc = GaugeMetricFamily(
            "taskmaster_documents_straight_through_ratio",
            "Documents whose every field was accepted without a person.",
            labels=["app"],
        )
        bound = GaugeMetricFamily(
            "taskmaster_error_bound_ratio",
            "Certified upper bound of the error among accepted fields "
            "(the application's current fit).",
            labels=["app"],
        )
        style_bound = GaugeMetricFamily(
            "taskmaster_style_error_bound_ratio",
            "Certified upper bound of the error among accepted fields of pages of one "
            "fill style, typed or hand (current fit; 1 when none is accepted).",
            labels=["app", "style"],
        )
        style_err = GaugeMetricFamily(
            "taskmaster_style_error_ratio",
            "Measured error among accepted fields of pages of one fill style (current fit).",
            labels=["app", "style"],
        )
        gauges = {
            "stp": GaugeMetricFamily(
                "taskmaster_field_straight_through_ratio",
                "Share of a field's readings accepted without a person.",
                labels=["app", "field"],
            ),
            "corr": GaugeMetricFamily(
                "taskmaster_field_correction_ratio",
                "Share of a field's labelled readings an operator changed (current fit).",
                labels=["app", "field"],
            ),
            "err": GaugeMetricFamily(
                "taskmaster_field_error_ratio",
                "Measured error among a field's accepted readings (current fit).",
                labels=["app", "field"],
            ),
            "bound": GaugeMetricFamily(
                "taskmaster_field_error_bound_ratio",
                "Upper bound of that error (current fit).",
                labels=["app", "field"],
            ),
        }
        for a in apps:
            doc.add_metric([a.app], a.stp_rate)
            if a.bound is not None:
                bound.add_metric([a.app], a.bound)
            for st in a.styles:
                style_bound.add_metric([a.app, st.style], st.bound)
                style_err.add_metric([a.app, st.style], st.error)
            for f in a.fields.values():
                gauges["stp"].add_metric([a.app, f.name], f.stp_rate)
                if f.bound is not None:
                    gauges["corr"].add_metric([a.app, f.name], f.correction_rate)
                    gauges["err"].add_metric([a.app, f.name], f.error)
                    gauges["bound"].add_metric([a.app, f.name], f.bound)
        yield doc
        yield bound
        yield style_bound
        yield style_err
        yield from gauges.values()


class Metrics:
    """One registry per app (tests build many apps in one process)."""

    def __init__(self, db: Database, fits: Fits | None = None) -> None:
        self.registry = CollectorRegistry()
        self.failed_logins = Counter(
            "taskmaster_failed_logins", "Failed logins and bad tokens.", registry=self.registry
        )
        self.registry.register(_DatabaseCollector(db))
        if fits is not None:
            self.registry.register(_StraightThroughCollector(db, fits))
