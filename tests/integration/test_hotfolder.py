"""The hot folder on a real data directory, real SQLite and the real workflow.

The tests drive `HotFolder.poll()` themselves (one pass each), so "stable for two polls"
is exact and no test waits on the watcher's timer; worker threads run the batches.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from taskmaster.db.models import Batch
from taskmaster.pipeline.services import Services
from taskmaster.queue.background import Background, HotFolder, start_background
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
    bg = start_background(svc, workers=1, mode="threads", policy=FAST, hot_folder=False, poll_s=0.2)
    yield bg
    bg.stop(30)


def watcher(svc: Services, bg: Background | None = None) -> HotFolder:
    return HotFolder(svc, notify=bg.notify if bg else None, default_app="mini", stable_polls=2)


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
    chunks = [data[i : i + len(data) // 5 + 1] for i in range(0, len(data), len(data) // 5 + 1)]
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
    svc: Services, pool: Background
) -> None:
    inbox, out = svc.settings.inbox_dir, svc.settings.hotfolder_dir
    (inbox / "mini").mkdir(parents=True)
    (inbox / "top.png").write_bytes(FORM.read_bytes())  # default application
    (inbox / "mini" / "sub.png").write_bytes(FORM.read_bytes())  # named by its folder
    (inbox / ".hidden.png").write_bytes(b"being written under a temporary name")
    hf = watcher(svc, pool)
    poll_until(hf, out / "done" / "top.png")
    poll_until(hf, out / "done" / "sub.png")
    for name in ("top.png", "sub.png"):
        result = out / "done" / f"{name}.result.json"
        [doc] = json.loads(result.read_text())
        assert doc["app"] == "mini" and doc["type"] == "mini-v1" and doc["status"] == "done"
        assert_ran_once(svc, doc["batch"])
        # patient data: readable by Taskmaster's user only, and not in the share
        assert stat.S_IMODE(result.stat().st_mode) == 0o600
        assert stat.S_IMODE((out / "done" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert not out.is_relative_to(inbox) and not (inbox / "done").exists()
    assert list((inbox / "processing").iterdir()) == []
    assert (inbox / ".hidden.png").exists() and len(batches(svc)) == 2


def test_unreadable_files_go_to_error_with_a_reason(svc: Services, pool: Background) -> None:
    inbox, out = svc.settings.inbox_dir, svc.settings.hotfolder_dir
    (inbox / "nosuchapp").mkdir(parents=True)
    (inbox / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n but not really a picture")
    (inbox / "nosuchapp" / "form.png").write_bytes(FORM.read_bytes())
    hf = watcher(svc, pool)
    poll_until(hf, out / "error" / "garbage.png")
    poll_until(hf, out / "error" / "form.png")
    reason_file = out / "error" / "garbage.png.reason.txt"
    reason = reason_file.read_text()
    assert reason.startswith("garbage.png: "), reason
    assert stat.S_IMODE(reason_file.stat().st_mode) == 0o600
    assert "nosuchapp" in (out / "error" / "form.png.reason.txt").read_text()
    assert list((out / "done").iterdir()) == []


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
    (orphan / "meta.json").write_text(
        json.dumps({"batch": orphan.name, "name": "late.png", "app": "mini", "source": "late.png"})
    )
    (orphan / "late.png").write_bytes(FORM.read_bytes())

    bg = start_background(svc, workers=1, mode="threads", policy=FAST, hot_folder=False, poll_s=0.2)
    try:
        second = watcher(svc, bg)  # the restarted server's watcher
        poll_until(second, svc.settings.hotfolder_dir / "done" / "once.png")
        poll_until(second, svc.settings.hotfolder_dir / "done" / "late.png")
    finally:
        bg.stop(30)
    assert sorted(batches(svc)) == sorted([batch_id, orphan.name])
    for b in (batch_id, orphan.name):
        assert_ran_once(svc, b)
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 2


def test_the_watcher_thread_takes_files_while_running(svc: Services, pool: Background) -> None:
    hf = HotFolder(svc, notify=pool.notify, default_app="mini", poll_s=0.1)
    hf.start()
    try:
        (svc.settings.inbox_dir / "live.png").write_bytes(FORM.read_bytes())
        deadline = time.monotonic() + 60
        while not (svc.settings.hotfolder_dir / "done" / "live.png").exists():
            assert time.monotonic() < deadline, "the running watcher never finished the file"
            time.sleep(0.2)
    finally:
        hf.stop()


def test_only_regular_files_are_taken(svc: Services, caplog: pytest.LogCaptureFixture) -> None:
    """A symbolic link (to a file or a folder), a FIFO: never imported, never blocking."""
    inbox = svc.settings.inbox_dir
    (inbox / "mini").mkdir(parents=True)
    secret = svc.settings.home / "secret.png"
    secret.write_bytes(FORM.read_bytes())
    outside = svc.settings.home / "elsewhere"
    outside.mkdir()
    (outside / "other.png").write_bytes(FORM.read_bytes())
    (inbox / "link.png").symlink_to(secret)
    (inbox / "mini" / "link.png").symlink_to(secret)
    (inbox / "linked-app").symlink_to(outside, target_is_directory=True)
    os.mkfifo(inbox / "pipe.png")
    (inbox / "real.png").write_bytes(FORM.read_bytes())
    hf = watcher(svc)
    with caplog.at_level("WARNING", logger="taskmaster.queue.hotfolder"):
        for _ in range(4):
            hf.poll()  # a FIFO opened for reading would block here forever
    [batch_id] = batches(svc)  # real.png only
    assert (inbox / "processing" / batch_id / "real.png").exists()
    for left in ("link.png", "mini/link.png", "pipe.png"):
        assert (inbox / left).is_symlink() or stat.S_ISFIFO((inbox / left).lstat().st_mode)
    assert (outside / "other.png").exists() and secret.exists()
    warned = [m for m in caplog.messages if "not a regular file" in m]
    assert len(warned) == 4, warned  # link.png, mini/link.png, linked-app, pipe.png; once


def test_a_taken_file_swapped_for_a_link_is_not_followed(svc: Services) -> None:
    inbox = svc.settings.inbox_dir
    inbox.mkdir(parents=True)
    secret = svc.settings.home / "secret.png"
    secret.write_bytes(FORM.read_bytes())
    # Someone with access to the share swaps a taken file for a link before it is read.
    entry = inbox / "processing" / "b-00000000feed"
    entry.mkdir(parents=True)
    (entry / "meta.json").write_text(
        json.dumps({"batch": entry.name, "name": "x.png", "app": "mini", "source": "x.png"})
    )
    (entry / "x.png").symlink_to(secret)
    watcher(svc).poll()
    assert batches(svc) == []
    reason = (svc.settings.hotfolder_dir / "error" / "x.png.reason.txt").read_text()
    assert reason.startswith("cannot read"), reason
    assert secret.read_bytes() == FORM.read_bytes()
