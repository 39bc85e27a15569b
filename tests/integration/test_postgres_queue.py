"""PostgreSQL: migrations both ways, the procrastinate queue's transaction, priorities,
reconciliation and giving up. Real PostgreSQL (tests/pg.py), no fakes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic import command
from procrastinate.jobs import Job
from sqlalchemy import inspect, select, text

from taskmaster.db.engine import Database, alembic_config, upgrade
from taskmaster.db.models import Batch
from taskmaster.errors import Conflict, EngineError, InputError
from taskmaster.queue.claim import Policy
from taskmaster.queue.distributed import enqueue_batch, reconcile, take
from taskmaster.queue.procrastinate_app import QUEUE, BatchRetry, RetryLater, conninfo, worker_app


def _jobs(db: Database) -> list[tuple[str, str, int]]:
    with db.session() as session:
        return [
            tuple(r)
            for r in session.execute(
                text("SELECT queueing_lock, status, priority FROM procrastinate_jobs ORDER BY id")
            )
        ]


def test_migrations_run_down_and_up_again(pg_url: str) -> None:
    upgrade(pg_url)
    command.downgrade(alembic_config(pg_url), "base")
    upgrade(pg_url)
    db = Database(pg_url, migrate=False)
    tables = set(inspect(db.engine).get_table_names())
    assert {"batches", "workers", "exports", "procrastinate_jobs"} <= tables
    db.dispose()


def test_job_commits_and_rolls_back_with_the_batch(pg_url: str) -> None:
    db = Database(pg_url)
    with db.session() as session:
        session.add(Batch(id="b-rolledback", apps=["intake"], status="pending", task="ingest"))
        assert enqueue_batch(session, "b-rolledback", stage="ingest")
        session.rollback()
    assert _jobs(db) == []
    with db.session() as session:
        session.add(
            Batch(id="b-kept", apps=["intake"], status="pending", task="ingest", priority=7)
        )
        assert enqueue_batch(session, "b-kept", stage="ingest", priority=7)
        assert not enqueue_batch(session, "b-kept", stage="ingest", priority=7)  # one waits
        session.commit()
    assert _jobs(db) == [("b-kept", "todo", 7)]
    db.dispose()


def test_reconcile_enqueues_only_runnable_batches_without_a_job(pg_url: str) -> None:
    db = Database(pg_url)
    with db.session() as session:
        session.add_all(
            [
                Batch(id="b-orphan", apps=["a"], status="pending", task="ingest", priority=2),
                Batch(id="b-done", apps=["a"], status="done"),
                Batch(id="b-review", apps=["a"], status="needs_review", task="verify"),
                Batch(
                    id="b-leased",
                    apps=["a"],
                    status="running",
                    task="recognize",
                    lease_owner="elsewhere:1",
                    lease_until=datetime(2999, 1, 1, tzinfo=UTC),
                ),
            ]
        )
        session.commit()
    assert reconcile(db) == ["b-orphan"]
    assert reconcile(db) == []  # its job is waiting now
    db.dispose()


def test_higher_priority_runs_first(pg_url: str) -> None:
    db = Database(pg_url)
    with db.session() as session:
        for batch_id, priority in (("b-low", 0), ("b-high", 9), ("b-mid", 3)):
            session.add(
                Batch(id=batch_id, apps=["a"], status="pending", task="ingest", priority=priority)
            )
            enqueue_batch(session, batch_id, stage="ingest", priority=priority)
        session.commit()
    app = worker_app(pg_url, lambda context, batch_id, stage=None: None, Policy())

    async def fetch_order() -> list[str]:
        async with app.open_async():
            worker_id = await app.job_manager.register_worker()
            order: list[str] = []
            while (job := await app.job_manager.fetch_job([QUEUE], worker_id)) is not None:
                order.append(str(job.task_kwargs["batch_id"]))
            return order

    assert asyncio.run(fetch_order()) == ["b-high", "b-mid", "b-low"]
    db.dispose()


def test_a_batch_is_leased_to_one_worker_at_a_time(pg_url: str) -> None:
    db = Database(pg_url)
    with db.session() as session:
        session.add(Batch(id="b-1", apps=["a"], status="pending", task="ingest"))
        session.commit()
    policy = Policy(lease_s=60)
    assert take(db, "b-1", "host-a:1", policy) is not None
    assert take(db, "b-1", "host-b:2", policy) is None
    with db.session() as session:
        assert session.scalar(select(Batch.lease_owner)) == "host-a:1"
    db.dispose()


def test_retry_backs_off_then_stops() -> None:
    strategy = BatchRetry(Policy(max_attempts=3, backoff_s=5))
    job = Job(
        id=1, queue=QUEUE, lock=None, queueing_lock=None, task_name="t", task_kwargs={}, attempts=0
    )
    first = strategy.get_retry_decision(exception=EngineError("ocr crashed"), job=job)
    assert first is not None and first.retry_at is not None
    assert strategy.get_retry_decision(exception=Conflict("leased"), job=job) is not None
    assert strategy.get_retry_decision(exception=InputError("bad file"), job=job) is None
    last = job.evolve(attempts=2)
    assert strategy.get_retry_decision(exception=EngineError("again"), job=last) is None
    assert Policy(backoff_s=5, backoff_max_s=30).delay(5) == 30
    # the runner decided a retry (and counts it in Batch.attempts): after its backoff
    later = strategy.get_retry_decision(exception=RetryLater("b-1", 2.5), job=last)
    assert later is not None and later.retry_at is not None


def test_conninfo_needs_postgresql() -> None:
    assert conninfo("postgresql+psycopg://u:p@h:5/db") == "postgresql://u:p@h:5/db"
    with pytest.raises(ValueError):
        conninfo("sqlite:///x.db")
