"""The last word of a hand-printed street address: its suffix.

A US street address ends in its suffix ("518 S LAKE ST"), which both engines misread in
hand print: Tesseract makes digits of it ("LAKE 57"), both may read a D as a K or an O
("OAK DK", "RO"). Where a settled line holds no suffix at all, its last word is taken
for the suffix nearest the two engines' reads of it summed (`lexicon.distance`), when
that suffix is a clear call; the line goes to review as any unsettled hand line.
"""

from __future__ import annotations

import numpy as np

from taskmaster.reading import lexicon

FIELDS = frozenset({"address_street"})
_SHORT = ("ST", "AVE", "RD", "DR", "CT", "LN", "BLVD", "PL", "WAY", "PKWY", "HWY", "TER")
_LONG = ("STREET", "AVENUE", "ROAD", "DRIVE", "COURT", "LANE", "BOULEVARD", "PLACE")
SUFFIXES = frozenset(
    (*_SHORT, "CIR", "SQ", "TRL", *_LONG, "PARKWAY", "HIGHWAY", "TERRACE", "CIRCLE")
)
_UNIT_WORDS = frozenset({"APT", "UNIT", "STE", "SUITE", "FL", "FLOOR", "BLDG", "#", "BOX"})
MARGIN = 1.0  # summed distance by which the nearest suffix must beat the next
REACH = 1.0  # how far the nearer read may be from that suffix (one glyph)


def suffix(words: list[str], ocr_last: str, icr_last: str) -> str | None:
    """The suffix the line's last word is, where the line (`words`, settled) holds none;
    None when it holds one, ends in a unit's number, or no suffix is a clear call."""
    if len(words) < 2 or any(w.upper() in SUFFIXES for w in words):
        return None
    if words[-2].upper() in _UNIT_WORDS or words[-2].startswith("#"):
        return None
    return nearest_suffix([ocr_last, icr_last, words[-1]])


def nearest_suffix(reads: list[str]) -> str | None:
    """The suffix nearest the reads of a line's last word summed, where it is a clear
    call within one glyph of the nearest read; None otherwise."""
    reads = [r.upper() for r in reads if r]
    if not reads:
        return None
    table = tuple(sorted(SUFFIXES))
    total = np.sum([lexicon.distances(r, table) for r in reads], axis=0)
    order = total.argsort()
    best = table[order[0]]
    if float(total[order[1]] - total[order[0]]) < MARGIN:
        return None
    nearest = min(lexicon.distance(r, best) for r in reads)
    return best if nearest <= REACH else None
