"""A file is decoded once: the upload check's pages are the ones ingest keeps; a file
that came another way (hot folder, `process`) is decoded by ingest, with the same check."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import cv2
from sqlalchemy import select

from taskmaster.api.uploads import check_upload
from taskmaster.db.keys import pages_tree
from taskmaster.db.models import InputFile, Page, new_id
from taskmaster.pipeline import ingest
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import create_batch
from taskmaster.settings import Settings
from taskmaster.store import FileStore
from tests.conftest import BLANK


def _pages(svc: Services, batch_id: str) -> list[Page]:
    with svc.db.session() as session:
        return list(
            session.scalars(select(Page).where(Page.batch_id == batch_id).order_by(Page.seq))
        )


def test_an_uploaded_file_is_decoded_once(home: Path) -> None:
    svc = Services.create(Settings(home=home, hot_folder=False))
    data = BLANK.read_bytes()
    try:
        batch_id = new_id("b")
        assert check_upload(svc, batch_id, 1, 1, "form.png", data) == 1
        assert check_upload(svc, batch_id, 2, 2, "again.png", data) == 1
        create_batch(svc, [("form.png", data), ("again.png", data)], ["intake"], batch_id=batch_id)
        ingest.run(TaskContext(batch_id=batch_id), svc)
        assert svc.decoder.files == 2  # the two checks; ingest took their pages
        pages = _pages(svc, batch_id)
        assert [p.source for p in pages] == ["form.png#1", "again.png#1"]
        assert [p.page_index for p in pages] == [1, 1]  # the column, not parsed back
        blank = cv2.imread(str(BLANK), cv2.IMREAD_GRAYSCALE)
        assert (svc.store.get_image(pages[1].image) == blank).all()

        other = create_batch(svc, [("hot.png", data)], ["intake"], origin="hotfolder")
        ingest.run(TaskContext(batch_id=other), svc)
        assert svc.decoder.files == 3
        assert [p.source for p in _pages(svc, other)] == ["hot.png#1"]
    finally:
        svc.close()


def test_ingest_runs_the_upload_checks_on_files_from_elsewhere(home: Path) -> None:
    """The polyglot check of uploads, for a file the hot folder or `process` brought."""
    svc = Services.create(Settings(home=home, hot_folder=False))
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("payload.txt", "not a scan")
    try:
        batch_id = create_batch(
            svc,
            [("ok.png", BLANK.read_bytes()), ("poly.png", BLANK.read_bytes() + zipped.getvalue())],
            ["intake"],
            origin="cli",
        )
        ingest.run(TaskContext(batch_id=batch_id), svc)
        with svc.db.session() as session:
            files = {
                f.name: (f.status, f.error)
                for f in session.scalars(select(InputFile).where(InputFile.batch_id == batch_id))
            }
        assert files == {
            "ok.png": ("ok", None),
            "poly.png": ("failed", "polyglot file: a PNG that is also a ZIP archive"),
        }
    finally:
        svc.close()


def test_ingest_hands_its_pages_on_in_memory_and_stores_each_once(home: Path) -> None:
    # Inside a batch run the decoded page stays in memory for prepare; the store has it
    # too (lossless), so a stage in another process reads the same pixels.
    svc = Services.create(Settings(home=home, hot_folder=False))
    try:
        batch_id = create_batch(svc, [("form.png", BLANK.read_bytes())], ["intake"])
        with svc.store.run(pages_tree(batch_id) + "/"):
            ingest.run(TaskContext(batch_id=batch_id), svc)
            (page,) = _pages(svc, batch_id)
            assert list(svc.store._images) == [page.image]
            kept = svc.store.get_image(page.image)
        blank = cv2.imread(str(BLANK), cv2.IMREAD_GRAYSCALE)
        assert (kept == blank).all()
        assert not svc.store._images  # the run is over: nothing kept
        assert (FileStore(home).get_image(page.image) == blank).all()
    finally:
        svc.close()


def test_ingest_builds_the_batch_forms_fingerprints_while_it_decodes(home: Path) -> None:
    # The fingerprints identify needs next are ready when ingest ends (built while the
    # decoder worked); the pages' files are all written before their rows are committed.
    svc = Services.create(Settings(home=home, hot_folder=False))
    data = BLANK.read_bytes()
    try:
        batch_id = create_batch(svc, [("a.png", data), ("b.png", data)], ["intake"])
        assert not svc._fingerprints
        with svc.store.run(pages_tree(batch_id) + "/"):
            ingest.run(TaskContext(batch_id=batch_id), svc)
        assert sorted(pt for _, pt in svc._fingerprints) == ["intake-v1", "intake-v1-consent"]
        disk = FileStore(home)
        for page in _pages(svc, batch_id):
            assert disk.get_image(page.image).shape == (page.height, page.width)
    finally:
        svc.close()


def test_the_decoder_and_engines_do_not_wait_for_a_fingerprint_being_built(home: Path) -> None:
    """Ingest builds the batch's fingerprints on a thread while it decodes
    (`warm_fingerprints`): reaching the decoder, the engines or the fits meanwhile must
    not wait for that build."""
    svc = Services.create(Settings(home=home, hot_folder=False))
    got: list[object] = []
    try:
        with svc._fingerprint_lock:  # a fingerprint is being built
            reach = threading.Thread(
                target=lambda: got.extend([svc.decoder, svc.engines, svc.fits])
            )
            reach.start()
            reach.join(timeout=30)
            assert not reach.is_alive() and len(got) == 3
        assert svc.fingerprint("intake", "intake-v1").page_type == "intake-v1"
    finally:
        svc.close()
