"""The workflow: one explicit, ordered list of stages (BRIEF.md, Task)."""

from __future__ import annotations

from collections.abc import Callable

from taskmaster.pipeline import export, identify, ingest, prepare, recognize, validate, verify
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services

Stage = Callable[[TaskContext, Services], None]

STAGES: list[tuple[str, Stage]] = [
    ("ingest", ingest.run),
    ("prepare", prepare.run),
    ("identify", identify.run),
    ("recognize", recognize.run),
    ("validate", validate.run),
    ("verify", verify.run),
    ("export", export.run),
]
STAGE_NAMES = [name for name, _ in STAGES]

Waiting = Callable[[Services, str], int]
WAITS: dict[str, Waiting] = {"verify": verify.waiting}
"""Stages that may hold their batch for people: the runner asks `WAITS[stage](svc, batch)`
before running the stage, and a non-zero answer parks the batch `needs_review` there."""


def next_stage(name: str | None) -> str | None:
    """The stage after `name` (the first one for None); None after the last."""
    if name is None:
        return STAGE_NAMES[0]
    i = STAGE_NAMES.index(name)
    return STAGE_NAMES[i + 1] if i + 1 < len(STAGE_NAMES) else None
