"""The one batch runner: claim → heartbeat → `run_batch` → release, and its retry rule.

Every way a batch runs goes through `run_claimed`: `taskmaster process` (a claim it
holds from the batch's birth), the embedded pool (`pool.work_loop`, from `claim_next`)
and the procrastinate job of `taskmaster worker` (`worker_jobs`, from `distributed.take`).
So they share one lease and heartbeat, one retry decision (`claim.retryable`, keyed on
`TaskmasterError.retryable`), one attempts counter (`Batch.attempts`, counted by the
claim) and one `Policy` of lease and backoff numbers.

After a run:

    run_batch returned           release the lease; a batch that got somewhere (done or
                                 waiting for review) has its attempts reset
    a retryable error escaped    `retry_later`: pending, with the backoff as its lease
                                 ("not before"); after `max_attempts` claims, `failed`
    any other error escaped      `give_up`: failed with the reason

`run_batch` itself ends a batch `failed` on a stage error no retry can cure, so what
escapes it is a retryable error or one from outside the stages (a database gone away).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from taskmaster.db.status import BatchStatus
from taskmaster.errors import TaskmasterError
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.runner import run_batch
from taskmaster.pipeline.services import Services
from taskmaster.queue.claim import Claim, Heartbeat, Policy, give_up, release, retry_later
from taskmaster.queue.claim import retryable as is_retryable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How a run ended: the batch status, and the error that ended it early, if one did.

    `retry_in` is the backoff in seconds when the batch will be retried (status
    `pending`), None otherwise.
    """

    status: str
    error: BaseException | None = None
    retry_in: float | None = None


def run_claimed(svc: Services, claim: Claim, policy: Policy) -> Outcome:
    """Run one claimed batch under a heartbeat; decide retry or release."""
    try:
        with Heartbeat(svc.db, claim, policy):
            status = run_batch(svc, TaskContext(batch_id=claim.batch_id, worker=claim.owner))
    except Exception as exc:
        return _after_error(svc, claim, policy, exc)
    release(svc.db, claim, succeeded=status in (BatchStatus.DONE, BatchStatus.NEEDS_REVIEW))
    return Outcome(status)


def _after_error(svc: Services, claim: Claim, policy: Policy, exc: Exception) -> Outcome:
    if isinstance(exc, TaskmasterError):
        reason = exc.message
    else:
        log.exception("batch %s: run interrupted", claim.batch_id)
        reason = f"internal error: {exc!r}"
    if not is_retryable(exc):
        give_up(svc.db, claim, f"gave up after {claim.attempt} attempt(s): {reason}")
        return Outcome(BatchStatus.FAILED, exc)
    if retry_later(svc.db, claim, reason, policy):
        return Outcome(BatchStatus.PENDING, exc, retry_in=policy.delay(claim.attempt))
    return Outcome(BatchStatus.FAILED, exc)
