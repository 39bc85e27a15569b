"""Template-free field locators: find a value on a page's rows of text.

Each locator reads its knobs from the field's `locate:` mapping in the application YAML
(keywords with weights, patterns, lists of words to avoid) and returns candidates with
a raw score in 0..1. `extract.py` picks the best candidate and turns its score, its
margin over the runner-up and the OCR confidence of its words into a confidence.

Values are kept as printed (upper-cased, as SROIE transcribes receipts, and whitespace
normalised); only characters that OCR notoriously confuses inside a number (O/0, l/1)
are repaired, because a date or an amount with a letter in it cannot be as printed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from taskmaster.engines.base import BBox
from taskmaster.locating.layout import Line, normalise_space, span_words, union

Config = Mapping[str, Any]

_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DATE_PATTERNS = (
    re.compile(r"(?<![\d])(\d{1,2}) ?([/.\-]) ?(\d{1,2}) ?\2 ?(\d{4}|\d{2})(?![\d])"),
    re.compile(r"(?<![\d])(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})(?![\d])"),
    re.compile(rf"(?<![\d])(\d{{1,2}})([ /\-]?)({_MONTHS})[A-Z]*\2(\d{{4}}|\d{{2}})(?![\d])"),
)
_GLUED_TIME = re.compile(
    r"(\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)\d{2}"
    r"|(?:19|20)\d{2}([/.\-])\d{1,2}\2\d{2})(?=\d{1,2}:\d{2})"
)
_AMOUNT = re.compile(
    r"(?<![\d.,])((?:RM|\$)?\d{1,3}(?:,\d{3})*\.\d{2}|(?:RM|\$)?\d+\.\d{2})(?![\d])"
)
_DIGIT_FIX = str.maketrans({"O": "0", "D": "0", "I": "1", "L": "1", "|": "1", "S": "5"})


@dataclass(frozen=True)
class Candidate:
    """One possible value for a field."""

    value: str
    score: float
    bbox: BBox
    ocr_confidence: float
    line: int
    # How far the value may differ from its transcription even when the right text was
    # found ('RM 3.90' is transcribed with or without its RM): lowers the confidence,
    # not the rank.
    doubt: float = 0.0


def _upper(text: str) -> str:
    return normalise_space(text).upper()


def _repair_digits(text: str) -> str:
    """O->0, I/l->1 ... inside tokens that are mostly digits (e.g. '2O18', '1l/03')."""

    def fix(m: re.Match[str]) -> str:
        tok = m.group(0)
        digits = sum(c.isdigit() for c in tok)
        return tok.translate(_DIGIT_FIX) if digits >= 2 and digits >= len(tok) / 2 else tok

    return re.sub(r"[0-9OIL|SD/.\-:,]{3,}", fix, text)


def _keyword_weight(text: str, keywords: Mapping[str, float]) -> tuple[float, int]:
    """The heaviest keyword in `text` and where it ends (-1 when none is present)."""
    best, end = 0.0, -1
    letters = text.replace("0", "O")
    for kw, weight in keywords.items():
        m = re.search(r"(?<![A-Z])" + r"\s*".join(map(re.escape, kw.upper().split())), letters)
        if m and float(weight) > best:
            best, end = float(weight), m.end()
    return best, end


def _has_any(text: str, words: Sequence[str]) -> bool:
    return any(re.search(r"(?<![A-Z])" + re.escape(w.upper()), text) for w in words)


def _span(line: Line, start: int, end: int) -> tuple[BBox, float]:
    words = span_words(line, start, end) or line.words
    return union([w.bbox for w in words]), min(w.confidence for w in words)


def find_dates(lines: list[Line], cfg: Config) -> list[Candidate]:
    """Dates as printed: d/m/y, y-m-d and '05 MAR 2018' forms, near a DATE keyword."""
    keywords = cfg.get("keywords", ["DATE"])
    avoid = cfg.get("avoid", [])
    out: list[Candidate] = []
    for ln in lines:
        # A time printed against the year ('5/3/201822:52:33') is cut off; the space
        # goes after the date, so the date's character positions stay those of the line.
        text = _GLUED_TIME.sub(r"\1 ", _repair_digits(_upper(ln.text)))
        for pat in _DATE_PATTERNS:
            for m in pat.finditer(text):
                a, _, b, y = m.groups()
                if not _plausible(a, b, y, month_name=not b.isdigit()):
                    continue
                score = 0.6
                if _has_any(text, keywords):
                    score += 0.25
                if re.search(r"\d{1,2}:\d{2}", text):
                    score += 0.1
                if _has_any(text, avoid):
                    score -= 0.4
                value = re.sub(r" ?([/.\-]) ?", r"\1", m.group(0)) if b.isdigit() else m.group(0)
                box, conf = _span(ln, m.start(), m.end())
                out.append(Candidate(value, min(score, 1.0), box, conf, ln.index))
    if not out:
        out = _damaged_dates(lines, keywords)
    return out


_NO_SEPARATORS = re.compile(r"(?<![\d.])(\d{2})(\d{2})(20\d{2})(?![\d.])")
_ONE_SPACE = re.compile(r"(?<![\d.])(\d{1,2}) (\d{1,2})([/\-])(\d{4}|\d{2})(?![\d.])")


def _damaged_dates(lines: list[Line], keywords: Sequence[str]) -> list[Candidate]:
    """Dates whose separators the OCR lost ('27032018', '05 02-18'), restored with the
    separator printed elsewhere in the date ('/' when none is left): only when no
    whole date was read, and with a low score, so they go to review."""
    out: list[Candidate] = []
    for ln in lines:
        text = _repair_digits(_upper(ln.text))
        for pat, sep in ((_NO_SEPARATORS, "/"), (_ONE_SPACE, "")):
            for m in pat.finditer(text):
                a, b, y = m.group(1), m.group(2), m.groups()[-1]
                if not _plausible(a, b, y, month_name=False) or not 1 <= int(b) <= 12:
                    continue
                s = sep or m.group(3)
                score = 0.45 + (0.1 if _has_any(text, keywords) else 0.0)
                box, conf = _span(ln, m.start(), m.end())
                out.append(Candidate(f"{a}{s}{b}{s}{y}", score, box, conf, ln.index))
    return out


def _plausible(a: str, b: str, y: str, *, month_name: bool) -> bool:
    if len(a) == 4:  # y-m-d
        a, b, y = y, b, a
    day, year = int(a), int(y)
    if not 1 <= day <= 31 or (len(y) == 4 and not 1990 <= year <= 2039):
        return False
    if month_name:
        return True
    month = int(b)
    return 1 <= month <= 12 or (1 <= day <= 12 and 13 <= month <= 31)  # m/d/y too
