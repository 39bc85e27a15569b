"""The mailbox: attachments of mails in an IMAP folder become batches, polled like the
hot folder (a scanner or fax server that mails its pages, a shared intake address).

    TASKMASTER_IMAP_HOST=mail.example.org   TASKMASTER_IMAP_USER=scans@example.org
    TASKMASTER_IMAP_PASSWORD_FILE=/run/secrets/imap   TASKMASTER_IMAP_APP=intake

Each poll takes the unseen mails of `imap_folder`. The usable attachments of one mail
(a format Taskmaster reads, by content) become the files of one batch for `imap_app`;
only after that batch is committed is the mail flagged \\Seen, or moved to
`imap_done_folder` when one is set. A mail without a usable attachment is logged,
audited (`mail.rejected`) and moved to `imap_failed_folder` — never silently dropped.

Exactly once across crashes: a mail's batch id is derived from the mailbox, the folder's
UIDVALIDITY and the mail's UID, so a mail whose batch was stored but which was not yet
marked when the server died is only marked on the next poll, never imported twice.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
from collections.abc import Callable

from imap_tools import (
    AND,
    BaseMailBox,
    MailBox,
    MailBoxStartTls,
    MailBoxUnencrypted,
    MailMessage,
    MailMessageFlags,
)
from imap_tools.errors import MailboxLoginError
from sqlalchemy.exc import IntegrityError

from taskmaster.db.models import AuditEntry, Batch
from taskmaster.errors import ConfigError, InputError, TaskmasterError
from taskmaster.imaging.formats import check_file
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import create_batch
from taskmaster.queue.poller import Poller
from taskmaster.settings import Settings

log = logging.getLogger(__name__)

ACTOR = "mailbox"


def connect(settings: Settings) -> BaseMailBox:
    """Log in to the configured mailbox and select its folder."""
    if not (settings.imap_host and settings.imap_user and settings.imap_password_file):
        raise ConfigError(
            "the mailbox needs TASKMASTER_IMAP_HOST, TASKMASTER_IMAP_USER and "
            "TASKMASTER_IMAP_PASSWORD_FILE"
        )
    try:
        password = settings.imap_password_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot read TASKMASTER_IMAP_PASSWORD_FILE "
            f"{settings.imap_password_file}: {exc.strerror}"
        ) from exc
    host, port = settings.imap_host, settings.imap_port
    box: BaseMailBox
    try:
        if settings.imap_tls == "ssl":
            box = MailBox(host, port=port, ssl_context=ssl.create_default_context())
        elif settings.imap_tls == "starttls":
            box = MailBoxStartTls(host, port=port, ssl_context=ssl.create_default_context())
        else:
            box = MailBoxUnencrypted(host, port=port)
    except OSError as exc:  # refused, unreachable, TLS handshake: the next poll tries again
        raise TaskmasterError(f"cannot reach IMAP server {host}:{port}: {exc}") from exc
    try:
        box.login(settings.imap_user, password, initial_folder=settings.imap_folder)
    except MailboxLoginError as exc:
        raise ConfigError(f"IMAP login as {settings.imap_user} at {host} refused") from exc
    return box


def mail_batch_id(settings: Settings, uidvalidity: int, uid: str) -> str:
    """The batch id of one mail: the same on every poll, unique across mailboxes."""
    key = (
        f"{settings.imap_host}:{settings.imap_port}:{settings.imap_user}:"
        f"{settings.imap_folder}:{uidvalidity}:{uid}"
    )
    return "b-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def usable_attachments(msg: MailMessage) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(name, content) of the attachments Taskmaster can read, and why the others not."""
    files, refused = [], []
    for att in msg.attachments:
        name = att.filename or "attachment"
        try:
            check_file(att.payload)  # the same content and polyglot checks as uploads
        except InputError as exc:
            refused.append(f"{name}: {exc.message}")
            continue
        files.append((name, att.payload))
    return files, refused


class Mailbox(Poller):
    """Polls an IMAP folder; `poll()` is one pass, `start()` polls in a thread."""

    name = "mailbox"

    def __init__(self, svc: Services, *, notify: Callable[[], None] | None = None) -> None:
        super().__init__(svc.settings.imap_poll_s)
        self.svc, self.settings = svc, svc.settings
        self.notify = notify or (lambda: None)

    def poll(self) -> int:
        """Take every unseen mail of the folder; returns how many became batches."""
        taken = 0
        with connect(self.settings) as box:
            status = box.folder.status(self.settings.imap_folder, ["UIDVALIDITY"])
            uidvalidity = int(status["UIDVALIDITY"])
            for msg in box.fetch(AND(seen=False), mark_seen=False, bulk=False):
                if self.stopping:
                    break
                taken += self._take(box, msg, uidvalidity)
        return taken

    def _take(self, box: BaseMailBox, msg: MailMessage, uidvalidity: int) -> int:
        assert msg.uid is not None
        what = f"mail {msg.uid} from {msg.from_ or 'unknown'} ({msg.subject!r})"
        files, refused = usable_attachments(msg)
        if not files:
            why = "; ".join(refused) or "it has no attachment"
            self._reject(box, msg, f"{what}: no usable attachment: {why}")
            return 0
        batch_id = mail_batch_id(self.settings, uidvalidity, msg.uid)
        with self.svc.db.session() as session:
            stored = session.get(Batch, batch_id) is not None
        if not stored:  # else: stored before a crash, not yet marked
            try:
                create_batch(
                    self.svc,
                    files,
                    [self.settings.imap_app],
                    origin="mail",
                    actor=ACTOR,
                    batch_id=batch_id,
                )
            except IntegrityError:
                pass  # another server took the same mail first: it is stored
            except TaskmasterError as exc:  # unknown application, file over the limit
                self._reject(box, msg, f"{what}: {exc.message}")
                return 0
            self.notify()
        if refused:
            self._audit(batch_id, f"{what}: skipped {'; '.join(refused)}")
        self._mark(box, msg.uid, self.settings.imap_done_folder)
        log.info("mailbox: %s became batch %s (%d file(s))", what, batch_id, len(files))
        return 1

    def _mark(self, box: BaseMailBox, uid: str, folder: str | None) -> None:
        box.flag(uid, MailMessageFlags.SEEN, True)
        if folder:
            if not box.folder.exists(folder):
                box.folder.create(folder)
            box.move(uid, folder)

    def _reject(self, box: BaseMailBox, msg: MailMessage, reason: str) -> None:
        log.warning("mailbox: %s; moved to %s", reason, self.settings.imap_failed_folder)
        self._audit(None, reason)
        assert msg.uid is not None
        self._mark(box, msg.uid, self.settings.imap_failed_folder)

    def _audit(self, batch_id: str | None, detail: str) -> None:
        with self.svc.db.session() as session:
            session.add(
                AuditEntry(
                    actor=ACTOR,
                    action="mail.rejected" if batch_id is None else "mail.partial",
                    batch_id=batch_id,
                    detail=detail,
                )
            )
            session.commit()
