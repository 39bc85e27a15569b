"""Users: add, change password, authenticate with lockout, and the first admin.

There is no default password anywhere: the first start creates `admin` with
`TASKMASTER_ADMIN_PASSWORD` or a random password that the caller prints once; a printed
password must be changed at the first browser login (`must_change_password`).
Names the system acts under (`cli`, `hotfolder`, `system...`) cannot be registered, so
the audit log's actor column cannot be impersonated.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from taskmaster.db.models import AuditEntry, User
from taskmaster.errors import AuthError, Conflict, InputError, NotFound
from taskmaster.security.passwords import (
    hash_password,
    needs_rehash,
    random_password,
    verify_password,
)
from taskmaster.security.ratelimit import clear_login_slots, take_login_slot
from taskmaster.security.roles import check_role

ADMIN = "admin"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
# The actors and origins the system records under (audit log, batches.created_by).
RESERVED_NAMES = frozenset({"cli", "hotfolder", "api", "ui"})
RESERVED_PREFIXES = ("system",)


def check_name(name: str) -> str:
    """`name` if it may be registered; InputError naming the problem otherwise."""
    if not _NAME.match(name):
        raise InputError(
            "a user name is 1-64 letters, digits or ._@- and starts with a letter or digit"
        )
    low = name.lower()
    if low in RESERVED_NAMES or low.startswith(RESERVED_PREFIXES):
        raise InputError(
            f"user name {name!r} is reserved for the system (reserved: "
            f"{', '.join(sorted(RESERVED_NAMES))}, and names starting with "
            f"{' or '.join(RESERVED_PREFIXES)})"
        )
    return name


def as_utc(dt: datetime) -> datetime:
    """SQLite hands back naive datetimes for UTC columns; make them comparable."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def get_user(session: Session, name: str) -> User:
    """The user called `name`; NotFound otherwise."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user {name!r}")
    return user


def add_user(
    session: Session, name: str, role: str, password: str, *, actor: str = "system"
) -> User:
    """Create a user (not committed); Conflict if the name is taken."""
    check_name(name)
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
    user.must_change_password = False
    user.session_epoch += 1
    clear_login_slots(session, user.name)
    session.add(AuditEntry(actor=actor, action="user.passwd", detail=user.name))


def end_sessions(session: Session, user: User) -> None:
    """End every browser session of `user` (logout). Not committed."""
    session.execute(
        update(User).where(User.id == user.id).values(session_epoch=User.session_epoch + 1)
    )


def authenticate(session: Session, name: str, password: str, host: str = "-") -> User:
    """The active user whose password this is.

    The attempt's throttle slot is taken (and committed) before the password is
    checked: RateLimited once `name` failed MAX_USER_FAILURES times from `host`.
    AuthError for a wrong name or password (the same message and, by hashing a dummy,
    about the same time for an unknown name).
    """
    take_login_slot(session, name, host)
    user = session.scalar(select(User).where(User.name == name))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        raise AuthError("wrong user name or password")
    clear_login_slots(session, name, host)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return user


def ensure_admin(session: Session, password: str | None) -> str | None:
    """Create `admin` if there is no user at all (committed).

    Returns the random password when one was generated (print it once), else None; a
    generated password must be changed at the first browser login.
    """
    if session.scalar(select(func.count()).select_from(User)):
        return None
    generated = None if password else random_password()
    user = add_user(session, ADMIN, "admin", password or generated or "", actor="system:bootstrap")
    user.must_change_password = generated is not None
    session.commit()
    return generated
