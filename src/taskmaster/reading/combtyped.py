"""Typed combs on a typed page, scored by how their reads agree.

The comb's cells are read as one line, twice or more (`consensus.read_typed`), the reads
compared in the form the field's pattern gives them (an "O" in a digit position is a
"0"). Reads that agree score by that agreement (`consensus.agreement_score`). Where the
field's pattern is letters then digits (a member number), the line is also read with
letters alone allowed and with digits alone allowed: the LSTM then reads each class
afresh and leaves the other out, which checks the agreed letters (the line's reads share
their I/J/T and E/I confusions) and settles a line whose reads split two against one on a
look-alike (`LUUS77171382 | LUUB77171382 | LUUS77171382`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import Engines, Gray, Reading
from taskmaster.reading import combdecode
from taskmaster.reading.consensus import (
    Consensus,
    Key,
    Valid,
    agreement_score,
    smooth,
)
from taskmaster.reading.repair import TO_DIGIT, to_pattern
from taskmaster.reading.zones import ink_bbox, ink_mask, pad
from taskmaster.validation.lexicons import US_STATES

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
# Reads that agree once look-alikes are put right for the pattern ("O" in a digit
# position) score under those that agree as read.
REPAIRED_AGREED_CAP = 0.97
LETTERS_DIFFER_CAP = 0.3  # the letters read alone differ from the line's: review
MULTI_REPAIR_CAP = 0.3  # more than one digit made a letter for the pattern: review
SETTLED_COST = 0.05  # a line settled by its class reads against one dissenting read
# A typed state's lone I is a bare stroke that Tesseract drops or doubles beside a wide
# letter ("WI" read "W", "WW": 4 of 5 typed WI on fresh seed 7501). A cell whose ink is a
# narrow solid bar is an I in a comb of capitals; the line's reads give the other letters.
BAR_RATIO = 0.3  # width / height of a bar's ink at most (typed sans I 0.11-0.27)
BAR_FILL = 0.75  # share of its ink box the bar fills at least (the I's 0.77-1.0)
BARS_SCORE = 0.93  # every read explained by bars read as I, to a state code
# A wide last letter before the digits of a member number can leave a ghost of the first
# digit, read as its letter look-alike ("PBWO017573069", "EYUB805236979": 2 of 48 fresh
# typed pages, seed 7501, every read of them that long).
GHOST_SCORE = 0.95
# The same ghost where one read has the comb's length with that digit read as its letter
# alone ("WUKB72671361 | WUKB872671361 | WUKB872671361" for WUK872671361: 2 right member
# numbers of fresh typed seed 7601 at 0.41-0.59): every read then gives one value and
# one set of letters; no letters-only read is made (no OCR call added), so a little lower.
GHOST_ALONE_SCORE = 0.93
# Typed letters read as a lone I: the bare stroke that J, F, L and T lose their bars to
# (IMW for JMW, XGI for XGF, agreed by every read and the letters read alone: 3 of 3
# member numbers with an I on fresh typed seeds 7601+7602 were wrong, at 0.95-0.99).
# Scored in a bin of their own, under the others: the fit learns from labels what an
# insurer's I is worth (many issue none, as the fresh pages' insurer).
LONE_I_CAP = 0.25
# The caps above are low on purpose: a fit maps a score bin to the share right of every
# reading in it, and the bins from 0.6 to 0.9 hold many right typed reads (the old
# readers' scores, capped reads that disagree), where a rare doubtful one would ride.


@dataclass
class Typed:
    """A typed comb's characters as the reads settled them, and their score."""

    text: str
    confs: list[float]
    score: float
    messages: list[str] = field(default_factory=list)


def length(n: int) -> Valid:
    """Whether a read has the comb's `n` characters (spaces aside)."""

    def valid(text: str) -> bool:
        return len("".join(text.split())) == n

    return valid


def form(fd: FieldDef, n: int) -> Key:
    """A read as the field's pattern has it, where one look-alike swap per position makes
    it fit (`MYC435IO7181` -> `MYC435107181`): the form in which reads are compared."""

    def key(text: str) -> str:
        t = "".join(text.split())
        if not fd.pattern or len(t) != n:
            return t
        return to_pattern(t, fd.pattern)[0]

    return key


def settle(
    fd: FieldDef, vote: Consensus, valid: Valid, key: Key, line: Gray, engines: Engines
) -> Typed | None:
    """The comb's reading where its reads agree (or its class reads settle them), None
    where they do not: the caller reads it as before, for review."""
    score = agreement_score(vote, valid, key)
    text = key(vote.reading.text)
    k = letter_count(fd, len(text))
    if score is not None:
        out = as_typed(vote.reading, key, score)
        letters = _read(line, engines, UPPER)[:k] if k else ""
        if letters != text[:k]:
            out.score = min(out.score, LETTERS_DIFFER_CAP)
            out.messages.append(f"read as letters only: {letters!r}")
        return out
    backing = sum(valid(t) and key(t) == text for t in vote.texts)
    if not k or not valid(vote.reading.text) or backing < 2:
        return None
    # Two reads against one: the letters and the digits read alone decide.
    digits = _read(line, engines, DIGITS)
    if _read(line, engines, UPPER)[:k] + digits[-(len(text) - k) :] != text:
        return None
    agreed = Consensus(vote.reading, backing, backing, (vote.reading.text,) * backing)
    base = agreement_score(agreed, valid, key)
    if base is None:
        return None
    out = as_typed(vote.reading, key, base - SETTLED_COST)
    out.messages.append("reads settled by letters and digits read alone: " + " | ".join(vote.texts))
    return out


