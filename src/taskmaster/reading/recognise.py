"""Machine print or hand print? Read a cleaned zone with the right engine.

Typed entries go to Tesseract; hand-printed ones to the ICR engine when there is one.
Tesseract is tried first because it is right almost always on typed text and says so;
on hand print its confidence is not to be trusted, so the decision that a zone is
machine print also needs the zone to *look* typed (`looks_typed`). A hand-printed
field must never come out confident and wrong: without ICR it is capped below the
accept threshold and goes to review.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from taskmaster.engines.base import Engines, Gray, Reading
from taskmaster.reading.consensus import Valid, read_typed

HAND_CAP = 0.6  # highest confidence a hand-printed reading gets without ICR
DISAGREE_CAP = 0.6  # highest confidence of a typed reading its other reads contradict
TYPED_MIN = 0.80  # Tesseract word confidence under which a zone is not trusted as typed
# Two reads of a typed line that agree, every character read at >= SURE_CHAR: about as
# likely right as one read Tesseract is sure of (fresh typed pages, seed 7401: 1 wrong in
# 176 such lines, 1 in 329 single sure reads), though Tesseract's word confidence, which
# counts a word's absence from its dictionary (an e-mail address, a drug), is lower.
SURE_CHAR = 0.8
AGREED = (0.90, 0.99)  # score of agreeing reads, from SURE_CHAR to all characters sure
# Said of a doubtful typed line (word confidence under TYPED_MIN) whose reads agree, every
# character sure: not enough alone ("Flyah" for "Elijah"), but another field may vouch
# for it (`crossfield.settle_email`: an e-mail address spelt from the patient's names).
AGREED_DOUBTFUL = "typed page: reads agree, every character sure, word confidence low"


@dataclass
class Recognised:
    """Text read from one zone and who read it."""

    text: str
    confidence: float
    source: str  # "ocr" | "icr"
    char_confidences: tuple[float, ...] = ()
    messages: list[str] = field(default_factory=list)
    typed: bool = True
    reads: tuple[str, ...] = ()  # hand print: (Tesseract's text, the ICR's text)
    agreed: float | None = None  # `agreed_score` of typed reads that agree (`agreement`)
    texts: tuple[str, ...] = ()  # every Tesseract read of the line's vote, in order


def recognise(
    zone: Gray,
    engines: Engines,
    *,
    charset: str | None,
    multiline: bool = False,
    valid: Valid | None = None,
    use_icr: bool = True,
    any_case: bool = False,
    typed_page: bool = False,
    icr_charset: str | None = None,
    agreement: Callable[[str], str] | None = None,
    confirm: Callable[[str], bool] | None = None,
) -> Recognised:
    """Read a cleaned zone (box lines erased) as machine print or hand print.

    `use_icr=False` where the ICR cannot read the field (it knows digits and capitals
    only). `any_case=True` where the field's vocabulary settles the value whatever its
    case: the ICR is asked even when Tesseract reads lower case. `icr_charset`: what the
    ICR reads instead of `charset` (an e-mail address: lower case and `@`).

    Machine print is read up to three times (`consensus.read_typed`); reads that do not
    agree cap the confidence at `DISAGREE_CAP`, so the field goes to review.

    `typed_page=True` where the rest of the page is machine print (`typed_page`): a
    doubtful Tesseract read that its other reads agree with is kept as Tesseract's, for
    review, instead of being merged with the ICR's reading of typed glyphs it was never
    trained on. With `agreement` too (text lines: the field's canonical form of a read),
    reads alike in that form ("X@GMAILCOM" and "x@gmail.com" for an e-mail address),
    the chosen one at >= `TYPED_MIN` and every character of it read surely, carry
    `agreed_score` in `agreed`: the caller scores the line by it when nothing else
    contradicts the read (the field's vocabulary), not by Tesseract's word confidence
    alone. A doubtful read (under `TYPED_MIN`) stays capped however its reads agree
    ("Flyah" for "Elijah" in every read of a phone photo). `confirm` says
    whether the field's vocabulary has a read (every word an entry): two reads of three
    alike that it has, where it has no other read, count as agreeing ("NEPHEW | NFPHEW |
    NEPHEW").
    """
    vote = read_typed(zone, engines, charset=charset, multiline=multiline, valid=valid)
    ocr = vote.reading
    alike = (
        typed_page
        and agreement is not None
        and len(vote.texts) >= 2
        and len({agreement(t) for t in vote.texts}) == 1
    )
    # Reads alike in the field's form ("x@gmailcom" and "x@gmail.com") are typed reads
    # too: the ICR would only merge in its reading of glyphs it never learnt.
    typed = (ocr.confidence >= TYPED_MIN or (typed_page and (vote.agreed or alike))) and bool(
        ocr.text.strip()
    )
    settled = (
        typed_page
        and not alike
        and agreement is not None
        and confirm is not None
        and vote.votes >= 2
        and settles(vote.texts, agreement(ocr.text), agreement, confirm)
    )
    if settled:
        alike = True
    if typed:
        out = _from(ocr, "ocr", typed=True)
        out.texts = vote.texts
        if alike and ocr.confidence >= TYPED_MIN:
            out.agreed = agreed_score(ocr.char_confidences)
        if ocr.confidence < TYPED_MIN:
            out.confidence = min(out.confidence, DISAGREE_CAP)
            out.messages.append("typed page: a doubtful read kept as Tesseract's")
            if alike and not settled and agreed_score(ocr.char_confidences) is not None:
                out.messages.append(AGREED_DOUBTFUL)
        if settled:
            out.messages.append("the field's list settles the reads: " + " | ".join(vote.texts))
        elif not vote.agreed and not alike:
            out.confidence = min(out.confidence, DISAGREE_CAP)
            out.messages.append("reads disagree: " + " | ".join(vote.texts))
        return out
    if (
        engines.icr is not None
        and use_icr
        and not multiline
        and charset
        and (any_case or not _mostly_lower(ocr.text))
    ):
        hand = _hand(
            ocr,
            engines.icr.read_line(zone, charset=icr_charset or charset),
            valid,
            digits_only=charset.isdigit(),
        )
        hand.texts = vote.texts
        return hand
    out = _from(ocr, "ocr", typed=False)
    out.texts = vote.texts
    out.confidence = min(out.confidence, HAND_CAP)
    out.messages.append("hand-print: low confidence")
    return out


def settles(
    texts: tuple[str, ...], chosen: str, same: Callable[[str], str], confirm: Callable[[str], bool]
) -> bool:
    """The field's vocabulary has the chosen read and none of the others."""
    return confirm(chosen) and not any(confirm(same(t)) for t in texts if same(t) != chosen)


def agreed_score(char_confidences: tuple[float, ...]) -> float | None:
    """The score of a typed line two reads agree on: from `AGREED[0]` where its least
    sure character is at `SURE_CHAR` to `AGREED[1]` where every character is certain;
    None where a character is less sure than that (the reads may share a misread)."""
    if not char_confidences or min(char_confidences) < SURE_CHAR:
        return None
    lo, hi = AGREED
    return float(np.interp(min(char_confidences), (SURE_CHAR, 1.0), (lo, hi)))


def _mostly_lower(text: str) -> bool:
    """Typed entries are often in mixed case; hand print on this form is block capitals
    (and the ICR reads no lower case), so a mostly lower-case read is machine print."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.islower() for c in letters) * 2 > len(letters)


def _hand(
    ocr: Reading, icr: Reading, valid: Valid | None = None, *, digits_only: bool = False
) -> Recognised:
    """Hand print read by both engines: confident only where they agree.

    On the intake samples neither is enough alone: the ICR's line segmentation drops
    thin strokes ("CHNESE" for "CHINESE" at 0.93) and Tesseract splits or misreads
    hand-printed letters, but the two rarely make the same mistake. Where they differ the
    value is the two merged (`fuse`) and goes to review.
    """
    ocr_conf = calibrate_ocr(ocr.confidence)
    if _norm(ocr.text) == _norm(icr.text) and ocr.text.strip():
        return Recognised(
            text=icr.text,
            confidence=max(ocr_conf, icr.confidence),
            source="icr",
            char_confidences=icr.char_confidences,
            typed=False,
            reads=(ocr.text, icr.text),
        )
    ok = valid or (lambda t: bool(t.strip()))
    if not ok(ocr.text) or (digits_only and ok(icr.text)):
        # The ICR reads hand-printed digits far better than Tesseract (99% a digit).
        text = icr.text if ok(icr.text) or not ocr.text.strip() else ocr.text
    elif not ok(icr.text):
        text = ocr.text
    else:
        text = fuse(ocr.text, icr.text)
    src = "icr" if text == icr.text else "ocr"
    return Recognised(
        text=text,
        confidence=min(max(ocr_conf, icr.confidence), HAND_CAP),
        source=src,
        typed=False,
        reads=(ocr.text, icr.text),
        messages=[f"hand-print: engines differ ({ocr.text!r} / {icr.text!r})"],
    )


def fuse(ocr: str, icr: str) -> str:
    """Tesseract's text with the ICR's letters where the two read the same number of
    characters differently; where one has characters the other lacks, Tesseract's side
    (the ICR drops thin strokes such as a lone "I")."""
    out: list[str] = []
    sm = difflib.SequenceMatcher(None, ocr.upper(), icr.upper(), autojunk=False)
    for tag, a0, a1, b0, b1 in sm.get_opcodes():
        same_len = a1 - a0 == b1 - b0
        out.append(icr[b0:b1] if tag == "replace" and same_len else ocr[a0:a1])
    return "".join(out)


def _norm(text: str) -> str:
    return " ".join(text.split()).upper()


# Tesseract's word confidence -> probability of a right field, fitted on the intake samples
# (bench/reading.py, 48 pages): fields read at 0.90-0.92 were wrong 3 times in 62 (a Q
# for an O, an 8 for a 6), at >= 0.92 never in 330. So 0.92 maps to the 0.9 threshold.
_OCR_CURVE = ((0.0, 0.0), (0.80, 0.70), (0.92, 0.90), (1.0, 0.99))


def calibrate_ocr(raw: float) -> float:
    """Calibrated confidence of a Tesseract reading from its raw word confidence."""
    xs, ys = zip(*_OCR_CURVE, strict=True)
    return float(np.interp(raw, xs, ys))


def _from(r: Reading, source: str, *, typed: bool) -> Recognised:
    conf = calibrate_ocr(r.confidence) if source == "ocr" else r.confidence
    return Recognised(
        text=r.text,
        confidence=conf,
        source=source,
        char_confidences=r.char_confidences,
        typed=typed,
    )
