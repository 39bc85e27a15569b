"""MemoStore: page images handed from stage to stage in memory, bounded, one per page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from taskmaster.errors import NotFound
from taskmaster.store import FileStore, MemoStore


def page(value: int) -> np.ndarray:
    return np.full((30, 20), value, np.uint8)


def test_an_image_written_in_a_run_is_read_back_from_memory(tmp_path: Path) -> None:
    store = MemoStore(FileStore(tmp_path))
    with store.run("pages/b-1/"):
        store.put_image("pages/b-1/00001-in.png", page(7))
        (tmp_path / "pages/b-1/00001-in.png").unlink()  # only memory can answer now
        assert int(store.get_image("pages/b-1/00001-in.png")[0, 0]) == 7
    with pytest.raises(NotFound):  # the run is over: nothing kept
        store.get_image("pages/b-1/00001-in.png")


def test_outside_a_run_nothing_is_kept(tmp_path: Path) -> None:
    # A page another process rewrites (verify's rotate, a re-identify) is read afresh.
    store = MemoStore(FileStore(tmp_path))
    with store.run("pages/b-2/"):
        store.put_image("pages/b-1/00001-in.png", page(1))
        FileStore(tmp_path).put_image("pages/b-1/00001-in.png", page(5))
        assert int(store.get_image("pages/b-1/00001-in.png")[0, 0]) == 5
    assert not store._images


def test_kept_images_are_read_only(tmp_path: Path) -> None:
    store = MemoStore(FileStore(tmp_path))
    with store.run("pages/b-1/"):
        store.put_image("pages/b-1/00001-in.png", page(7))
        with pytest.raises(ValueError):
            store.get_image("pages/b-1/00001-in.png")[0, 0] = 1


def test_a_pages_newer_image_replaces_its_older_one(tmp_path: Path) -> None:
    store = MemoStore(FileStore(tmp_path))
    with store.run("pages/b-1/"):
        store.put_image("pages/b-1/00001-in.png", page(1))
        store.put_image("pages/b-1/00002-in.png", page(2))
        store.put_image("pages/b-1/00001-reg.png", page(3))
        assert sorted(store._images) == ["pages/b-1/00001-reg.png", "pages/b-1/00002-in.png"]
        assert store._bytes == 2 * 600


def test_memory_is_bounded(tmp_path: Path) -> None:
    store = MemoStore(FileStore(tmp_path), budget=2 * 600)
    with store.run("pages/b-1/"):
        for n in range(5):
            store.put_image(f"pages/b-1/{n:05d}-in.png", page(n))
        assert store._bytes <= 2 * 600 and len(store._images) == 2
        # Pages past the budget are still stored and read from the store.
        assert int(store.get_image("pages/b-1/00004-in.png")[0, 0]) == 4


def test_rewritten_bytes_and_deleted_trees_are_not_served_from_memory(tmp_path: Path) -> None:
    store = MemoStore(FileStore(tmp_path))
    with store.run("pages/b-1/"):
        store.put_image("pages/b-1/00001-in.png", page(1))
        store.put_bytes(
            "pages/b-1/00001-in.png",
            FileStore(tmp_path).get_bytes(store.put_image("pages/b-2/00001-in.png", page(9))),
        )
        assert int(store.get_image("pages/b-1/00001-in.png")[0, 0]) == 9
        store.delete_tree("pages/b-1")
        with pytest.raises(NotFound):
            store.get_image("pages/b-1/00001-in.png")


def test_writes_behind_land_in_order_and_are_read_back(tmp_path: Path) -> None:
    store = MemoStore(FileStore(tmp_path))
    with store.run("pages/b-1/"), store.writing_behind(depth=2):
        for n in range(6):
            assert store.put_image(f"pages/b-1/{n:05d}-in.png", page(n)) == (
                f"pages/b-1/{n:05d}-in.png"
            )
        store.put_bytes("manifests/b-1/1.json", b"{}")
        # a file still being written is read once written, a kept image from memory
        assert store.get_bytes("manifests/b-1/1.json") == b"{}"
        assert int(store.get_image("pages/b-1/00003-in.png")[0, 0]) == 3
    disk = FileStore(tmp_path)
    for n in range(6):
        assert int(disk.get_image(f"pages/b-1/{n:05d}-in.png")[0, 0]) == n
    assert disk.get_bytes("manifests/b-1/1.json") == b"{}"
    assert getattr(store._behind, "queue", None) is None


def test_a_failed_write_behind_stops_the_later_ones_and_raises(tmp_path: Path) -> None:
    # A file where a folder should be: the first page cannot be written, so neither may
    # the manifest queued after it (it would list a page that is not there).
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "b-1").write_bytes(b"not a folder")
    store = MemoStore(FileStore(tmp_path))
    with pytest.raises(OSError), store.writing_behind():
        store.put_image("pages/b-1/00001-in.png", page(1))
        store.put_bytes("manifests/b-1/1.json", b"{}")
    assert not (tmp_path / "manifests").exists()


def test_an_error_in_the_block_waits_for_the_writes_and_propagates(tmp_path: Path) -> None:
    store = MemoStore(FileStore(tmp_path))
    with pytest.raises(KeyError), store.writing_behind():
        store.put_image("pages/b-1/00001-in.png", page(4))
        with store.writing_behind():  # nested: the same writer
            store.put_image("pages/b-1/00002-in.png", page(5))
        raise KeyError("the stage failed")
    disk = FileStore(tmp_path)
    assert int(disk.get_image("pages/b-1/00001-in.png")[0, 0]) == 4
    assert int(disk.get_image("pages/b-1/00002-in.png")[0, 0]) == 5
    assert getattr(store._behind, "queue", None) is None
