"""Single hand-printed words weighed against the field's list and the other engine's
read (`handtext`): how close a word both engines read alike is to the list, and whether
Tesseract's longer read of a number holds a stroke the ICR may have dropped."""

from __future__ import annotations

import difflib

from taskmaster.reading import lexicon

THIN_DIGITS = "1I|/"  # strokes the ICR's segmentation may drop from a number


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
