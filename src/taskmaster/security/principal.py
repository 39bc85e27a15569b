"""Who is asking: the caller of an HTTP request, by API token or by session cookie.

Shared by the two HTTP faces, the REST API (`api/deps.py` turns it into dependencies
with roles) and the web UI (`web/pages.py`: a login page for nobody), so neither imports
the other. A cookie-authenticated unsafe request must also carry its CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import Request
from sqlalchemy.orm import Session

from taskmaster.db.models import User
from taskmaster.errors import AuthError, Forbidden
from taskmaster.security.ratelimit import log_failure
from taskmaster.security.roles import Perm, allows
from taskmaster.security.sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    SessionCodec,
    csrf_ok,
    password_tag,
)
from taskmaster.security.tokens import SHOWN, authenticate_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller and the role this request runs with."""

    user_id: int
    name: str
    role: str  # the token's role for a token, the user's role for a session
    via: Literal["token", "session"]
    csrf: str | None = None
    must_change_password: bool = False  # sessions only: tokens are never held back

    def can(self, perm: Perm) -> bool:
        return allows(self.role, perm)


def client_host(request: Request) -> str:
    """The client's address (X-Forwarded-For counts only from TASKMASTER_TRUSTED_PROXIES)."""
    return request.client.host if request.client else "-"


def identify(request: Request, session: Session, csrf: str | None = None) -> Principal:
    """Who sent `request` (token or session cookie); AuthError/Forbidden otherwise.

    `csrf`: the CSRF token when it comes in the body (a beacon cannot set headers).
    Reads the server's `app.state.sessions` (the cookie codec) and counts a bad token in
    `app.state.metrics`."""
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("use `Authorization: Bearer <token>`")
        try:
            row, user = authenticate_token(session, token.strip())
        except AuthError:
            request.app.state.metrics.failed_logins.inc()
            log_failure(f"token:{token.strip()[:SHOWN]}", client_host(request))
            raise
        return Principal(user.id, user.name, row.role, "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        codec: SessionCodec = request.app.state.sessions
        data = codec.read(cookie)
        owner = session.get(User, data.user_id) if data else None
        if (
            data is None
            or owner is None
            or not owner.active
            or data.tag != password_tag(owner.password_hash)
            or data.epoch != owner.session_epoch
        ):
            raise AuthError("session expired; log in again")
        if request.method not in SAFE_METHODS and not csrf_ok(
            data, csrf or request.headers.get(CSRF_HEADER)
        ):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header")
        return Principal(
            owner.id, owner.name, owner.role, "session", data.csrf, owner.must_change_password
        )
    raise AuthError("authentication required: an API token or a session")
