"""The visit date and the date beside the patient's signature: one day, read twice.

An intake form is filled in and signed at the visit, so the two dates are written alike;
a hand-printed digit the ICR misreads in one ("2021" for "2026", "15" for "12") is
usually read right in the other. Where the two reads differ, digit by digit the more
confident read's digit is taken (`merge`), and a date whose value that changes is
proposed below the accept threshold: a person confirms it, and a patient who did sign
on another day is seen there. A date left unreadable (ink, no valid date) is proposed
from the other the same way; a date left blank stays blank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from taskmaster.reading.result import EMPTY_CONFIDENCE, PROPOSED, FieldReading

PROPOSED_CAP = 0.6  # a date taken from the other date's read is proposed, never accepted
UNREAD_CAP = 0.5  # a date copied whole into a field whose own read gave none
PAIRS = (("visit_date", "signature_date"),)
SURE_DIGIT = 0.9  # two different digits both read this surely: the dates really differ
# A form is signed at the visit or a few days before it (the samples: 7 of 42 signed 1-2
# days earlier); dates further apart than this are a misread one, not two days.
APART_DAYS = 31


def _digits(r: FieldReading) -> list[tuple[str, float]] | None:
    """The date's digits in the order written (DDMMYYYY), each with its confidence (the
    field's where the reader gave none per character)."""
    if not isinstance(r.value, str) or len(r.value) != 10:
        return None
    y, m, d = r.value.split("-")
    written = d + m + y
    chars = r.char_confidences if len(r.char_confidences) == 8 else (r.confidence,) * 8
    return list(zip(written, chars, strict=True))


def merge(a: FieldReading, b: FieldReading) -> str | None:
    """The date both reads of one day make, digit by digit the more confident one's;
    None where they agree already, either has no date, or the digits make no date."""
    da, db = _digits(a), _digits(b)
    if da is None or db is None or a.value == b.value:
        return None
    if _surely_apart(a, b) and (_days_apart(a, b) or 0) <= APART_DAYS:
        return None  # a patient who signed on another day (the samples' intake_0019)
    written = "".join(x if cx >= cy else y for (x, cx), (y, cy) in zip(da, db, strict=True))
    try:
        day = dt.date(int(written[4:]), int(written[2:4]), int(written[:2]))
    except ValueError:
        return str(a.value if a.confidence >= b.confidence else b.value)
    return day.isoformat()


def _surely_apart(a: FieldReading, b: FieldReading) -> bool:
    """Whether the two reads differ in a digit each read surely (`SURE_DIGIT`)."""
    da, db = _digits(a), _digits(b)
    if da is None or db is None:
        return False
    pairs = zip(da, db, strict=True)
    return any(x != y and min(cx, cy) >= SURE_DIGIT for (x, cx), (y, cy) in pairs)


def _tied(a: FieldReading, b: FieldReading) -> bool:
    """Whether a digit the two reads differ in is read as surely in both."""
    da, db = _digits(a), _digits(b)
    if da is None or db is None:
        return False
    return any(x != y and cx == cy for (x, cx), (y, cy) in zip(da, db, strict=True))


def _days_apart(a: FieldReading, b: FieldReading) -> int | None:
    try:
        return abs((dt.date.fromisoformat(str(a.value)) - dt.date.fromisoformat(str(b.value))).days)
    except ValueError:
        return None


def _flagged(r: FieldReading, why: str) -> FieldReading:
    """The reading as it is, for a person to confirm (`PROPOSED`)."""
    return replace(r, messages=[*r.messages, PROPOSED + why])


def _unread(r: FieldReading) -> bool:
    """Ink in the zone but no date made of it (a blank zone scores `EMPTY_CONFIDENCE`)."""
    return r.value is None and (r.raw is not None or r.confidence < EMPTY_CONFIDENCE)


def _proposed(r: FieldReading, value: str, confidence: float, why: str) -> FieldReading:
    return replace(
        r,
        value=value,
        confidence=confidence,
        char_confidences=(),
        messages=[*r.messages, PROPOSED + why],
    )


def settle(
    a: FieldReading, b: FieldReading, names: tuple[str, str]
) -> tuple[FieldReading, FieldReading]:
    """The two reads of one day settled against each other (see the module)."""
    if _unread(a) and isinstance(b.value, str):
        why = f"unread; proposed from {names[1]}: {b.value}"
        return _proposed(a, b.value, min(UNREAD_CAP, b.confidence), why), b
    if _unread(b) and isinstance(a.value, str):
        why = f"unread; proposed from {names[0]}: {a.value}"
        return a, _proposed(b, a.value, min(UNREAD_CAP, a.confidence), why)
    value = merge(a, b)
    if value is None:
        return a, b
    # Read surely but too far apart for one visit: one of them is misread. The surer
    # digit of each makes the date (a year's 6 read 1 in one of them, "2021" against
    # "2026", is read right in the other), and both go to a person; as read where the
    # digits they differ in are read alike surely (nothing tells which is right).
    sure = _surely_apart(a, b)
    if sure and _tied(a, b):
        gap = _days_apart(a, b)
        return (
            _flagged(a, f"{gap} days from {names[1]} ({b.value}); one of them is misread"),
            _flagged(b, f"{gap} days from {names[0]} ({a.value}); one of them is misread"),
        )
    out = []
    for r, other in ((a, names[1]), (b, names[0])):
        if r.value == value and sure:
            read = (b if r is a else a).value
            r = _flagged(r, f"{other} read {read}, {_days_apart(a, b)} days apart; one is misread")
        elif r.value != value:
            why = f"differs from {other}; the two dates' surer digits make {value}"
            r = _proposed(r, value, min(r.confidence, PROPOSED_CAP), why)
        out.append(r)
    return out[0], out[1]


def settle_page(readings: dict[str, FieldReading]) -> dict[str, FieldReading]:
    """Every pair of dates of one day this page has, settled (`settle`)."""
    out = dict(readings)
    for x, y in PAIRS:
        if x in out and y in out:
            out[x], out[y] = settle(out[x], out[y], (x, y))
    return out
