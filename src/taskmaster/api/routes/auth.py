"""Browser sessions: log in (sets the HttpOnly session cookie and the CSRF cookie), out,
and change one's own password."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from taskmaster.api.deps import DB, Anyone
from taskmaster.api.schemas import LoginIn, Me, PasswordChangeIn
from taskmaster.db.models import User
from taskmaster.errors import AuthError, InputError, RateLimited
from taskmaster.security.accounts import authenticate, end_sessions, set_password
from taskmaster.security.principal import client_host
from taskmaster.security.ratelimit import HostThrottle, log_failure
from taskmaster.security.sessions import CSRF_COOKIE, MAX_AGE, SESSION_COOKIE, SessionCodec

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _start_session(response: Response, request: Request, user: User) -> str:
    """Set the session and CSRF cookies for `user`; returns the CSRF token."""
    codec: SessionCodec = request.app.state.sessions
    cookie, csrf = codec.issue(user.id, user.password_hash, user.session_epoch)
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    # Readable by the page's script, which echoes it in X-CSRF-Token (double submit).
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=MAX_AGE,
        httponly=False,
        samesite="strict",
        secure=secure,
        path="/",
    )
    return csrf


def _check(request: Request, session: DB, name: str, password: str) -> User:
    """authenticate() behind the address throttle, failures counted and logged."""
    host = client_host(request)
    throttle: HostThrottle = request.app.state.throttle
    try:
        throttle.take(host)  # before the password is checked: parallel guesses count
        try:
            user = authenticate(session, name, password, host)
        except RateLimited:
            # Refused before any password was checked (the user is locked for this
            # address): not a guess, so the address keeps its slot for other users.
            throttle.refund(host)
            raise
    except AuthError:  # RateLimited included: an attempt while locked is a failure too
        request.app.state.metrics.failed_logins.inc()
        log_failure(name, host)
        raise
    throttle.refund(host)
    return user


@router.post("/login", response_model=Me)
def login(body: LoginIn, request: Request, response: Response, session: DB) -> Me:
    """Check a user name and password; start a browser session.

    Attempts are limited per address and per user and address (lockout, 429), counted
    before the password is checked, and failures are logged for fail2ban.
    """
    user = _check(request, session, body.username, body.password)
    csrf = _start_session(response, request, user)
    return Me(
        user=user.name,
        role=user.role,
        via="session",
        csrf_token=csrf,
        must_change_password=user.must_change_password,
    )


@router.post("/logout", status_code=204, response_class=Response)
def logout(principal: Anyone, session: DB) -> Response:
    """End the browser session: the user's session cookies stop working everywhere."""
    if principal.via == "session":
        end_sessions(session, session.get_one(User, principal.user_id))
        session.commit()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="strict")
    return response


@router.post("/password", response_model=Me, responses={422: {"description": "refused"}})
def change_password(
    body: PasswordChangeIn, principal: Anyone, request: Request, response: Response, session: DB
) -> Me:
    """Change one's own password (the current one is checked like a login).

    Ends the user's other sessions; a browser session gets a fresh cookie.
    """
    user = _check(request, session, principal.name, body.current_password)
    if body.new_password == body.current_password:
        raise InputError("the new password must differ from the current one")
    set_password(session, user, body.new_password, actor=principal.name)
    session.commit()
    csrf = None
    if principal.via == "session":
        csrf = _start_session(response, request, user)
    return Me(user=user.name, role=principal.role, via=principal.via, csrf_token=csrf)


@router.get("/me", response_model=Me)
def me(principal: Anyone) -> Me:
    """Who is asking, with which role."""
    return Me(
        user=principal.name,
        role=principal.role,
        via=principal.via,
        csrf_token=principal.csrf,
        must_change_password=principal.must_change_password,
    )
