"""The hot folder: files dropped into `<home>/inbox` become batches.

    inbox/scan.pdf                  -> a batch for the default application
    inbox/receipts/r1.jpg           -> a batch for the application `receipts`
    inbox/processing/<batch id>/    -> taken, batch created or about to be (meta.json)
    hotfolder/done/scan.pdf         -> finished; scan.pdf.result.json holds the documents
    hotfolder/error/bad.pdf         -> failed; bad.pdf.reason.txt says why

The inbox is often a network share that scanners write to; what comes out of it (the
documents read, the reasons) is patient data and goes to `<home>/hotfolder/`, outside
the share: folders 0700, files 0600. Only regular files are taken: a symbolic link, a
device or a FIFO in the inbox is left alone with one warning (following a link would
import whatever file it points at; opening a FIFO would block the watch), and the taken
file is read through a descriptor opened without following links.

A file is taken once it is complete: its size and mtime unchanged for `stable_polls`
polls in a row and it can be opened. Names starting with `.` or ending in `.tmp`,
`.part` or `~` are never taken, so a writer may also write under such a name and rename.

Exactly once across crashes: the batch id is chosen and written to
`processing/<id>/meta.json` *before* the file is moved there (an atomic rename), and the
batch is created under that id. On every poll, and so after a restart, a processing entry
whose batch does not exist yet gets it created; one whose batch exists is left to the
workers. Nothing is imported twice and nothing is lost.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from taskmaster.db.models import Batch, Document, InputFile, new_id
from taskmaster.db.status import FINISHED, BatchStatus, FileStatus
from taskmaster.errors import TaskmasterError
from taskmaster.pipeline.results import document_result
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import create_batch
from taskmaster.private import make_private
from taskmaster.queue.inbox_files import file_kind, move_out, read_regular, write_private
from taskmaster.queue.poller import Poller

log = logging.getLogger(__name__)

RESERVED = {"processing", "done", "error"}
OPEN_FAILURES_ALLOWED = 3  # polls a stable file may refuse to open before it is rejected


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.endswith((".tmp", ".part", "~"))


class HotFolder(Poller):
    """Polls the inbox; `poll()` is one pass, `start()` polls in a thread."""

    name = "hot folder"

    def __init__(
        self,
        svc: Services,
        *,
        notify: Callable[[], None] | None = None,
        poll_s: float = 1.0,
        stable_polls: int = 2,
        default_app: str = "intake",
    ) -> None:
        super().__init__(poll_s)
        self.svc = svc
        self.root = svc.settings.inbox_dir
        self.out = svc.settings.hotfolder_dir  # done/ and error/, outside the share
        self.notify = notify or (lambda: None)
        self.poll_s, self.stable_polls, self.default_app = poll_s, stable_polls, default_app
        self._seen: dict[Path, tuple[int, int, int]] = {}  # size, mtime_ns, polls unchanged
        self._open_failures: dict[Path, int] = {}
        self._refused: set[Path] = set()  # not regular files, warned about once

    # -- the loop ---------------------------------------------------------------------

    def _folders(self) -> None:
        (self.root / "processing").mkdir(parents=True, exist_ok=True)
        for sub in ("done", "error"):
            (self.out / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        self.out.chmod(0o700)

    def start(self) -> None:
        self._folders()
        super().start()

    def poll(self) -> None:
        """Settle taken files, then take the inbox files that are complete."""
        self._folders()
        for entry in sorted((self.root / "processing").iterdir()):
            if entry.is_dir():
                self._settle(entry)
        for path, app in self._candidates():
            if self._complete(path):
                self._take(path, app)

    # -- taking files -----------------------------------------------------------------

    def _candidates(self) -> list[tuple[Path, str]]:
        found: list[tuple[Path, str]] = []
        for entry in sorted(self.root.iterdir()):
            if _ignored(entry.name) or entry.name in RESERVED:
                continue
            kind = file_kind(entry)
            if kind is None:
                found.append((entry, self.default_app))
            elif kind == "directory":
                for f in sorted(entry.iterdir()):
                    if _ignored(f.name):
                        continue
                    if (sub := file_kind(f)) is None:
                        found.append((f, entry.name))
                    else:
                        self._refuse(f, sub)
            else:
                self._refuse(entry, kind)
        live = {p for p, _ in found}
        for gone in set(self._seen) - live:
            self._seen.pop(gone, None)
            self._open_failures.pop(gone, None)
        return found

    def _refuse(self, path: Path, kind: str) -> None:
        if kind not in ("gone", "directory") and path not in self._refused:
            self._refused.add(path)
            log.warning(
                "hot folder: not taking %s: a %s, not a regular file",
                path.relative_to(self.root),
                kind,
            )

    def _complete(self, path: Path) -> bool:
        """Unchanged for `stable_polls` polls and openable: the writer is done."""
        try:
            st = path.stat()
        except FileNotFoundError:
            return False
        size, mtime, polls = self._seen.get(path, (-1, -1, -1))
        polls = polls + 1 if (size, mtime) == (st.st_size, st.st_mtime_ns) else 0
        self._seen[path] = (st.st_size, st.st_mtime_ns, polls)
        if polls < self.stable_polls:
            return False
        try:
            os.close(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK))
        except OSError as exc:
            n = self._open_failures[path] = self._open_failures.get(path, 0) + 1
            if n >= OPEN_FAILURES_ALLOWED:
                self._reject(path, f"cannot open {path.name}: {exc.strerror}")
            return False
        return True

    def _take(self, path: Path, app: str) -> None:
        """Move the file into processing/<batch id>/ (id recorded first), then submit."""
        batch_id = new_id("b")
        entry = self.root / "processing" / batch_id
        entry.mkdir(parents=True)
        meta = {
            "batch": batch_id,
            "name": path.name,
            "app": app,
            "source": str(path.relative_to(self.root)),
        }
        write_private(entry / "meta.json", json.dumps(meta, indent=1))
        try:
            os.rename(path, entry / path.name)  # atomic; a second watcher gets ENOENT
        except FileNotFoundError:
            shutil.rmtree(entry, ignore_errors=True)
            return
        make_private(entry / path.name)  # a scanner's file keeps its mode through the rename
        self._seen.pop(path, None)
        log.info("hot folder: took %s as batch %s (%s)", meta["source"], batch_id, app)
        self._settle(entry)

    def _reject(self, path: Path, reason: str) -> None:
        log.warning("hot folder: %s", reason)
        move_out(path, self.out / "error", reason=reason)
        self._seen.pop(path, None)
        self._open_failures.pop(path, None)

    # -- settling taken files ---------------------------------------------------------

    def _settle(self, entry: Path) -> None:
        """Create the batch of a taken file if missing; move the file out once finished."""
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = None
        original = entry / meta["name"] if meta else None
        if meta is None or original is None or not original.exists():
            # Interrupted before the rename: the file is still in the inbox (or was
            # already moved out); this entry holds nothing.
            shutil.rmtree(entry, ignore_errors=True)
            return
        with self.svc.db.session() as session:
            batch = session.get(Batch, meta["batch"])
            status = batch.status if batch is not None else None
        if status is None:
            self._submit(entry, meta, original)
        elif status in FINISHED:
            self._finish(entry, meta, original)

    def _submit(self, entry: Path, meta: dict[str, Any], original: Path) -> None:
        try:
            create_batch(
                self.svc,
                [(meta["name"], read_regular(original))],
                [meta["app"]],
                origin="hotfolder",
                actor="hotfolder",
                batch_id=meta["batch"],
            )
        except TaskmasterError as exc:  # unknown application, file over the size limit
            move_out(original, self.out / "error", reason=exc.message)
            shutil.rmtree(entry, ignore_errors=True)
            return
        except OSError as exc:
            move_out(original, self.out / "error", reason=f"cannot read: {exc.strerror}")
            shutil.rmtree(entry, ignore_errors=True)
            return
        self.notify()

    def _finish(self, entry: Path, meta: dict[str, Any], original: Path) -> None:
        with self.svc.db.session() as session:
            batch = session.get_one(Batch, meta["batch"])
            failed_files = [
                f"{f.name}: {f.error}"
                for f in session.scalars(
                    select(InputFile).where(
                        InputFile.batch_id == batch.id, InputFile.status == FileStatus.FAILED
                    )
                )
            ]
            if batch.status != BatchStatus.DONE:
                reason = f"batch {batch.id} {batch.status}: {batch.error or 'no reason given'}"
            elif failed_files:
                reason = "\n".join(failed_files)
            else:
                reason = None
            docs = session.scalars(
                select(Document).where(Document.batch_id == batch.id).order_by(Document.seq)
            )
            results = [document_result(d) for d in docs]
        if reason is None:
            move_out(original, self.out / "done", result=results)
        else:
            move_out(original, self.out / "error", reason=reason)
        shutil.rmtree(entry, ignore_errors=True)
        log.info(
            "hot folder: batch %s finished; %s moved to %s",
            meta["batch"],
            meta["name"],
            "done" if reason is None else "error",
        )
