"""prepare: normalise to 300 dpi, fix orientation, deskew, flag blank pages."""

from __future__ import annotations

from sqlalchemy import select

from taskmaster.db.keys import page_key
from taskmaster.db.models import Batch, Page
from taskmaster.imaging.loader import PageImage
from taskmaster.imaging.prepare import prepare
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services


def run(ctx: TaskContext, svc: Services) -> None:
    with svc.db.session() as session:
        pages = list(
            session.scalars(select(Page).where(Page.batch_id == ctx.batch_id).order_by(Page.seq))
        )
        # Forms are matched in any quarter turn and any small skew by identify (which
        # warps the page onto its reference); only template-free pages need the page
        # upright and straight before full-page OCR, so only then pay for OSD and deskew.
        batch = session.get_one(Batch, ctx.batch_id)
        layout = any(
            not pt.reference for name in batch.apps for pt in svc.apps.get(name).app.page_types
        )
        for page in pages:
            rel = page_key(ctx.batch_id, page.seq)
            raw = svc.store.get_image(rel)
            done = prepare(
                PageImage(
                    image=raw, dpi=page.source_dpi, index=page.page_index, source=page.source
                ),
                orient=layout,
                straighten=layout,
            )
            # A page that needed nothing (a 300 dpi form page) is not stored twice.
            page.image = (
                rel
                if done.image is raw
                else svc.store.put_image(page_key(ctx.batch_id, page.seq, "prep"), done.image)
            )
            page.height, page.width = done.image.shape[:2]
            page.dpi, page.skew, page.rotation = done.dpi, done.skew_deg, done.rotation
            page.blank = done.blank
        session.commit()
