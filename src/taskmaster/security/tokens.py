"""API tokens: `tm_` + 32 random bytes, shown once, stored only as SHA-256.

A token carries a role no greater than its user's (checked again on every use, so
demoting a user demotes their tokens) and can be revoked by id or by its prefix.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from taskmaster.db.models import ApiToken, User, utcnow
from taskmaster.errors import AuthError, Forbidden, NotFound
from taskmaster.security.accounts import as_utc
from taskmaster.security.roles import check_role, covers

PREFIX = "tm_"
SHOWN = 11  # characters kept in clear ("tm_" + 8) so a token can be named and revoked
_TOUCH_EVERY = timedelta(minutes=1)  # last_used_at write granularity


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, role: str, name: str = "") -> tuple[str, ApiToken]:
    """A new token for `user` with `role`; returns (the token itself, its row). Not committed."""
    check_role(role)
    if not covers(user.role, role):
        raise Forbidden(
            f"a token's role may not exceed its user's: {user.name} is {user.role}, not {role}"
        )
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name[:64],
        prefix=token[:SHOWN],
        token_hash=hash_token(token),
        role=role,
    )
    session.add(row)
    session.flush()
    return token, row


def find_token(session: Session, ref: str) -> ApiToken:
    """A token by id or by its shown prefix (must be unambiguous)."""
    if ref.isdigit():
        row = session.get(ApiToken, int(ref))
        if row is not None:
            return row
    rows = list(session.scalars(select(ApiToken).where(ApiToken.prefix.startswith(ref))))
    if len(rows) == 1 and len(ref) >= len(PREFIX) + 4:
        return rows[0]
    if len(rows) > 1:
        raise NotFound(f"{ref!r} matches {len(rows)} tokens; give more of the prefix or the id")
    raise NotFound(f"no token {ref!r}")


def revoke_token(session: Session, row: ApiToken) -> None:
    """Revoke a token (idempotent). Not committed."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def authenticate_token(session: Session, token: str) -> tuple[ApiToken, User]:
    """The live token and its active user; AuthError otherwise (one message for all cases)."""
    bad = AuthError("invalid or revoked token")
    if not token.startswith(PREFIX) or len(token) > 100:
        raise bad
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        raise bad
    user = session.get(User, row.user_id)
    if user is None or not user.active or not covers(user.role, row.role):
        raise bad
    now = utcnow()
    if row.last_used_at is None or now - as_utc(row.last_used_at) > _TOUCH_EVERY:
        row.last_used_at = now
        session.commit()
    return row, user
