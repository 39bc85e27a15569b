"""Logs: one JSON object per line (default) or plain `key=value` text, on stderr.

`configure(settings)` is called once by the long-running entry points (`serve`,
`worker`). Every record, ours (structlog or the standard `logging` module) and the
libraries' (uvicorn, procrastinate, alembic), goes through the same processors, so each
line carries a UTC timestamp, the level, the logger, and, inside an HTTP request, the
request id and the authenticated user:

    {"event": "request", "method": "GET", "path": "/api/v1/documents/…", "status": 200,
     "duration_ms": 12.4, "request_id": "6f1c…", "user": "alice", "level": "info",
     "logger": "taskmaster.access", "timestamp": "2026-11-30T16:05:01.123Z"}

The request's fields come from REQUEST, a context variable that the request middleware
(`api/requestlog.py`) sets to the request's state: the user is known only once the
route's credentials were checked, and the state is shared with the route's thread.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

from taskmaster.settings import Settings

# The request being served in this context: {"id": ..., "state": <request.state dict>}.
REQUEST: ContextVar[dict[str, Any] | None] = ContextVar("taskmaster_request", default=None)
LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "procrastinate", "alembic")


def _request_fields(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    request = REQUEST.get()
    if request is not None:
        event.setdefault("request_id", request["id"])
        principal = request["state"].get("principal")
        if principal is not None:
            event.setdefault("user", principal.name)
    return event


def _processors() -> list[Any]:
    return [structlog.contextvars.merge_contextvars, structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name, _request_fields,
            structlog.processors.TimeStamper(fmt="iso", utc=True)]


def configure(settings: Settings) -> None:
    """Send every log record to stderr in `settings.log_format` at `settings.log_level`."""
    renderer: Any = (structlog.processors.JSONRenderer(ensure_ascii=False)
                     if settings.log_format == "json"
                     else structlog.dev.ConsoleRenderer(colors=False))
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in LIBRARY_LOGGERS:  # one format: no handlers of their own
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *_processors(),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger, cache_logger_on_first_use=True)
