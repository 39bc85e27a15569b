"""A typed comb whose line reads split two against one on one character, settled by
that character read again in its own cell.

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

Two small OCR calls per disputed comb, none elsewhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from taskmaster.engines.base import Engines, Gray, Reading
from taskmaster.reading.combtyped import Typed, as_typed
from taskmaster.reading.consensus import Consensus, Key, Valid, agreement_score, smooth
from taskmaster.reading.zones import pad

# Under reads that agreed at once (0.95-1.0 less the wrong-length reads' cost); the fit
# decides what these bins are worth.
MAJORITY_COST = 0.05  # the cell reads side with the two line reads
MINORITY_COST = 0.08  # the cell reads side with the one dissenting line read


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
    charset: str,
    join: Callable[[list[Gray]], Gray],
) -> Typed | None:
    """The comb's reading where its reads split two against one on one character and
    that character read again in its cell (`cell_char`) is the majority's or the
    dissenting read's; None otherwise."""
    found = disputed(vote, valid, key)
    if found is None:
        return None
    major, minor, i = found
    if len(major) != len(used):
        return None
    c = cell_char(used, i, engines, charset, join)
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
