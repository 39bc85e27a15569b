"""Failed-login throttling, and the log line fail2ban matches.

Two limits: a user name is locked for LOCKOUT after MAX_USER_FAILURES failures in a row
(kept in the database, so it holds across processes and restarts), and one client address
is refused for WINDOW after MAX_HOST_FAILURES failures inside WINDOW (kept in memory: it
only has to slow down a guesser, the per-user lock is the real bound).

Every failure logs, at WARNING on logger `taskmaster.security`:

    taskmaster: failed login for user=NAME from HOST

fail2ban: `failregex = taskmaster: failed login for user=\\S* from <HOST>$`
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from datetime import timedelta

from taskmaster.errors import RateLimited

MAX_USER_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MAX_HOST_FAILURES = 30
WINDOW = 300.0  # seconds

log = logging.getLogger("taskmaster.security")
_UNSAFE = re.compile(r"[^\x21-\x7e]")  # no spaces or control characters: one log line


def log_failure(user: str, host: str) -> None:
    """The fail2ban line; the user name is sanitised so it cannot forge a second line."""
    name = _UNSAFE.sub("?", user)[:64] or "-"
    log.warning("taskmaster: failed login for user=%s from %s", name, _UNSAFE.sub("?", host))


class HostThrottle:
    """Counts recent failures per client address (thread-safe, in memory)."""

    def __init__(self, max_failures: int = MAX_HOST_FAILURES, window: float = WINDOW) -> None:
        self.max_failures, self.window = max_failures, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, host: str, now: float) -> deque[float]:
        q = self._failures.setdefault(host, deque())
        while q and q[0] < now - self.window:
            q.popleft()
        return q

    def check(self, host: str) -> None:
        """RateLimited if `host` failed too often lately."""
        now = time.monotonic()
        with self._lock:
            q = self._recent(host, now)
            if len(q) >= self.max_failures:
                wait = int(q[0] + self.window - now) + 1
                raise RateLimited(f"too many failed logins from this address; "
                                  f"try again in {wait} s")

    def failed(self, host: str) -> None:
        """Record one failure of `host`."""
        now = time.monotonic()
        with self._lock:
            self._recent(host, now).append(now)
            if len(self._failures) > 10_000:  # bound memory under a spray of addresses
                for h in [h for h, q in self._failures.items() if not q]:
                    del self._failures[h]
