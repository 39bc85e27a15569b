"""The embedded worker pool, when `taskmaster.queue` provides one.

`serve` runs background processing inside the server process: `start_background(svc)`
on startup, `.stop()` on shutdown, and `notify()` after committing new work so a worker
wakes at once instead of at its next poll. Without the queue package, uploads stay
`pending` until a worker (`taskmaster worker`) picks them up.
"""

from __future__ import annotations

import logging
from typing import Protocol

from taskmaster.pipeline.services import Services

log = logging.getLogger(__name__)

try:
    from taskmaster import queue as _queue
except ImportError:  # the queue package is optional for the API itself
    _queue = None  # type: ignore[assignment]


class Background(Protocol):
    def stop(self) -> None: ...


def start(svc: Services) -> Background | None:
    """Start the embedded workers and hot folder; None where there is no queue package."""
    starter = getattr(_queue, "start_background", None)
    if starter is None:
        log.warning("no embedded workers (taskmaster.queue.start_background is missing): "
                    "uploads stay pending until a worker runs")
        return None
    bg: Background = starter(svc)
    return bg


def notify() -> None:
    """Wake the workers after new work was committed (no-op without a queue)."""
    wake = getattr(_queue, "notify", None)
    if wake is not None:
        wake()
