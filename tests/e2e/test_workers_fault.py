"""Fault drill: PostgreSQL, two `taskmaster worker` processes, 64 pages in 8 batches; one
worker is killed with SIGKILL mid-batch and restarted. Every document must be exported
exactly once, no batch may be stuck, and the history (tasks, audit) must be complete.

Pages are the blank intake form (the customer's reference image) under a one-field
application, so each takes about a second and the drill ends in about two minutes.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from taskmaster.db.models import AuditEntry, Batch, Document, ExportRecord, Task, Worker
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.stages import STAGE_NAMES
from taskmaster.pipeline.submit import create_batch
from taskmaster.settings import Settings
from tests.conftest import BIN, ROOT
from tests.integration.test_queue import EXPORTERS, install_mini_app, tiff_of_blank_forms

DRILL = "mini"  # the application the workers run (tests/integration/test_queue.py)
BATCHES, PAGES = 8, 8


def install_drill_app(home: Path) -> None:
    """The drill application: the queue tests' one-field app (each blank page a document)."""
    install_mini_app(home)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    cmd = (
        [str(BIN / "taskmaster")]
        if (BIN / "taskmaster").exists()
        else [sys.executable, "-c", "from taskmaster.cli.main import main; main()"]
    )
    return subprocess.Popen(
        [*cmd, "-v", "worker", "--heartbeat", "1", "--metrics-port", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        start_new_session=True,
    )


def exported(svc: Services) -> int:
    with svc.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(ExportRecord)) or 0)


def busy_batch(svc: Services, pid: int) -> str | None:
    with svc.db.session() as session:
        row = session.scalar(select(Worker).where(Worker.pid == pid))
        return row.batch_id if row is not None and row.status == "busy" else None


@pytest.mark.timeout(420)
def test_sigkill_mid_run_exports_every_document_once(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    install_drill_app(home)
    env = {
        **os.environ,
        "TASKMASTER_HOME": str(home),
        "TASKMASTER_DATABASE_URL": pg_url,
        "TASKMASTER_QUEUE": "procrastinate",
        "OMP_THREAD_LIMIT": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }
    for key in ("TASKMASTER_HOME", "TASKMASTER_DATABASE_URL", "TASKMASTER_QUEUE"):
        monkeypatch.setenv(key, env[key])
    svc = Services.create(Settings())
    tiff = tiff_of_blank_forms(PAGES)
    batch_ids = [
        create_batch(svc, [(f"scan-{i}.tif", tiff)], [DRILL], origin="api") for i in range(BATCHES)
    ]

    logs = tmp_path / "workers.log"
    victim = start_worker(env, logs)
    other = start_worker(env, logs)
    workers = [victim, other]
    try:
        # Kill the victim while it holds a batch, after some documents went out.
        deadline, killed_in = time.monotonic() + 180, None
        while time.monotonic() < deadline and killed_in is None:
            batch = busy_batch(svc, victim.pid)
            if batch is not None and exported(svc) >= 3 * len(EXPORTERS):
                os.killpg(victim.pid, signal.SIGKILL)
                victim.wait(10)
                killed_in = batch
            time.sleep(0.1)
        assert killed_in is not None, f"the victim never ran a batch: {logs.read_text()[-3000:]}"
        workers.append(start_worker(env, logs))

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with svc.db.session() as session:
                open_ = session.scalar(
                    select(func.count())
                    .select_from(Batch)
                    .where(Batch.status.in_(("pending", "running")))
                )
            if not open_:
                break
            time.sleep(0.5)
        for proc in workers[1:]:  # graceful stop: finish what is in hand, then exit 0
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers[1:]:
            assert proc.wait(60) == 0
    finally:
        for proc in workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    log_text = logs.read_text()

    with svc.db.session() as session:
        statuses = dict(session.execute(select(Batch.id, Batch.status)).all())
        assert statuses == {b: "done" for b in batch_ids}, log_text[-4000:]
        docs = session.scalars(select(Document.id)).all()
        assert len(docs) == BATCHES * PAGES
        # Exactly once, by the record of deliveries ...
        deliveries = Counter(
            session.execute(select(ExportRecord.document_id, ExportRecord.exporter)).all()
        )
        assert set(deliveries) == {(d, e) for d in docs for e in EXPORTERS}
        assert set(deliveries.values()) == {1}
        # ... and by what the export targets hold.
        rows = session.execute(text(f"SELECT document FROM {DRILL}")).scalars().all()
        assert sorted(rows) == sorted(docs)
        # The killed batch's history says a worker was lost and the stage was redone
        # (unless the kill landed just after the victim's last stage of it: no stage lost).
        lost = session.scalars(
            select(Task).where(Task.batch_id == killed_in, Task.status == "failed")
        ).all()
        assert all("worker lost" in (t.error or "") for t in lost)
        for task in lost:
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(Task)
                    .where(
                        Task.batch_id == killed_in, Task.name == task.name, Task.status == "done"
                    )
                )
                == 1
            )
        for batch_id in batch_ids:
            done = {
                t.name
                for t in session.scalars(
                    select(Task).where(Task.batch_id == batch_id, Task.status == "done")
                )
            }
            assert done == set(STAGE_NAMES) - {"verify"} or done == set(STAGE_NAMES)
        assert (
            session.scalar(select(func.count()).select_from(Task).where(Task.status == "running"))
            == 0
        )
        created = session.scalars(
            select(AuditEntry.batch_id).where(AuditEntry.action == "batch.create")
        ).all()
        assert sorted(b or "" for b in created) == sorted(batch_ids)
        jobs = session.execute(
            text("SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")
        ).all()
        assert {s for s, _ in jobs} == {"succeeded"}, jobs
        stopped = session.scalars(
            select(Worker.status).where(Worker.pid.in_([p.pid for p in workers[1:]]))
        ).all()
        assert stopped == ["stopped", "stopped"]
    export_dir = home / "exports" / DRILL
    assert sorted(p.stem for p in export_dir.glob("d-*.json")) == sorted(docs)
    with (export_dir / f"{DRILL}-v1.csv").open() as fh:
        csv_docs = [r["document"] for r in csv.DictReader(fh)]
    assert sorted(csv_docs) == sorted(docs)
    svc.close()
