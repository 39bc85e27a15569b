"""Background processing: the embedded worker pool, the hot folder and the mailbox.

The queue is the `batches` table itself (see `claim`): a batch created and committed
is queued; `notify()` only saves the workers their next poll. The server calls
`start_background(svc)` at start-up and `stop()` at shutdown:

    background = start_background(svc)
    ...
    batch_id = create_batch(svc, files, apps)
    background.notify()
    ...
    background.stop(timeout=30)
"""

from __future__ import annotations

import logging

from taskmaster.pipeline.services import Services
from taskmaster.queue.claim import Policy, release_dead_local
from taskmaster.queue.hotfolder import HotFolder
from taskmaster.queue.mailbox import Mailbox
from taskmaster.queue.pool import Mode, WorkerPool

log = logging.getLogger(__name__)

__all__ = ["Background", "HotFolder", "Mailbox", "Policy", "WorkerPool", "start_background"]


class Background:
    """The running pool, hot folder and mailbox of one server process."""

    def __init__(
        self, pool: WorkerPool | None, hot_folder: HotFolder | None, mailbox: Mailbox | None = None
    ) -> None:
        self.pool, self.hot_folder, self.mailbox = pool, hot_folder, mailbox

    def notify(self) -> None:
        """A batch was created: wake an idle worker now."""
        if self.pool is not None:
            self.pool.notify()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking work; wait up to `timeout` s for batches in hand, then kill."""
        if self.hot_folder is not None:
            self.hot_folder.stop()
        if self.mailbox is not None:
            self.mailbox.stop()
        if self.pool is not None:
            self.pool.stop(timeout)


def start_background(
    svc: Services,
    *,
    workers: int | None = None,
    mode: Mode = "processes",
    policy: Policy | None = None,
    hot_folder: bool | None = None,
    poll_s: float = 2.0,
) -> Background:
    """Start `workers` (default `settings.workers`, or none when `settings.queue` is not
    `embedded`; 0: none, for an API-only server) and the hot folder (default
    `settings.hot_folder`), and the mailbox when `settings.imap_host` is set.

    Leases still held by dead processes of this host (a killed server) are expired first,
    so their batches resume at once.
    """
    size = svc.settings.workers if workers is None else workers
    if workers is None and svc.settings.queue != "embedded":
        size = 0  # `taskmaster worker` processes run the batches (docs/architecture.md)
    freed = release_dead_local(svc.db)
    if freed:
        log.warning(
            "resuming %d batch(es) of a process that died: %s", len(freed), ", ".join(freed)
        )
    pool = None
    if size > 0:
        pool = WorkerPool(svc, size, mode=mode, policy=policy, poll_s=poll_s)
        pool.start()
    watcher = None
    if svc.settings.hot_folder if hot_folder is None else hot_folder:
        watcher = HotFolder(
            svc, notify=pool.notify if pool else None, default_app=svc.settings.inbox_app
        )
        watcher.start()
    mailbox = None
    if svc.settings.imap_host:
        mailbox = Mailbox(svc, notify=pool.notify if pool else None)
        mailbox.start()
    return Background(pool, watcher, mailbox)
