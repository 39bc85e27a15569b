"""Logins under attack, against a real `taskmaster serve` over HTTPS behind a "proxy".

The server of this module has a self-signed certificate, trusts 127.0.0.1 as its reverse
proxy (so each test can speak from its own client address with X-Forwarded-For) and a
generated first-admin password, read from its log as an operator would.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import CHROMIUM, Server, launch_chromium, running_server

GUESSES = 40


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, made with `cryptography` (a dev dependency)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("tls-home")
    cert, key = self_signed(home)
    with running_server(
        home, tls_cert=str(cert), tls_key=str(key), trusted_proxies="127.0.0.1"
    ) as srv:
        yield srv


def login(c: httpx.Client, user: str, password: str, addr: str) -> httpx.Response:
    return c.post(
        "/api/v1/auth/login",
        json={"username": user, "password": password},
        headers={"X-Forwarded-For": addr},
    )


def test_parallel_guesses_lock_the_account_for_that_address_only(tls: Server) -> None:
    tls.user("target", "operator", password="target-password-1")
    attacker, owner = "203.0.113.7", "198.51.100.2"
    with tls.client() as c, ThreadPoolExecutor(GUESSES) as pool:
        answers = list(
            pool.map(lambda i: login(c, "target", f"wrong-guess-{i}", attacker), range(GUESSES))
        )
        codes = sorted(r.status_code for r in answers)
        # The slot is taken before the password is checked: only five were evaluated.
        assert codes == [401] * 5 + [429] * (GUESSES - 5), codes
        r = login(c, "target", "target-password-1", attacker)
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
        # Not a remote denial of service: the owner, elsewhere, still logs in.
        assert login(c, "target", "target-password-1", owner).status_code == 200
        # Refused attempts checked no password: the address may still log in as others.
        tls.user("bystander", "viewer", password="bystander-password-1")
        assert login(c, "bystander", "bystander-password-1", attacker).status_code == 200
    with tls.client(tls.admin_token) as admin:
        assert admin.get("/api/v1/users/target").json()["locked"] is True
    log = tls.log.read_text()
    assert "failed login for user=target from 203.0.113.7" in log  # the proxy's client
    assert "failed login for user=target from 127.0.0.1" not in log


def test_unknown_users_get_the_same_answers(tls: Server) -> None:
    tls.user("known", "viewer", password="known-password-1")
    with tls.client() as c:
        known = [login(c, "known", "wrong-password", "192.0.2.10") for _ in range(6)]
        unknown = [login(c, "nobody-here", "wrong-password", "192.0.2.10") for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [429]
    assert known[0].json() == unknown[0].json()
    assert re.sub(r"\d+", "N", known[-1].text) == re.sub(r"\d+", "N", unknown[-1].text)


def test_forwarded_for_counts_only_from_trusted_proxies(server: Server) -> None:
    """The shared server trusts no proxy: X-Forwarded-For cannot pick the address."""
    with server.client() as c:
        r = login(c, "spoofer", "wrong-password", "198.18.0.66")
    assert r.status_code == 401
    log = server.log.read_text()
    assert "failed login for user=spoofer from 127.0.0.1" in log
    assert "198.18.0.66" not in log


def test_headers_under_tls(tls: Server) -> None:
    with tls.client() as c:
        page = c.get("/login")
    assert page.headers["strict-transport-security"].startswith("max-age=")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["cache-control"] == "no-store"
    with tls.client(tls.admin_token) as c:
        assert c.get("/api/v1/batches").headers["cache-control"] == "no-store"
        docs_policy = c.get("/api/v1/docs").headers["content-security-policy"]
        assert "script-src 'self' 'sha256-" in docs_policy and "cdn" not in docs_policy
        assert "no-store" not in c.get("/static/app.js").headers.get("cache-control", "")


def test_no_hsts_over_plain_http(server: Server) -> None:
    with server.client() as c:
        r = c.get("/login")
    assert "strict-transport-security" not in r.headers
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_logout_ends_a_copied_session(server: Server) -> None:
    server.user("leaver", "viewer", password="leaver-password-1")
    with server.client() as c:
        r = c.post(
            "/api/v1/auth/login", json={"username": "leaver", "password": "leaver-password-1"}
        )
        assert r.status_code == 200
        stolen = {"tm_session": c.cookies["tm_session"]}
        csrf = r.json()["csrf_token"]
        assert c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    with httpx.Client(base_url=server.url, cookies=stolen) as thief:
        r = thief.get("/api/v1/auth/me")
        assert r.status_code == 401, r.text
        assert thief.get("/batches", follow_redirects=False).status_code == 303


REDIRECT_TRICKS = [
    "//evil.example/",
    "/\\evil.example/",
    "/\\/evil.example",
    "\\/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "https://evil.example/",
    "/\r\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "/\x00/evil.example",
]


def test_login_redirect_stays_on_the_site(server: Server) -> None:
    with server.client() as c:
        for trick in REDIRECT_TRICKS:
            page = c.get("/login", params={"next": trick})
            assert page.status_code == 200
            assert 'data-next="/"' in page.text, (trick, page.text)
        page = c.get("/login", params={"next": "/batches?status=done"})
        assert 'data-next="/batches?status=done"' in page.text


def _generated_admin_password(srv: Server) -> str:
    found = re.search(r"created user 'admin' with password: (\S+)", srv.log.read_text())
    assert found, "the first start prints the generated admin password"
    return found.group(1)


def test_printed_admin_password_must_be_changed_first(tls: Server) -> None:
    """Over HTTP with the session: everything but the password change is held back,
    while the CLI-made admin token works throughout."""
    printed = _generated_admin_password(tls)
    with tls.client() as c:
        r = c.post("/api/v1/auth/login", json={"username": "admin", "password": printed})
        assert r.status_code == 200 and r.json()["must_change_password"] is True
        csrf = r.json()["csrf_token"]
        r = c.get("/api/v1/batches")
        assert r.status_code == 403 and r.json()["error"]["code"] == "password_change_required"
        assert c.get("/", follow_redirects=False).headers["location"] == "/password"
        assert c.get("/api/v1/auth/me").json()["must_change_password"] is True
    with tls.client(tls.admin_token) as admin:  # tokens made with the CLI: never blocked
        assert admin.get("/api/v1/batches").status_code == 200
    with tls.client() as c:
        c.post("/api/v1/auth/login", json={"username": "admin", "password": printed})
        csrf = c.cookies["tm_csrf"]
        r = c.post(
            "/api/v1/auth/password",
            headers={"X-CSRF-Token": csrf},
            json={"current_password": printed, "new_password": "password123"},
        )
        assert r.status_code == 422 and "commonly used" in r.json()["error"]["message"]
        r = c.post(
            "/api/v1/auth/password",
            headers={"X-CSRF-Token": csrf},
            json={"current_password": "not-it-at-all", "new_password": "x" * 12},
        )
        assert r.status_code == 401


def test_browser_changes_the_printed_password_under_the_csp(tls: Server) -> None:
    """Chromium: the generated password leads to /password, then the dashboard; the web
    UI's scripts run under the Content-Security-Policy (no violation reported)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed (/usr/bin/chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    printed = _generated_admin_password(tls)
    chosen = "a-chosen-admin-passphrase"
    violations: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_context(ignore_https_errors=True).new_page()
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(f"{tls.url}/login?next=" + "%2F%5C%2Fevil.example%2F")
        page.fill("#username", "admin")
        page.fill("#password", printed)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{tls.url}/password")
        assert "generated" in page.locator("#forced").inner_text()
        page.fill("#current", printed)
        page.fill("#new", chosen)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{tls.url}/")  # on our own site, not evil.example
        assert page.locator("#who").inner_text() == "admin"
        page.goto(f"{tls.url}/batches")
        page.select_option("#status", "done")  # data-autosubmit: app.js, not inline code
        page.wait_for_url(f"{tls.url}/batches?status=done")
        page.click("#logout")
        page.wait_for_url(f"{tls.url}/login")
        browser.close()
    assert violations == []
    with tls.client() as c:
        assert login(c, "admin", printed, "192.0.2.99").status_code == 401
        r = login(c, "admin", chosen, "192.0.2.99")
        assert r.status_code == 200 and r.json()["must_change_password"] is False


