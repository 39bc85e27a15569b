"""Typed comb characters the line's reads leave in doubt, read again in their own cells.

A typed comb whose line reads split two against one on one character (`settle_by_cell`).

On a fax the line's three reads (`consensus.read_typed`: smoothed, as is, shrunk) often
agree but for one glyph of one read (`3097847794 | 3007847794 | 3097847794`). A vote of
two against one is not trusted: on 20 such digit combs of fresh typed faxes (seeds
7901, 7911, 7914, 7915) the majority was wrong 4 times. The disputed glyph sits in a
cell of its own, so it is read again twice, smoothed: alone, and between its two
neighbours (a short line, where the LSTM has a glyph either side to size it by). Where
both give one character and that is the majority's or the dissenting read's, that
character stands (19 of the 20, every one right; the 20th, alone '5' and in its
neighbours '6', goes to a person). The dissenting read's character scores a little
lower than the majority's: it stands on the cell reads against two line reads.

Two reads against none (a third read of the wrong length) are not settled so: of 3
such on the same pages, the cell reads sided wrong once (a last cell, one neighbour).

A member number whose letters were read with a lone I (`lone_i_by_cell`): J, F, L and T
lose their bars to a bare stroke on a fax or a phone photo, and every read of the line
shares that; the I's cell read alone, smoothed, keeps enough of a bar to tell.

A comb (a state) some of whose line reads came back blank, Tesseract seeing no text in
two capitals, and whose other reads agree (`'' | '' | 'IN'`): the line read again
shrunk twice (`settle_blank`).

Two small OCR calls per disputed comb, lone I or comb with a blank read, none elsewhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import cv2
import numpy as np

from taskmaster.engines.base import Engines, Gray, Reading
from taskmaster.reading.combtyped import UPPER, Typed, as_typed
from taskmaster.reading.consensus import Consensus, Key, Valid, agreement_score, smooth
from taskmaster.reading.zones import pad

# Under reads that agreed at once (0.95-1.0 less the wrong-length reads' cost); the fit
# decides what these bins are worth.
DIGITS = frozenset("0123456789")
MAJORITY_COST = 0.05  # the cell reads side with the two line reads
MINORITY_COST = 0.08  # the cell reads side with the one dissenting line read
BLANK_COST = 0.08  # line reads that saw nothing, the line read shrunk as the others
# Tesseract sees no text in a short line of two bold capitals at one size and reads it
# at another: on fresh typed photos `'' | '' | 'IN'` read IN at 0.75 and 0.5 of it.
BLANK_SCALES = (0.75, 0.5)


def disputed(vote: Consensus, valid: Valid, key: Key) -> tuple[str, str, int] | None:
    """The majority's text, the lone dissenting text and the one position where they
    differ, where the valid reads give exactly these two texts, the first at least
    twice and the second once, of one length, differing in one character; else None."""
    counts = Counter(key(t) for t in vote.texts if valid(t))
    if len(counts) != 2:
        return None
    (major, many), (minor, few) = counts.most_common()
    if many < 2 or few != 1 or len(major) != len(minor):
        return None
    diffs = [i for i, (a, b) in enumerate(zip(major, minor, strict=True)) if a != b]
    return (major, minor, diffs[0]) if len(diffs) == 1 else None


def cell_char(
    used: list[Gray], i: int, engines: Engines, charset: str, join: Callable[[list[Gray]], Gray]
) -> str | None:
    """The character of cell `i` read again, smoothed, alone and between its neighbours
    (`join` sets cells side by side as the comb's line): the one character both reads
    give, None where they give different ones or not one character each."""
    lo, hi = max(0, i - 1), min(len(used), i + 2)
    alone = _read(smooth(used[i]), engines, charset)
    window = _read(smooth(join(used[lo:hi])), engines, charset)
    if len(alone) != 1 or len(window) != hi - lo or window[i - lo] != alone:
        return None
    return alone


def settle_by_cell(
    vote: Consensus,
    valid: Valid,
    key: Key,
    used: list[Gray],
    engines: Engines,
    charsets: list[str],
    join: Callable[[list[Gray]], Gray],
) -> Typed | None:
    """The comb's reading where its reads split two against one on one character, a
    digit by the cell's `charsets` (one per cell: a member number's letters are left to
    `combtyped`), and that character read again in its cell (`cell_char`) is the
    majority's or the dissenting read's; None otherwise."""
    found = disputed(vote, valid, key)
    if found is None:
        return None
    major, minor, i = found
    if len(major) != len(used) or len(charsets) != len(used) or not set(charsets[i]) <= DIGITS:
        return None
    c = cell_char(used, i, engines, charsets[i], join)
    if c not in (major[i], minor[i]):
        return None
    side = major if c == major[i] else minor
    backing = sum(valid(t) and key(t) == major for t in vote.texts)
    r = vote.reading  # a majority read: the vote chose it
    confs = tuple(c for c, ch in zip(r.char_confidences, r.text, strict=False) if ch.strip())
    chosen = Reading(side, r.confidence, confs, r.engine)
    agreed = Consensus(chosen, backing, backing, (chosen.text,) * backing)
    base = agreement_score(agreed, valid, key)
    if base is None:
        return None
    cost = MAJORITY_COST if side == major else MINORITY_COST
    out = as_typed(chosen, key, base - cost)
    which = "the two alike" if side == major else "the one that differs"
    out.messages.append(
        f"reads split on character {i + 1}; read again in its cell it is {c!r}, as "
        f"{which}: " + " | ".join(vote.texts)
    )
    return out


def _read(img: Gray, engines: Engines, charset: str) -> str:
    return "".join(engines.ocr.read_zone(pad(img), charset=charset).text.split())


# The letters a typed I on a fax or a phone photo is left of once their bars are lost.
BARLESS = "JFLT"
# A member number whose lone I, read again in its cell, is one of `BARLESS` (on fresh
# typed seeds 7901, 7911 and 7914-7917 the I of 5 of 6 member numbers read with one so,
# every one wrong, was the right letter read so; the sixth read I again and stays for
# review). Under the readings whose reads agreed at once; the fit decides.
LONE_I_SETTLED = 0.9


def lone_i_by_cell(text: str, k: int, used: list[Gray], engines: Engines) -> str | None:
    """`text` with each I among its first `k` letters read again in its cell, smoothed,
    at its size and at twice it: the letter both reads give where it is one of `BARLESS`
    for every such I; None where any I reads otherwise (an I, two letters, nothing) or
    the cells are not the text's."""
    if len(used) != len(text) or "I" not in text[:k]:
        return None
    chars = list(text)
    for i in range(k):
        if chars[i] != "I":
            continue
        cell = used[i]
        big = cv2.resize(cell, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        reads = {_read(smooth(img), engines, UPPER) for img in (cell, np.asarray(big, np.uint8))}
        if len(reads) != 1 or (c := reads.pop()) not in BARLESS:
            return None
        chars[i] = c
    return "".join(chars)


def settle_blank(
    vote: Consensus, valid: Valid, key: Key, line: Gray, engines: Engines, charset: str
) -> Typed | None:
    """A comb's reading where some line reads are blank and the others give one valid
    value, and the line read again shrunk (`BLANK_SCALES`) gives that value each time;
    None otherwise."""
    texts = ["".join(t.split()) for t in vote.texts]
    seen = {key(t) for t in texts if t}
    if "" not in texts or len(seen) != 1:
        return None
    value = seen.pop()
    if not any(valid(t) and key(t) == value for t in texts):
        return None
    for scale in BLANK_SCALES:
        small = cv2.resize(line, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        again = engines.ocr.read_zone(pad(np.asarray(small, np.uint8)), charset=charset).text
        if key("".join(again.split())) != value:
            return None
    r = vote.reading
    chosen = Reading(value, r.confidence, (r.confidence,) * len(value), r.engine)
    base = agreement_score(Consensus(chosen, 2, 2, (value, value)), valid, key)
    if base is None:
        return None
    out = as_typed(chosen, key, base - BLANK_COST)
    out.messages.append(
        "line reads blank; read again shrunk, as the others: " + " | ".join(vote.texts)
    )
    return out
