"""The embedded queue on real SQLite and the real workflow: claims, leases, retries, pool.

Pages are the blank intake form under a one-field application (`mini`), so a batch runs
end to end — identified, recognised, validated, exported — in about a second.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update

from taskmaster.db.models import Batch, Document, ExportRecord, InputFile, Task, utcnow
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.stages import STAGE_NAMES
from taskmaster.pipeline.submit import create_batch
from taskmaster.queue.background import Policy, start_background
from taskmaster.queue.claim import Claim, claim_next, release, retry_later
from taskmaster.settings import Settings
from taskmaster.store import FileStore
from tests.conftest import BLANK

FORM = BLANK
EXPORTERS = ("json", "csv", "sql")
FAST = Policy(lease_s=3, heartbeat_s=0.5, max_attempts=3, backoff_s=0.2, backoff_max_s=1)
MINI_APP = """\
name: mini
version: 1
title: The blank intake form with one optional checkbox (queue tests)
accept_confidence: 0.9  # a bare threshold: no fit, yet blank pages go straight through
exports:
  - {kind: json}
  - {kind: csv}
  - {kind: sql, options: {table: mini}}
document_types:
  - name: mini-v1
    pages:
      - {type: mini-v1}
page_types:
  - name: mini-v1
    reference: form.png
    size: [2550, 3300]
    dpi: 300
    fields:
      - name: sex
        kind: checkbox
        type: enum
        bbox: [800, 742, 1260, 786]
        options:
          - {value: male, label: "Male", bbox: [800, 742, 844, 786]}
          - {value: female, label: "Female", bbox: [951, 742, 995, 786]}
