"""Where page images and input files live: a directory every worker can reach.

Paths stored in the database are relative to the store root, so the data directory can
move (or be a shared volume mounted elsewhere on another machine).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from taskmaster.errors import ConfigError, CorruptFile, NotFound
from taskmaster.settings import Settings
from taskmaster.store_behind import WriteBehind


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


# Fast lossless: level 1 with run-length matching and one row filter ("up": a pixel less
# the one above it) instead of libpng's per-row trial of all five. On 300 dpi intake
# pages it encodes a clean or faxed page in ~13 ms (38 ms with every filter tried) and
# a noisy grey scan in ~60 ms (120 ms), at about the same size (0.06-0.25 MB; 6 MB for
# the scan, whose noise no lossless coder shrinks much).
PNG_PARAMS = [
    cv2.IMWRITE_PNG_COMPRESSION,
    1,
    cv2.IMWRITE_PNG_STRATEGY,
    cv2.IMWRITE_PNG_STRATEGY_RLE,
    cv2.IMWRITE_PNG_FILTER,
    cv2.IMWRITE_PNG_FILTER_UP,
]


# A page whose sample bands deflate to more than half their size (a noisy grey scan:
# 5.3-6.2 MB out of 8.4, in ~60 ms) is stored without compression (PNG stored blocks:
# ~8 ms): seven times the time to save at most half the space is not worth it. Clean,
# faxed and ordinary scanned pages deflate to 1-35% and stay compressed.
STORED_PARAMS = [
    cv2.IMWRITE_PNG_COMPRESSION,
    0,
    cv2.IMWRITE_PNG_FILTER,
    cv2.IMWRITE_PNG_FILTER_NONE,
]
INCOMPRESSIBLE = 0.5
_BANDS, _BAND_ROWS = 8, 16


def incompressible(image: np.ndarray) -> bool:
    """Whether deflate would keep more than half of `image`, judged on eight bands of 16
    rows spread down the page (about 1 ms)."""
    h = image.shape[0]
    if h < 4 * _BANDS * _BAND_ROWS:
        return False
    bands = np.concatenate([image[i * h // _BANDS :][:_BAND_ROWS] for i in range(_BANDS)])
    ok, buf = cv2.imencode(".png", bands, PNG_PARAMS)
    return bool(ok) and len(buf) > INCOMPRESSIBLE * bands.nbytes


def encode_png(rel: str, image: np.ndarray) -> bytes:
    params = STORED_PARAMS if incompressible(image) else PNG_PARAMS
    ok, buf = cv2.imencode(".png", image, params)
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

        return S3Store(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
        )
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


class MemoStore:
    """A store that also keeps the page images of the batches being run in this process
    decoded in memory, so that their stages hand a page image on without decoding it
    again (`taskmaster process` on a batch that fits: every page).

    Only inside `run(prefix)` scopes (the runner opens one per batch run, for that
    batch's `pages/<batch>/`; a batch is run by one process at a time, under its lease),
    so an image another process rewrites is never served stale. Bounded (`budget`
    bytes; beyond it images are simply not kept, so memory stays flat on any batch) and
    one image per page (a page's newer image, `...-reg.png`, replaces `...-in.png`).
    """

    def __init__(self, inner: Store, budget: int = 256 << 20) -> None:
        self.inner = inner
        self.budget = budget
        self._images: dict[str, np.ndarray] = {}
        self._scopes: set[str] = set()
        self._bytes = 0
        self._lock = threading.Lock()
        self._behind = threading.local()  # this thread's `writing_behind`, if any

    def __getattr__(self, name: str) -> object:
        # What else the store offers (a FileStore's `path`) is the inner store's.
        return getattr(self.inner, name)

    @contextmanager
    def run(self, prefix: str) -> Iterator[None]:
        """Keep images under `prefix` in memory until the block ends."""
        with self._lock:
            self._scopes.add(prefix)
        try:
            yield
        finally:
            with self._lock:
                self._scopes.discard(prefix)
                self._drop_where(lambda k: k.startswith(prefix))

    @contextmanager
    def writing_behind(self, depth: int = 4) -> Iterator[None]:
        """Within the block, this thread's writes (`put_image`, `put_bytes`) go to the
        inner store on one background thread, in the order they were made, while the
        caller goes on: ingest hands the decoder the next file while the last page is
        encoded, identify matches the next page while the last is (OpenCV and file
        writes let go of the GIL). The images are kept in memory at once, as always; the
        caller must not change an image it has put. At most `depth` writes wait (memory
        stays flat). Reading a file still being written waits for it; deleting,
        updating or locating waits for every write. After a failed write the later ones
        are dropped (a manifest never outlives its pages); leaving the block waits for
        every write and raises the first error, so a stage commits only rows whose files
        are written. Nested blocks share the outer one's writer."""
        if getattr(self._behind, "queue", None) is not None:
            yield
            return
        behind = WriteBehind(depth)
        self._behind.queue = behind
        try:
            yield
        except BaseException:
            self._behind.queue = None
            behind.close(raise_error=False)
            raise
        self._behind.queue = None
        behind.close(raise_error=True)

    def _drain(self, rel: str | None = None) -> None:
        """Wait for this thread's writes behind: all, or those before a write of `rel`."""
        behind: WriteBehind | None = getattr(self._behind, "queue", None)
        if behind is not None and (rel is None or behind.pending(rel)):
            behind.wait()

    @staticmethod
    def _page(rel: str) -> str:
        return rel.rsplit("-", 1)[0]

    def _drop_where(self, test: Callable[[str], bool]) -> None:
        for key in [k for k in self._images if test(k)]:
            self._bytes -= self._images.pop(key).nbytes

    def _keep(self, rel: str, image: np.ndarray) -> np.ndarray:
        view = image.view()
        view.flags.writeable = False  # shared with later readers: nobody may draw on it
        with self._lock:
            if not any(rel.startswith(p) for p in self._scopes):
                return view
            page = self._page(rel)
            self._drop_where(lambda k: self._page(k) == page)
            if self._bytes + view.nbytes <= self.budget:
                self._images[rel] = view
                self._bytes += view.nbytes
        return view

    def put_bytes(self, rel: str, data: bytes) -> str:
        with self._lock:
            self._drop_where(lambda k: k == rel)
        behind: WriteBehind | None = getattr(self._behind, "queue", None)
        if behind is not None:
            behind.submit(self.inner.put_bytes, rel, data)
            return rel  # what every store returns
        return self.inner.put_bytes(rel, data)

    def get_bytes(self, rel: str) -> bytes:
        self._drain(rel)
        return self.inner.get_bytes(rel)

    def put_image(self, rel: str, image: np.ndarray) -> str:
        behind: WriteBehind | None = getattr(self._behind, "queue", None)
        if behind is not None:
            behind.submit(self.inner.put_image, rel, self._keep(rel, image))
            return rel
        out = self.inner.put_image(rel, image)
        self._keep(rel, image)
        return out

    def get_image(self, rel: str) -> np.ndarray:
        with self._lock:
            kept = self._images.get(rel)
        if kept is not None:
            return kept
        self._drain(rel)
        return self._keep(rel, self.inner.get_image(rel))

    def delete_tree(self, rel: str) -> None:
        self._drain()
        with self._lock:
            self._drop_where(lambda k: k.startswith(rel.rstrip("/") + "/"))
        self.inner.delete_tree(rel)

    def update_bytes(self, rel: str, change: Change) -> None:
        self._drain()
        with self._lock:
            self._drop_where(lambda k: k == rel)
        self.inner.update_bytes(rel, change)

    def locate(self, rel: str) -> str:
        self._drain()
        return self.inner.locate(rel)
