"""The statuses stored in the database, named once.

Each is a `StrEnum`: a member equals its string (`BatchStatus.DONE == "done"`), so the
columns, the JSON and the API schemas keep the plain words; code names them here instead
of spelling the literal.
"""

from __future__ import annotations

from enum import StrEnum


class BatchStatus(StrEnum):
    """Where a batch is in its life."""

    PENDING = "pending"
    RUNNING = "running"
    NEEDS_REVIEW = "needs_review"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED: frozenset[str] = frozenset({BatchStatus.DONE, BatchStatus.FAILED, BatchStatus.CANCELLED})
"""Batch statuses nothing runs after: the one definition of "finished"."""

RUNNABLE: tuple[str, ...] = (BatchStatus.PENDING, BatchStatus.RUNNING)
"""Batch statuses a worker may claim (a running one whose lease ran out: its worker died)."""

QUEUED: tuple[str, ...] = (BatchStatus.PENDING, BatchStatus.RUNNING, BatchStatus.NEEDS_REVIEW)
"""Batch statuses of a batch not finished yet."""


class DocumentStatus(StrEnum):
    """Where a document is: read and waiting, waiting for a person, done or put aside."""

    PENDING = "pending"
    NEEDS_REVIEW = "needs_review"
    DONE = "done"
    REJECTED = "rejected"
    FAILED = "failed"


class FieldStatus(StrEnum):
    """What a field's value needs: nothing, a person's look, a fix, or a value at all."""

    OK = "ok"
    NEEDS_REVIEW = "needs_review"
    INVALID = "invalid"
    MISSING = "missing"


class TaskStatus(StrEnum):
    """A stage run of a batch."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class FileStatus(StrEnum):
    """An input file of a batch: not yet decoded, decoded, or unreadable."""

    PENDING = "pending"
    OK = "ok"
    FAILED = "failed"


PUT_ASIDE: tuple[str, ...] = (DocumentStatus.REJECTED, DocumentStatus.FAILED)
"""Document statuses of documents put aside: the exceptions a person looks at."""
