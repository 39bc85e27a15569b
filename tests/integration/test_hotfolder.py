"""The hot folder on a real data directory, real SQLite and the real workflow.

The tests drive `HotFolder.poll()` themselves (one pass each), so "stable for two polls"
is exact and no test waits on the watcher's timer; worker threads run the batches.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from taskmaster.db.models import Batch
from taskmaster.pipeline.services import Services
from taskmaster.queue import Background, HotFolder, start_background
from taskmaster.settings import Settings
from tests.integration.test_queue import FAST, FORM, assert_ran_once, install_mini_app


@pytest.fixture
def svc(home: Path) -> Iterator[Services]:
    install_mini_app(home)
    services = Services.create(Settings(home=home, workers=1, hot_folder=False))
    yield services
    services.close()


@pytest.fixture
def pool(svc: Services) -> Iterator[Background]:
    bg = start_background(svc, workers=1, mode="threads", policy=FAST, hot_folder=False,
                          poll_s=0.2)
    yield bg
    bg.stop(30)


def watcher(svc: Services, bg: Background | None = None) -> HotFolder:
    return HotFolder(svc, notify=bg.notify if bg else None, default_app="mini",
                     stable_polls=2)


def batches(svc: Services) -> list[str]:
    with svc.db.session() as session:
        return list(session.scalars(select(Batch.id).where(Batch.origin == "hotfolder")))


def poll_until(hf: HotFolder, done: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not done.exists():
        assert time.monotonic() < deadline, f"{done} never appeared"
        hf.poll()
        time.sleep(0.2)


def test_a_file_being_written_is_not_taken_until_complete(svc: Services) -> None:
    hf = watcher(svc)
    hf.poll()
    data = FORM.read_bytes()
    target = svc.settings.inbox_dir / "slow.png"
    chunks = [data[i:i + len(data) // 5 + 1] for i in range(0, len(data), len(data) // 5 + 1)]
    with target.open("wb") as fh:
        for chunk in chunks:  # a slow scanner: a chunk per poll
            fh.write(chunk)
            fh.flush()
            hf.poll()
            assert target.exists() and batches(svc) == []
    hf.poll()  # unchanged once
    assert target.exists() and batches(svc) == []
    hf.poll()  # unchanged twice: complete
    assert not target.exists()
    [batch_id] = batches(svc)
    assert (svc.settings.inbox_dir / "processing" / batch_id / "slow.png").read_bytes() == data


def test_complete_files_are_processed_and_moved_to_done_with_results(
        svc: Services, pool: Background) -> None:
    inbox = svc.settings.inbox_dir
    (inbox / "mini").mkdir(parents=True)
    (inbox / "top.png").write_bytes(FORM.read_bytes())          # default application
    (inbox / "mini" / "sub.png").write_bytes(FORM.read_bytes())  # named by its folder
    (inbox / ".hidden.png").write_bytes(b"being written under a temporary name")
    hf = watcher(svc, pool)
    poll_until(hf, inbox / "done" / "top.png")
    poll_until(hf, inbox / "done" / "sub.png")
    for name in ("top.png", "sub.png"):
        [doc] = json.loads((inbox / "done" / f"{name}.result.json").read_text())
        assert doc["app"] == "mini" and doc["type"] == "mini-v1" and doc["status"] == "done"
        assert_ran_once(svc, doc["batch"])
    assert list((inbox / "processing").iterdir()) == []
    assert (inbox / ".hidden.png").exists() and len(batches(svc)) == 2


def test_unreadable_files_go_to_error_with_a_reason(svc: Services, pool: Background) -> None:
    inbox = svc.settings.inbox_dir
    (inbox / "nosuchapp").mkdir(parents=True)
    (inbox / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n but not really a picture")
    (inbox / "nosuchapp" / "form.png").write_bytes(FORM.read_bytes())
    hf = watcher(svc, pool)
    poll_until(hf, inbox / "error" / "garbage.png")
    poll_until(hf, inbox / "error" / "form.png")
    reason = (inbox / "error" / "garbage.png.reason.txt").read_text()
    assert reason.startswith("garbage.png: "), reason
    assert "nosuchapp" in (inbox / "error" / "form.png.reason.txt").read_text()
    assert not (inbox / "done").exists() or list((inbox / "done").iterdir()) == []


def test_a_restart_does_not_take_a_file_twice(svc: Services) -> None:
    inbox = svc.settings.inbox_dir
    inbox.mkdir(parents=True)
    (inbox / "once.png").write_bytes(FORM.read_bytes())
    first = watcher(svc)
    for _ in range(3):
        first.poll()
    [batch_id] = batches(svc)  # taken, batch created; then the server stops
    assert not (inbox / "once.png").exists()

    # Crashed between the move and the batch's creation: the entry is there, the batch not.
    orphan = inbox / "processing" / "b-0123456789ab"
    orphan.mkdir()
    (orphan / "meta.json").write_text(json.dumps(
        {"batch": orphan.name, "name": "late.png", "app": "mini", "source": "late.png"}))
    (orphan / "late.png").write_bytes(FORM.read_bytes())

    bg = start_background(svc, workers=1, mode="threads", policy=FAST, hot_folder=False,
                          poll_s=0.2)
    try:
        second = watcher(svc, bg)  # the restarted server's watcher
        poll_until(second, inbox / "done" / "once.png")
        poll_until(second, inbox / "done" / "late.png")
    finally:
        bg.stop(30)
    assert sorted(batches(svc)) == sorted([batch_id, orphan.name])
    for b in (batch_id, orphan.name):
        assert_ran_once(svc, b)
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 2


def test_the_watcher_thread_takes_files_while_running(svc: Services,
                                                      pool: Background) -> None:
    hf = HotFolder(svc, notify=pool.notify, default_app="mini", poll_s=0.1)
    hf.start()
    try:
        (svc.settings.inbox_dir / "live.png").write_bytes(FORM.read_bytes())
        deadline = time.monotonic() + 60
        while not (svc.settings.inbox_dir / "done" / "live.png").exists():
            assert time.monotonic() < deadline, "the running watcher never finished the file"
            time.sleep(0.2)
    finally:
        hf.stop()
