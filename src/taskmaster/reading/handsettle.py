"""Hand-printed lines only Tesseract read (`handtext.resolve`): moved onto the field's
vocabulary where one entry explains them, for a person to confirm."""

from __future__ import annotations

from dataclasses import replace

from taskmaster.reading import lexicon
from taskmaster.reading.handwords import join_split, letters, one_off, unglued
from taskmaster.reading.recognise import Recognised
from taskmaster.reading.result import PROPOSED

SNAP_ONE = 0.8  # one engine's read explains the entry: likely, but a person confirms
ACCEPT = 0.9  # the accept threshold a settled value must stay under


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
        split = [unglued(w.upper(), vocabulary) or w for w in text.split()]
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
    guessed = False  # a rule's guess, not a near miss: a person confirms it (`PROPOSED`)
    if mode == "whole":
        if text.upper() in vocabulary:
            return r
        s = lexicon.snap([text], vocabulary)
        if s is None and letters(text) not in ("", text.upper()):
            # Symbols read as the letters they are drawn like ("W/ EE" -> WIEE -> WIFE).
            s = lexicon.snap([letters(text)], vocabulary)
            guessed = s is not None
        out = s.entry if s is not None else text
    else:
        words = join_split(text.split(), vocabulary)
        out = " ".join(_fix_word(w, vocabulary, guess=True) for w in words)
        guessed = out != " ".join(_fix_word(w, vocabulary, guess=False) for w in words)
    if out.upper() == text.upper():
        return r
    note = f"matched {out!r} in the field's list"
    return replace(
        r,
        text=out,
        confidence=min(r.confidence, SNAP_ONE),
        char_confidences=(),
        messages=[*r.messages, PROPOSED + note if guessed else note],
    )


def _fix_word(word: str, vocabulary: frozenset[str], *, guess: bool) -> str:
    """A word of a line only Tesseract read, moved onto the vocabulary where it misses an
    entry narrowly ("SLVA", "MPRK") or holds a symbol no word has ("Mc&" -> "MCG").
    Punctuation
    after the word is written, not misread: "CODEINE," keeps its comma. `guess`: also
    one glyph of any kind from the one entry of its length."""
    core = word.rstrip(",;:")
    if core and core != word:
        return _fix_word(core, vocabulary, guess=guess) + word[len(core) :]
    miss = lexicon.near_miss(word, vocabulary) or (guess and one_off(word.upper(), vocabulary))
    if miss:
        # One look-alike or thin stroke from one entry, or one glyph of any kind from
        # the one entry of its length ("MPRK" -> MARK).
        return miss
    if any(not (c.isalnum() or c in "'.-") for c in word) and not word.isdigit():
        s = lexicon.snap([word], vocabulary)
        if s is not None:
            return s.entry
    return word
