"""Progress bars for long commands: on stderr, only for a person at a terminal.

A bar is drawn when stderr is a terminal and the command was not asked for `--json`;
otherwise nothing is drawn (pipes, logs and scripts see only the result). A batch's bar
watches the batch's Task rows in the database, as the dashboard does, so the pipeline
knows nothing of terminals.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import select

from taskmaster.db.engine import Database
from taskmaster.db.models import Batch, Task
from taskmaster.db.status import TaskStatus
from taskmaster.pipeline.stages import STAGE_NAMES

err = Console(stderr=True)
POLL_S = 0.25


def wanted(as_json: bool) -> bool:
    """Whether to draw bars: a terminal on stderr and no `--json`."""
    return not as_json and err.is_terminal


def bar(enabled: bool) -> Progress:
    """A transient bar on stderr (a no-op when not `enabled`)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<24}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not enabled,
    )


def _position(db: Database, batch_id: str) -> tuple[str, float]:
    """The batch's current stage and how far through the workflow it is (in stages)."""
    with db.session() as session:
        stage = session.scalar(select(Batch.task).where(Batch.id == batch_id)) or "done"
        done = (
            session.scalar(
                select(Task.progress)
                .where(
                    Task.batch_id == batch_id, Task.name == stage, Task.status == TaskStatus.RUNNING
                )
                .order_by(Task.id.desc())
                .limit(1)
            )
            or 0.0
        )
    index = STAGE_NAMES.index(stage) if stage in STAGE_NAMES else len(STAGE_NAMES)
    return stage, index + float(done)


@contextmanager
def batch_progress(db: Database, batch_id: str, label: str, enabled: bool) -> Iterator[None]:
    """A bar over the workflow's stages while the body runs the batch."""
    if not enabled:
        yield
        return
    stop = threading.Event()
    with bar(True) as progress:
        task = progress.add_task(label, total=len(STAGE_NAMES))

        def watch() -> None:
            while not stop.wait(POLL_S):
                stage, position = _position(db, batch_id)
                progress.update(task, description=f"{label}: {stage}", completed=position)

        watcher = threading.Thread(target=watch, name="progress", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join()
