"""verify: documents that need a human wait here; the rest go straight through.

The stage itself does no work: it decides whether the batch waits (`needs_review`) or
moves on to export. Verify operators finish documents through the API or the verify
station; when the last one is done the batch continues to export.

The verify service both of them call lives beside the stage:

    lease.py    an operator's review lease on a batch: take the next, renew, release
    review.py   what the operator sees and what their edits do (submit, a field's
                PATCH, release to export)
    reread.py   not this form / assign a type (reidentify), rotate a page
    flags.py    why a field is flagged for review
    entry.py    an operator's typed entry -> a field value, and back for display
"""

from __future__ import annotations

from taskmaster.db import queries
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services


def waiting(svc: Services, batch_id: str) -> int:
    """How many documents of the batch still need review."""
    with svc.db.session() as session:
        return len(queries.waiting_for_review(session, batch_id))


def run(ctx: TaskContext, svc: Services) -> None:
    """Nothing to do: the runner asks `waiting()` whether to pause here."""
