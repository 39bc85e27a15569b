"""Page images for the browser: scaled JPEGs, cached on disk and in the browser.

A stored page is a full-resolution PNG (2550x3300 for a letter page at 300 dpi, about a
megabyte); the station needs a screen-sized picture and thumbnails. Scaled copies are
written once under `<home>/cache/pages/` (local disk, whatever the store: it is this
server's cache) and keyed by the stored image's version, so a rotated page gets a new
picture and an ETag the browser revalidates against. The version is the file's path and
mtime in a file store; an object store has no cheap mtime, so there it is the page's path,
rotation and size (rotation rewrites the image and changes both).
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import cv2

from taskmaster.db.models import Page
from taskmaster.errors import CorruptFile, NotFound
from taskmaster.pipeline.services import Services

WIDTHS = (240, 1000, 1600, 2600)  # thumbnail, page view, zoom; requests snap to one
QUALITY = 85


def snap(width: int) -> int:
    """The smallest cached width at least `width` (bounds what the cache can hold)."""
    return next((w for w in WIDTHS if w >= width), WIDTHS[-1])


def page_jpeg(svc: Services, page_id: int, width: int) -> tuple[bytes, str]:
    """(JPEG bytes, ETag) of a page scaled to `snap(width)` pixels wide (never enlarged)."""
    with svc.db.session() as session:
        page = session.get(Page, page_id)
        if page is None:
            raise NotFound(f"no page {page_id}")
        rel = page.image
        key = f"{rel}:{page.rotation}:{page.width}x{page.height}"
    local = getattr(svc.store, "path", None)  # FileStore only
    if local is not None:
        source: Path = local(rel)
        if not source.exists():
            raise NotFound(f"page {page_id} has no stored image")
        key = f"{rel}:{source.stat().st_mtime_ns}"
    w = snap(width)
    version = hashlib.sha256(key.encode()).hexdigest()[:16]
    etag = f"{version}-{w}"
    folder = svc.settings.home / "cache" / "pages"
    cached = folder / f"{page_id}-{etag}.jpg"
    if cached.exists():
        return cached.read_bytes(), etag
    image = svc.store.get_image(rel)
    h0, w0 = image.shape[:2]
    if w0 > w:
        image = cv2.resize(image, (w, max(1, round(h0 * w / w0))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
    if not ok:
        raise CorruptFile(f"could not encode page {page_id}")
    data = buf.tobytes()
    for stale in folder.glob(f"{page_id}-*.jpg") if folder.exists() else []:
        if not stale.name.startswith(f"{page_id}-{version}-"):
            stale.unlink(missing_ok=True)  # an earlier orientation of this page
    folder.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{secrets.token_hex(6)}.part")  # no torn file
    partial.write_bytes(data)
    partial.replace(cached)
    return data, etag
