"""Mail intake end to end: `taskmaster serve` polls a real Dovecot; a mail with two
attachments becomes one batch whose documents come out of the API, and the mail is
flagged seen once the batch is stored."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.conftest import BLANK
from tests.e2e.conftest import running_server
from tests.imap_server import available, dovecot
from tests.integration.test_mailbox import append, flags, mail
from tests.integration.test_queue import install_mini_app, tiff_of_blank_forms


@pytest.mark.skipif(
    not available() and not os.environ.get("CI"),
    reason="Dovecot (Debian dovecot-imapd) is not installed",
)
@pytest.mark.timeout(180)
def test_serve_turns_a_mail_with_two_attachments_into_a_batch(home: Path, tmp_path: Path) -> None:
    install_mini_app(home)
    with dovecot() as imap:
        password = tmp_path / "imap.password"
        password.write_text(imap.password)
        append(
            imap,
            "INBOX",
            mail(
                "Two forms",
                ("form.png", BLANK.read_bytes(), "image/png"),
                ("scan.tif", tiff_of_blank_forms(1), "image/tiff"),
            ),
        )
        with (
            running_server(
                home,
                imap_host=imap.host,
                imap_port=str(imap.port),
                imap_tls="none",
                imap_user=imap.user,
                imap_password_file=str(password),
                imap_app="mini",
                imap_poll_s="0.5",
            ) as srv,
            srv.client(srv.admin_token) as c,
        ):
            deadline = time.monotonic() + 120
            while True:
                batches = c.get("/api/v1/batches").json()
                items = batches["items"] if isinstance(batches, dict) else batches
                if items and items[0]["status"] == "done":
                    break
                assert time.monotonic() < deadline, (items, srv.log.read_text()[-3000:])
                time.sleep(0.5)
            [batch] = items
            detail = c.get(f"/api/v1/batches/{batch['id']}").json()
        assert "\\Seen" in flags(imap, "INBOX")[0]
    assert sorted(f["name"] for f in detail["files"]) == ["form.png", "scan.tif"]
    assert detail["documents"] == 2 and detail["origin"] == "mail"
