"""The embedded worker pool: N workers that claim batches and run the workflow.

Workers are processes by default (multiprocessing, spawn), each with its own Services.
tesserocr releases the GIL while it recognises, but the rest of a stage (numpy glue,
SQLAlchemy, result building) does not, and a native crash in an engine must not take
the server down with it: a dead worker process is replaced and its batch resumes (one
ended by SIGTERM or SIGINT is not: that is a stop of the whole group). Workers are woken
and stopped through `signals`, which a dead worker cannot jam. Threads
(`mode="threads"`, sharing the caller's Services) start in milliseconds and suit tests
and small machines.

Every worker runs `work_loop`: claim the next batch, then `runner.run_claimed` (heartbeat,
run, release or retry) — the runner `taskmaster process` and `taskmaster worker` use too.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import signal
import socket
import threading
import time
from datetime import timedelta
from multiprocessing.process import BaseProcess
from typing import Literal, Protocol

from taskmaster import logs
from taskmaster.db import queries
from taskmaster.db.models import utcnow
from taskmaster.pipeline.services import Services
from taskmaster.queue.claim import Policy, claim_next, worker_name
from taskmaster.queue.runner import run_claimed
from taskmaster.queue.signals import StopFlag, WakeUp
from taskmaster.settings import Settings

log = logging.getLogger(__name__)
Mode = Literal["processes", "threads"]


class EventLike(Protocol):
    """What a worker needs of threading.Event and multiprocessing.Event alike."""

    def is_set(self) -> bool: ...
    def set(self) -> None: ...
    def clear(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...


def work_loop(
    svc: Services,
    owner: str,
    policy: Policy,
    stop: EventLike,
    wake: EventLike,
    poll_s: float = 2.0,
    keep_going: threading.Event | None = None,
) -> None:
    """Claim and run batches until `stop` is set (checked between batches)."""
    while not stop.is_set():
        if keep_going is not None and not keep_going.is_set():
            return
        try:
            claim = claim_next(svc.db, owner, policy)
        except Exception:  # a locked or restarting database: wait and try again
            log.exception("worker %s: claim failed", owner)
            claim = None
        if claim is None:
            wake.wait(poll_s)
            wake.clear()
            continue
        wake.set()  # there may be more work: let an idle sibling look as well
        run_claimed(svc, claim, policy)


def _die_with_parent() -> None:
    """Linux: be killed when the thread that spawned us ends (kill -9 of the server)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _child_main(
    settings: Settings, index: int, policy: Policy, stop: EventLike, wake: EventLike, poll_s: float
) -> None:
    _die_with_parent()
    logs.configure(settings)  # a spawned child starts without handlers: lines as the parent's
    # Ctrl-C reaches the whole group: the server stops us through `stop`, without a
    # KeyboardInterrupt traceback from every worker. SIGTERM (systemd) ends us at once;
    # the batch in hand resumes from its last finished stage.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    alive = threading.Event()
    alive.set()

    def watch_parent() -> None:  # the prctl fallback: stop claiming once orphaned
        while parent is not None and parent.is_alive():
            time.sleep(1.0)
        alive.clear()
        wake.set()

    threading.Thread(target=watch_parent, daemon=True).start()
    svc = Services.create(settings, migrate=False)
    try:
        work_loop(svc, worker_name(f"w{index}"), policy, stop, wake, poll_s, alive)
    finally:
        svc.close()


