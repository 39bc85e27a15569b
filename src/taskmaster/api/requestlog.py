"""One log line per HTTP request, and a request id that ties a request's lines together.

The id is the caller's `X-Request-ID` when a proxy sent a sane one, else a new random
one; it is returned in the `X-Request-ID` response header and logged with every line
written while the request runs (see `taskmaster.logs`). Health probes log at DEBUG, so
a container's HEALTHCHECK does not fill the log; a 5xx answer logs at ERROR.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskmaster.logs import REQUEST

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
PROBES = {"/healthz", "/readyz"}
log = structlog.get_logger("taskmaster.access")


def _incoming(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SANE.fullmatch(text) else None
    return None


class RequestLog:
    """ASGI middleware: request id in, request id out, one access line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming(scope) or uuid.uuid4().hex
        token = REQUEST.set({"id": request_id, "state": scope.setdefault("state", {})})
        status, started = 500, time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = str(scope.get("path", ""))
            client = scope.get("client")
            level = log.debug if path in PROBES else log.error if status >= 500 else log.info
            level(
                "request",
                method=scope.get("method"),
                path=path,
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                client=client[0] if client else None,
            )
            REQUEST.reset(token)
