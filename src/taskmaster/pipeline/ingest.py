"""ingest: split each input file into page images, decoded where a limit can stop it.

Every file, however it came (upload, hot folder, `taskmaster process`, `import`), goes
through `decode_file`: the content and polyglot checks, then decoding in a decoder
process with memory, CPU and time limits (`imaging.sandbox`). An upload decodes its
files while it checks them and leaves their pages and a manifest in the store, so ingest
takes those instead of decoding the file a second time.

A file that cannot be read is marked failed with its reason; the others go on.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass

from sqlalchemy import delete, select

from taskmaster.db.keys import manifest_key, page_key
from taskmaster.db.models import Batch, InputFile, Page
from taskmaster.db.status import FileStatus
from taskmaster.errors import InputError, NotFound
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredPage:
    """A decoded page in the store: where, which page of its file, and its size."""

    rel: str
    index: int
    dpi: float
    width: int
    height: int


def decode_file(
    svc: Services,
    batch_id: str,
    file_seq: int,
    first_seq: int,
    name: str,
    data: bytes,
    *,
    wait: float | None = None,
) -> list[StoredPage]:
    """Check and decode one file into the store as pages `first_seq`, `first_seq + 1`...

    InputError subclasses for a file we will not or cannot read; `Busy` when no decoder
    frees up within `wait` seconds (None: wait as long as it takes).
    """
    pages: list[StoredPage] = []
    for page in svc.decoder.decode(data, name, svc.limits, wait=wait):
        # Encoded once, here; while the batch runs in this process the next stage takes
        # the decoded pixels from memory (`MemoStore`) instead of reading them back.
        rel = svc.store.put_image(page_key(batch_id, first_seq + len(pages)), page.image)
        pages.append(
            StoredPage(
                rel=rel, index=page.index, dpi=page.dpi, width=page.width, height=page.height
            )
        )
    manifest = {"sha256": hashlib.sha256(data).hexdigest(), "pages": [asdict(p) for p in pages]}
    svc.store.put_bytes(manifest_key(batch_id, file_seq), json.dumps(manifest).encode())
    return pages


def _decoded_before(svc: Services, batch_id: str, file: InputFile) -> list[StoredPage] | None:
    """The pages an upload check (or an interrupted ingest) already decoded, if any."""
    try:
        manifest = json.loads(svc.store.get_bytes(manifest_key(batch_id, file.seq)))
    except (NotFound, ValueError):
        return None
    if manifest.get("sha256") != file.sha256:
        return None
    return [StoredPage(**p) for p in manifest["pages"]]


def run(ctx: TaskContext, svc: Services) -> None:
    with svc.db.session() as session:
        batch = session.get_one(Batch, ctx.batch_id)
        files = list(
            session.scalars(
                select(InputFile).where(InputFile.batch_id == batch.id).order_by(InputFile.seq)
            )
        )
        new_pages: list[Page] = []
        svc.decoder.prestart(1)  # its own lock first: the fingerprints hold the services'
        warm = svc.warm_fingerprints(batch.apps)
        # Each page is encoded and written while the decoder works on the next file;
        # the rows are committed once every file is written.
        with svc.store.writing_behind():
            for file in files:
                first = len(new_pages) + 1
                try:
                    stored = _decoded_before(svc, batch.id, file)
                    if stored is None:
                        stored = decode_file(
                            svc,
                            batch.id,
                            file.seq,
                            first,
                            file.name,
                            svc.store.get_bytes(file.path),
                        )
                except InputError as exc:
                    file.status, file.error = FileStatus.FAILED, exc.message
                    # info, not warning: the file's row keeps the reason, and whoever submitted
                    # it reports it once (`process` prints one line per bad file)
                    log.info("batch %s: %s: %s", batch.id, file.name, exc.message)
                    continue
                for seq, page in enumerate(stored, start=first):
                    rel = page_key(batch.id, seq)
                    if page.rel != rel:  # decoded before at other page numbers
                        svc.store.put_bytes(rel, svc.store.get_bytes(page.rel))
                    new_pages.append(
                        Page(
                            batch_id=batch.id,
                            file_id=file.id,
                            seq=seq,
                            image=rel,
                            source=f"{file.name}#{page.index}",
                            page_index=page.index,
                            width=page.width,
                            height=page.height,
                            dpi=page.dpi,
                            source_dpi=page.dpi,
                        )
                    )
                file.status, file.error = FileStatus.OK, None
        warm.join()
        session.execute(delete(Page).where(Page.batch_id == batch.id))
        session.add_all(new_pages)
        session.commit()
