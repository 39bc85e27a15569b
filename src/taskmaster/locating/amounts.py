"""The total of a receipt: the amount after the heaviest TOTAL-like keyword, checked
against the receipt's own arithmetic.

A receipt prints its total more than once and in relation to other amounts: the amount
tendered less the change given is the total; the total before rounding plus the rounding
adjustment is the rounded total (the one SROIE, and a bookkeeper, wants). Candidates
that such a sum confirms gain score; a sum that no keyword candidate matches is offered
as a candidate of its own when the amount is printed on the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from taskmaster.locating.layout import Line
from taskmaster.locating.locators import (
    _AMOUNT,
    Candidate,
    Config,
    _has_any,
    _keyword_weight,
    _repair_digits,
    _span,
    _upper,
)

_TENDER = ("CASH", "TENDER", "PAYMENT", "PAID", "VISA", "MASTER", "CARD", "DEBIT", "CREDIT")
_CHANGE = ("CHANGE", "BAKI", "KEMBALI")
_ROUNDING = ("ROUNDING", "ROUND ADJ", "RNDG", "RND ADJ")


@dataclass(frozen=True)
class _Amount:
    line: Line
    match: re.Match[str]
    value: float
    negative: bool


def amount_value(text: str) -> float:
    """An amount's number: `RM1,234.50` -> 1234.5."""
    return float(re.sub(r"[^\d.]", "", text) or 0)


# '.01', 'RM .00': a rounding or a change printed without its leading zero
_CENTS = re.compile(r"(?<![\d.,])(?:RM|\$)?\s?(\.\d{2})(?!\d)")


def _amounts(line: Line, *, cents: bool = False) -> list[_Amount]:
    text = _repair_digits(_upper(line.text))
    out = []
    for m in _AMOUNT.finditer(text) if not cents else _CENTS.finditer(text):
        negative = bool(re.search(r"-\s*(RM)?\s*$", text[: m.start(1)]))
        out.append(_Amount(line, m, amount_value(m.group(1)), negative))
    return out


def _last_amount(
    lines: Sequence[Line],
    words: Sequence[str],
    below: float = float("inf"),
    not_words: Sequence[str] = (),
) -> _Amount | None:
    """The rightmost amount under `below` of the last row naming one of `words` (and
    none of `not_words`)."""
    for ln in reversed(lines):
        text = _upper(ln.text)
        if _has_any(text, words) and not _has_any(text, not_words):
            found = [a for a in _amounts(ln) if a.value < below]
            if not found and below < 1:
                found = _amounts(ln, cents=True)
            if found:
                return found[-1]
    return None


def _cand(a: _Amount, score: float) -> Candidate:
    box, conf = _span(a.line, a.match.start(1), a.match.end(1))
    text = _upper(a.line.text)
    # A currency printed apart from the amount ('RM 3.90') or a thousands separator is
    # transcribed either way: the amount may be right and still not match.
    doubt = (
        0.15
        if re.search(r"(RM|\$)\s+$", text[: a.match.start(1)]) or "," in a.match.group(1)
        else 0.0
    )
    return Candidate(a.match.group(1), max(0.0, min(score, 1.0)), box, conf, a.line.index, doubt)


def find_amounts(lines: list[Line], cfg: Config) -> list[Candidate]:
    """Amounts to the right of (or just below) a keyword such as TOTAL, weighted by it,
    confirmed by tendered - change and by total + rounding adjustment."""
    keywords: Mapping[str, float] = cfg.get("keywords", {"TOTAL": 1.0})
    exclude = cfg.get("exclude", [])
    section_end = cfg.get("section_end", [])
    top = max([float(v) for v in keywords.values()] or [1.0])
    page = [a for ln in lines for a in _amounts(ln)]
    out: list[Candidate] = []
    for i, ln in enumerate(lines):
        text = _repair_digits(_upper(ln.text))
        # A tax summary table below the total repeats "TOTAL"; a table header above it
        # ("Amt Inc.Tax Code") must not end the search before anything was found.
        if out and _has_any(text, section_end):
            break
        weight, end = _keyword_weight(text, keywords)
        if weight <= 0 or _has_any(text, exclude):
            continue
        found = [a for a in _amounts(ln) if a.match.start() >= end and not a.negative]
        penalty = 1.0
        if (
            not found
            and i + 1 < len(lines)
            and not _keyword_weight(_upper(lines[i + 1].text), keywords)[0]
        ):
            found = [a for a in _amounts(lines[i + 1]) if not a.negative]  # on the row below
            penalty = 0.8
        for a in found[-1:]:  # the rightmost amount is the row's value
            # The keyword gives at most 0.6: the rest of the score is evidence (printed
            # again, the largest, confirmed by the sums), so that a total reaches 1.0
            # only when the receipt's arithmetic agrees with it.
            score = 0.6 * penalty * weight / top
            if sum(abs(p.value - a.value) < 0.005 for p in page) > 1:
                score += 0.1  # printed again (amount paid, rounded total)
            out.append(_cand(a, score))
    out = _check_sums(lines, page, out)
    if out:
        largest = max(amount_value(c.value) for c in out)
        return [
            c
            if amount_value(c.value) < largest
            else Candidate(
                c.value, min(1.0, c.score + 0.05), c.bbox, c.ocr_confidence, c.line, c.doubt
            )
            for c in out
        ]
    fallback = sorted(page, key=lambda a: a.value)[-1:]
    return [_cand(a, 0.2) for a in fallback]


def _check_sums(lines: list[Line], page: list[_Amount], cands: list[Candidate]) -> list[Candidate]:
    """Raise candidates the receipt's arithmetic confirms; add a confirmed amount that no
    keyword pointed at."""
    expected: list[float] = []
    tender = _last_amount(lines, _TENDER, not_words=_CHANGE)
    change = _last_amount(lines, _CHANGE) or _last_amount(lines, _CHANGE, below=0.5)
    if tender and change and tender.line is not change.line and tender.value >= change.value:
        expected.append(tender.value - change.value)
    rounding = _last_amount(lines, _ROUNDING, below=0.1)
    if rounding:
        sign = -1.0 if rounding.negative else 1.0
        expected += [
            amount_value(c.value) + sign * rounding.value for c in cands if rounding.value > 0
        ]
    if not expected:
        return cands
    confirmed = [any(abs(amount_value(c.value) - e) < 0.005 for e in expected) for c in cands]
    # A keyword amount the sums contradict loses some score (it may still be the only
    # reading: the tendered amount or the change may be misread).
    out = [
        Candidate(
            c.value,
            min(1.0, c.score + (0.25 if ok else -0.1)),
            c.bbox,
            c.ocr_confidence,
            c.line,
            c.doubt,
        )
        for c, ok in zip(cands, confirmed, strict=True)
    ]
    if not any(confirmed):
        skip = {(a.line.index, a.match.start()) for a in (tender, change, rounding) if a}
        for e in expected:
            hits = [
                a
                for a in page
                if abs(a.value - e) < 0.005
                and not a.negative
                and (a.line.index, a.match.start()) not in skip
            ]
            if hits:
                out.append(_cand(hits[-1], 0.6))
                break
    return out
