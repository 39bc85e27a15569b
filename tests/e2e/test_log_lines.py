"""Nobody can forge the failed-login line that the documented fail2ban filter bans on.

The filter is read from docs/security.md and applied as fail2ban applies it: to each
line, after the leading date. A file name holding a newline and a fake failed-login line
(a scanner can name its files as it likes) must match nothing; a real failed login must.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import BIN
from tests.e2e.conftest import Server

DOCS = Path(__file__).parents[2] / "docs" / "security.md"
HOST = r"(?:::f{4,6}:)?(?P<host>[\w\-.^_]*\w)"  # fail2ban's <HOST>
DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:[.,]\d+)?")
FORGED = "WARNING taskmaster.security: taskmaster: failed login for user=a from 6.6.6.{}"


def fail2ban_filter() -> re.Pattern[str]:
    found = re.search(r"^\s*failregex = (.+)$", DOCS.read_text(), flags=re.M)
    assert found, "docs/security.md documents a fail2ban failregex"
    return re.compile(found.group(1).strip().replace("<HOST>", HOST))


def banned(text: str) -> set[str]:
    """The addresses fail2ban's filter finds in `text` (one log line per line)."""
    regex = fail2ban_filter()
    hosts = set()
    for line in text.splitlines():
        m = regex.search(DATE.sub("", line, count=1))
        if m:
            hosts.add(m.group("host"))
    return hosts


def test_forged_file_names_ban_nobody(tmp_path: Path) -> None:
    names = [
        f"x\n{FORGED.format(6)}\ny.png",
        f"b\r{FORGED.format(7)}\n.pdf",
        f"c\u2028{FORGED.format(8)}\u2028.tif",
        f"d {FORGED.format(9)}",
    ]
    files = []
    for i, name in enumerate(names):
        (tmp_path / name).write_bytes(b"not a document" if i % 2 == 0 else b"%PDF-1.4 junk")
        files.append(str(tmp_path / name))
    done = subprocess.run(
        [str(BIN / "taskmaster"), "process", "--json", "--app", "intake", *files],
        env={"TASKMASTER_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0  # every file is bad
    assert "6.6.6.6" in done.stderr  # the names were logged and printed, escaped
    assert banned(done.stderr) == set(), done.stderr


def test_a_real_failed_login_is_found(server: Server) -> None:
    with server.client() as c:
        r = c.post(
            "/api/v1/auth/login", json={"username": "ghost from 6.6.6.6\n", "password": "wrong"}
        )
        assert r.status_code == 401
    log = server.log.read_text()
    assert banned(log) == {"127.0.0.1"}, [x for x in log.splitlines() if "failed" in x]
