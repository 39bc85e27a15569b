"""Hand-printed text lines read by Tesseract and the ICR: one value from the two reads.

The two engines err differently: Tesseract splits hand-printed words ("KORE AN"),
misreads digits ("N93" for "1193") and invents lower case; the ICR drops thin strokes
(a lone "I") and confuses M/W/N. Word by word (`align`), a word both read alike is
kept; a word the field's vocabulary explains (`lexicon.snap`) becomes that entry; a
number comes from the ICR; anything else is the two merged (`recognise.fuse`).

A line is confident only when every word is agreed: read alike by both engines, or
snapped to the same entry from both reads. Otherwise it goes to review, the doubtful
characters marked by a low character confidence.
"""

from __future__ import annotations

import re
from dataclasses import replace

from taskmaster.reading import handstreet, lexicon
from taskmaster.reading.handdose import UNITS, doses
from taskmaster.reading.handmail import address
from taskmaster.reading.handwords import (
    near_list,
    one_off,
    rejoined,
    snap_both,
    thin_extra,
    whole_both,
)
from taskmaster.reading.recognise import HAND_CAP, Recognised, fuse
from taskmaster.reading.result import PROPOSED as PROPOSED_NOTE

SNAP_AGREE = 0.93  # both engines' reads snap to one vocabulary entry (or agree word by word)
PROPOSED = 0.6  # a value only the two reads together point at: for a person to confirm
SNAP_ONE = 0.8  # one engine's read explains the entry: likely, but a person confirms
ACCEPT = 0.9  # the accept threshold a settled value must stay under
SURE_CHAR = 0.97
DOUBT_CHAR = 0.4
_LONG_NUMBER = 4  # glyphs of an ICR number that outvotes a Tesseract read of letters
_ICR_E = re.compile(r"(?<=[A-Z ])L-|^L-")  # the ICR's E in two pieces
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


def _word(ocr: str, icr: str, vocabulary: frozenset[str]) -> tuple[str, bool]:
    """One word from its two reads, and whether the engines agree on it; a comma or full
    stop after it is kept apart from the word (the ICR tells the two by shape)."""
    ocr_core, ocr_tail = _tail(ocr)
    icr_core, icr_tail = _tail(icr)
    if (ocr_tail or icr_tail) and (ocr_core or icr_core):
        word, ok = _word(ocr_core, icr_core, vocabulary)
        if ocr_tail and not icr_tail and len(icr_core) > len(ocr_core):
            return word, False  # Tesseract's "." is a glyph the ICR read ("398." / "3981")
        return word + (icr_tail or ocr_tail), ok and ocr_tail == icr_tail
    o, i = ocr.upper(), icr.upper()
    glued = _unglued(o, vocabulary) if o == i else None
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
    if i in UNITS and len(i) > 1 and o.isdigit():
        # The ICR's unit of a dose where Tesseract made digits of its glyphs ("10 76" /
        # "10 MG"): the ICR does not read a hand-printed number as a unit.
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


def _agreed(field_name: str, r: Recognised) -> Recognised:
    """A line both engines read alike: unchanged, but a word in no list and one glyph
    from a list word ("SUMOERS") goes to review, as that word where only one is so
    close; the engines share look-alike slips on the same ink."""
    spec = lexicon.for_field(field_name)
    if spec is None or spec[1] != "words":
        return r
    vocabulary = spec[0]
    words = r.text.split()
    doubt = [w.upper() not in vocabulary and near_list(w.upper(), vocabulary) for w in words]
    if not any(doubt):
        return r
    out = " ".join(
        (one_off(w.upper(), vocabulary) or w) if d else w for w, d in zip(words, doubt, strict=True)
    )
    return replace(
        r,
        text=out,
        confidence=min(r.confidence, SNAP_ONE),
        char_confidences=(),
        messages=[*r.messages, f"both read {r.text!r}, one glyph from a word of the list"],
    )


def _last(line: str) -> str:
    return line.split()[-1] if line.split() else ""


