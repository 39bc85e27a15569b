"""Logs: one record is one line on stderr, and no input can forge a line.

`serve` and `worker` call `configure(settings)`: every record, ours (structlog or the
standard `logging` module) and the libraries' (uvicorn, procrastinate, alembic), goes
through the same processors, so each line carries a UTC timestamp, the level, the logger,
and, inside an HTTP request, the request id and the authenticated user; as one JSON object
(`TASKMASTER_LOG_FORMAT=json`, the default) or as `key=value` text:

    {"event": "request", "method": "GET", "path": "/api/v1/documents/…", "status": 200,
     "duration_ms": 12.4, "request_id": "6f1c…", "user": "alice", "level": "info",
     "logger": "taskmaster.access", "timestamp": "2026-11-30T16:05:01.123Z"}

The request's fields come from REQUEST, a context variable that the request middleware
(`api/requestlog.py`) sets to the request's state: the user is known only once the
route's credentials were checked, and the state is shared with the route's thread.

The other commands (`process`, `import`, ...) log through `configure_plain()`: lines of
the form `<time> <LEVEL> <logger>: <message>`.

In every format, text from outside cannot start a line of its own: JSON escapes control
characters by itself; in the text formats every control character (a newline in an
uploaded file's name, in a user name, in an exception text) is written as an escape, and
the lines of a traceback are indented behind `  | `. fail2ban's filters (docs/security.md)
are anchored on what only a real record has.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # errors.py imports this module, and settings.py imports errors.py
    from taskmaster.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
ExcInfo: TypeAlias = (
    tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
)


def escape(text: str) -> str:
    """`text` with every control character (newlines included) as a visible escape."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1] if m.group() != "\t" else " ", text)


class OneLineFormatter(logging.Formatter):
    """A formatter whose messages are one line; tracebacks indented behind `  | `."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape(super().formatMessage(record))

    def formatException(self, ei: ExcInfo) -> str:
        return _indent(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indent(super().formatStack(stack_info))


def _indent(text: str) -> str:
    return "\n".join("  | " + escape(line) for line in text.splitlines())


def configure_plain(level: int = logging.WARNING) -> None:
    """Log to stderr through OneLineFormatter at `level` (replaces the root's handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


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
    import structlog  # only the long-running commands pay for it, not `taskmaster --help`

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        _request_fields,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _escaped(render: Any) -> Any:
    """A structlog renderer whose output is one line (see `escape`)."""

    def one_line(logger: Any, name: str, event: MutableMapping[str, Any]) -> str:
        return escape(str(render(logger, name, event)))

    return one_line


def configure(settings: Settings) -> None:
    """Send every log record to stderr in `settings.log_format` at `settings.log_level`."""
    import structlog

    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.log_format == "json"
        else _escaped(structlog.dev.ConsoleRenderer(colors=False))
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in LIBRARY_LOGGERS:  # one format: no handlers of their own
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