def test_reserved_names_and_common_passwords_are_refused(server: Server) -> None:
    with server.client(server.admin_token) as admin:
        for name in ("cli", "hotfolder", "HotFolder", "system", "system-bot"):
            r = admin.post(
                "/api/v1/users",
                json={"name": name, "role": "viewer", "password": "a-fine-password-9"},
            )
            assert r.status_code == 422 and "reserved" in r.json()["error"]["message"], name
        for weak in ("1234567890", "qwertyuiop", "Password123"):
            r = admin.post(
                "/api/v1/users", json={"name": "weakling", "role": "viewer", "password": weak}
            )
            assert r.status_code == 422, weak
            assert "commonly used" in r.json()["error"]["message"]
        r = admin.post(
            "/api/v1/users", json={"name": "weakling", "role": "viewer", "password": "short"}
        )
        assert r.status_code == 422
        assert admin.get("/api/v1/users/weakling").status_code == 404
    done = server.cli(
        "users",
        "add",
        "hotfolder",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="a-fine-password-9\n",
    )
    assert done.returncode == 2 and "reserved" in done.stderr
    done = server.cli(
        "users", "add", "plainuser", "--role", "viewer", "--password-stdin", stdin="iloveyou12\n"
    )
    assert done.returncode == 2 and "commonly used" in done.stderr


BOUNDS = [
    ("GET", "/api/v1/batches?limit=-1"),
    ("GET", "/api/v1/batches?offset=1e20"),
    ("GET", "/api/v1/batches?offset=100000000000000000000"),
    ("GET", "/api/v1/audit?limit=100000000000000000000"),
    ("DELETE", "/api/v1/tokens/100000000000000000000"),
    ("DELETE", "/api/v1/tokens/-1"),
    ("GET", "/api/v1/documents/d-000000000000/pages/99999999999999/image"),
    ("GET", "/api/v1/documents/d-000000000000/pages/0/thumbnail"),
    ("POST", "/api/v1/verify/pages/4294967296/rotate"),
    ("GET", "/batches?page=100000000000000000000"),
    ("GET", "/batches?page=1e20"),
    ("GET", "/ui/pages/100000000000000000000.jpg"),
    ("GET", "/ui/pages/1.jpg?w=-5"),
]


def test_integer_parameters_are_bounded(server: Server) -> None:
    with server.client(server.admin_token) as admin:
        for method, url in BOUNDS:
            r = admin.request(method, url, json={"quarter_turns": 1} if method == "POST" else None)
            assert r.status_code == 422, (method, url, r.status_code, r.text)
        r = admin.post("/api/v1/verify/pages/1/rotate", json={"quarter_turns": 10**30})
        assert r.status_code == 422
        r = admin.get("/batches?page=2")
        assert r.status_code in (200, 303)  # in range: served (or a redirect to log in)


def test_an_admin_password_from_the_environment_need_not_be_changed(server: Server) -> None:
    with server.client() as c:
        r = c.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "e2e-admin-password"}
        )
        assert r.status_code == 200 and r.json()["must_change_password"] is False
        assert c.get("/api/v1/batches").status_code == 200
        assert c.get("/", follow_redirects=False).status_code == 200
