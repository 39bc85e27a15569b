"""Browser sessions: a signed, HttpOnly, SameSite=Strict cookie plus a CSRF token.

The cookie holds the user id, a CSRF token, a tag of the password hash (so changing
a password ends every session) and the user's session counter (`users.session_epoch`,
raised at logout, so a copied cookie is dead once its user logged out), signed with
itsdangerous and a secret kept in the data directory with mode 0600. Unsafe methods
authenticated by the cookie must echo the CSRF token in `X-CSRF-Token` (double submit:
it is also sent as a readable `tm_csrf` cookie).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from taskmaster.settings import Settings

SESSION_COOKIE = "tm_session"
CSRF_COOKIE = "tm_csrf"
CSRF_HEADER = "X-CSRF-Token"
MAX_AGE = 12 * 3600  # seconds
SECRET_FILE = "session.key"


def load_secret(settings: Settings) -> str:
    """The session secret: the setting, else `<home>/session.key` (created 0600)."""
    if settings.session_secret:
        return settings.session_secret
    path: Path = settings.home / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # someone loosened it: a readable secret forges sessions
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def password_tag(password_hash: str) -> str:
    """A short digest of the password hash, bound into the session."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SessionData:
    """What a valid session cookie says."""

    user_id: int
    csrf: str
    tag: str
    epoch: int


class SessionCodec:
    """Issues and reads session cookies."""

    def __init__(self, secret: str, max_age: int = MAX_AGE) -> None:
        self._s = URLSafeTimedSerializer(secret, salt="taskmaster.session")
        self.max_age = max_age

    def issue(self, user_id: int, password_hash: str, epoch: int = 0) -> tuple[str, str]:
        """(cookie value, CSRF token) for a fresh session of the user's `epoch`."""
        csrf = secrets.token_urlsafe(24)
        value = self._s.dumps(
            {"u": user_id, "c": csrf, "p": password_tag(password_hash), "e": epoch}
        )
        return value, csrf

    def read(self, cookie: str) -> SessionData | None:
        """The session in a cookie, or None if it is forged, expired or malformed."""
        try:
            data = self._s.loads(cookie, max_age=self.max_age)
        except BadSignature:  # also SignatureExpired
            return None
        if not (
            isinstance(data, dict)
            and isinstance(data.get("u"), int)
            and isinstance(data.get("c"), str)
            and isinstance(data.get("p"), str)
            and isinstance(data.get("e"), int)
        ):
            return None
        return SessionData(user_id=data["u"], csrf=data["c"], tag=data["p"], epoch=data["e"])


def csrf_ok(session: SessionData, header: str | None) -> bool:
    """Whether the request's CSRF header matches its session (constant time)."""
    return bool(header) and hmac.compare_digest(session.csrf.encode(), (header or "").encode())
