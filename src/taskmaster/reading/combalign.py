"""Typed digit combs whose line reads part on more than one character, or came back a
glyph long or short (`settle_by_cells`): a fax glyph doubled, split or lost.

`combcell.settle_by_cell` settles reads two against one on one character. On the fresh
typed faxes (seeds 8801, 8802) many more combs are read right by one read while the
other two part from it in ways that rule does not cover: `64365 | 643656 | 643685`,
`03091954 | 03621954 | 0360921954`, `3098074507 | 3085674507 | 30698074507`. A read of
the comb's length that explains every other read (a character apart, or a glyph more
or less) is taken where the cells in doubt, read again, give its characters.

Three small OCR calls per cell in doubt (four cells at most), only for such combs.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import cv2
import numpy as np

from taskmaster.engines.base import Engines, Gray
from taskmaster.reading.combcell import DIGITS
from taskmaster.reading.combtyped import Typed
from taskmaster.reading.consensus import Consensus, Key, smooth
from taskmaster.reading.zones import pad

# A typed digit comb whose line reads disagree on more than one character or came back a
# glyph long or short (a fax glyph doubled, split or lost: `03091954 | 03621954 |
# 0360921954`): a read of the comb's length that explains every other read (`_doubts`),
# each cell where they part read again between its neighbours three ways (`cell_votes`).
# A cell read alone is no help on a fax: Tesseract sees nothing in half of them. Of the
# three, none is right on every cell of the fresh typed faxes (seeds 8801, 8802, 8911,
# 8912): a 1 and a 4, a 6 and an 8 part them, so two must give the read's character and
# none another. Scored in a bin of its own, under the readings their reads or one cell
# settled; the fit decides what it is worth.
CELLS_SETTLED = 0.82
MAX_DOUBTS = 4  # cells in doubt read again at most (three small OCR calls each)
WIDER = 1.5  # the window's third read: smoothed at this size
MAX_EXTRA = 2  # glyphs a read may have too many (doubled, split) or 1 too few (lost)


def _gaps(long: str, short: str, extra: int) -> set[int] | None:
    """The positions of `short` beside which `long` holds its `extra` characters more,
    over every way of dropping them to give `short`; None where no way does."""
    found: set[int] = set()
    ok = False
    for drop in combinations(range(len(long)), extra):
        kept = [c for j, c in enumerate(long) if j not in drop]
        if "".join(kept) != short:
            continue
        ok = True
        for j in drop:
            at = j - sum(d < j for d in drop)  # the kept characters before it
            found |= {p for p in (at - 1, at) if 0 <= p < len(short)}
    return found if ok else None


def _lost(text: str, short: str) -> set[int] | None:
    """The cells of `text` whose glyph, lost, leaves `short`; None where none does."""
    found = {j for j in range(len(text)) if text[:j] + text[j + 1 :] == short}
    return found or None


def _doubts(text: str, reads: list[str]) -> set[int] | None:
    """The cells of `text` some read parts from: where a read of its length differs, and
    beside the characters a longer read has more or a shorter one lacks (`_gaps`); None
    where a read is explained by none of these."""
    n = len(text)
    out: set[int] = set()
    for r in reads:
        if len(r) == n:
            out |= {i for i, (a, b) in enumerate(zip(text, r, strict=True)) if a != b}
            continue
        extra = len(r) - n
        if not (-1 <= extra <= MAX_EXTRA) or extra == 0:
            return None
        gaps = _gaps(r, text, extra) if extra > 0 else _lost(text, r)
        if gaps is None:
            return None
        out |= gaps
    return out


def settle_by_cells(
    vote: Consensus,
    key: Key,
    used: list[Gray],
    engines: Engines,
    charsets: list[str],
    join: Callable[[list[Gray]], Gray],
) -> Typed | None:
    """A digit comb's reading where its line reads disagree beyond one character between
    two against one: a read of the comb's length that explains every read (`_doubts`:
    `MAX_DOUBTS` cells at most, none of them blank) and whose every cell in doubt, read
    again (`cell_votes`), is its character; None where no read, or more than one, is so.
    Reads of one text each, or all alike, are left to the other rules."""
    n = len(used)
    if len(charsets) != n or not all(set(c) <= DIGITS for c in charsets):
        return None
    reads = ["".join(key(t).split()) for t in vote.texts if t != "cell by cell"]
    if len(reads) < 3 or any(not r.isdigit() for r in reads):
        return None
    settled: list[tuple[str, list[int]]] = []
    known: dict[int, list[str | None]] = {}
    for text in dict.fromkeys(r for r in reads if len(r) == n):
        doubts = _doubts(text, reads)
        if not doubts or len(doubts) > MAX_DOUBTS:
            continue
        for i in sorted(doubts - known.keys()):
            known[i] = cell_votes(used, i, engines, charsets[i], join)
        if all(_backs(known[i], text[i]) for i in doubts):
            settled.append((text, sorted(doubts)))
    if len(settled) != 1:
        return None
    text, cells = settled[0]
    r = vote.reading
    out = Typed(text, [r.confidence] * n, CELLS_SETTLED)
    out.messages.append(
        f"reads part at characters {', '.join(str(i + 1) for i in cells)}; read again in "
        "their cells they are the one read's: " + " | ".join(vote.texts)
    )
    return out


def cell_votes(
    used: list[Gray], i: int, engines: Engines, charset: str, join: Callable[[list[Gray]], Gray]
) -> list[str | None]:
    """Cell `i`'s character in three reads of it between its neighbours (`join` sets
    cells side by side): smoothed, as is, and smoothed at `WIDER` times the size; None
    for a read that does not give one character per cell."""
    lo, hi = max(0, i - 1), min(len(used), i + 2)
    window = join(used[lo:hi])
    wide = cv2.resize(window, None, fx=WIDER, fy=WIDER, interpolation=cv2.INTER_CUBIC)
    out: list[str | None] = []
    for img in (smooth(window), window, smooth(np.asarray(wide, np.uint8))):
        text = _read(img, engines, charset)
        out.append(text[i - lo] if len(text) == hi - lo else None)
    return out


def _backs(votes: list[str | None], c: str) -> bool:
    """Whether at least two of a cell's reads give `c` and none another character."""
    return votes.count(c) >= 2 and all(v in (None, c) for v in votes)


def _read(img: Gray, engines: Engines, charset: str) -> str:
    return "".join(engines.ocr.read_zone(pad(img), charset=charset).text.split())
