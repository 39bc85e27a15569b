"""The mailbox against a real Dovecot started by the test (Debian dovecot-imapd, plain
IMAP on a free loopback port): mails become batches, marked only once stored."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from taskmaster.db.models import AuditEntry, Batch, InputFile
from taskmaster.errors import ConfigError, TaskmasterError
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import create_batch
from taskmaster.queue.mailbox import Mailbox, mail_batch_id
from taskmaster.settings import Settings
from tests.conftest import BLANK
from tests.imap_server import ImapServer, available, dovecot
from tests.integration.test_queue import install_mini_app, tiff_of_blank_forms

pytestmark = pytest.mark.skipif(
    not available() and not os.environ.get("CI"),
    reason="Dovecot (Debian dovecot-imapd) is not installed",
)


@pytest.fixture(scope="module")
def imap() -> Iterator[ImapServer]:
    with dovecot() as server:
        yield server


@pytest.fixture
def folder(imap: ImapServer, request: pytest.FixtureRequest) -> str:
    """A fresh folder per test, so tests share one server without seeing each other."""
    name = re.sub(r"[^A-Za-z0-9]", "", request.node.name)[-40:]
    box = imap.client()
    box.create(name)
    box.logout()
    return name


@pytest.fixture
def svc(home: Path, imap: ImapServer, folder: str, tmp_path: Path) -> Iterator[Services]:
    install_mini_app(home)
    secret = tmp_path / "imap.password"
    secret.write_text(imap.password + "\n")
    services = Services.create(
        Settings(
            home=home,
            hot_folder=False,
            imap_host=imap.host,
            imap_port=imap.port,
            imap_tls="none",
            imap_user=imap.user,
            imap_password_file=secret,
            imap_folder=folder,
            imap_app="mini",
            imap_failed_folder=f"{folder}-failed",
        )
    )
    yield services
    services.close()


def mail(subject: str, *attachments: tuple[str, bytes, str]) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "fax@clinic.example", "scans@example", subject
    msg.set_content("Pages attached.")
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def append(imap: ImapServer, folder: str, message: bytes) -> None:
    box = imap.client()
    assert box.append(folder, None, None, message)[0] == "OK"
    box.logout()


def flags(imap: ImapServer, folder: str) -> list[str]:
    """The flags of every mail in `folder`, in order."""
    box = imap.client()
    box.select(folder, readonly=True)
    _, data = box.fetch("1:*", "(FLAGS)")
    box.logout()
    return [m.decode() for m in data if isinstance(m, bytes) and b"FLAGS" in m]


def count(imap: ImapServer, folder: str) -> int:
    box = imap.client()
    _, data = box.select(folder, readonly=True)
    box.logout()
    return int(data[0] or 0)


def batches(svc: Services) -> list[Batch]:
    with svc.db.session() as session:
        found = list(session.scalars(select(Batch)))
        for b in found:
            _ = list(b.files)
        return found


def test_a_mail_with_two_attachments_becomes_one_batch_then_is_seen(
    svc: Services, imap: ImapServer, folder: str
) -> None:
    append(
        imap,
        folder,
        mail(
            "Intake forms",
            ("form.png", BLANK.read_bytes(), "image/png"),
            ("scan.tif", tiff_of_blank_forms(1), "image/tiff"),
        ),
    )
    assert "\\Seen" not in flags(imap, folder)[0]
    assert Mailbox(svc).poll() == 1
    [batch] = batches(svc)
    assert batch.origin == "mail" and batch.apps == ["mini"] and batch.status == "pending"
    with svc.db.session() as session:
        files = session.scalars(
            select(InputFile).where(InputFile.batch_id == batch.id).order_by(InputFile.seq)
        ).all()
        assert [(f.name, f.size) for f in files] == [
            ("form.png", len(BLANK.read_bytes())),
            ("scan.tif", len(tiff_of_blank_forms(1))),
        ]
        assert svc.store.get_bytes(files[0].path) == BLANK.read_bytes()
    assert "\\Seen" in flags(imap, folder)[0]
    assert Mailbox(svc).poll() == 0 and len(batches(svc)) == 1  # taken once


def test_mails_without_usable_attachments_go_to_the_failure_folder(
    svc: Services, imap: ImapServer, folder: str
) -> None:
    append(imap, folder, mail("no attachment"))
    append(imap, folder, mail("wrong kind", ("notes.txt", b"call back", "text/plain")))
    assert Mailbox(svc).poll() == 0
    assert batches(svc) == []
    assert count(imap, folder) == 0 and count(imap, f"{folder}-failed") == 2
    with svc.db.session() as session:
        reasons = [
            r or ""
            for r in session.scalars(
                select(AuditEntry.detail)
                .where(AuditEntry.action == "mail.rejected")
                .order_by(AuditEntry.id)
            )
        ]
    assert "'no attachment'" in reasons[0] and "it has no attachment" in reasons[0]
    assert "notes.txt: unsupported format" in reasons[1]


def test_a_mail_stored_before_a_crash_is_marked_not_imported_again(
    svc: Services, imap: ImapServer, folder: str
) -> None:
    append(imap, folder, mail("Intake", ("form.png", BLANK.read_bytes(), "image/png")))
    # The crashed poll had stored the batch under the mail's id, but not marked the mail.
    box = imap.client()
    _, data = box.status(folder, "(UIDVALIDITY)")
    box.logout()
    found = re.search(rb"UIDVALIDITY (\d+)", data[0] or b"")
    assert found is not None
    uidvalidity = int(found.group(1))
    stored = create_batch(
        svc,
        [("form.png", BLANK.read_bytes())],
        ["mini"],
        origin="mail",
        batch_id=mail_batch_id(svc.settings, uidvalidity, "1"),
    )
    assert Mailbox(svc).poll() == 1
    assert [b.id for b in batches(svc)] == [stored]
    assert "\\Seen" in flags(imap, folder)[0]


def test_taken_mails_move_to_the_done_folder_when_one_is_set(
    svc: Services, imap: ImapServer, folder: str
) -> None:
    svc.settings = svc.settings.model_copy(update={"imap_done_folder": f"{folder}-done"})
    append(
        imap,
        folder,
        mail(
            "Intake",
            ("form.png", BLANK.read_bytes(), "image/png"),
            ("logo.txt", b"x", "text/plain"),
        ),
    )
    assert Mailbox(svc).poll() == 1
    assert count(imap, folder) == 0 and count(imap, f"{folder}-done") == 1
    [batch] = batches(svc)
    assert [f.name for f in batch.files] == ["form.png"]
    with svc.db.session() as session:
        [partial] = session.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.action == "mail.partial", AuditEntry.batch_id == batch.id
            )
        ).all()
    assert partial is not None and "logo.txt" in partial


def test_a_wrong_password_is_a_clear_error(svc: Services, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.password"
    wrong.write_text("nope")
    svc.settings = svc.settings.model_copy(update={"imap_password_file": wrong})
    with pytest.raises(ConfigError, match="IMAP login as scans at 127.0.0.1 refused"):
        Mailbox(svc).poll()
    svc.settings = svc.settings.model_copy(update={"imap_password_file": tmp_path / "none"})
    with pytest.raises(ConfigError, match="cannot read TASKMASTER_IMAP_PASSWORD_FILE"):
        Mailbox(svc).poll()


def test_an_unreachable_server_is_named(svc: Services) -> None:
    svc.settings = svc.settings.model_copy(update={"imap_port": 9})
    with pytest.raises(TaskmasterError, match="cannot reach IMAP server 127.0.0.1:9"):
        Mailbox(svc).poll()
