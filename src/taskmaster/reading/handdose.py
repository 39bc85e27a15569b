"""Doses on hand-printed medication lines: a number before a unit of measure, and the
unit after a number, from their hand-print look-alikes (`handtext` settles each line
with them)."""

from __future__ import annotations

from taskmaster.reading import lexicon, repair

UNITS = frozenset({"MG", "MCG", "ML", "G", "IU", "UNITS", "MEQ"})
_CONFUSED_ONE = 0.5  # one hand-print look-alike (`lexicon.distance`)
# The typed look-alikes, but a hand-printed J is not a 3.
_AS_DIGIT = {k: v for k, v in repair.TO_DIGIT.items() if k != "J"}


def doses(words: list[str], vocabulary: frozenset[str] = frozenset()) -> list[str]:
    """A word before a unit of measure ("S MG", "IO ML") is a number: hand-print
    look-alikes of digits put back ("5 MG", "10 ML"); a word after a number one
    look-alike from a unit is that unit ("50 M6" -> "50 MG"), and so is one that ends
    like a unit with any one glyph before ("20 OG"), unless it is a word of the
    field's `vocabulary` ("9808 FL CT"); other words unchanged."""
    out = list(words)
    for k in range(1, len(out)):
        w = out[k].upper()
        if any(c.isdigit() for c in w) and _dose_like(out[k - 1].upper()) and w not in UNITS:
            # "SO M6": a digit inside makes it no word, a dose's look-alike before it.
            near = [u for u in UNITS if lexicon.distance(w, u) <= _CONFUSED_ONE]
            if len(near) == 1:
                out[k] = near[0]
    for k in range(len(out) - 1):
        w = out[k].upper()
        if (
            out[k + 1].upper() in UNITS
            and not w.isdigit()
            and len(w) <= 4
            and all(c.isdigit() or c in _AS_DIGIT for c in w)
        ):
            out[k] = "".join(_AS_DIGIT.get(c, c) for c in w)
    for k in range(1, len(out)):
        w = out[k].upper()
        if out[k - 1].isdigit() and w not in UNITS and 1 < len(w) <= 3:
            # After a dose, a unit's look-alike is the unit ("50 M6" -> "50 MG").
            near = [u for u in UNITS if lexicon.distance(w, u) <= _CONFUSED_ONE]
            if not near and w not in vocabulary:
                # One glyph wrong whatever it is ("20 OG"), where one unit of that
                # length alone is so close.
                near = [
                    u
                    for u in UNITS
                    if len(u) == len(w) and u[-1] == w[-1] and lexicon.distance(w, u) <= 1
                ]
            if len(near) == 1:
                out[k] = near[0]
    return out


def _dose_like(word: str) -> bool:
    """A word that may be a hand-printed dose: digits and their look-alikes."""
    return 0 < len(word) <= 4 and all(c.isdigit() or c in _AS_DIGIT for c in word)


def split_number(words: list[str]) -> list[str]:
    """Two short dose-like words before a unit joined ("S 0 MG" -> "S0 MG"): the ICR
    cuts a hand-printed number in two; `doses` then reads the look-alikes as digits."""
    out = list(words)
    for k in range(len(out) - 2, 0, -1):
        a, b = out[k - 1].upper(), out[k].upper()
        if (
            out[k + 1].upper() in UNITS
            and len(a) == len(b) == 1
            and _dose_like(a)
            and _dose_like(b)
            and (a.isdigit() or b.isdigit())
        ):
            out[k - 1 : k + 1] = [a + b]
    return out
