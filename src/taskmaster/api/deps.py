"""Request dependencies: services, a database session, and who is asking.

Every route but health declares `require(Perm.X)` (or `authenticated`): credentials are
a bearer API token or a session cookie; a cookie-authenticated unsafe request must also
carry its CSRF token. Roles are checked here, server-side, for every request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from taskmaster.db.models import User
from taskmaster.errors import AuthError, Forbidden
from taskmaster.pipeline.services import Services
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

    def can(self, perm: Perm) -> bool:
        return allows(self.role, perm)


def services(request: Request) -> Services:
    svc: Services = request.app.state.svc
    return svc


def db_session(svc: Annotated[Services, Depends(services)]) -> Iterator[Session]:
    with svc.db.session() as session:
        yield session


def client_host(request: Request) -> str:
    return request.client.host if request.client else "-"


def _authenticate(request: Request, session: Session, csrf: str | None = None) -> Principal:
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
        if data is None or owner is None or not owner.active \
                or data.tag != password_tag(owner.password_hash):
            raise AuthError("session expired; log in again")
        if request.method not in SAFE_METHODS and not csrf_ok(data, csrf or request.headers.get(
                CSRF_HEADER)):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header")
        return Principal(owner.id, owner.name, owner.role, "session", data.csrf)
    raise AuthError("authentication required: an API token or a session")


def authenticated(request: Request,
                  session: Annotated[Session, Depends(db_session)]) -> Principal:
    """Any authenticated caller (401 otherwise)."""
    principal = _authenticate(request, session)
    request.state.principal = principal
    return principal


def authenticated_beacon(request: Request, svc: Services, csrf: str) -> Principal:
    """The caller of a `navigator.sendBeacon` request: it cannot set headers, so its
    CSRF token comes from the request body (`csrf`) instead of `X-CSRF-Token`."""
    with svc.db.session() as session:
        principal = _authenticate(request, session, csrf or None)
    request.state.principal = principal
    return principal


def require(perm: Perm) -> Callable[..., Principal]:
    """A dependency that lets through only callers whose role has `perm`."""

    def dependency(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not principal.can(perm):
            raise Forbidden(f"role {principal.role!r} may not do this (needs {perm.value!r})")
        return principal

    dependency.__name__ = f"require_{perm.value}"
    return dependency


DB = Annotated[Session, Depends(db_session)]
Svc = Annotated[Services, Depends(services)]
Reader = Annotated[Principal, Depends(require(Perm.READ))]
OwnReader = Annotated[Principal, Depends(require(Perm.READ_OWN))]
Uploader = Annotated[Principal, Depends(require(Perm.UPLOAD))]
Editor = Annotated[Principal, Depends(require(Perm.EDIT))]
Admin = Annotated[Principal, Depends(require(Perm.ADMIN))]
Anyone = Annotated[Principal, Depends(authenticated)]
