"""Single hand-printed words weighed against the field's list and the other engine's
read (`handtext`): how close a word both engines read alike is to the list, and whether
Tesseract's longer read of a number holds a stroke the ICR may have dropped."""

from __future__ import annotations

import difflib
import re

from taskmaster.reading import lexicon

THIN_DIGITS = "1I|/"  # strokes the ICR's segmentation may drop from a number
_BOTH_MARGIN = 1.0  # summed distance by which the entry nearest both reads must win
_WHOLE_MARGIN = 2.0  # summed distance by which a whole-value entry must win
_WHOLE_REACH = 0.4  # of the entry's length: how far its nearer read may be
_JOIN_COST = 0.5  # one look-alike glyph (`lexicon.distance`)


def near_list(word: str, vocabulary: frozenset[str]) -> bool:
    """Whether `word`, in no list, is one edit from an entry ("MMRIA" / "MARIA")."""
    if not vocabulary or word in vocabulary or not word.isalpha() or len(word) < 2:
        return False
    entries = tuple(e for e in vocabulary if abs(len(e) - len(word)) <= 1)
    return bool(entries) and float(lexicon.distances(word, entries).min()) <= 1.0


def one_off(word: str, vocabulary: frozenset[str]) -> str | None:
    """The one entry a word both engines read alike misses by one glyph of any kind
    ("JONGTHAN" -> "JONATHAN"), for review; None when none or several are that close."""
    if not vocabulary or word in vocabulary or not word.isalpha() or len(word) < 4:
        return None
    entries = tuple(e for e in vocabulary if len(e) == len(word))
    if not entries:
        return None
    d = lexicon.distances(word, entries)
    close = [e for e, x in zip(entries, d.tolist(), strict=True) if x <= 1.0]
    return close[0] if len(close) == 1 else None


def thin_extra(ocr: str, icr: str) -> bool:
    """Whether Tesseract's read has, beyond the ICR's, a thin stroke the ICR may have
    dropped (a "1")."""
    sm = difflib.SequenceMatcher(None, ocr.upper(), icr.upper(), autojunk=False)
    extra = "".join(
        ocr[a0:a1].upper() for tag, a0, a1, b0, b1 in sm.get_opcodes() if a1 - a0 > b1 - b0
    )
    return any(c in THIN_DIGITS for c in extra)


def snap_both(ocr: str, icr: str, vocabulary: frozenset[str]) -> str | None:
    """The entry both reads of a word are nearest to together, where each alone is
    nearer another ("DANY" / "DMILY": DAY and DAILY tie for the nearer read, DAILY is
    far the nearer to the two): the summed distance decides, by `_BOTH_MARGIN`; None
    when that is no clear call, or the entry is beyond tolerance of both reads."""
    if not vocabulary or any(c.isdigit() for c in ocr + icr):
        return None
    o, i = (letters(t) for t in (ocr, icr))
    if not (o and i):
        return None
    table = tuple(e for e in vocabulary if abs(len(e) - max(len(o), len(i))) <= 2)
    if len(table) < 2:
        return None
    total = lexicon.distances(o, table) + lexicon.distances(i, table)
    order = total.argsort()
    best, second = table[order[0]], float(total[order[1]])
    if second - float(total[order[0]]) < _BOTH_MARGIN:
        return None
    near = min(lexicon.distance(o, best), lexicon.distance(i, best))
    return best if near <= lexicon.tolerance(best) else None


def letters(word: str) -> str:
    """A hand-printed word's letters, its symbols read as the letters they are drawn like
    ("(ARTNEN" -> "CARTNEN", "M/CHELLE" -> "MICHELLE") or dropped ("ELI.TAH")."""
    return re.sub(r"[^A-Z]", "", word.upper().replace("(", "C").replace("/", "I"))


def rejoined(words: list[str], vocabulary: frozenset[str]) -> list[str]:
    """Two neighbouring words of a settled line, neither a word of the list, joined where
    together they are one look-alike from exactly one entry ("SER7 RALINE" ->
    "SERTRALINE"): a word gap a hand-printed word does not have."""
    out: list[str] = []
    for w in words:
        prev = out[-1].upper() if out else ""
        if prev and prev not in vocabulary and w.upper() not in vocabulary and len(prev + w) >= 6:
            s = lexicon.snap([prev + w.upper()], vocabulary)
            if s is not None and s.distances[0] <= _JOIN_COST:
                out[-1] = s.entry
                continue
        out.append(w)
    return out


def whole_both(ocr: str, icr: str, vocabulary: frozenset[str]) -> str | None:
    """The entry of a whole-value list (an insurer, a language) nearest both reads
    summed, spaces and symbols dropped ("ACT N&" / "METNG" -> AETNA, "COACH N" /
    "K.ORCAN" -> KOREAN), where it wins by `_WHOLE_MARGIN` and one read is within
    `_WHOLE_REACH` of its length; None otherwise."""
    a, b = (re.sub(r"[^A-Z0-9]", "", t.upper()) for t in (ocr, icr))
    if not (a and b and vocabulary):
        return None
    table = tuple(sorted(vocabulary))
    bare = tuple(e.replace(" ", "") for e in table)
    total = lexicon.distances(a, bare) + lexicon.distances(b, bare)
    order = total.argsort()
    if len(order) < 2 or float(total[order[1]] - total[order[0]]) < _WHOLE_MARGIN:
        return None
    k = int(order[0])
    near = min(lexicon.distance(a, bare[k]), lexicon.distance(b, bare[k]))
    return table[k] if near <= _WHOLE_REACH * len(bare[k]) else None


def unglued(word: str, vocabulary: frozenset[str]) -> str | None:
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


def join_split(words: list[str], vocabulary: frozenset[str]) -> list[str]:
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
