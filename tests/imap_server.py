"""A throwaway Dovecot IMAP server for tests: its own config in a temp dir, a passwd-file
user, plain IMAP on a free loopback port. As root (CI) its login and mail processes run
as the Debian package's unprivileged users; otherwise everything runs as the caller."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "scans", "scan-pw-0001"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    log: Path

    def client(self) -> imaplib.IMAP4:
        box = imaplib.IMAP4(self.host, self.port)
        box.login(self.user, self.password)
        return box


def available() -> bool:
    return Path(DOVECOT).exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def dovecot() -> Iterator[ImapServer]:
    root = Path(tempfile.mkdtemp(prefix="tm-dovecot-", dir="/tmp"))
    root.chmod(0o755)  # unprivileged login/mail processes must reach it
    # Modes are set, not left to the umask: Taskmaster's Services set this process's
    # umask to 077 (owner-only data), and dovecot's unprivileged processes must read these.
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
        (root / sub).chmod(0o755)
    (root / "home").chmod(0o777)
    me = pwd.getpwuid(os.getuid()).pw_name
    my_group = grp.getgrgid(os.getgid()).gr_name
    as_root = os.getuid() == 0
    port = _free_port()
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            root=root,
            port=port,
            login_user="dovenull" if as_root else me,
            internal_user="dovecot" if as_root else me,
            internal_group="dovecot" if as_root else my_group,
            mail_user="nobody" if as_root else me,
            mail_group="nogroup" if as_root else my_group,
        )
    )
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    for name in ("dovecot.conf", "passwd"):
        (root / name).chmod(0o644)
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = ImapServer("127.0.0.1", port, USER, PASSWORD, root / "dovecot.log")
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                server.client().logout()
                break
            except (OSError, imaplib.IMAP4.error):
                log = server.log.read_text() if server.log.exists() else ""
                assert proc.poll() is None and time.monotonic() < deadline, (
                    f"dovecot did not start: {log[-2000:]}"
                )
                time.sleep(0.1)
        yield server
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)
