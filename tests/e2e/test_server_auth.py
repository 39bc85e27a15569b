"""Authentication and roles against the real server: every endpoint is closed by default."""

from __future__ import annotations

import re

from tests.e2e.conftest import Server

OPEN = {"/healthz", "/readyz"}
CREDENTIAL_ENTRY = {"/api/v1/auth/login"}  # checks the password it is given instead


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_endpoint_needs_credentials(server: Server) -> None:
    with server.client(server.admin_token) as admin:
        spec = admin.get("/api/v1/openapi.json").json()
    checked = 0
    with server.client() as anon:
        for closed in ("/api/v1/openapi.json", "/api/v1/docs"):
            assert anon.get(closed).status_code == 401
        for path, ops in spec["paths"].items():
            for method in ops:
                r = anon.request(method.upper(), _concrete(path))
                if path in OPEN:
                    assert r.status_code == 200, (method, path, r.text)
                elif path not in CREDENTIAL_ENTRY:
                    assert r.status_code == 401, (method, path, r.status_code, r.text)
                    assert r.json()["error"]["code"] == "auth_error"
                    checked += 1
    assert checked >= 20
    with server.client(server.admin_token) as admin:
        r = admin.get("/api/v1/batches")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
    with server.client("tm_not-a-real-token") as forged:
        assert forged.get("/api/v1/batches").status_code == 401
        assert forged.get("/metrics").status_code == 401


def test_metrics_need_a_token(server: Server) -> None:
    with server.client(server.user("prom", "viewer")) as c:
        r = c.get("/metrics")
    assert r.status_code == 200
    assert "taskmaster_queue_depth" in r.text and "taskmaster_failed_logins_total" in r.text


def test_roles_are_enforced(server: Server) -> None:
    scanner = server.user("scan1", "scanner")
    viewer = server.user("view1", "viewer")
    with server.client(scanner) as c:
        assert c.get("/api/v1/users").status_code == 403
        assert c.get("/api/v1/audit").status_code == 403
        assert c.get("/api/v1/batches").status_code == 200  # its own batches only
        assert c.get("/api/v1/apps").status_code == 403
    with server.client(viewer) as c:
        assert c.get("/api/v1/apps").status_code == 200
        assert (
            c.post(
                "/api/v1/batches", files={"file": ("a.png", b"x")}, data={"app": "intake"}
            ).status_code
            == 403
        )
        r = c.patch("/api/v1/documents/d-000000000000/fields/last_name", json={"value": "X"})
        assert r.status_code == 403
        assert c.post("/api/v1/tokens", json={"user": "view1", "role": "viewer"}).status_code == 403


def test_token_role_cannot_exceed_user_role(server: Server) -> None:
    server.user("view2", "viewer")
    done = server.cli("tokens", "create", "--user", "view2", "--role", "operator")
    assert done.returncode != 0 and done.stdout == ""
    assert "may not exceed" in done.stderr
    with server.client(server.admin_token) as c:
        r = c.post("/api/v1/tokens", json={"user": "view2", "role": "scanner"})
    assert r.status_code == 403


def test_tokens_create_prints_only_the_token(server: Server) -> None:
    done = server.cli("tokens", "create", "--user", "admin", "--role", "viewer", "--name", "x")
    assert done.returncode == 0
    assert re.fullmatch(r"tm_[A-Za-z0-9_-]{43}\n", done.stdout)


def test_revoked_token_is_refused(server: Server) -> None:
    token = server.token("admin", "viewer")
    with server.client(token) as c:
        assert c.get("/api/v1/apps").status_code == 200
    with server.client(server.admin_token) as admin:
        assert token[:11] in [t["prefix"] for t in admin.get("/api/v1/tokens").json()]
    done = server.cli("tokens", "revoke", token[:11])
    assert done.returncode == 0, done.stderr
    with server.client(token) as c:
        assert c.get("/api/v1/apps").status_code == 401
    # and through the API
    with server.client(server.admin_token) as admin:
        made = admin.post("/api/v1/tokens", json={"user": "admin", "role": "viewer"}).json()
        with server.client(made["token"]) as c:
            assert c.get("/api/v1/apps").status_code == 200
            assert admin.delete(f"/api/v1/tokens/{made['id']}").status_code == 204
            assert c.get("/api/v1/apps").status_code == 401


def test_login_lockout_and_fail2ban_line(server: Server) -> None:
    server.user("locky", "viewer", password="locky-password-1")
    with server.client() as c:
        for _ in range(5):
            r = c.post("/api/v1/auth/login", json={"username": "locky", "password": "wrong-one"})
            assert r.status_code == 401
        r = c.post("/api/v1/auth/login", json={"username": "locky", "password": "locky-password-1"})
        assert r.status_code == 429, r.text
        assert r.json()["error"]["code"] == "rate_limited"
    assert "taskmaster: failed login for user=locky from 127.0.0.1" in server.log.read_text()
    # an admin's password reset lifts the lock
    with server.client(server.admin_token) as admin:
        assert (
            admin.patch("/api/v1/users/locky", json={"password": "locky-password-2"}).status_code
            == 200
        )
    with server.client() as c:
        r = c.post("/api/v1/auth/login", json={"username": "locky", "password": "locky-password-2"})
        assert r.status_code == 200


def test_cookie_session_needs_csrf_for_unsafe_methods(server: Server) -> None:
    server.user("opsess", "operator", password="operator-password")
    with server.client() as c:
        r = c.post(
            "/api/v1/auth/login", json={"username": "opsess", "password": "operator-password"}
        )
        assert r.status_code == 200
        cookies = r.headers.get_list("set-cookie")
        session_cookie = next(x for x in cookies if x.startswith("tm_session="))
        assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
        csrf = r.json()["csrf_token"]
        assert c.get("/api/v1/auth/me").json()["user"] == "opsess"  # safe: no header needed
        patch = "/api/v1/documents/d-000000000000/fields/last_name"
        r = c.patch(patch, json={"value": "X"})
        assert r.status_code == 403 and "CSRF" in r.json()["error"]["message"]
        r = c.patch(patch, json={"value": "X"}, headers={"X-CSRF-Token": "forged"})
        assert r.status_code == 403
        r = c.patch(patch, json={"value": "X"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 404  # past auth and CSRF: the document does not exist
        assert c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert c.get("/api/v1/auth/me").status_code == 401


def test_first_admin_password_comes_from_the_environment(server: Server) -> None:
    with server.client() as c:
        r = c.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "e2e-admin-password"}
        )
    assert r.status_code == 200
    assert "created user 'admin' with password" not in server.log.read_text()
