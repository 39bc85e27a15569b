"""Request dependencies: services, a database session, and who is asking.

Every route but health declares `require(Perm.X)` (or `authenticated`): credentials are
a bearer API token or a session cookie; a cookie-authenticated unsafe request must also
carry its CSRF token. Roles are checked here, server-side, for every request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from taskmaster.db.models import User
from taskmaster.errors import AuthError, Forbidden, PasswordChangeRequired
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
# What a browser session with a printed, not yet changed password may still do.
PASSWORD_CHANGE_PATHS = {"/api/v1/auth/me", "/api/v1/auth/logout", "/api/v1/auth/password"}
# Declared for the OpenAPI document only (securitySchemes, and `security` on every
# operation that needs credentials, so Swagger's "Authorize" and generated clients work);
# `identify` reads the header and the cookie itself, with our own errors.
BEARER = HTTPBearer(scheme_name="bearer", auto_error=False,
                    description="An API token: `Authorization: Bearer tm_…` "
                                "(`taskmaster tokens create`, or POST /api/v1/tokens).")
COOKIE = APIKeyCookie(name=SESSION_COOKIE, scheme_name="session", auto_error=False,
                      description="The browser session of POST /api/v1/auth/login; unsafe "
                                  f"methods also need the `{CSRF_HEADER}` header.")


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


def services(request: Request) -> Services:
    svc: Services = request.app.state.svc
    return svc


def db_session(svc: Annotated[Services, Depends(services)]) -> Iterator[Session]:
    with svc.db.session() as session:
        yield session


def client_host(request: Request) -> str:
    """The client's address (X-Forwarded-For counts only from TASKMASTER_TRUSTED_PROXIES)."""
    return request.client.host if request.client else "-"


def identify(request: Request, session: Session, csrf: str | None = None) -> Principal:
    """Who sent `request` (token or session cookie); AuthError/Forbidden otherwise.

    `csrf`: the CSRF token when it comes in the body (a beacon cannot set headers)."""
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
                or data.tag != password_tag(owner.password_hash) \
                or data.epoch != owner.session_epoch:
            raise AuthError("session expired; log in again")
        if request.method not in SAFE_METHODS and not csrf_ok(data, csrf or request.headers.get(
                CSRF_HEADER)):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header")
        return Principal(owner.id, owner.name, owner.role, "session", data.csrf,
                         owner.must_change_password)
    raise AuthError("authentication required: an API token or a session")


def authenticated(
    request: Request, session: Annotated[Session, Depends(db_session)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    _cookie: Annotated[str | None, Security(COOKIE)] = None,
) -> Principal:
    """Any authenticated caller (401 otherwise; 403 for a session that must first change
    its printed password)."""
    principal = identify(request, session)
    if principal.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired()
    request.state.principal = principal
    return principal


def authenticated_beacon(request: Request, svc: Services, csrf: str) -> Principal:
    """The caller of a `navigator.sendBeacon` request: it cannot set headers, so its
    CSRF token comes from the request body (`csrf`) instead of `X-CSRF-Token`."""
    with svc.db.session() as session:
        principal = identify(request, session, csrf or None)
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
