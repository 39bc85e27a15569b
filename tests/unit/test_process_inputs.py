"""`taskmaster process` reads its input files one at a time, when the batch stores them."""

from __future__ import annotations

from pathlib import Path

from taskmaster.cli.process import OnDisk, _read_inputs


def test_files_are_read_when_taken_not_up_front(tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(b"first")
    b.write_bytes(b"second")
    inputs, failed = _read_inputs([a, b])
    assert (len(inputs), failed) == (2, 0)
    b.write_bytes(b"changed")  # nothing was held: the content is read on use
    assert list(inputs) == [("a.png", b"first"), ("b.png", b"changed")]
    assert inputs[1:] == [("b.png", b"changed")]


def test_unreadable_paths_are_counted_and_left_out(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(b"x")
    inputs, failed = _read_inputs([tmp_path / "missing.png", tmp_path, good])
    assert failed == 2
    assert isinstance(inputs, OnDisk) and inputs.paths == [good]
