"""Where page images and input files live: a directory every worker can reach.

Paths stored in the database are relative to the store root, so the data directory can
move (or be a shared volume mounted elsewhere on another machine).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from taskmaster.errors import ConfigError, CorruptFile, NotFound
from taskmaster.settings import Settings


class Store(Protocol):
    """What the workflow needs of a store; keys are relative paths like `pages/b-1/x.png`."""

    def put_bytes(self, rel: str, data: bytes) -> str: ...
    def get_bytes(self, rel: str) -> bytes: ...
    def put_image(self, rel: str, image: np.ndarray) -> str: ...
    def get_image(self, rel: str) -> np.ndarray: ...
    def delete_tree(self, rel: str) -> None: ...
    def update_bytes(self, rel: str, change: Change) -> None: ...
    def locate(self, rel: str) -> str: ...


# Read-modify-write of one stored file: gets its bytes (None: no such file yet) and
# returns the new bytes, or None to leave the file as it is.
Change = Callable[[bytes | None], bytes | None]


def encode_png(rel: str, image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise CorruptFile(f"could not encode page image {rel!r}")
    return bytes(buf.tobytes())


def decode_png(rel: str, data: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise CorruptFile(f"stored page image {rel!r} is unreadable")
    return img


def store_from_settings(settings: Settings) -> Store:
    """The store the settings name: the data directory, or an S3-compatible bucket."""
    if settings.store == "s3":
        if not settings.s3_bucket:
            raise ConfigError("TASKMASTER_STORE=s3 needs TASKMASTER_S3_BUCKET")
        from taskmaster.store_s3 import S3Store  # boto3 loads only when S3 is chosen

        return S3Store(settings.s3_bucket, prefix=settings.s3_prefix,
                       endpoint_url=settings.s3_endpoint_url, region=settings.s3_region)
    return FileStore(settings.home)


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
        return self.put_bytes(rel, encode_png(rel, image))

    def get_image(self, rel: str) -> np.ndarray:
        return decode_png(rel, self.get_bytes(rel))

    def delete_tree(self, rel: str) -> None:
        shutil.rmtree(self.path(rel), ignore_errors=True)

    def update_bytes(self, rel: str, change: Change) -> None:
        """Apply `change` to the file under an exclusive lock (workers may share the folder)."""
        full = self.path(rel)
        full.parent.mkdir(parents=True, exist_ok=True)
        # The lock is a separate file: the atomic replace gives the data a new inode.
        with open(full.with_name(f".{full.name}.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                old: bytes | None = full.read_bytes()
            except FileNotFoundError:
                old = None
            new = change(old)
            if new is not None:
                self.put_bytes(rel, new)

    def locate(self, rel: str) -> str:
        """Where `rel` is, for people: its absolute path."""
        return str(self.path(rel))