"""


def tiff_of_blank_forms(pages: int) -> bytes:
    """A multi-page TIFF of the blank form: `pages` documents of the mini application."""
    form = Image.open(FORM).convert("L")
    buf = io.BytesIO()
    form.save(
        buf,
        format="TIFF",
        save_all=True,
        append_images=[form] * (pages - 1),
        compression="tiff_deflate",
    )
    return buf.getvalue()


def install_mini_app(home: Path) -> None:
    """An application whose every blank-form page is one document, done and exported."""
    app_dir = home / "apps" / "mini"
    app_dir.mkdir(parents=True, exist_ok=True)
    (app_dir / "app.yaml").write_text(MINI_APP)
    shutil.copy(FORM, app_dir / "form.png")


@pytest.fixture
def svc(home: Path) -> Iterator[Services]:
    install_mini_app(home)
    services = Services.create(Settings(home=home, workers=2, hot_folder=False))
    yield services
    services.close()


def submit(svc: Services, priority: int = 0) -> str:
    return create_batch(svc, [("form.png", FORM.read_bytes())], ["mini"], priority=priority)


def wait_finished(svc: Services, ids: list[str], timeout: float = 90) -> dict[str, str]:
    """Poll until no batch of `ids` is pending or running; return their statuses."""
    deadline = time.monotonic() + timeout
    while True:
        with svc.db.session() as session:
            states = {
                b.id: b.status for b in session.scalars(select(Batch).where(Batch.id.in_(ids)))
            }
        if all(s not in ("pending", "running") for s in states.values()):
            return states
        assert time.monotonic() < deadline, f"batches still open: {states}"
        time.sleep(0.2)


def assert_ran_once(svc: Services, batch_id: str) -> None:
    """Every stage finished exactly once; every document exported once per exporter."""
    with svc.db.session() as session:
        done = Counter(
            t.name
            for t in session.scalars(
                select(Task).where(Task.batch_id == batch_id, Task.status == "done")
            )
        )
        assert done == Counter(STAGE_NAMES), done
        docs = list(session.scalars(select(Document).where(Document.batch_id == batch_id)))
        assert docs and all(d.status == "done" for d in docs)
        for doc in docs:
            kinds = sorted(
                r.exporter
                for r in session.scalars(
                    select(ExportRecord).where(ExportRecord.document_id == doc.id)
                )
            )
            assert kinds == sorted(EXPORTERS)
    rows = list(csv.DictReader((svc.settings.exports_dir / "mini" / "mini-v1.csv").open()))
    assert Counter(r["document"] for r in rows)[docs[0].id] == 1


def test_claims_by_priority_then_age(svc: Services) -> None:
    low, high, mid, low2 = (submit(svc, p) for p in (0, 5, 2, 0))
    order = []
    while (claim := claim_next(svc.db, "test:1", FAST)) is not None:
        order.append(claim.batch_id)
    assert order == [high, mid, low, low2]


def test_a_valid_lease_is_respected_and_an_expired_one_reclaimed(svc: Services) -> None:
    # What `taskmaster process` does: the batch is born leased to the CLI.
    batch_id = create_batch(
        svc, [("form.png", FORM.read_bytes())], ["mini"], lease_owner="elsewhere:1:cli", lease_s=60
    )
    assert claim_next(svc.db, "test:1", FAST) is None
    with svc.db.session() as session:
        session.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    claim = claim_next(svc.db, "test:1", FAST)
    assert claim is not None and claim.batch_id == batch_id and claim.attempt == 1


def test_retryable_failures_back_off_then_give_up_with_the_reason(svc: Services) -> None:
    batch_id = submit(svc)
    for attempt in range(1, FAST.max_attempts + 1):
        deadline = time.monotonic() + 5
        while (claim := claim_next(svc.db, "test:1", FAST)) is None:
            assert time.monotonic() < deadline, "the batch never came back after its backoff"
            time.sleep(0.05)
        assert claim.attempt == attempt
        retried = retry_later(svc.db, claim, "OCR engine unavailable", FAST)
        assert retried == (attempt < FAST.max_attempts)
        if retried:  # backing off: not claimable at once
            assert claim_next(svc.db, "test:1", FAST) is None
    with svc.db.session() as session:
        batch = session.get_one(Batch, batch_id)
        assert batch.status == "failed"
        assert batch.error == "gave up after 3 attempts: OCR engine unavailable"
        assert batch.lease_owner is None


def test_a_batch_whose_worker_dies_every_time_ends_failed(svc: Services) -> None:
    policy = Policy(lease_s=0.05, max_attempts=2)
    batch_id = submit(svc)
    for _ in range(policy.max_attempts):
        assert claim_next(svc.db, "doomed:1", policy) is not None
        time.sleep(0.1)  # the "worker" dies without releasing; its lease runs out
    assert claim_next(svc.db, "doomed:1", policy) is None
    with svc.db.session() as session:
        batch = session.get_one(Batch, batch_id)
        assert batch.status == "failed" and "worker was lost" in (batch.error or "")


def test_success_resets_the_attempt_count(svc: Services) -> None:
    batch_id = submit(svc)
    claim = claim_next(svc.db, "test:1", FAST)
    assert isinstance(claim, Claim)
    release(svc.db, claim, succeeded=True)
    with svc.db.session() as session:
        batch = session.get_one(Batch, batch_id)
        assert (batch.attempts, batch.lease_owner, batch.lease_until) == (0, None, None)


def test_pool_runs_every_batch_exactly_once(svc: Services) -> None:
    ids = [submit(svc) for _ in range(3)]
    bg = start_background(svc, workers=2, mode="threads", policy=FAST, hot_folder=False)
    try:
        assert wait_finished(svc, ids) == dict.fromkeys(ids, "done")
    finally:
        bg.stop(30)
    for batch_id in ids:
        assert_ran_once(svc, batch_id)
    with svc.db.session() as session:
        workers = {t.worker for t in session.scalars(select(Task))}
        assert all(w and w.endswith((":t0", ":t1")) for w in workers), workers


def test_a_dead_workers_batch_resumes_and_finishes_once(svc: Services) -> None:
    batch_id = submit(svc)
    # A worker on another machine claimed it, started ingest and died: its task row is
    # still "running" and its lease has run out.
    assert claim_next(svc.db, "ghost:4242:w0", Policy(lease_s=0.01)) is not None
    with svc.db.session() as session:
        session.add(Task(batch_id=batch_id, name="ingest", worker="ghost:4242:w0"))
        session.execute(
            update(Batch).where(Batch.id == batch_id).values(status="running", task="ingest")
        )
        session.commit()
    bg = start_background(svc, workers=1, mode="threads", policy=FAST, hot_folder=False)
    try:
        assert wait_finished(svc, [batch_id]) == {batch_id: "done"}
    finally:
        bg.stop(30)
    assert_ran_once(svc, batch_id)
    with svc.db.session() as session:
        ghost = session.scalars(select(Task).where(Task.worker == "ghost:4242:w0")).one()
        assert ghost.status == "failed" and "worker lost" in (ghost.error or "")


def test_a_failing_batch_fails_with_its_reason_and_does_not_block_others(svc: Services) -> None:
    broken, *good = (submit(svc, priority=9), submit(svc), submit(svc))
    with svc.db.session() as session:  # its stored input vanished from the data directory
        stored = session.scalars(select(InputFile).where(InputFile.batch_id == broken)).one()
        assert isinstance(svc.store.inner, FileStore)
        svc.store.inner.path(stored.path).unlink()
    bg = start_background(svc, workers=1, mode="threads", policy=FAST, hot_folder=False)
    try:
        states = wait_finished(svc, [broken, *good])
    finally:
        bg.stop(30)
    assert states == {broken: "failed", good[0]: "done", good[1]: "done"}
    with svc.db.session() as session:
        assert "missing" in (session.get_one(Batch, broken).error or "")
    for batch_id in good:
        assert_ran_once(svc, batch_id)


def test_worker_processes_run_batches_and_notify_wakes_them(svc: Services) -> None:
    # A long poll interval: only notify() can make this finish quickly.
    bg = start_background(
        svc, workers=2, mode="processes", policy=FAST, hot_folder=False, poll_s=60
    )
    try:
        assert bg.pool is not None
        time.sleep(1)  # let the workers reach their first wait
        ids = [submit(svc), submit(svc)]
        bg.notify()
        assert wait_finished(svc, ids, timeout=90) == dict.fromkeys(ids, "done")
        assert bg.pool.alive == 2
    finally:
        bg.stop(30)
    for batch_id in ids:
        assert_ran_once(svc, batch_id)