def _tail(word: str) -> tuple[str, str]:
    """The word and the comma or full stop that ends it."""
    core = word.rstrip(".,")
    return core, word[len(core) :][:1]


def _junk(word: str) -> bool:
    """Lower case or a symbol inside a hand-printed number: a misread, not the writing."""
    return any(c.islower() or not (c.isalnum() or c in "-/") for c in word)


def settle_typed(field_name: str, r: Recognised) -> Recognised:
    """A line only Tesseract read, not confidently (hand print it took for type, or
    lower case it reads in hand-printed capitals): moved onto the field's vocabulary
    where one entry explains it ("KORE AN" -> "KOREAN"), for a person to confirm."""
    spec = lexicon.for_field(field_name)
    text = " ".join(r.text.split())
    if spec is None or not text:
        return r
    vocabulary, mode = spec
    if mode == "words":
        split = [_unglued(w.upper(), vocabulary) or w for w in text.split()]
        if split != text.split():
            # A word gap lost ("EMMAKERR"): the two entries, for a person to confirm.
            out = " ".join(split)
            return replace(
                r,
                text=out,
                confidence=min(r.confidence, SNAP_ONE),
                char_confidences=(),
                messages=[*r.messages, f"split {text!r} into words of the field's list"],
            )
    if r.confidence >= ACCEPT:
        return r
    if mode == "whole":
        if text.upper() in vocabulary:
            return r
        s = lexicon.snap([text], vocabulary)
        out = s.entry if s is not None else text
    else:
        out = " ".join(_fix_word(w, vocabulary) for w in _join_split(text.split(), vocabulary))
    if out.upper() == text.upper():
        return r
    return replace(
        r,
        text=out,
        confidence=min(r.confidence, SNAP_ONE),
        char_confidences=(),
        messages=[*r.messages, f"matched {out!r} in the field's list"],
    )


def _fix_word(word: str, vocabulary: frozenset[str]) -> str:
    """A word of a line only Tesseract read, moved onto the vocabulary where it misses an
    entry narrowly ("SLVA") or holds a symbol no word has ("Mc&" -> "MCG"). Punctuation
    after the word is written, not misread: "CODEINE," keeps its comma."""
    core = word.rstrip(",;:")
    if core and core != word:
        return _fix_word(core, vocabulary) + word[len(core) :]
    miss = lexicon.near_miss(word, vocabulary)
    if miss:
        return miss
    if any(not (c.isalnum() or c in "'.-") for c in word) and not word.isdigit():
        s = lexicon.snap([word], vocabulary)
        if s is not None:
            return s.entry
    return word


def _unglued(word: str, vocabulary: frozenset[str]) -> str | None:
    """Two vocabulary entries read as one word, a word gap lost ("EMMAKERR" -> "EMMA
    KERR"), when exactly one split explains it; a house number glued to a word of the
    list ("5832N" -> "5832 N"); None otherwise."""
    number = re.fullmatch(r"(\d+)([A-Z]{1,2})", word.upper())
    if number and number.group(2) in vocabulary:
        return f"{number.group(1)} {number.group(2)}"
    if len(word) < 5 or word in vocabulary or not word.isalpha():
        return None
    splits = [
        f"{word[:k]} {word[k:]}"
        for k in range(2, len(word) - 1)
        if word[:k] in vocabulary and word[k:] in vocabulary
    ]
    return splits[0] if len(splits) == 1 else None


def _join_split(words: list[str], vocabulary: frozenset[str]) -> list[str]:
    """Neighbouring words joined where not both are words of the vocabulary and the
    two together are ("GLARG INE" -> "GLARGINE", "LAW RENCE" -> "LAWRENCE")."""
    out: list[str] = []
    for w in words:
        if (
            out
            and not (out[-1].upper() in vocabulary and w.upper() in vocabulary)
            and (out[-1] + w).upper() in vocabulary
        ):
            out[-1] = (out[-1] + w).upper()
        else:
            out.append(w)
    return out


