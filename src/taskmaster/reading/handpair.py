"""One word of a hand-printed line from its two reads (`handtext.resolve`).

The two engines err differently: Tesseract splits hand-printed words ("KORE AN"),
misreads digits ("N93" for "1193") and invents lower case; the ICR drops thin strokes
(a lone "I") and confuses M/W/N. The words of the two reads are paired (`align`), and
each pair settled (`word`): a word both read alike is kept; a word the field's
vocabulary explains (`lexicon.snap`) becomes that entry; a number comes from the ICR;
anything else is the two merged (`recognise.fuse`).
"""

from __future__ import annotations

from taskmaster.reading import lexicon
from taskmaster.reading.handdose import UNITS
from taskmaster.reading.handwords import near_list, one_off, snap_both, thin_extra, unglued
from taskmaster.reading.recognise import fuse

_LONG_NUMBER = 4  # glyphs of an ICR number that outvotes a Tesseract read of letters
_MERGE_COST = 0.3  # joining two words of one read to match one word of the other
_DIRECTIONS = frozenset("NSEW")  # a street's direction: a lone letter between two words


def align(a: list[str], b: list[str]) -> list[tuple[str, str]]:
    """Pair the words of two reads of one line, joining two or three words of one read
    where the other read has them as one ("KORE AN" / "KOREAN", "ALE TAM DRA" /
    "ALEJANDRA"); unpaired words pair with ""."""
    inf = float("inf")
    n, m = len(a), len(b)
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if cost[i][j] == inf:
                continue
            steps = [(1, 1), (2, 1), (1, 2), (3, 1), (1, 3), (1, 0), (0, 1)]
            for di, dj in steps:
                if i + di > n or j + dj > m:
                    continue
                wa, wb = "".join(a[i : i + di]), "".join(b[j : j + dj])
                if not wa or not wb:
                    c = float(len(wa) + len(wb))
                else:
                    c = lexicon.distance(wa, wb) + _MERGE_COST * (di + dj - 2)
                if cost[i][j] + c < cost[i + di][j + dj]:
                    cost[i + di][j + dj] = cost[i][j] + c
                    back[i + di][j + dj] = (di, dj)
    pairs: list[tuple[str, str]] = []
    i, j = n, m
    while i or j:
        di, dj = back[i][j]
        pairs.append(("".join(a[i - di : i]), "".join(b[j - dj : j])))
        i, j = i - di, j - dj
    return pairs[::-1]


def _numeric(word: str) -> bool:
    digits = sum(c.isdigit() for c in word)
    return digits > 0 and digits * 2 >= len(word)


def word(ocr: str, icr: str, vocabulary: frozenset[str]) -> tuple[str, bool]:
    """One word from its two reads, and whether the engines agree on it; a comma or full
    stop after it is kept apart from the word (the ICR tells the two by shape)."""
    ocr_core, ocr_tail = _tail(ocr)
    icr_core, icr_tail = _tail(icr)
    if (ocr_tail or icr_tail) and (ocr_core or icr_core):
        settled, ok = word(ocr_core, icr_core, vocabulary)
        if ocr_tail and not icr_tail and len(icr_core) > len(ocr_core):
            return settled, False  # Tesseract's "." is a glyph the ICR read ("398." / "3981")
        return settled + (icr_tail or ocr_tail), ok and ocr_tail == icr_tail
    o, i = ocr.upper(), icr.upper()
    glued = unglued(o, vocabulary) if o == i else None
    if glued:
        return glued, False
    if o == i:
        miss = lexicon.near_miss(o, vocabulary) or one_off(o, vocabulary)
        if miss:
            return miss, False
        # Both engines alike, but one glyph from words of the list: a person checks.
        return icr or ocr, not near_list(o, vocabulary)
    if not o:
        # A word only the ICR saw: a number Tesseract missed, a word of the list
        # (a street's "E"), or a mark taken for one.
        listed = i in vocabulary and (len(i) > 1 or i in _DIRECTIONS)
        return (icr if _numeric(icr) or listed else ""), False
    if not i:
        if vocabulary and len(o) <= 2 and o.isalpha() and o not in vocabulary:
            return "", False  # a stroke or speck Tesseract alone made a short word of
        if _junk(o) and not _numeric(o):
            return "", False  # lower case or symbols alone: a misread speck ("&", "0d")
        return ocr, False
    lone = len(i) == 1 and i in vocabulary and o not in vocabulary and len(o) <= 2
    if lone and (i in _DIRECTIONS or not any(c.isdigit() for c in o)):
        # A lone letter of the list (a street's "S") the ICR read as a letter and
        # Tesseract as a digit or symbol ("3", "5", "V/").
        return icr, False
    if vocabulary and not (o.isdigit() or i.isdigit()):
        s = lexicon.snap([ocr, icr], vocabulary)
        if s is not None:
            return s.entry, s.near(0) and s.near(1)
        both = snap_both(ocr, icr, vocabulary)
        if both is not None:
            return both, False
    if i in UNITS and o in UNITS:
        # Two units of a dose: the ICR's ("50 G" / "50 MG"), which reads hand print better.
        return icr, False
    if i in UNITS and len(i) > 1 and o.isdigit():
        # The ICR's unit of a dose where Tesseract made digits of its glyphs ("10 76" /
        # "10 MG"): the ICR does not read a hand-printed number as a unit.
        return icr, False
    if o.isdigit() and i.isalpha() and i in vocabulary and len(i) > 1:
        # A word of the list the ICR read where Tesseract made digits of it ("208" /
        # "ZOE"): the list has no numbers.
        return icr, False
    if o.isdigit() and not i.isdigit() and len(o) == len(i):
        # A number Tesseract read as one, where the ICR took a digit for a letter ("5D").
        return ocr, False
    if _numeric(icr) and (
        len(icr) >= len(ocr)
        or _junk(ocr)
        or not thin_extra(ocr, icr)
        or ((icr.isdigit() or len(icr) >= _LONG_NUMBER) and not _numeric(ocr))
    ):
        # The ICR reads hand-printed digits far better than Tesseract, unless it lost
        # a thin stroke (a "1") that Tesseract kept; not where Tesseract's read holds
        # lower case or symbols inside a number ("GReT672%73" / "GR6969243"), nor
        # where Tesseract's extra glyphs are no thin strokes ("55" / "5", "27714" /
        # "3714": Tesseract doubles hand-printed digits), nor where Tesseract's read
        # is mostly no digits at all ("/QO" / "10", "CRCZHNIF22" / "GR6947922": its
        # thin stroke is no evidence; a short read such as "S0" / "SO" excepted).
        return icr, False
    if any(c.islower() for c in ocr) and i.isalpha() and len(i) >= len(o):
        # Hand print on this form is in capitals: Tesseract's lower case is a misread.
        return icr, False
    return fuse(ocr, icr), False


def _tail(word: str) -> tuple[str, str]:
    """The word and the comma or full stop that ends it."""
    core = word.rstrip(".,")
    return core, word[len(core) :][:1]


def _junk(word: str) -> bool:
    """Lower case or a symbol inside a hand-printed number: a misread, not the writing."""
    return any(c.islower() or not (c.isalnum() or c in "-/") for c in word)