class WorkerPool:
    """`size` workers (processes or threads) sharing one wake-up signal."""

    def __init__(
        self,
        svc: Services,
        size: int,
        *,
        mode: Mode = "processes",
        policy: Policy | None = None,
        poll_s: float = 2.0,
    ) -> None:
        self.svc, self.size, self.mode = svc, size, mode
        self.policy = policy or Policy()
        self.poll_s = poll_s
        self._ctx = multiprocessing.get_context("spawn")
        self._stop: EventLike
        self._wake: EventLike
        self._stopping = threading.Event()  # the supervisor's own view of stop()
        if mode == "processes":
            self._stop, self._wake = StopFlag(self._ctx), WakeUp(self._ctx)
        else:
            self._stop, self._wake = threading.Event(), threading.Event()
        self._procs: dict[int, BaseProcess] = {}
        self._ended: set[int] = set()
        self._threads: list[threading.Thread] = []
        self._supervisor: threading.Thread | None = None
        self._started = threading.Event()
        self._deadline = 0.0

    def start(self) -> None:
        if self.mode == "threads":
            for i in range(self.size):
                t = threading.Thread(
                    target=work_loop,
                    name=f"worker-t{i}",
                    daemon=True,
                    args=(
                        self.svc,
                        worker_name(f"t{i}"),
                        self.policy,
                        self._stop,
                        self._wake,
                        self.poll_s,
                    ),
                )
                t.start()
                self._threads.append(t)
            return
        # Children are spawned from one long-lived thread: PR_SET_PDEATHSIG follows the
        # spawning thread, so it must outlive the workers (it ends only in stop()).
        self._supervisor = threading.Thread(target=self._supervise, name="worker-pool", daemon=True)
        self._supervisor.start()
        self._started.wait(30)

    def _spawn(self, index: int) -> None:
        proc = self._ctx.Process(
            target=_child_main,
            name=f"taskmaster-worker-{index}",
            args=(self.svc.settings, index, self.policy, self._stop, self._wake, self.poll_s),
            daemon=True,
        )
        proc.start()
        self._procs[index] = proc

    def _supervise(self) -> None:
        for i in range(self.size):
            self._spawn(i)
        self._started.set()
        while not self._stopping.wait(1.0):
            for i, proc in list(self._procs.items()):
                if proc.is_alive() or self._stopping.is_set() or i in self._ended:
                    continue
                self._expire_leases(proc, i)
                if proc.exitcode in (-signal.SIGTERM, -signal.SIGINT):
                    # The way systemd stops a service (the whole group): do not respawn
                    # into a shutdown.
                    log.warning(
                        "worker %d (pid %s) stopped by signal %d; not replacing it",
                        i,
                        proc.pid,
                        -(proc.exitcode or 0),
                    )
                    self._ended.add(i)
                    continue
                log.error(
                    "worker %d (pid %s) died with exit code %s; replacing it",
                    i,
                    proc.pid,
                    proc.exitcode,
                )
                self._spawn(i)
        # Joining happens here too: this thread's end would kill the children at once.
        for i, proc in self._procs.items():
            proc.join(max(0.0, self._deadline - time.monotonic()))
            if proc.is_alive():
                log.warning("worker %d still busy at shutdown; terminating it", i)
                proc.terminate()
                proc.join(5)
                if proc.is_alive():
                    proc.kill()
                    proc.join()
            if proc.exitcode != 0:
                self._expire_leases(proc, i)

    def _expire_leases(self, proc: BaseProcess, index: int) -> None:
        """Let a dead child's batch be reclaimed now rather than when its lease runs out."""
        owner = f"{socket.gethostname()}:{proc.pid}:w{index}"
        with self.svc.db.session() as session:
            queries.expire_worker_leases(session, owner, utcnow() - timedelta(seconds=1))
            session.commit()

    def notify(self) -> None:
        """Wake an idle worker now (a batch was created) instead of at its next poll.

        Never blocks, whatever state the workers are in (see `signals`)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the batches in hand; workers still busy at `timeout` are killed
        and their batches resume on the next start (stages are idempotent)."""
        self._deadline = time.monotonic() + timeout
        self._stop.set()
        self._stopping.set()
        self._wake.set()
        for t in self._threads:
            t.join(max(0.0, self._deadline - time.monotonic()))
        if self._supervisor is not None:
            self._supervisor.join()

    @property
    def alive(self) -> int:
        """How many workers are running."""
        if self.mode == "threads":
            return sum(t.is_alive() for t in self._threads)
        return sum(p.is_alive() for p in self._procs.values())
