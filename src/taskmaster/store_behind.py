"""Writes to a store made on one background thread while the caller goes on
(`MemoStore.writing_behind`): in order, a bounded number waiting, the first error kept."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from taskmaster.errors import TaskmasterError


class WriteBehind:
    """One background writer thread, FIFO, at most `depth` writes waiting."""

    def __init__(self, depth: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-write")
        self._slots = threading.BoundedSemaphore(depth)
        self._futures: list[tuple[str, Future[str]]] = []
        self._failed = False

    def submit(self, write: Callable[[str, Any], str], rel: str, payload: Any) -> None:
        self._slots.acquire()
        try:
            future = self._pool.submit(self._run, write, rel, payload)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        self._futures.append((rel, future))

    def _run(self, write: Callable[[str, Any], str], rel: str, payload: Any) -> str:
        if self._failed:
            raise TaskmasterError(f"not written after an earlier write failed: {rel!r}")
        try:
            return write(rel, payload)
        except BaseException:
            self._failed = True
            raise

    def pending(self, rel: str) -> bool:
        """Whether a write of `rel` has not finished yet."""
        return any(r == rel and not f.done() for r, f in self._futures)

    def wait(self) -> None:
        """Wait for every write so far; raise the first error."""
        futures, self._futures = [f for _, f in self._futures], []
        wait(futures)
        for future in futures:
            future.result()

    def close(self, *, raise_error: bool) -> None:
        try:
            self.wait()
        except Exception:
            if raise_error:
                raise
        finally:
            self._pool.shutdown(wait=True)
