"""A real `taskmaster serve` process for the e2e tests, over real HTTP.

The server runs from this checkout's virtualenv with a temporary TASKMASTER_HOME, a known
admin password, one embedded worker and a small upload limit; its stderr goes to a file
the tests read (the fail2ban log line). The admin token is made with the CLI, as an
operator would.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright import sync_api

from tests.conftest import BIN

ADMIN_PASSWORD = "e2e-admin-password"
MAX_UPLOAD = 600_000
TASKMASTER = BIN / "taskmaster"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    port: int
    home: Path
    log: Path
    env: dict[str, str]
    admin_token: str
    pid: int = 0  # the server process, where this fixture started it
    verify: bool = True  # False for a server with a self-signed certificate

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run `taskmaster ARGS` against this server's data directory."""
        return subprocess.run(
            [str(TASKMASTER), *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def token(self, user: str, role: str) -> str:
        """A token of `role` for `user` (through the API: a CLI start costs seconds)."""
        with self.client(self.admin_token) as c:
            r = c.post("/api/v1/tokens", json={"user": user, "role": role})
            assert r.status_code == 201, r.text
            token: str = r.json()["token"]
            return token

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, verify=self.verify)

    def user(self, name: str, role: str, password: str = "a-long-password") -> str:
        """Create a user through the API (idempotent); returns a token of its role."""
        with self.client(self.admin_token) as c:
            r = c.post("/api/v1/users", json={"name": name, "role": role, "password": password})
            assert r.status_code in (201, 409), r.text
        return self.token(name, role)


def wait_js(page: Any, expression: str, arg: Any = None, timeout: float = 30) -> None:
    """Wait until `expression` (a JS expression or function of `arg`) is truthy in `page`.

    Playwright's wait_for_function compiles its predicate with eval inside the page,
    which the web UI's Content-Security-Policy forbids; evaluate() runs it from the
    outside (DevTools), so this polls that instead.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(expression, arg):
                return
        except Exception:  # the page navigated meanwhile: ask the next one
            if time.monotonic() > deadline:
                raise
        assert time.monotonic() < deadline, f"never true in the page: {expression}"
        time.sleep(0.02)


@contextlib.contextmanager
def running_server(home: Path, *, own_group: bool = False, **settings: str) -> Iterator[Server]:
    """`taskmaster serve` as a real process on a free port, with `TASKMASTER_<KEY>` settings;
    yields once /healthz answers, with an admin token; stopped at the end. `own_group`
    starts it in a process group of its own, as systemd does (for `os.killpg`)."""
    port = free_port()
    env = {
        **os.environ,
        "TASKMASTER_HOME": str(home),
        "TASKMASTER_WORKERS": "1",
        "TASKMASTER_HOT_FOLDER": "false",
        "OMP_THREAD_LIMIT": "1",
        # No QA sample unless a test asks: which documents it picks depends on their
        # random ids, and a test expecting a document `done` would fail 3% of the time.
        "TASKMASTER_QA_SHARE": "0",
        **{f"TASKMASTER_{k.upper()}": v for k, v in settings.items()},
    }
    env.pop("TASKMASTER_DATABASE_URL", None)
    log = home / "server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [str(TASKMASTER), "serve", "--port", str(port)],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )
    tls = "tls_cert" in settings  # self-signed in tests: not verified
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2, verify=not tls).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer /healthz in 60 s:\n{log.read_text()}")
            time.sleep(0.3)
        srv = Server(
            url=url,
            port=port,
            home=home,
            log=log,
            env=env,
            admin_token="",
            pid=proc.pid,
            verify=not tls,
        )
        made = srv.cli("tokens", "create", "--user", "admin", "--role", "admin")
        assert made.returncode == 0, made.stderr
        srv.admin_token = made.stdout.strip()
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("taskmaster-home")
    with running_server(
        home, admin_password=ADMIN_PASSWORD, max_upload_bytes=str(MAX_UPLOAD)
    ) as srv:
        yield srv


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def launch_chromium(pw: Any) -> Any:
    """Debian's headless Chromium (no browser download) from a Playwright handle."""
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (no browser download), one per
    test module."""
    with sync_api.sync_playwright() as pw:
        chromium = launch_chromium(pw)
        yield chromium
        chromium.close()
