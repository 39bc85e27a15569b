"""Login throttling, and the log line fail2ban matches.

Two limits, both taken *before* the password is checked, so parallel guesses cannot all
slip past a check that only counts finished failures:

- per user name and client address (`take_login_slot`, in the database so it holds
  across processes and restarts): MAX_USER_FAILURES attempts; the next ones are refused
  (429) for LOCKOUT after the last counted one. The slot is an `UPDATE ... SET attempts =
  attempts + 1 ... RETURNING`, atomic on SQLite and PostgreSQL; a success deletes the row.
  Keyed by the address too, so a guesser elsewhere cannot lock a user out (no remote
  denial of service), and by the name as typed, so unknown names behave like known ones.
- per client address (`HostThrottle`, in memory): MAX_HOST_FAILURES attempts in WINDOW;
  a success, or an attempt refused by a user's lock (no password checked), gives its slot
  back. It only slows a guesser spraying many names.

Every failure logs, at WARNING on logger `taskmaster.security`:

    taskmaster: failed login for user=NAME from HOST

fail2ban (see docs/security.md, and logs.py for why no input can forge such a line):

    failregex = ^\\s*WARNING taskmaster\\.security: taskmaster: failed login for
                user=\\S+ from <HOST>$      (one line)
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from datetime import timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from taskmaster.db.models import LoginFailure, utcnow
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
    log.warning("taskmaster: failed login for user=%s from %s", name, _UNSAFE.sub("?", host) or "-")


def _key(user: str, host: str) -> tuple[str, str]:
    return user[:64], host[:64]


def take_login_slot(session: Session, user: str, host: str) -> None:
    """Count one login attempt of `user` from `host` (committed); RateLimited past the limit.

    Call before checking the password; `clear_login_slots` after a success.
    """
    name, addr = _key(user, host)
    now = utcnow()
    expired = now - LOCKOUT
    lf = LoginFailure
    stmt = (
        update(lf)
        .where(lf.user_name == name, lf.host == addr)
        .values(
            attempts=case((lf.window_start < expired, 1), else_=lf.attempts + 1),
            # the lock lasts LOCKOUT from the attempt that reached the limit
            window_start=case(
                (lf.window_start < expired, now),
                (lf.attempts + 1 == MAX_USER_FAILURES, now),
                else_=lf.window_start,
            ),
        )
        .returning(lf.attempts, lf.window_start)
        .execution_options(synchronize_session=False)
    )
    for _ in range(3):
        row = session.execute(stmt).first()
        if row is not None:
            attempts, since = row
            break
        try:
            session.add(LoginFailure(user_name=name, host=addr, attempts=1, window_start=now))
            session.flush()
        except IntegrityError:  # a parallel first attempt inserted it: count on that row
            session.rollback()
            continue
        attempts, since = 1, now
        break
    else:  # pragma: no cover - three lost races in a row
        raise RateLimited("too many parallel logins; try again in a moment")
    session.execute(delete(lf).where(lf.window_start < expired))  # forget old windows
    session.commit()
    if attempts > MAX_USER_FAILURES:
        since = since if since.tzinfo else since.replace(tzinfo=now.tzinfo)
        wait = int((since + LOCKOUT - now).total_seconds()) + 1
        raise RateLimited(f"too many failed logins; try again in {max(wait, 1)} s")


def clear_login_slots(session: Session, user: str, host: str | None = None) -> None:
    """Forget the attempts of `user` (from `host`, or from everywhere). Not committed."""
    lf = LoginFailure
    where = [lf.user_name == user[:64]]
    if host is not None:
        where.append(lf.host == host[:64])
    session.execute(delete(lf).where(*where).execution_options(synchronize_session=False))


def locked_out(session: Session, user: str) -> bool:
    """Whether `user` is locked out from at least one address now."""
    lf = LoginFailure
    n = session.scalar(
        select(func.count())
        .select_from(lf)
        .where(
            lf.user_name == user[:64],
            lf.attempts >= MAX_USER_FAILURES,
            lf.window_start >= utcnow() - LOCKOUT,
        )
    )
    return bool(n)


class HostThrottle:
    """Counts recent login attempts per client address (thread-safe, in memory)."""

    def __init__(self, max_failures: int = MAX_HOST_FAILURES, window: float = WINDOW) -> None:
        self.max_failures, self.window = max_failures, window
        self._attempts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, host: str, now: float) -> deque[float]:
        q = self._attempts.setdefault(host, deque())
        while q and q[0] < now - self.window:
            q.popleft()
        return q

    def take(self, host: str) -> None:
        """Take a slot for one attempt of `host`; RateLimited if it tried too often lately."""
        now = time.monotonic()
        with self._lock:
            q = self._recent(host, now)
            if len(q) >= self.max_failures:
                wait = int(q[0] + self.window - now) + 1
                raise RateLimited(
                    f"too many failed logins from this address; try again in {wait} s"
                )
            q.append(now)
            if len(self._attempts) > 10_000:  # bound memory under a spray of addresses
                for h in [h for h, d in self._attempts.items() if not d]:
                    del self._attempts[h]

    def refund(self, host: str) -> None:
        """Give back the slot of an attempt that succeeded."""
        with self._lock:
            q = self._attempts.get(host)
            if q:
                q.pop()
