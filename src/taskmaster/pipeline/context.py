"""What crosses a process boundary: ids and options, never a live session or image."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TaskContext:
    """Identifies one run of a stage on one batch. JSON-serialisable by design."""

    batch_id: str
    worker: str = "local"
    actor: str = "system"
    options: dict[str, str] = field(default_factory=dict)
