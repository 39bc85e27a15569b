"""Log lines that input cannot forge.

Every process (CLI, server, worker) logs through `configure()`: one record is one line
of the form `<time> <LEVEL> <logger>: <message>`. Control characters in a message (a
newline in an uploaded file's name, in a user name, in an exception text) are written
as escapes, and the lines of a traceback are indented behind `  | `, so no text from
outside can start a line of its own. fail2ban's filter (docs/security.md) is anchored at
the start of the line, on the level and the logger name, which only a real record has.
"""

from __future__ import annotations

import logging
import re
import sys
from types import TracebackType
from typing import TypeAlias

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
ExcInfo: TypeAlias = (tuple[type[BaseException], BaseException, TracebackType | None]
                      | tuple[None, None, None])


def escape(text: str) -> str:
    """`text` with every control character (newlines included) as a visible escape."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1] if m.group() != "\t" else " ",
                        text)


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


def configure(level: int = logging.WARNING) -> None:
    """Log to stderr through OneLineFormatter at `level` (replaces the root's handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
