"""Upload safety: a body-size cap enforced while streaming, and a full check of every
file before a batch exists.

The cap answers 413 from the Content-Length header without reading the body, or as soon
as a chunked body passes it. `check_upload` runs the check every file gets (content
sniffed, never the name; polyglots refused; every page decoded in a limited decoder
process), so a broken
file is a 4xx now instead of a failed batch or a stuck worker later; the pages it
decoded are the ones ingest uses.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskmaster.api.errors import error_response
from taskmaster.errors import InputError
from taskmaster.pipeline.ingest import decode_file
from taskmaster.pipeline.services import Services
from taskmaster.settings import Settings

MAX_FILES = 50  # files in one upload request
_OVERHEAD = 1 << 20  # multipart headers and form fields
BUSY_WAIT_S = 2.0  # how long an upload waits for a free decoder before 429


def request_limit(settings: Settings) -> int:
    """Largest request body accepted: a few files at the per-file limit."""
    return 4 * settings.max_upload_bytes + _OVERHEAD


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
            response = error_response(
                413,
                "limit_exceeded",
                f"request body is over the limit of {self.limit} bytes",
                headers={"Connection": "close"},
            )
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


def check_upload(
    svc: Services, batch_id: str, file_seq: int, first_page: int, name: str, data: bytes
) -> int:
    """Check and decode one uploaded file into the batch-to-be; returns its page count.

    The same check as every other way in (`pipeline.ingest.decode_file`), in a decoder
    process; the decoded pages are kept, so ingest does not decode the file again. Raises
    InputError subclasses (message prefixed with the file name) for anything we will not
    process, and `Busy` when every decoder stays busy for `BUSY_WAIT_S`.
    """
    try:
        return len(decode_file(svc, batch_id, file_seq, first_page, name, data, wait=BUSY_WAIT_S))
    except InputError as exc:
        raise type(exc)(f"{name}: {exc.message}") from exc