def repaired_cap(raw: str, fixed: str, cap: float) -> float:
    """The highest score of a read the pattern repaired: `cap`, or `MULTI_REPAIR_CAP`
    where more than one digit was made a letter (a member number's letters read "751"
    are not "TSI" because the pattern wants letters there; an "O" and a "B" among its
    digits are "0" and "8" on the fresh typed pages)."""
    letters = sum(a != b and b.isalpha() for a, b in zip(raw, fixed, strict=False))
    return cap if letters <= 1 else MULTI_REPAIR_CAP


def as_typed(r: Reading, key: Key, score: float) -> Typed:
    raw = "".join(r.text.split())
    text = key(r.text)
    confs = [c for c, ch in zip(r.char_confidences, r.text, strict=False) if ch.strip()]
    messages = []
    if text != raw:
        messages.append(f"repaired from {raw!r}")
        score = min(score, repaired_cap(raw, text, REPAIRED_AGREED_CAP))
    return Typed(text, confs, score, messages)


def letter_count(fd: FieldDef, n: int) -> int:
    """How many letters a pattern of letters then digits starts with; 0 for any other."""
    allowed = combdecode.position_charsets(fd.pattern, n) if fd.pattern else None
    if not allowed:
        return 0
    k = next((i for i, a in enumerate(allowed) if a != UPPER), n)
    return k if 0 < k < n and all(a == DIGITS for a in allowed[k:]) else 0


def _read(line: Gray, engines: Engines, charset: str) -> str:
    """The line (smoothed) read with `charset` alone allowed, spaces left out."""
    return "".join(engines.ocr.read_zone(pad(smooth(line)), charset=charset).text.split())


def is_bar(cell: Gray) -> bool:
    """Whether the cell's ink is one narrow solid vertical stroke (a sans-serif I)."""
    box = ink_bbox(cell)
    if box is None:
        return False
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    return w <= BAR_RATIO * h and float(ink_mask(cell)[y0:y1, x0:x1].mean()) >= BAR_FILL


def state_with_bars(vote: Consensus, cells: list[Gray]) -> Typed | None:
    """A typed state whose reads lost or doubled a lone I, read with the bar cells as
    I: each read of the comb's length with its bar positions made I, or of the other
    cells' count with I put in at the bars; None unless at least two reads give one
    state code that way and none another, a read has another letter at a bar than I or
    the letter before it, or no cell is a bar."""
    bars = [is_bar(c) for c in cells]
    if not any(bars) or all(bars):
        return None
    found: list[str] = []
    for read in vote.texts:
        t = "".join(read.split()).upper()
        if len(t) == len(cells):
            # At a bar, the read has an I or the letter before it again ("WW").
            if any(
                b and c != "I" and t[i - 1 : i] != c
                for i, (b, c) in enumerate(zip(bars, t, strict=True))
            ):
                return None
            found.append("".join("I" if b else c for b, c in zip(bars, t, strict=True)))
        elif len(t) == bars.count(False):
            rest = iter(t)
            found.append("".join("I" if b else next(rest) for b in bars))
    if len(found) < 2 or len(set(found)) != 1 or found[0] not in US_STATES:
        return None
    message = "a bare stroke read as I: " + " | ".join(vote.texts)
    return Typed(found[0], [BARS_SCORE] * len(cells), BARS_SCORE, [message])


def without_ghost(
    fd: FieldDef, vote: Consensus, n: int, line: Gray, engines: Engines
) -> Typed | None:
    """A letters-then-digits comb whose reads have one character too many: a letter
    just before the first digit that is that digit's look-alike ("WO0", "UB8"), dropped.
    None unless such a read is among them, at least two reads then give the one value
    the pattern has, none another, and the letters read alone agree (one more read)."""
    k = letter_count(fd, n)
    if not k or not fd.pattern:
        return None

    def ghost(read: str) -> str | None:
        t = "".join(read.split())
        return t[:k] + t[k + 1 :] if len(t) == n + 1 and TO_DIGIT.get(t[k]) == t[k + 1] else None

    ghosts = [g for g in map(ghost, vote.texts) if g is not None]

    def dropped(read: str) -> str | None:
        t = "".join(read.split())
        if ghost(t) is not None:
            return ghost(t)
        if len(t) == n and t[k] in TO_DIGIT and ghosts and ghosts[0][k] == TO_DIGIT[t[k]]:
            return t[:k] + TO_DIGIT[t[k]] + t[k + 1 :]  # the digit read as its letter alone
        return t if len(t) == n else None

    found = [t for t in map(dropped, vote.texts) if t is not None]
    if not ghosts or len(found) < 2 or len(set(found)) != 1:
        return None
    text = found[0]
    if to_pattern(text, fd.pattern) != (text, False) or dropped(vote.reading.text) != text:
        return None
    alone = any(
        len("".join(t.split())) == n and dropped(t) != "".join(t.split()) for t in vote.texts
    )
    if not alone and _read(line, engines, UPPER)[:k] != text[:k]:
        return None
    r = vote.reading
    confs = [c for c, ch in zip(r.char_confidences, r.text, strict=False) if ch.strip()]
    if len(confs) == n + 1:
        confs = confs[:k] + confs[k + 1 :]
    message = "a ghost of the first digit dropped: " + " | ".join(vote.texts)
    return Typed(text, confs, GHOST_ALONE_SCORE if alone else GHOST_SCORE, [message])


def lone_i(fd: FieldDef, text: str, score: float) -> tuple[float, str | None]:
    """The score of a typed letters-then-digits comb read with an I among its letters:
    at most `LONE_I_CAP`, with a note; any other as it was."""
    k = letter_count(fd, len(text))
    if not k or "I" not in text[:k] or score <= LONE_I_CAP:
        return score, None
    return LONE_I_CAP, f"a lone I among the letters {text[:k]!r}: J, F, L and T lose bars to it"
