"""Users: add, change password, authenticate with lockout, and the first admin.

There is no default password anywhere: the first start creates `admin` with
`TASKMASTER_ADMIN_PASSWORD` or a random password that the caller prints once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taskmaster.db.models import AuditEntry, User, utcnow
from taskmaster.errors import AuthError, Conflict, InputError, NotFound, RateLimited
from taskmaster.security.passwords import (
    hash_password,
    needs_rehash,
    random_password,
    verify_password,
)
from taskmaster.security.ratelimit import LOCKOUT, MAX_USER_FAILURES
from taskmaster.security.roles import check_role

ADMIN = "admin"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def as_utc(dt: datetime) -> datetime:
    """SQLite hands back naive datetimes for UTC columns; make them comparable."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def get_user(session: Session, name: str) -> User:
    """The user called `name`; NotFound otherwise."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user {name!r}")
    return user


def add_user(session: Session, name: str, role: str, password: str, *,
             actor: str = "system") -> User:
    """Create a user (not committed); Conflict if the name is taken."""
    if not _NAME.match(name):
        raise InputError("a user name is 1-64 letters, digits or ._@- and starts with "
                         "a letter or digit")
    check_role(role)
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} exists")
    user = User(name=name, role=role, password_hash=hash_password(password))
    session.add(user)
    session.add(AuditEntry(actor=actor, action="user.add", detail=f"{name} ({role})"))
    session.flush()
    return user


def set_password(session: Session, user: User, password: str, *, actor: str = "system") -> None:
    """Change a password and lift any lockout (not committed); ends the user's sessions."""
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    session.add(AuditEntry(actor=actor, action="user.passwd", detail=user.name))


def authenticate(session: Session, name: str, password: str) -> User:
    """The active user whose password this is, committing the failure count either way.

    AuthError for a wrong name or password (the same message for both), RateLimited while
    the user is locked out after MAX_USER_FAILURES failures in a row.
    """
    user = session.scalar(select(User).where(User.name == name))
    now = utcnow()
    if user is not None and user.locked_until is not None and as_utc(user.locked_until) > now:
        verify_password(None, password)  # same cost as a real attempt
        wait = int((as_utc(user.locked_until) - now).total_seconds()) + 1
        raise RateLimited(f"too many failed logins; try again in {wait} s")
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_USER_FAILURES:
                user.locked_until, user.failed_logins = now + LOCKOUT, 0
            session.commit()
        raise AuthError("wrong user name or password")
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return user


def ensure_admin(session: Session, password: str | None) -> str | None:
    """Create `admin` if there is no user at all (committed).

    Returns the random password when one was generated (print it once), else None.
    """
    if session.scalar(select(func.count()).select_from(User)):
        return None
    generated = None if password else random_password()
    add_user(session, ADMIN, "admin", password or generated or "", actor="system:bootstrap")
    session.commit()
    return generated
