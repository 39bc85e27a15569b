"""The shape of a hand-printed line of a list field, used to settle what word-by-word
pairing (`handtext.resolve`) leaves malformed.

A medication line is a drug, a dose before its unit and how often ("METFORMIN 500 MG
TWICE DAILY"); a street address a house number, a direction, a name and a suffix ("518
S LAKE ST"); an allergy line words of its list. Where the line settled from both reads
is no such line ("CAPSULES MG AT NIGHT", "525%WAWLZT RD") and the ICR's read, its words
put onto the list, is one, the ICR's read is the proposal (`explained`). A medication
line's frequency is the phrase nearest all its reads together (`frequency`: "47 NIGHT"
/ "AT NIGHT" -> AT NIGHT), and a full stop after a word of the list or a number is a
speck, not writing (`dotless`). Nothing here makes a line sure: every line it changes
stays below the accept threshold, for a person to confirm. A name has no digits
(`no_digits`).
"""

from __future__ import annotations

import re

import numpy as np

from taskmaster.reading import handstreet, lexicon
from taskmaster.reading.handdose import UNITS, doses
from taskmaster.reading.handwords import join_split, one_off

STREET = "address_street"
MEDICATIONS = "medications"
FIELDS = frozenset({STREET, MEDICATIONS, "allergy_details"})
NAMES = frozenset({"first_name", "last_name", "emergency_name", "patient_name"})
FREQUENCIES = (
    "DAILY",
    "ONCE DAILY",
    "TWICE DAILY",
    "THREE TIMES DAILY",
    "FOUR TIMES DAILY",
    "AT NIGHT",
    "AT BEDTIME",
    "EVERY MORNING",
    "EVERY NIGHT",
    "IN THE MORNING",
    "AS NEEDED",
    "WEEKLY",
    "ONCE WEEKLY",
    "EVERY OTHER DAY",
)
_BARE = tuple(f.replace(" ", "") for f in FREQUENCIES)
FREQUENCY_MARGIN = 1.0  # summed distance by which the nearest phrase must beat the next
FREQUENCY_REACH = 0.35  # of the phrase's length: how far its nearest read may be
# A lone glyph where a street's direction stands, read as the direction it is drawn like
# ("992 C FLOOR RD": a hand E whose arms the scan lost).
DIRECTIONS = frozenset({"N", "S", "E", "W", "NE", "NW", "SE", "SW"})
_DIRECTION_LIKE = {"C": "E", "F": "E", "L": "E", "U": "W", "V": "W", "H": "N", "M": "N", "5": "S"}
_HOUSE = re.compile(r"^(\d{2,})\.(\d*)[^\d\s]?$")
_WORD_CORE = re.compile(r"^(.*?)([.,]*)$")


def frequency(words: list[str], ocr: str, icr: str) -> list[str]:
    """`words` (a settled medication line) with the words after its dose's unit put onto
    the frequency phrase nearest them and the two engines' reads of as many last words
    summed ("MG 47 NIGHT": Tesseract "47 NIGHT", the ICR "AT NIGHT"), where one phrase
    is a clear call within reach of the nearest read; unchanged otherwise."""
    k = _unit_at(words)
    if k is None or k + 1 >= len(words):
        return words
    tail = words[k + 1 :]
    if " ".join(tail).upper() in FREQUENCIES:
        return words
    reads = [_letters(" ".join(tail)), *(_letters(_after_unit(t, len(tail))) for t in (ocr, icr))]
    reads = [r for r in reads if r]
    total = np.sum([lexicon.distances(r, _BARE) for r in reads], axis=0)
    order = total.argsort()
    if float(total[order[1]] - total[order[0]]) < FREQUENCY_MARGIN:
        return words
    best = int(order[0])
    nearest = min(lexicon.distance(r, _BARE[best]) for r in reads)
    if nearest > FREQUENCY_REACH * len(_BARE[best]):
        return words
    return [*words[: k + 1], *FREQUENCIES[best].split()]


def dotless(words: list[str], vocabulary: frozenset[str]) -> list[str]:
    """Full stops after a word of the list or a number dropped ("SULFAMETHOXAZOLE. 50",
    "4484. N WAY CT", "ASPIRIN, CODEINE."): no entry of these lists ends in one."""
    out = []
    for w in words:
        core = w.rstrip(".")
        if core != w and (core.isdigit() or core.rstrip(",").upper() in vocabulary):
            out.append(core)
        else:
            out.append(w)
    return out


def no_digits(words: list[str]) -> list[str]:
    """A name's words without those made of digits alone ("MARY 4": a speck Tesseract
    alone read as a digit); unchanged where nothing else would be left."""
    kept = [w for w in words if not w.strip(".,").isdigit()]
    return kept if kept else words


