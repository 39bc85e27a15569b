"""Hand-printed text lines read by Tesseract and the ICR: one value from the two reads.

Word by word (`handpair`), the two engines' reads are paired and settled with the
field's vocabulary; a line only Tesseract read is settled by `handsettle`.

A line is confident only when every word is agreed: read alike by both engines, or
snapped to the same entry from both reads. Otherwise it goes to review, the doubtful
characters marked by a low character confidence.
"""

from __future__ import annotations

import re
from dataclasses import replace

from taskmaster.reading import handgrammar, handstreet, lexicon
from taskmaster.reading.handdose import doses, split_number
from taskmaster.reading.handmail import address
from taskmaster.reading.handpair import align, word
from taskmaster.reading.handsettle import ACCEPT, SNAP_ONE, settle_typed
from taskmaster.reading.handwords import (
    join_split,
    near_list,
    one_off,
    rejoined,
    unglued,
    whole_both,
)
from taskmaster.reading.recognise import HAND_CAP, Recognised
from taskmaster.reading.result import PROPOSED as PROPOSED_NOTE

SNAP_AGREE = 0.93  # both engines' reads snap to one vocabulary entry (or agree word by word)
PROPOSED = 0.6  # a value only the two reads together point at: for a person to confirm
SURE_CHAR = 0.97
DOUBT_CHAR = 0.4
_ICR_E = re.compile(r"(?<=[A-Z ])L-|^L-")  # the ICR's E in two pieces

__all__ = ["ACCEPT", "SNAP_AGREE", "SNAP_ONE", "align", "resolve", "settle_typed"]


def _agreed(field_name: str, r: Recognised) -> Recognised:
    """A line both engines read alike: unchanged, but a word in no list and one glyph
    from a list word ("SUMOERS") goes to review, as that word where only one is so
    close; the engines share look-alike slips on the same ink."""
    spec = lexicon.for_field(field_name)
    if spec is None:
        return r
    if spec[1] == "whole":
        return _agreed_whole(r, spec[0])
    vocabulary = spec[0]
    words = r.text.split()
    dosed = doses(words, vocabulary)
    if dosed != words:
        # Both engines read a dose's look-alikes alike ("NAPROXEN SO MG"): the number.
        return replace(
            r,
            text=" ".join(dosed),
            confidence=min(r.confidence, SNAP_ONE),
            char_confidences=(),
            messages=[*r.messages, f"{PROPOSED_NOTE}both read {r.text!r}, a dose's look-alikes"],
        )
    if handgrammar.dotless(words, vocabulary) != words:
        # A full stop both read after a word of the list: a speck or a habit, not the value.
        words = handgrammar.dotless(words, vocabulary)
        r = replace(r, text=" ".join(words), char_confidences=())
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


def _agreed_whole(r: Recognised, vocabulary: frozenset[str]) -> Recognised:
    """A whole-value line both engines read alike, in no list but near one entry
    ("SISTER INLA", its hyphens and a glyph lost alike): that entry, for review."""
    text = " ".join(r.text.split())
    if not text or text.upper() in vocabulary:
        return r
    s = lexicon.snap([text], vocabulary)
    if s is None:
        return r
    return replace(
        r,
        text=s.entry,
        confidence=min(r.confidence, SNAP_ONE),
        char_confidences=(),
        messages=[
            *r.messages,
            f"{PROPOSED_NOTE}both read {text!r}, nearest {s.entry!r} of the list",
        ],
    )


def _last(line: str) -> str:
    return line.split()[-1] if line.split() else ""


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
    spec = lexicon.for_field(field_name)
    if "@" in icr or ("@" in ocr and spec is None):
        # The ICR reads an '@' only in an e-mail field; Tesseract makes one of a
        # hand-printed "10" or "MG" on a list field's line ("GLIPRVE 1@ YIWG").
        return address(r, ocr, icr)
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
        ocr = " ".join(join_split(ocr.split(), vocabulary))
        icr = " ".join(join_split(icr.split(), vocabulary))
    # The ICR's "S MG" is "5 MG" before it meets Tesseract's "Ss W&" (never agreed).
    cut = split_number(icr.split())
    dosed = doses(cut, vocabulary)
    undosed = dosed != icr.split()
    icr = " ".join(cut)
    made = {d for d, w in zip(dosed, icr.split(), strict=True) if d != w}
    words = [
        (_dose(o, i), False)
        if o.isdigit() and i.isdigit() and i in made
        else word(o, i, vocabulary)
        for o, i in align(ocr.split(), dosed)
    ]
    words = [(w, ok) for w, ok in words if w]
    words = [
        (unglued(w.upper(), vocabulary) or w, ok) if vocabulary else (w, ok) for w, ok in words
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
    reshaped = words
    if vocabulary and mode == "words":
        reshaped = _reshaped(field_name, words, ocr, icr, vocabulary)
    guessed = [w for w, _ in reshaped] != [w for w, _ in words]
    words = reshaped
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
    if guessed:
        messages.append(f"{PROPOSED_NOTE}the line's shape ({field_name}): {text!r}")
    return replace(
        r,
        text=text,
        confidence=conf,
        char_confidences=tuple(chars),
        source="icr",
        messages=messages,
    )


def _dose(ocr: str, made: str) -> str:
    """A dose Tesseract read as digits where the ICR's look-alikes made a number: the
    ICR's where Tesseract's is its tail, a glyph lost ("0" / "SO" -> 50), else Tesseract's."""
    return made if len(made) > len(ocr) and made.endswith(ocr) else ocr


def _reshaped(
    field_name: str, words: list[tuple[str, bool]], ocr: str, icr: str, vocabulary: frozenset[str]
) -> list[tuple[str, bool]]:
    """The settled words put into the shape of the field's line (`handgrammar`): full
    stops after listed words dropped, a name's digits dropped, a medication's frequency,
    or the ICR's read where only it is a well-formed line. A word changed is no longer
    agreed."""
    settled = [w for w, _ in words]
    out = handgrammar.dotless(settled, vocabulary)
    if field_name in handgrammar.NAMES:
        out = handgrammar.no_digits(out)
    if field_name == handgrammar.STREET:
        out = handgrammar.house_number(out)
    if field_name == handgrammar.MEDICATIONS:
        out = handgrammar.frequency(out, ocr, icr)
    out = handgrammar.explained(field_name, out, ocr, icr, vocabulary) or out
    if out == settled:
        return words
    if len(out) != len(settled):
        return [(w, False) for w in out]
    return [(w, ok and w == s) for w, (s, ok) in zip(out, words, strict=True)]
