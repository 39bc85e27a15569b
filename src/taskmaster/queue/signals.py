"""Signals between the pool and its worker processes that a dead worker cannot jam.

A multiprocessing Event is a lock and a condition: `set()` waits for every sleeper to
acknowledge, so a worker killed while it waited made the next `set()` (an upload waking
the workers) hang the server's event loop for good. These two hold no lock:

    StopFlag  a shared byte, written by the pool, read by the workers between batches
    WakeUp    a non-blocking pipe: `set()` writes a byte (a full pipe is already awake),
              `wait()` is select with a timeout, `clear()` drains it
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import time
from multiprocessing.context import SpawnContext


class StopFlag:
    """A lock-free shared flag with the Event methods workers use."""

    def __init__(self, ctx: SpawnContext) -> None:
        self._value = ctx.RawValue(ctypes.c_bool, False)

    def is_set(self) -> bool:
        return bool(self._value.value)

    def set(self) -> None:
        self._value.value = True

    def clear(self) -> None:
        self._value.value = False

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            if end is not None and time.monotonic() >= end:
                return False
            time.sleep(0.05)
        return True


class WakeUp:
    """Wake idle workers through a pipe shared by the pool and every worker."""

    def __init__(self, ctx: SpawnContext) -> None:
        self._reader, self._writer = ctx.Pipe(duplex=False)
        # O_NONBLOCK belongs to the open pipe, so the workers' copies share it.
        os.set_blocking(self._reader.fileno(), False)
        os.set_blocking(self._writer.fileno(), False)

    def is_set(self) -> bool:
        return bool(select.select([self._reader.fileno()], [], [], 0)[0])

    def set(self) -> None:
        """Never blocks: a full pipe means the workers have a wake-up waiting already."""
        with contextlib.suppress(BlockingIOError, BrokenPipeError):
            os.write(self._writer.fileno(), b"\0")

    def clear(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._reader.fileno(), 4096):
                pass

    def wait(self, timeout: float | None = None) -> bool:
        return bool(select.select([self._reader.fileno()], [], [], timeout)[0])
