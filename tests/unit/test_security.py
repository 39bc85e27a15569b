"""Security building blocks on a real SQLite database: roles, passwords, accounts with
lockout, API tokens, session cookies and CSRF, throttling, polyglots, port holders."""

from __future__ import annotations

import io
import logging
import os
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from taskmaster.cli.ports import listeners
from taskmaster.db.engine import Database
from taskmaster.errors import AuthError, Forbidden, InputError, RateLimited, UnsupportedFormat
from taskmaster.imaging.formats import check_file, reject_polyglot
from taskmaster.security.accounts import add_user, authenticate, ensure_admin, set_password
from taskmaster.security.passwords import hash_password, verify_password
from taskmaster.security.ratelimit import MAX_USER_FAILURES, HostThrottle, log_failure
from taskmaster.security.roles import ROLES, Perm, allows, covers
from taskmaster.security.sessions import SessionCodec, csrf_ok, load_secret, password_tag
from taskmaster.security.tokens import (
    authenticate_token,
    create_token,
    find_token,
    hash_token,
    revoke_token,
)
from taskmaster.settings import Settings


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'tm.db'}")
    yield database
    database.dispose()


def test_roles_are_permission_sets() -> None:
    assert all(covers("admin", r) for r in ROLES)
    assert covers("operator", "scanner") and covers("operator", "viewer")
    assert not covers("operator", "admin")
    assert not covers("scanner", "viewer") and not covers("viewer", "scanner")
    assert allows("scanner", Perm.UPLOAD) and not allows("scanner", Perm.READ)
    assert allows("viewer", Perm.READ) and not allows("viewer", Perm.EDIT)
    assert not allows("nobody", Perm.READ) and not covers("admin", "root")


def test_passwords_are_argon2id() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse battery!")
    assert not verify_password(None, "anything")
    with pytest.raises(InputError):
        hash_password("short")


def test_first_admin_once_and_no_default_password(db: Database) -> None:
    with db.session() as s:
        generated = ensure_admin(s, None)
        assert generated is not None and len(generated) >= 16
        assert ensure_admin(s, None) is None  # only when there is no user at all
        assert authenticate(s, "admin", generated).role == "admin"


def test_lockout_after_failures_and_reset(db: Database) -> None:
    with db.session() as s:
        add_user(s, "ann", "operator", "ann-password-1")
        s.commit()
        for _ in range(MAX_USER_FAILURES):
            with pytest.raises(AuthError) as exc:
                authenticate(s, "ann", "wrong")
            assert type(exc.value) is AuthError
        with pytest.raises(RateLimited):
            authenticate(s, "ann", "ann-password-1")
        with pytest.raises(AuthError, match="wrong user name or password"):
            authenticate(s, "nobody", "ann-password-1")  # same message as a wrong password
        set_password(s, add_user(s, "bob", "viewer", "bob-password-1"), "bob-password-2")
        s.commit()
        assert authenticate(s, "bob", "bob-password-2").name == "bob"


def test_tokens_hashed_scoped_revocable(db: Database) -> None:
    with db.session() as s:
        op = add_user(s, "op", "operator", "op-password-1")
        token, row = create_token(s, op, "scanner", "scanner box")
        s.commit()
        assert token.startswith("tm_") and len(token) == 46
        assert row.token_hash == hash_token(token) and token not in row.token_hash
        assert authenticate_token(s, token)[0].role == "scanner"
        with pytest.raises(Forbidden):
            create_token(s, op, "admin")
        assert find_token(s, row.prefix).id == row.id == find_token(s, str(row.id)).id
        op.role = "viewer"  # demoting the user disables tokens above the new role
        s.commit()
        with pytest.raises(AuthError):
            authenticate_token(s, token)
        op.role = "operator"
        revoke_token(s, row)
        s.commit()
        with pytest.raises(AuthError):
            authenticate_token(s, token)
        with pytest.raises(AuthError):
            authenticate_token(s, "tm_" + "A" * 43)


def test_session_cookie_signed_and_bound_to_password(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    secret = load_secret(settings)
    assert (tmp_path / "home" / "session.key").stat().st_mode & 0o777 == 0o600
    assert load_secret(settings) == secret
    codec = SessionCodec(secret)
    cookie, csrf = codec.issue(7, "$argon2id$hash")
    data = codec.read(cookie)
    assert data is not None and data.user_id == 7 and data.tag == password_tag("$argon2id$hash")
    assert csrf_ok(data, csrf) and not csrf_ok(data, None) and not csrf_ok(data, csrf + "x")
    assert codec.read(cookie[:-2] + "xx") is None
    assert SessionCodec("another secret").read(cookie) is None
    assert SessionCodec(secret, max_age=-1).read(cookie) is None


def test_host_throttle_and_fail2ban_line(caplog: pytest.LogCaptureFixture) -> None:
    throttle = HostThrottle(max_failures=3, window=60)
    throttle.take("10.0.0.1")
    throttle.refund("10.0.0.1")  # a success gives its slot back
    for _ in range(3):
        throttle.take("10.0.0.1")
    with pytest.raises(RateLimited):
        throttle.take("10.0.0.1")
    throttle.take("10.0.0.2")
    with caplog.at_level(logging.WARNING, logger="taskmaster.security"):
        log_failure("evil\nuser from 1.2.3.4", "10.0.0.1")
    assert caplog.messages == [
        "taskmaster: failed login for user=evil?user?from?1.2.3.4 from 10.0.0.1"
    ]


def _pdf() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (200, 260), 255).save(buf, "PDF", resolution=25)
    return buf.getvalue()


def test_polyglots_are_refused() -> None:
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("a.txt", "x")
    reject_polyglot(_pdf(), "pdf")
    with pytest.raises(UnsupportedFormat, match="ZIP"):
        reject_polyglot(_pdf() + zipped.getvalue(), "pdf")
    with pytest.raises(UnsupportedFormat, match="behind"):
        reject_polyglot(zipped.getvalue() + _pdf(), "pdf")
    assert check_file(_pdf()) == "pdf"
    with pytest.raises(UnsupportedFormat, match="^polyglot"):
        check_file(_pdf() + zipped.getvalue())


def test_port_holder_is_named() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        found = listeners(port)
    assert [(h.address, h.pid) for h in found] == [("127.0.0.1", os.getpid())]
    assert f"127.0.0.1:{port} held by pid={os.getpid()}" in found[0].describe()
