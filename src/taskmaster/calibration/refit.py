"""Refit an application's calibration: now (`taskmaster calibrate`), or in the server's
background as verified documents accumulate.

A refit uses every label there is: the application's shipped fit's labels (its
development truth set; `fresh` leaves them out), every field verified in the database,
and any truth folders given. It only reads the database, so it runs beside a server that
holds it; the fit file it writes is picked up by the next batch of every process.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from taskmaster.calibration.fit import Fit, build
from taskmaster.calibration.labels import (
    compare,
    document_key,
    from_database,
    truth_files,
    verified_documents,
)
from taskmaster.calibration.procedure import Label
from taskmaster.calibration.store import SHIPPED, read_fit, save_fit
from taskmaster.db.engine import Database
from taskmaster.db.models import Batch, Document, InputFile
from taskmaster.db.status import BatchStatus
from taskmaster.errors import TaskmasterError
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.runner import run_batch
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import create_batch

log = logging.getLogger(__name__)

# Watches a batch while it runs (the CLI's progress bar): (database, batch id) -> context.
Watch = Callable[[Database, str], AbstractContextManager[None]]


def _unwatched(_db: Database, _batch: str) -> AbstractContextManager[None]:
    return nullcontext()


def truth_labels(
    svc: Services, app: str, folders: Sequence[Path], watch: Watch = _unwatched
) -> list[Label]:
    """Read every sample of the truth folders with the workflow, in a scratch data
    directory (the real database never sees them), and label the readings."""
    samples = [s for folder in folders for s in truth_files(folder)]
    if not samples:
        return []
    home = Path(tempfile.mkdtemp(prefix="tm-calibrate-"))
    scratch = Services.create(
        svc.settings.model_copy(
            update={
                "home": home,
                "database_url": None,
                "apps_dir": svc.settings.apps_path,
                "store": "file",
                "queue": "embedded",
                "qa_share": 0.0,
            }
        )
    )
    try:
        loaded = scratch.apps.get(app).app
        batch_id = create_batch(
            scratch,
            [(f.name, f.read_bytes()) for f, _ in samples],
            [app],
            origin="cli",
            actor="calibrate",
        )
        with watch(scratch.db, batch_id):
            run_batch(scratch, TaskContext(batch_id=batch_id, worker="calibrate"))
        labels: list[Label] = []
        with scratch.db.session() as session:
            batch = session.get(Batch, batch_id)
            if batch is not None and batch.status == BatchStatus.FAILED:
                # A fit from none of the truth set would replace the one in use.
                raise TaskmasterError(
                    f"the truth set's batch failed, no fit written: {batch.error}"
                )
            docs = session.scalars(select(Document).where(Document.batch_id == batch_id))
            # .all(): dict() of a Result takes it for a mapping (it has keys()).
            names = dict(
                session.execute(
                    select(InputFile.id, InputFile.name).where(InputFile.batch_id == batch_id)
                )
                .tuples()
                .all()
            )
            by_file: dict[str, list[Document]] = {}
            for d in docs:
                if d.pages:
                    by_file.setdefault(names[d.pages[0].file_id], []).append(d)
            for f, truth in samples:
                mine = by_file.get(f.name, [])
                if len(mine) == 1 and mine[0].app == app:
                    key = document_key(
                        hashlib.sha256(f.read_bytes()).hexdigest(), mine[0].pages[0].page_index
                    )
                    labels += compare(loaded, truth, mine[0].fields, key)
                else:
                    log.warning(
                        "%s: read as %d document(s) of %s; left out",
                        f.name,
                        len(mine),
                        [d.type for d in mine],
                    )
        if not labels:
            raise TaskmasterError(
                f"none of the {len(samples)} truth pages was read as {app!r}, no fit written"
            )
        return labels
    finally:
        scratch.close()
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class Labels:
    """Everything a refit learns from, by where it came from."""

    labels: list[Label] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)
    verified_documents: int = 0


def gather(
    svc: Services,
    app: str,
    truth: Sequence[Path] = (),
    *,
    fresh: bool = False,
    watch: Watch = _unwatched,
) -> Labels:
    out = Labels()
    shipped = svc.apps.get(app).folder / SHIPPED
    if not fresh and shipped.is_file():
        base = read_fit(shipped).labels()
        out.labels += base
        out.sources["shipped"] = len(base)
    verified, out.verified_documents = from_database(svc.db, svc.apps.get(app).app)
    out.labels += verified
    out.sources["verified"] = len(verified)
    if truth:
        given = truth_labels(svc, app, truth, watch)
        out.labels += given
        out.sources["truth"] = len(given)
    # One scan's field is one observation: labelled again (a shipped sample verified, a
    # truth set given twice), the later label stands for it.
    unique = {(lab.doc, lab.field): lab for lab in out.labels}
    out.sources["duplicates"] = len(out.labels) - len(unique)
    out.labels = list(unique.values())
    return out


def refit(
    svc: Services,
    app: str,
    truth: Sequence[Path] = (),
    *,
    fresh: bool = False,
    save: bool = True,
    watch: Watch = _unwatched,
) -> Fit:
    """Fit the application from all its labels now and (by default) store the fit;
    `watch` follows the truth set's batch (a progress bar)."""
    got = gather(svc, app, truth, fresh=fresh, watch=watch)
    fit = build(
        svc.apps.get(app).app,
        got.labels,
        verified_documents=got.verified_documents,
        sources=got.sources,
    )
    if save:
        save_fit(svc.settings.home, fit)
    return fit


class AutoRefit:
    """The server's own refits: a thread that checks every `period` seconds whether an
    application has `every` more verified documents than its fit saw, and refits it."""

    def __init__(self, svc: Services, every: int, period: float = 30.0) -> None:
        self.svc, self.every, self.period = svc, every, period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="calibrate", daemon=True)

    def start(self) -> AutoRefit:
        if self.every > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def check(self) -> list[str]:
        """Refit every application due; the names refitted."""
        done = []
        for app in self.svc.apps.names():
            try:
                verified = verified_documents(self.svc.db, app)
                fit = self.svc.fits.get(app)
                seen = int(fit.data.get("verified_documents", 0)) if fit else 0
                if verified - seen >= self.every:
                    refit(self.svc, app)
                    done.append(app)
            except TaskmasterError as exc:  # a broken application must not stop the others
                log.error("calibration of %s skipped: %s", app, exc.message)
        return done

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            try:
                self.check()
            except Exception:  # a failed refit keeps the old fit; the server goes on
                log.exception("automatic calibration failed")
