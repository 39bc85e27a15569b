"""Where page images and input files live: a directory every worker can reach.

Paths stored in the database are relative to the store root, so the data directory can
move (or be a shared volume mounted elsewhere on another machine).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np

from taskmaster.errors import CorruptFile, NotFound


class FileStore:
    """A directory-backed store with atomic writes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, rel: str) -> Path:
        full = (self.root / rel).resolve()
        if not full.is_relative_to(self.root.resolve()):
            raise NotFound(f"{rel!r} is outside the store")
        return full

    def put_bytes(self, rel: str, data: bytes) -> str:
        full = self.path(rel)
        full.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=full.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, full)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return rel

    def get_bytes(self, rel: str) -> bytes:
        try:
            return self.path(rel).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"stored file {rel!r} is missing") from exc

    def put_image(self, rel: str, image: np.ndarray) -> str:
        """Store a greyscale page image as PNG (lossless; fast compression)."""
        ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise CorruptFile(f"could not encode page image {rel!r}")
        return self.put_bytes(rel, buf.tobytes())

    def get_image(self, rel: str) -> np.ndarray:
        data = np.frombuffer(self.get_bytes(rel), dtype=np.uint8)
        img = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise CorruptFile(f"stored page image {rel!r} is unreadable")
        return img

    def delete_tree(self, rel: str) -> None:
        shutil.rmtree(self.path(rel), ignore_errors=True)
