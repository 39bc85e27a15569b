"""Locators for the header of a receipt: the issuer's name and its postal address.

Both sit in the first lines of a receipt. The name is the line that carries a company
suffix (SDN BHD, ENTERPRISE, TRADING ...) or, failing that, the first line that is
mostly letters and not an obvious non-name (TAX INVOICE, WELCOME, a phone number).
The address is the run of lines after the name (skipping the registration number) up
to the first line that is clearly something else (TEL, GST, a date, INVOICE ...).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

from taskmaster.extraction.layout import Line, normalise_space, union
from taskmaster.extraction.locators import Candidate, Config


def _has_any(text: str, words: Sequence[str]) -> bool:
    return any(re.search(r"(?<![A-Z0-9])" + re.escape(w.upper()), text) for w in words)


def _letters(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(c.isalpha() for c in chars) / max(1, len(chars))


def find_company(lines: list[Line], cfg: Config) -> list[Candidate]:
    """The issuer's name among the first `search_lines` lines."""
    head = lines[: int(cfg.get("search_lines", 10))]
    suffixes = cfg.get("suffixes", [])
    skip = cfg.get("skip", [])
    heights = [ln.height for ln in lines] or [1]
    typical = statistics.median(heights)
    out: list[Candidate] = []
    for pos, ln in enumerate(head):
        text = normalise_space(ln.text).upper()
        if len(text) < 3 or _has_any(text, skip) or _letters(text) < 0.6:
            continue
        score = 0.45 - 0.04 * pos
        if _has_any(text, suffixes):
            score = 0.9 - 0.02 * pos
        if ln.height > 1.25 * typical:   # names are often printed larger
            score += 0.1
        out.append(Candidate(text, max(0.05, min(score, 1.0)), ln.bbox, ln.confidence,
                             ln.index))
    return out


def find_address(lines: list[Line], cfg: Config, after: int | None) -> list[Candidate]:
    """The address lines that follow the line with index `after` (the company's)."""
    start = 0 if after is None else next(
        (i + 1 for i, ln in enumerate(lines) if ln.index == after), 0)
    stop = cfg.get("stop", [])
    skip = cfg.get("skip", [])
    markers = cfg.get("markers", [])
    states = cfg.get("states", [])
    postcode = re.compile(cfg.get("postcode", r"(?<!\d)\d{5}(?!\d)"))
    max_lines = int(cfg.get("max_lines", 6))
    taken: list[Line] = []
    seen_postcode = False
    for ln in lines[start: start + max_lines + 3]:
        text = normalise_space(ln.text).upper()
        if _has_any(text, stop):
            break
        if not taken and _has_any(text, skip):
            continue          # registration number, a second name line above the address
        if seen_postcode and not _has_any(text, states):
            break             # the address ends with its postcode line (or a state after it)
        taken.append(ln)
        seen_postcode = seen_postcode or bool(postcode.search(text))
        if len(taken) >= max_lines:
            break
    if not taken:
        return []
    text = normalise_space(" ".join(ln.text for ln in taken)).upper()
    score = 0.4
    if seen_postcode:
        score += 0.3
    if _has_any(text, markers):
        score += 0.2
    return [Candidate(text, score, union([ln.bbox for ln in taken]),
                      min(ln.confidence for ln in taken), taken[0].index)]
