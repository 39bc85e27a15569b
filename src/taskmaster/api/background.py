"""The embedded worker pool and hot folder of `serve` (from `taskmaster.queue`).

Started on startup and stopped on shutdown by the app's lifespan; routes call
`notify(request)` after committing new work so an idle worker wakes at once instead of
at its next poll (the batches table is the queue: nothing is lost without it).
"""

from __future__ import annotations

from fastapi import Request

from taskmaster.pipeline.services import Services
from taskmaster.queue.background import Background, start_background


def start(svc: Services) -> Background:
    """Start `settings.workers` workers (0: API only) and the hot folder if enabled."""
    return start_background(svc)


def notify(request: Request) -> None:
    """Wake a worker after new work was committed (no-op when none run here)."""
    bg: Background | None = getattr(request.app.state, "background", None)
    if bg is not None:
        bg.notify()