def resolve(field_name: str, r: Recognised) -> Recognised:
    """The line `r` (a hand-print read by both engines, `r.reads`) settled word by word
    with the field's vocabulary; `r` unchanged when the engines agree already."""
    if len(r.reads) != 2:
        return settle_typed(field_name, r)
    ocr, icr = (" ".join(t.split()) for t in r.reads)
    if "@" not in icr and "-" not in ocr:
        # The ICR cuts a hand-printed E into an L and a stroke ("TWICL-", "BURML- SE");
        # a hyphen Tesseract read too is written ("HALL-SMITH").
        icr = _ICR_E.sub("E", icr)
    if ocr and ocr.upper() == icr.upper():
        return _agreed(field_name, r)
    if not ocr or not icr:
        return r
    if "@" in icr + ocr:
        return address(r, ocr, icr)
    spec = lexicon.for_field(field_name)
    vocabulary, mode = spec if spec else (frozenset(), "words")
    if mode == "whole":
        s = lexicon.snap([ocr, icr], vocabulary)
        if s is not None:
            both = s.near(0) and s.near(1)
            conf = SNAP_AGREE if both else min(max(r.confidence, SNAP_ONE), SNAP_ONE)
            return replace(
                r,
                text=s.entry,
                confidence=conf,
                char_confidences=(SURE_CHAR if both else DOUBT_CHAR,) * len(s.entry),
                messages=[*r.messages, f"matched {s.entry!r} in the field's list"],
            )
        whole = whole_both(ocr, icr, vocabulary)
        if whole is not None:
            # Neither read alone is near enough; the two together point at one entry.
            return replace(
                r,
                text=whole,
                confidence=min(r.confidence, PROPOSED),
                char_confidences=(DOUBT_CHAR,) * len(whole),
                messages=[*r.messages, f"{PROPOSED_NOTE}both reads nearest {whole!r} of the list"],
            )
    if mode == "words" and vocabulary:
        # A word either engine split ("DAVENP ORT") joined first, so the two reads align.
        ocr = " ".join(_join_split(ocr.split(), vocabulary))
        icr = " ".join(_join_split(icr.split(), vocabulary))
    # The ICR's "S MG" is "5 MG" before it meets Tesseract's "Ss W&" (never agreed).
    dosed = doses(icr.split(), vocabulary)
    undosed = dosed != icr.split()
    made = {d for d, w in zip(dosed, icr.split(), strict=True) if d != w}
    words = [
        (o, False) if o.isdigit() and i.isdigit() and i in made else _word(o, i, vocabulary)
        for o, i in align(ocr.split(), dosed)
    ]
    words = [(w, ok) for w, ok in words if w]
    words = [
        (_unglued(w.upper(), vocabulary) or w, ok) if vocabulary else (w, ok) for w, ok in words
    ]
    fixed = doses([w for w, _ in words], vocabulary)
    words = [(f, ok and f == w) for f, (w, ok) in zip(fixed, words, strict=True)]
    if vocabulary and mode == "words":
        joined = rejoined([w for w, _ in words], vocabulary)
        if len(joined) < len(words):
            words = [(w, False) for w in joined]
    if field_name in handstreet.FIELDS and words:
        last = handstreet.suffix([w for w, _ in words], _last(ocr), _last(icr))
        if last is not None and last != words[-1][0].upper():
            words[-1] = (last, False)
    text = " ".join(w for w, _ in words)
    chars: list[float] = []
    for k, (w, ok) in enumerate(words):
        if k:
            chars.append(SURE_CHAR)
        chars.extend([SURE_CHAR if ok else DOUBT_CHAR] * len(w))
    agreed = all(ok for _, ok in words) and not undosed
    conf = SNAP_AGREE if agreed else min(r.confidence, HAND_CAP)
    messages = list(r.messages)
    if text != r.text:
        messages.append(f"word by word: {text!r}")
    return replace(
        r,
        text=text,
        confidence=conf,
        char_confidences=tuple(chars),
        source="icr",
        messages=messages,
    )
