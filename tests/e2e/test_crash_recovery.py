"""Crash drill for the embedded pool: `taskmaster serve` (SQLite, two worker processes)
is killed with SIGKILL mid-run and started again; every batch must finish exactly once.

Pages are the blank intake form under the one-field `mini` application (see
tests/integration/test_queue.py), three to a batch, so a batch takes a few seconds.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from taskmaster.db.models import Batch, Document, ExportRecord, Task
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.stages import STAGE_NAMES
from taskmaster.pipeline.submit import create_batch
from taskmaster.settings import Settings
from tests.conftest import BIN
from tests.e2e.conftest import free_port
from tests.integration.test_queue import EXPORTERS, install_mini_app, tiff_of_blank_forms

BATCHES, PAGES = 4, 3


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # Its own session, so the test can clean up every process it left, whatever happens.
    return subprocess.Popen(
        [str(BIN / "taskmaster"), "serve", "--port", str(free_port())],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        start_new_session=True,
    )


def session_gone(pgid: int, timeout: float) -> bool:
    """True once no process of the session `pgid` is left (the workers died with it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def counts(svc: Services) -> tuple[int, int]:
    """(exports delivered, batches still pending or running)."""
    with svc.db.session() as session:
        exported = session.scalar(select(func.count()).select_from(ExportRecord)) or 0
        open_ = (
            session.scalar(
                select(func.count())
                .select_from(Batch)
                .where(Batch.status.in_(("pending", "running")))
            )
            or 0
        )
    return int(exported), int(open_)


@pytest.mark.timeout(300)
def test_kill_9_mid_batch_and_restart_finish_every_batch_exactly_once(
    home: Path, tmp_path: Path
) -> None:
    install_mini_app(home)
    env = {
        **os.environ,
        "TASKMASTER_HOME": str(home),
        "TASKMASTER_WORKERS": "2",
        "TASKMASTER_HOT_FOLDER": "false",
        "TASKMASTER_ADMIN_PASSWORD": "crash-drill-pw",
        "OMP_THREAD_LIMIT": "1",
    }
    env.pop("TASKMASTER_DATABASE_URL", None)
    svc = Services.create(Settings(home=home))
    tiff = tiff_of_blank_forms(PAGES)
    ids = [create_batch(svc, [(f"scan-{i}.tif", tiff)], ["mini"]) for i in range(BATCHES)]
    log = tmp_path / "server.log"
    servers = [start_server(env, log)]
    try:
        # Kill the server once some documents went out and batches are still open.
        deadline = time.monotonic() + 150
        while True:
            exported, open_ = counts(svc)
            if exported >= len(EXPORTERS) and open_ >= 2:
                break
            assert servers[0].poll() is None, f"server exited: {log.read_text()[-3000:]}"
            assert time.monotonic() < deadline and open_ > 0, (
                f"no mid-run moment to kill at: {log.read_text()[-3000:]}"
            )
            time.sleep(0.1)
        os.kill(servers[0].pid, signal.SIGKILL)  # the server only, as `kill -9 PID` would
        servers[0].wait(10)
        assert session_gone(servers[0].pid, 10), "worker processes outlived the server"

        servers.append(start_server(env, log))
        deadline = time.monotonic() + 180
        while counts(svc)[1]:
            assert time.monotonic() < deadline, f"batches stuck: {log.read_text()[-3000:]}"
            assert servers[1].poll() is None, f"server exited: {log.read_text()[-3000:]}"
            time.sleep(0.3)
        servers[1].send_signal(signal.SIGTERM)  # graceful: lifespan stops the pool
        # uvicorn re-raises the signal it handled once it has shut down cleanly.
        assert servers[1].wait(60) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in log.read_text()
        assert "resuming" in log.read_text()  # the dead server's leases freed at start-up
    finally:
        for proc in servers:
            if proc.poll() is None or not session_gone(proc.pid, 0.1):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)

    with svc.db.session() as session:
        for batch_id in ids:
            batch = session.get_one(Batch, batch_id)
            assert batch.status == "done", (batch_id, batch.status, batch.error)
            done = Counter(
                t.name
                for t in session.scalars(
                    select(Task).where(Task.batch_id == batch_id, Task.status == "done")
                )
            )
            assert done == Counter(STAGE_NAMES), (batch_id, done)
        docs = [d.id for d in session.scalars(select(Document))]
        assert len(docs) == BATCHES * PAGES
        delivered = Counter(
            (r.document_id, r.exporter) for r in session.scalars(select(ExportRecord))
        )
        assert delivered == Counter({(d, e): 1 for d in docs for e in EXPORTERS})
        lost = list(session.scalars(select(Task).where(Task.status == "running")))
        assert lost == [], "a task row was left running"
    rows = list(csv.DictReader((home / "exports" / "mini" / "mini-v1.csv").open()))
    assert Counter(r["document"] for r in rows) == Counter(docs)
    assert len(list((home / "exports" / "mini").glob("**/*.json"))) == len(docs)
    svc.close()
