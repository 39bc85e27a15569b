"""Page images of a document: the stored image (PNG or JPEG) and thumbnails.

Scaled and converted renderings are cached on the server's disk under
`<home>/cache/pages`, keyed by the stored image's content hash, format and width (the
store may be an object store); answers carry that key as ETag and honour If-None-Match.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Annotated, Any, Literal

import cv2
import numpy as np
from fastapi import APIRouter, Query, Request, Response

from taskmaster.api.deps import DB, Reader, Svc
from taskmaster.api.routes.documents import get_document
from taskmaster.api.schemas import ErrorBody, PageNumber
from taskmaster.errors import CorruptFile, NotFound
from taskmaster.pipeline.services import Services
from taskmaster.security.access import audit_read
from taskmaster.security.principal import Principal

router = APIRouter(
    prefix="/api/v1/documents",
    tags=["pages"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)
_IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}, "image/jpeg": {}}, "description": "The image."},
    304: {"description": "Not modified (ETag matched)."},
}
MEDIA = {"png": "image/png", "jpeg": "image/jpeg"}


def _render(svc: Services, rel: str, fmt: str, width: int | None) -> tuple[bytes, str]:
    """A rendering of a stored page image and its ETag (cached on this server's disk)."""
    raw = svc.store.get_bytes(rel)  # works for the data directory and an object store
    key = hashlib.sha256(raw).hexdigest()[:32] + f"-{fmt}-{width or 'full'}"
    etag = f'"{key}"'
    if fmt == "png" and width is None:
        return raw, etag
    cached = svc.settings.home / "cache" / "pages" / f"{key}.{fmt}"
    if cached.exists():
        return cached.read_bytes(), etag
    image = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise CorruptFile(f"stored page image {rel!r} is unreadable")
    if width is not None and width < image.shape[1]:
        height = max(1, round(image.shape[0] * width / image.shape[1]))
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    ext, params = (
        (".png", [cv2.IMWRITE_PNG_COMPRESSION, 3])
        if fmt == "png"
        else (".jpg", [cv2.IMWRITE_JPEG_QUALITY, 85])
    )
    ok, buf = cv2.imencode(ext, image, params)
    if not ok:
        raise CorruptFile(f"stored page image {rel!r} cannot be encoded as {fmt}")
    data = buf.tobytes()
    cached.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, cached)  # atomic: a concurrent reader sees all of it or nothing
    return data, etag


def _answer(
    request: Request,
    svc: Services,
    principal: Principal,
    doc_id: str,
    number: int,
    session: DB,
    fmt: str,
    width: int | None,
    kind: str,
) -> Response:
    doc = get_document(session, doc_id)
    page = next((p for p in doc.pages if p.number == number), None)
    if page is None:
        raise NotFound(f"document {doc_id} has no page {number}")
    data, etag = _render(svc, page.image, fmt, width)
    audit_read(
        session,
        principal,
        "page.read",
        batch_id=doc.batch_id,
        document_id=doc.id,
        detail=f"page {number} {kind}",
    )
    headers = {"ETag": etag, "Cache-Control": "private, max-age=3600"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=MEDIA[fmt], headers=headers)


@router.get("/{doc_id}/pages/{number}/image", response_class=Response, responses=_IMAGE)
def image(
    request: Request,
    doc_id: str,
    number: PageNumber,
    principal: Reader,
    session: DB,
    svc: Svc,
    format: Literal["png", "jpeg"] = "png",
    width: Annotated[int | None, Query(ge=16, le=10000)] = None,
) -> Response:
    """The stored (deskewed) page image; field bboxes are in its pixels at full width."""
    return _answer(request, svc, principal, doc_id, number, session, format, width, "image")


@router.get("/{doc_id}/pages/{number}/thumbnail", response_class=Response, responses=_IMAGE)
def thumbnail(
    request: Request,
    doc_id: str,
    number: PageNumber,
    principal: Reader,
    session: DB,
    svc: Svc,
    format: Literal["png", "jpeg"] = "jpeg",
    width: Annotated[int, Query(ge=16, le=1024)] = 240,
) -> Response:
    """A small rendering of the page for lists and the verify station."""
    return _answer(request, svc, principal, doc_id, number, session, format, width, "thumbnail")
