"""Typed digit combs whose line reads part on more than one character, or came back a
glyph long or short (`settle_by_cells`): a fax glyph doubled, split or lost.

`combcell.settle_by_cell` settles reads two against one on one character. On the fresh
typed faxes (seeds 8801, 8802) many more combs are read right by one read while the
other two part from it in ways that rule does not cover: `64365 | 643656 | 643685`,
`03091954 | 03621954 | 0360921954`, `3098074507 | 3085674507 | 30698074507`. A read of
the comb's length that explains every other read (a character apart, or a glyph more
or less) is taken where the cells in doubt, read again, give its characters.

A member number's reads part so too, where a blur makes the LSTM see a ghost digit
(`FRF7818778960 | FRF781877890`): its cells are read with the characters their window
may hold, and a cell's vote counts only with a character that cell may hold.

Four small OCR calls per cell in doubt (four cells at most), only for such combs.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from taskmaster.engines.base import Engines, Gray
from taskmaster.reading.combcell import DIGITS
from taskmaster.reading.combtyped import Typed
from taskmaster.reading.consensus import Consensus, Key, smooth
from taskmaster.reading.zones import pad

# A typed digit comb whose line reads disagree on more than one character or came back a
# glyph long or short: a read of the comb's length that explains every other read
# (`_doubts`), each cell where they part read again among its neighbours four ways
# (`cell_votes`). A cell read alone is no help on a fax: Tesseract sees nothing in half
# of them. Each of the four reads errs on 10-25% of the 49 cells in doubt of held typed
# fax combs (seeds 8801, 8802, 8911-8914: a 1 and a 4, a 6 and an 8, a 5 and a 3); three
# of them giving one character and none another was right on 21 of 21 (two of three,
# as is, smoothed and at 1.5 size, three cells each: 23 right, 4 wrong). Scored in a bin
# of its own, under the readings their reads or one cell settled; the fit decides.
CELLS_SETTLED = 0.82
MAX_DOUBTS = 4  # cells in doubt read again at most (four small OCR calls each)
AGREE = 3  # of a cell's four reads (`cell_votes`) that give its character, none other
MAX_EXTRA = 2  # glyphs a read may have too many (doubled, split) or 1 too few (lost)


def _edits(text: str, read: str, limit: int) -> set[int] | None:
    """The cells of `text` a read of another length parts from, over every cheapest way
    to edit `text` into it: a cell whose glyph it lost or read otherwise, the two beside
    a glyph it has more (doubled or split); None where that takes over `limit` edits."""
    n, m = len(text), len(read)
    # cost[i][j]: edits that make text[:i] into read[:j].
    cost = [[i + j if not i or not j else 0 for j in range(m + 1)] for i in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            same = text[i - 1] == read[j - 1]
            cost[i][j] = min(
                cost[i - 1][j - 1] + (not same), cost[i - 1][j] + 1, cost[i][j - 1] + 1
            )
    if cost[n][m] > limit:
        return None
    found: set[int] = set()
    seen: set[tuple[int, int]] = set()
    todo = [(n, m)]
    while todo:  # back along every cheapest path
        i, j = todo.pop()
        if (i, j) in seen or not (i or j):
            continue
        seen.add((i, j))
        c = cost[i][j]
        if i and j and cost[i - 1][j - 1] + (text[i - 1] != read[j - 1]) == c:
            if text[i - 1] != read[j - 1]:
                found.add(i - 1)
            todo.append((i - 1, j - 1))
        if i and cost[i - 1][j] + 1 == c:
            found.add(i - 1)  # lost
            todo.append((i - 1, j))
        if j and cost[i][j - 1] + 1 == c:
            found |= {k for k in (i - 1, i) if 0 <= k < n}  # one more, after cell i - 1
            todo.append((i, j - 1))
    return found


def _doubts(text: str, reads: list[str]) -> set[int] | None:
    """The cells of `text` some read parts from: where a read of its length differs, and
    where one a glyph or two longer or one shorter needs editing (`_edits`: its glyphs
    more or fewer, and one more read otherwise); None where a read is none of these."""
    n = len(text)
    out: set[int] = set()
    for r in reads:
        if len(r) == n:
            out |= {i for i, (a, b) in enumerate(zip(text, r, strict=True)) if a != b}
            continue
        extra = len(r) - n
        if not -1 <= extra <= MAX_EXTRA:
            return None
        cells = _edits(text, r, abs(extra) + 1)
        if cells is None:
            return None
        out |= cells
    return out


def settle_by_cells(
    vote: Consensus,
    key: Key,
    used: list[Gray],
    engines: Engines,
    charsets: list[str],
    join: Callable[[list[Gray]], Gray],
) -> Typed | None:
    """A digit comb's reading, or a member number's (letters then digits), where its
    line reads disagree beyond one character between two against one: a read of the
    comb's length that explains every read (`_doubts`: `MAX_DOUBTS` cells at most, none
    of them blank) and whose every cell in doubt, read again (`cell_votes`), is its
    character; None where no read, or more than one, is so. Reads of one text each, or
    all alike, are left to the other rules."""
    n = len(used)
    if len(charsets) != n or not set(charsets[-1]) <= DIGITS:
        return None
    known_chars = set("".join(charsets))
    reads = ["".join(key(t).split()) for t in vote.texts if t != "cell by cell"]
    if len(reads) < 3 or any(not set(r) <= known_chars for r in reads):
        return None
    settled: list[tuple[str, list[int]]] = []
    known: dict[int, list[str | None]] = {}
    for text in dict.fromkeys(r for r in reads if len(r) == n):
        doubts = _doubts(text, reads)
        if not doubts or len(doubts) > MAX_DOUBTS:
            continue
        for i in sorted(doubts - known.keys()):
            known[i] = cell_votes(used, i, engines, charsets, join)
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


def window(n: int, i: int, width: int) -> tuple[int, int]:
    """The `width` cells around cell `i` of `n`, shifted in at the comb's ends (a last
    cell between one neighbour only sided wrong: `combcell`), fewer where n is."""
    lo = min(max(0, i - width // 2), max(0, n - width))
    return lo, min(n, lo + width)


def cell_votes(
    used: list[Gray],
    i: int,
    engines: Engines,
    charsets: list[str],
    join: Callable[[list[Gray]], Gray],
) -> list[str | None]:
    """Cell `i`'s character in four reads of it among its neighbours (`join` sets cells
    side by side; read with the characters any of them may hold, `charsets` per cell):
    three cells as is and smoothed, five smoothed and smoothed at twice the size
    (`window`); None for a read that does not give one character per cell, or gives
    cell `i` a character it may not hold."""
    out: list[str | None] = []
    for width, scales in ((3, (0.0, 1.0)), (5, (1.0, 2.0))):
        lo, hi = window(len(used), i, width)
        line = join(used[lo:hi])
        charset = "".join(sorted(set("".join(charsets[lo:hi]))))
        for scale in scales:  # 0: as is; else smoothed at that size
            img = line if not scale else smooth(_scaled(line, scale))
            text = _read(img, engines, charset)
            ok = len(text) == hi - lo and text[i - lo] in charsets[i]
            out.append(text[i - lo] if ok else None)
    return out


def _scaled(img: Gray, scale: float) -> Gray:
    if scale == 1.0:
        return img
    return np.asarray(
        cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC), np.uint8
    )


def _backs(votes: list[str | None], c: str) -> bool:
    """Whether `AGREE` of a cell's reads give `c` and none another character."""
    return votes.count(c) >= AGREE and all(v in (None, c) for v in votes)


def _read(img: Gray, engines: Engines, charset: str) -> str:
    return "".join(engines.ocr.read_zone(pad(img), charset=charset).text.split())
