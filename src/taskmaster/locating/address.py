"""The postal address of a receipt's issuer: the lines below its name.

Anchored on the postcode (a five-digit number that is not a lot or house number): the
address runs up from the postcode line towards the name, leaving out registration
numbers and a branch name above the first address line, and down past the postcode to
a line naming a state. Without a postcode, the lines after the name up to a stop word
are taken. The text is joined as printed, with OCR's usual slips in addresses repaired
(a comma read as a full stop, a space lost after JALAN, a state name one letter off).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from taskmaster.locating.header import _has_any, _matches, _prepare, correct
from taskmaster.locating.layout import Line, normalise_space, union
from taskmaster.locating.locators import Candidate, Config

_STARTS = re.compile(r"^(\d|NO\b|NO\.|LOT\b|UNIT\b|LEVEL\b|BLOCK\b|BLK\b|G\d|L\d)")
_ABBREV = {"NO", "JLN", "TMN", "BDR", "KG", "LRG", "JL", "ST", "SG", "PT", "BT", "SEK"}


def _commas(text: str) -> str:
    """A full stop between address parts ('LOT 38. 39 101 BOULEVARD. JALAN') is a comma
    the OCR read small: addresses separate parts with commas, and stops follow only
    abbreviations (NO., P.T., JLN.), which are left alone."""

    def fix(m: re.Match[str]) -> str:
        tok = m.group(1)
        keep = "." in tok or tok in _ABBREV or (len(tok) < 2 and tok.isalpha())
        return tok + ("." if keep else ",")

    return re.sub(r"(?<!\S)(\S+)\.(?= \S)", fix, text)


def _postcode(pattern: re.Pattern[str], text: str) -> bool:
    """A postcode on the line: not a number after LOT, NO or PT (lot 37636)."""
    return any(
        not re.search(r"(?<![A-Z])(LOT|NO\.?|PT|P\.T\.)\s*$", text[: m.start()])
        for m in pattern.finditer(text)
    )


def _near(a: str, b: str) -> bool:
    """Equal but for one substituted letter (SETANGOR, SCLANGOR for SELANGOR)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def _fix_states(text: str, states: Sequence[str]) -> str:
    """A word one letter off a (one-word, 6+ letter) state name is that state."""
    names = [s.upper() for s in states if " " not in s.strip() and len(s.strip()) >= 6]

    def fix(m: re.Match[str]) -> str:
        w = m.group(0)
        return next((n for n in names if w != n and _near(w, n)), w)

    return re.sub(r"[A-Z]{6,}", fix, text)


def find_address(lines: list[Line], cfg: Config, after: int | None) -> list[Candidate]:
    """The address lines below the line with index `after` (the company's).

    Anchored on the postcode: the address runs up from the first postcode line to the
    company (skipping registration numbers), and on past it only for a line that names
    a state. Without a postcode, the lines after the company up to a stop word are taken.
    """
    start = (
        0 if after is None else next((i + 1 for i, ln in enumerate(lines) if ln.index == after), 0)
    )
    stop = cfg.get("stop", [])
    skip = cfg.get("skip", [])
    skip_re = cfg.get("skip_patterns", [])
    states = cfg.get("states", [])
    markers = cfg.get("markers", [])
    postcode = re.compile(cfg.get("postcode", r"(?<![\d.])\d{5}(?![\d.])"))
    max_lines = int(cfg.get("max_lines", 6))
    window = lines[start : start + int(cfg.get("search_lines", 12))]
    texts = [
        _fix_states(_prepare(ln.text, bool(cfg.get("fold_accents", False))), states)
        for ln in window
    ]

    def foreign(t: str) -> bool:
        return _has_any(t, stop) or _has_any(t, skip) or _matches(t, skip_re)

    pc = next((i for i, t in enumerate(texts) if _postcode(postcode, t) and not foreign(t)), None)
    if pc is not None:
        first = pc
        while first > 0 and pc - first + 1 < max_lines and not foreign(texts[first - 1]):
            # An address starts with a number, NO./LOT/UNIT...: a line above such a start
            # with neither digits nor address words is a branch or shop name.
            if (
                first < pc
                and _STARTS.match(texts[first])
                and not re.search(r"\d", texts[first - 1])
                and not _has_any(texts[first - 1], markers)
            ):
                break
            first -= 1
        last = pc
        # on past the postcode only to a line naming a state ('CAMERON HIGHLANDS,' /
        # 'PAHANG'), at most two lines down
        for k in (pc + 1, pc + 2):
            if k >= len(texts) or foreign(texts[k]):
                break
            if _has_any(texts[k], states):
                last = k
                break
        taken = window[first : last + 1]
        score = 0.7
    else:
        taken = []
        for t, ln in zip(texts, window, strict=True):
            if _has_any(t, stop) or len(taken) >= max_lines:
                break
            if not foreign(t):
                taken.append(ln)
            elif taken:
                break
        score = 0.35
    if not taken:
        return []
    at = {ln.index: t for ln, t in zip(window, texts, strict=True)}
    text = _commas(
        correct(normalise_space(" ".join(at[ln.index] for ln in taken)), cfg.get("corrections", {}))
    )
    for word in cfg.get("glued", []):  # 'JALANAIR PANAS', 'NO290': a space OCR lost
        # short words only before a number (not NORTH), and not before one digit (NO1.)
        follows = r"\d{2}" if len(word) < 4 else r"[A-Z0-9]{2}"
        text = re.sub(rf"(?<![A-Z]){re.escape(word.upper())}(?={follows})", f"{word} ", text)
    if _has_any(text, markers):
        score += 0.2
    return [
        Candidate(
            text,
            score,
            union([ln.bbox for ln in taken]),
            min(ln.confidence for ln in taken),
            taken[0].index,
        )
    ]
