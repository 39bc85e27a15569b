"""ingest: split each input file into page images (content sniffed, limits enforced).

A file that cannot be read is marked failed with its reason; the others go on.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select

from taskmaster.db.models import Batch, InputFile, Page
from taskmaster.errors import InputError
from taskmaster.imaging.loader import Limits, iter_pages
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services

log = logging.getLogger(__name__)


def limits_from(svc: Services) -> Limits:
    s = svc.settings
    return Limits(max_bytes=s.max_upload_bytes, max_pages=s.max_pages,
                  max_page_pixels=s.max_page_pixels, render_dpi=s.render_dpi)


def run(ctx: TaskContext, svc: Services) -> None:
    with svc.db.session() as session:
        batch = session.get_one(Batch, ctx.batch_id)
        files = list(session.scalars(select(InputFile).where(InputFile.batch_id == batch.id)
                                     .order_by(InputFile.seq)))
        new_pages: list[Page] = []
        seq = 0
        for file in files:
            try:
                for page in iter_pages(svc.store.get_bytes(file.path), file.name,
                                       limits_from(svc)):
                    seq += 1
                    rel = svc.store.put_image(f"pages/{batch.id}/{seq:05d}-in.png", page.image)
                    new_pages.append(Page(
                        batch_id=batch.id, file_id=file.id, seq=seq, image=rel,
                        source=f"{file.name}#{page.index}", width=page.image.shape[1],
                        height=page.image.shape[0], dpi=page.dpi,
                        source_dpi=page.dpi))
            except InputError as exc:
                # pages already taken from a file that then proves broken are dropped:
                # a file is captured whole or not at all
                new_pages = [p for p in new_pages if p.file_id != file.id]
                file.status, file.error = "failed", exc.message
                log.warning("batch %s: %s: %s", batch.id, file.name, exc.message)
                continue
            file.status, file.error = "ok", None
        session.execute(delete(Page).where(Page.batch_id == batch.id))
        session.add_all(new_pages)
        session.commit()
