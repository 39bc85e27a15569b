"""Request dependencies: services, a database session, and who is asking.

Every route but health declares `require(Perm.X)` (or `authenticated`): credentials are
a bearer API token or a session cookie (`security/principal.py:identify`); a
cookie-authenticated unsafe request must also carry its CSRF token. Roles are checked
here, server-side, for every request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from taskmaster.errors import Forbidden, PasswordChangeRequired
from taskmaster.pipeline.services import Services
from taskmaster.security.principal import Principal, identify
from taskmaster.security.roles import Perm
from taskmaster.security.sessions import CSRF_HEADER, SESSION_COOKIE

# What a browser session with a printed, not yet changed password may still do.
PASSWORD_CHANGE_PATHS = {"/api/v1/auth/me", "/api/v1/auth/logout", "/api/v1/auth/password"}
# Declared for the OpenAPI document only (securitySchemes, and `security` on every
# operation that needs credentials, so Swagger's "Authorize" and generated clients work);
# `identify` reads the header and the cookie itself, with our own errors.
BEARER = HTTPBearer(
    scheme_name="bearer",
    auto_error=False,
    description="An API token: `Authorization: Bearer tm_…` "
    "(`taskmaster tokens create`, or POST /api/v1/tokens).",
)
COOKIE = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="session",
    auto_error=False,
    description="The browser session of POST /api/v1/auth/login; unsafe "
    f"methods also need the `{CSRF_HEADER}` header.",
)


def services(request: Request) -> Services:
    svc: Services = request.app.state.svc
    return svc


def db_session(svc: Annotated[Services, Depends(services)]) -> Iterator[Session]:
    with svc.db.session() as session:
        yield session


def authenticated(
    request: Request,
    session: Annotated[Session, Depends(db_session)],
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
