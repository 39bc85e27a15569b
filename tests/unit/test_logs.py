"""One log record is one line: messages escaped, tracebacks indented."""

from __future__ import annotations

import logging

from taskmaster.errors import CorruptFile
from taskmaster.logs import FORMAT, OneLineFormatter, escape


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("taskmaster.x", logging.WARNING, __file__, 1, msg, args, info)


def test_messages_and_tracebacks_cannot_start_a_line() -> None:
    fmt = OneLineFormatter(FORMAT)
    forged = "a.png\nWARNING taskmaster.security: taskmaster: failed login for user=a from 6.6.6.6"
    text = fmt.format(_record("took %s", forged))
    assert "\n" not in text and text.endswith(escape(forged))
    assert "a.png\\nWARNING" in text
    try:
        raise ValueError(forged)
    except ValueError as exc:
        lines = fmt.format(_record("failed", exc=exc)).splitlines()
    assert lines[0].endswith("WARNING taskmaster.x: failed")
    assert all(line.startswith("  | ") for line in lines[1:]) and len(lines) > 2


def test_error_messages_are_one_line() -> None:
    assert CorruptFile("x\r\ny.pdf: damaged\u2028z").message == "x\\r\\ny.pdf: damaged\\u2028z"
    assert escape("tab\there") == "tab here"
