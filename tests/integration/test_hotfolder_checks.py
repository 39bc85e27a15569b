"""The hot folder runs the same checks as uploads (issue 14): a polyglot and a PDF whose
page tree lies go to error/ with the reason an upload would have got."""

from __future__ import annotations

import io
import zipfile

from taskmaster.pipeline.services import Services
from taskmaster.queue.background import Background
from tests import hostile
from tests.integration.test_hotfolder import (  # noqa: F401 (pool, svc: fixtures)
    poll_until,
    pool,
    svc,
    watcher,
)
from tests.integration.test_queue import FORM


def test_hot_folder_refuses_what_an_upload_refuses(
    svc: Services,  # noqa: F811
    pool: Background,  # noqa: F811
) -> None:
    inbox = svc.settings.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("payload.txt", "not a scan")
    (inbox / "poly.png").write_bytes(FORM.read_bytes() + zipped.getvalue())
    (inbox / "lies.pdf").write_bytes(hostile.lying_page_tree_pdf(4))
    hf = watcher(svc, pool)
    refused = svc.settings.hotfolder_dir / "error"  # outside the share
    poll_until(hf, refused / "poly.png")
    poll_until(hf, refused / "lies.pdf")
    assert (
        (refused / "poly.png.reason.txt")
        .read_text()
        .startswith("poly.png: polyglot file: a PNG that is also a ZIP archive")
    )
    assert "broken page tree" in (refused / "lies.pdf.reason.txt").read_text()