def house_number(words: list[str]) -> list[str]:
    """A street line whose house number holds a full stop ("870.9 N PARKWAY CT") or
    ends in one and one glyph ("1151.I W THIRD LN"): its digits; a house number holds no
    full stop, and the glyph after a speck the ICR took for one is a stroke of it."""
    found = _HOUSE.match(words[0]) if words else None
    return [found.group(1) + found.group(2), *words[1:]] if found else words


def parses(field_name: str, words: list[str], vocabulary: frozenset[str]) -> bool:
    """Whether `words` are a well-formed line of the field: every word a word of its
    list or a number where numbers stand (a dose before its unit; a house number first,
    a suffix last)."""
    if not words:
        return False
    cores = [_core(w).upper() for w in words]
    if field_name == STREET:
        return (
            len(cores) >= 3
            and cores[0].isdigit()
            and cores[-1] in handstreet.SUFFIXES
            and all(c in vocabulary for c in cores[1:])
        )
    for k, c in enumerate(cores):
        if c.isdigit():
            if field_name != MEDICATIONS or k + 1 >= len(cores) or cores[k + 1] not in UNITS:
                return False
        elif c in UNITS:
            if field_name != MEDICATIONS or not k or not cores[k - 1].isdigit():
                return False
        elif c not in vocabulary:
            return False
    return True


def explained(
    field_name: str, words: list[str], ocr: str, icr: str, vocabulary: frozenset[str]
) -> list[str] | None:
    """The ICR's read of the line, its words put onto the field's list, where the line
    settled from both reads (`words`) does not parse and that read does, or is that
    line with a direction only the ICR read; None otherwise. The ICR reads hand print
    far better than Tesseract, whose read spoils a word-by-word merge
    ("VWETHOCARBAMOL @ ME" / "METHOCARBAMOL 10 MG")."""
    if field_name not in FIELDS:
        return None
    mine = fitted(field_name, icr.split(), ocr, vocabulary)
    if not parses(field_name, mine, vocabulary):
        return None
    if not parses(field_name, words, vocabulary):
        return mine
    if field_name == STREET and [mine[0], *mine[2:]] == words and mine[1] in DIRECTIONS:
        # A direction only the ICR read ("4148 C HWY ST" / "HI48 HWY 87").
        return mine
    return None


def fitted(field_name: str, words: list[str], ocr: str, vocabulary: frozenset[str]) -> list[str]:
    """One read's words put onto the field's list: a word split in two joined, a dose's
    look-alikes read as digits ("SO MG"), a word one glyph from one entry made that
    entry ("CAPSULF"), a street's lone glyph where its direction stands read as that
    direction, and its last word as the suffix both reads are nearest."""
    out = [w.upper() for w in join_split(words, vocabulary)]
    out = doses(out, vocabulary)
    out = [_fix(w, vocabulary) for w in out]
    if field_name == STREET and len(out) >= 3:
        if len(out) >= 4 and out[1] not in vocabulary:
            out[1] = _DIRECTION_LIKE.get(out[1], out[1])
        if out[-1] not in handstreet.SUFFIXES:
            last = handstreet.nearest_suffix([out[-1], *ocr.split()[-1:]])
            if last is not None:
                out[-1] = last
    return dotless(out, vocabulary)


def _fix(word: str, vocabulary: frozenset[str]) -> str:
    core, tail = _WORD_CORE.match(word).groups()  # type: ignore[union-attr]
    if not core or core in vocabulary or not core.isalpha():
        return word
    return (lexicon.near_miss(core, vocabulary) or one_off(core, vocabulary) or core) + tail


def _core(word: str) -> str:
    return word.rstrip(".,")


def _after_unit(read: str, n: int) -> str:
    """What follows the first word of `read` that is a unit or one glyph from one (the
    read's own frequency, however many words it made of it: "TWEET DAT LY"); its last
    `n` words where none is."""
    words = read.split()
    for k in range(1, len(words) - 1):
        w = words[k].upper()
        if len(w) <= 3 and any(lexicon.distance(w, u) <= 1.0 for u in UNITS if len(u) > 1):
            return " ".join(words[k + 1 :])
    return " ".join(words[-n:]) if len(words) > n else ""


def _unit_at(words: list[str]) -> int | None:
    """The index of the first unit of a dose (a unit after a number) in `words`."""
    for k in range(1, len(words)):
        if words[k].upper() in UNITS and words[k - 1].isdigit():
            return k
    return None


def _letters(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())
