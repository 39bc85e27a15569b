"""Browser sessions: log in (sets the HttpOnly session cookie and the CSRF cookie), out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from taskmaster.api.deps import DB, Anyone, client_host
from taskmaster.api.schemas import LoginIn, Me
from taskmaster.errors import AuthError
from taskmaster.security.accounts import authenticate
from taskmaster.security.ratelimit import HostThrottle, log_failure
from taskmaster.security.sessions import CSRF_COOKIE, MAX_AGE, SESSION_COOKIE, SessionCodec

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _set_cookies(response: Response, request: Request, session: str, csrf: str) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, session, max_age=MAX_AGE, httponly=True,
                        samesite="strict", secure=secure, path="/")
    # Readable by the page's script, which echoes it in X-CSRF-Token (double submit).
    response.set_cookie(CSRF_COOKIE, csrf, max_age=MAX_AGE, httponly=False,
                        samesite="strict", secure=secure, path="/")


@router.post("/login", response_model=Me)
def login(body: LoginIn, request: Request, response: Response, session: DB) -> Me:
    """Check a user name and password; start a browser session.

    Failures are rate-limited per address and per user (lockout), and logged for fail2ban.
    """
    host = client_host(request)
    throttle: HostThrottle = request.app.state.throttle
    throttle.check(host)
    try:
        user = authenticate(session, body.username, body.password)
    except AuthError:
        throttle.failed(host)
        request.app.state.metrics.failed_logins.inc()
        log_failure(body.username, host)
        raise
    codec: SessionCodec = request.app.state.sessions
    cookie, csrf = codec.issue(user.id, user.password_hash)
    _set_cookies(response, request, cookie, csrf)
    return Me(user=user.name, role=user.role, via="session",
              csrf_token=csrf)


@router.post("/logout", status_code=204, response_class=Response)
def logout(_: Anyone) -> Response:
    """End the browser session (forget its cookies)."""
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="strict")
    return response


@router.get("/me", response_model=Me)
def me(principal: Anyone) -> Me:
    """Who is asking, with which role."""
    return Me(user=principal.name, role=principal.role,
              via=principal.via, csrf_token=principal.csrf)
