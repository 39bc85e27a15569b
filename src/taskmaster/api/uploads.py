"""Upload safety: a body-size cap enforced while streaming, and a full check of every
file before a batch exists.

The cap answers 413 from the Content-Length header without reading the body, or as soon
as a chunked body passes it. `check_upload` sniffs the content (never the name), refuses
polyglots (a PDF or image that is also a ZIP archive, or a PDF behind another format's
header), and decodes every page through `imaging.loader` with the configured limits, so
a broken file is a 4xx now instead of a failed batch or a stuck worker later.
"""

from __future__ import annotations

import struct

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskmaster.api.errors import error_response
from taskmaster.errors import InputError, UnsupportedFormat
from taskmaster.imaging.loader import Limits, iter_pages, sniff
from taskmaster.settings import Settings

MAX_FILES = 50          # files in one upload request
_OVERHEAD = 1 << 20     # multipart headers and form fields
_EOCD = b"PK\x05\x06"   # ZIP end-of-central-directory record


def request_limit(settings: Settings) -> int:
    """Largest request body accepted: a few files at the per-file limit."""
    return 4 * settings.max_upload_bytes + _OVERHEAD


def limits_of(settings: Settings) -> Limits:
    return Limits(max_bytes=settings.max_upload_bytes, max_pages=settings.max_pages,
                  max_page_pixels=settings.max_page_pixels, render_dpi=settings.render_dpi)


class BodyTooLarge(HTTPException):
    """Raised from inside the body stream; FastAPI passes HTTPException through as is."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is over the limit of {limit} bytes")


class BodyLimit:
    """ASGI middleware: refuse request bodies over `limit` bytes, streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            response = error_response(413, "limit_exceeded",
                                      f"request body is over the limit of {self.limit} bytes",
                                      headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)


def reject_polyglot(data: bytes, kind: str) -> None:
    """UnsupportedFormat if `data` is also another kind of file."""
    if kind == "pdf" and not data.startswith(b"%PDF-"):
        # Readers skip junk before the header; another format's header there is a polyglot.
        prefix = data[:data.find(b"%PDF-")]
        try:
            other = sniff(prefix)
        except UnsupportedFormat as exc:
            other = exc.message.split(": ", 1)[-1]
        if other not in ("text file", "unknown binary data"):
            raise UnsupportedFormat(f"polyglot file: a PDF behind a {other} header")
    tail = data[-(65535 + 22):]
    at = tail.rfind(_EOCD)
    if at >= 0 and at + 22 <= len(tail):
        (comment_len,) = struct.unpack("<H", tail[at + 20:at + 22])
        if at + 22 + comment_len == len(tail):
            raise UnsupportedFormat(f"polyglot file: a {kind.upper()} that is also a ZIP archive")


def check_upload(name: str, data: bytes, limits: Limits) -> int:
    """Decode every page of one uploaded file; returns the page count.

    Raises InputError subclasses (message prefixed with the file name) for anything we
    will not process.
    """
    try:
        kind = sniff(data)
        reject_polyglot(data, kind)
        return sum(1 for _ in iter_pages(data, name, limits))
    except InputError as exc:
        raise type(exc)(f"{name}: {exc.message}") from exc
