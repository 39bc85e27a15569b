"""Machine print or hand print? Read a cleaned zone with the right engine.

Typed entries go to Tesseract; hand-printed ones to the ICR engine when there is one.
Tesseract is tried first because it is right almost always on typed text and says so;
on hand print its confidence is not to be trusted, so the decision that a zone is
machine print also needs the zone to *look* typed (`looks_typed`). A hand-printed
field must never come out confident and wrong: without ICR it is capped below the
accept threshold and goes to review.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from taskmaster.engines.base import Engines, Gray, Reading
from taskmaster.reading.consensus import Valid, read_typed

HAND_CAP = 0.6  # highest confidence a hand-printed reading gets without ICR
DISAGREE_CAP = 0.6  # highest confidence of a typed reading its other reads contradict
TYPED_MIN = 0.80  # Tesseract word confidence under which a zone is not trusted as typed


@dataclass
class Recognised:
    """Text read from one zone and who read it."""

    text: str
    confidence: float
    source: str  # "ocr" | "icr"
    char_confidences: tuple[float, ...] = ()
    messages: list[str] = field(default_factory=list)
    typed: bool = True


def recognise(zone: Gray, engines: Engines, *, charset: str | None,
              multiline: bool = False, valid: Valid | None = None) -> Recognised:
    """Read a cleaned zone (box lines erased) as machine print or hand print.

    Machine print is read up to three times (`consensus.read_typed`); reads that do not
    agree cap the confidence at `DISAGREE_CAP`, so the field goes to review.
    """
    vote = read_typed(zone, engines, charset=charset, multiline=multiline, valid=valid)
    ocr = vote.reading
    typed = ocr.confidence >= TYPED_MIN and bool(ocr.text.strip())
    if typed:
        out = _from(ocr, "ocr", typed=True)
        if not vote.agreed:
            out.confidence = min(out.confidence, DISAGREE_CAP)
            out.messages.append("reads disagree: " + " | ".join(vote.texts))
        return out
    if engines.icr is not None and not multiline and charset:
        icr = engines.icr.read_line(zone, charset=charset)
        return _from(icr, "icr", typed=False)
    out = _from(ocr, "ocr", typed=False)
    out.confidence = min(out.confidence, HAND_CAP)
    out.messages.append("hand-print: low confidence")
    return out


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
    return Recognised(text=r.text, confidence=conf, source=source,
                      char_confidences=r.char_confidences, typed=typed)
