"""Hand-printed combs decoded with the field's type: the ICR's per-cell probabilities are
searched for the likeliest *valid* value, not the likeliest characters one by one.

A date of birth is the likeliest real calendar date in the past; a state the likeliest
USPS code; a member number the likeliest string matching the field's pattern (three
letters then nine digits reads a doubtful "I" in the digits as a 1). The field's
confidence is that value's probability among the valid ones, never more than the ink
itself supports (see `taskmaster.engines.icr.decode`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import Gray, IcrEngine, Reading
from taskmaster.engines.icr import (
    decode_best,
    decode_date,
    decode_lexicon,
    decode_mixed,
)
from taskmaster.validation.lexicons import AREA_FIRST, AREA_SECOND, US_STATES

CharProbs = dict[str, float]
_CLASSES = {
    "\\d": "0123456789",
    "[0-9]": "0123456789",
    "[A-Z]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "[A-Z0-9]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
}
_TOKEN = re.compile(r"(\\d|\[0-9\]|\[A-Z\]|\[A-Z0-9\])(?:\{(\d+)\})?")
CHAR_ACCEPT = 0.98  # per-character accept threshold when the engine states none
# A field with a doubtful character goes to review: its score is at most
# DOUBT_BASE + DOUBT_SLOPE x that character's confidence (0.5-0.75), apart from the
# scores of fields read with every character sure, and graded so that calibration can
# tell a character at 0.95 from one at 0.4. On 50 fresh hand pages (seeds 7201, 7202:
# MNIST/EMNIST test writers) such fields were wrong 10 times in 95 with the character at
# 0.8-0.98, once in 149 with every character >= 0.98.
DOUBT_BASE = 0.5
DOUBT_SLOPE = 0.25
OLDEST = 1900  # earliest year of birth taken for a date-of-birth comb


@runtime_checkable
class CellProbabilities(Protocol):
    """An ICR engine that gives each comb cell's probability table (the built-in one)."""

    def cell_probabilities(self, cells: Sequence[Gray], charset: str) -> list[CharProbs | None]: ...


def position_charsets(pattern: str, length: int) -> list[str] | None:
    """The characters allowed at each position by a simple fixed-length `pattern`
    (`^[A-Z]{3}\\d{9}$`); None when the pattern is anything more elaborate."""
    body = pattern.removeprefix("^").removesuffix("$")
    out: list[str] = []
    pos = 0
    while pos < len(body):
        m = _TOKEN.match(body, pos)
        if m is None:
            return None
        out.extend([_CLASSES[m.group(1)]] * int(m.group(2) or 1))
        pos = m.end()
    return out if len(out) == length else None


def decode_pattern(cells: Sequence[CharProbs], allowed: list[str]) -> Reading:
    """Each cell's likeliest character among those its position allows."""
    chars, probs, raw = [], [], []
    for p, ok in zip(cells, allowed, strict=True):
        sub = {c: v for c, v in p.items() if c in ok}
        total = sum(sub.values())
        if not sub or total <= 0:
            return Reading("", 0.0, engine="icr")
        c, v = max(sub.items(), key=lambda cv: cv[1])
        chars.append(c)
        probs.append(v / total)
        raw.append(v)
    conf = min(math.prod(probs), math.prod(raw) ** 0.5)
    return Reading("".join(chars), conf, tuple(probs), "icr")


def decode_phone(cells: Sequence[CharProbs]) -> Reading:
    """A 10-digit phone number whose area code is a North American one (`AREA_FIRST`
    and `AREA_SECOND` of `validation.lexicons`, not N11): each cell's likeliest allowed
    digit; where that makes N11, the likelier of the two ways out (the second digit or
    the third not a 1)."""
    digits = "0123456789"
    rest = [digits] * 8
    r = decode_pattern(cells, [AREA_FIRST, AREA_SECOND, *rest])
    if r.text[1:3] != "11":
        return r
    ways = [
        decode_pattern(cells, [AREA_FIRST, AREA_SECOND.replace("1", ""), *rest]),
        decode_pattern(cells, [AREA_FIRST, AREA_SECOND, digits.replace("1", ""), *rest[1:]]),
    ]
    return max(ways, key=lambda w: _likelihood(w.text, cells))


def _likelihood(text: str, cells: Sequence[CharProbs]) -> float:
    """The probability of `text` read from `cells` (0 where it has no character per cell)."""
    if len(text) != len(cells):
        return 0.0
    return math.prod(p.get(c, 0.0) for c, p in zip(text, cells, strict=True))


def read_cells(field: FieldDef, cells: list[Gray], icr: IcrEngine, charset: str) -> Reading:
    """The comb's characters (a date as DDMMYYYY), decoded with the field's type where
    the engine gives per-cell probabilities; a field with a character under the
    engine's own per-character accept threshold is not confident, however sure the rest.

    Why per character: the product of ten digit probabilities stays above 0.9 with one
    digit at 0.91-0.97, and on real handwritten digits (MNIST test digits placed in the
    intake form's phone and ZIP combs, 600 fields) such fields were wrong 7 times in
    488 accepted; with every digit at >= 0.98 none of 405 was.
    """
    r = _decode(field, cells, icr, charset)
    cap = doubt_cap(r.char_confidences, float(getattr(icr, "accept_threshold", CHAR_ACCEPT)))
    if cap is not None:
        return Reading(r.text, min(r.confidence, cap), r.char_confidences, r.engine, r.alternatives)
    return r


def doubt_cap(chars: Sequence[float], threshold: float = CHAR_ACCEPT) -> float | None:
    """The highest score of a field whose least sure character is under `threshold`,
    graded by that character's confidence; None when every character is sure."""
    if not chars or min(chars) >= threshold:
        return None
    return DOUBT_BASE + DOUBT_SLOPE * min(chars)


def _decode(field: FieldDef, cells: list[Gray], icr: IcrEngine, charset: str) -> Reading:
    if not isinstance(icr, CellProbabilities):
        return icr.read_cells(cells, charset=charset)
    table = icr.cell_probabilities(cells, charset)
    written = [p for p in table if p]
    if not written:
        return Reading("", 1.0, (), "icr")
    mixed = any(c.isdigit() for c in charset) and any(c.isalpha() for c in charset)
    best = decode_mixed(written) if mixed else decode_best(written)
    if field.type == "date" and len(written) == 8:
        r = decode_date(written, years=(OLDEST, dt.date.today().year))
        if r.text:
            y, m, d = r.text.split("-")
            return Reading(d + m + y, r.confidence, r.char_confidences, "icr", r.alternatives)
        return Reading(best.text, min(best.confidence, 0.3), best.char_confidences, "icr")
    if field.type == "state":
        r = decode_lexicon(written, US_STATES)
        return (
            r
            if r.text
            else Reading(best.text, min(best.confidence, 0.3), best.char_confidences, "icr")
        )
    if field.type == "phone" and len(written) == 10:
        return decode_phone(written)
    if field.pattern:
        allowed = position_charsets(field.pattern, len(written))
        if allowed is not None:
            r = decode_pattern(written, allowed)
            if r.text:
                return r
    return best
