"""What a field reader returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from taskmaster.engines.base import BBox

# Confidence given to a zone with no ink at all: blank paper is the easiest call there is,
# but a very faint entry can hide under the speckle filter, so not 1.0.
EMPTY_CONFIDENCE = 0.97
# The start of the message of a value a rule proposed rather than read (taken from another
# field, or guessed between two reads): validate sends it to a person whatever a
# calibration fit says of its score. A fit learns from truth sets, and a generated one
# can make a rule look always right (its visit and signature dates are always one day;
# a real form's are not).
PROPOSED = "proposed, for a person to confirm: "


@dataclass
class FieldReading:
    """One field as read from its zone, before validation.

    `value` is canonical for the field's type (ISO date, 10-digit phone, option value,
    bool, text) or None when the field is empty; `raw` is what the engine recognised.
    `confidence` is calibrated on the intake samples: at >= 0.9 a value is right at
    least 99% of the time (see bench/reading.py).
    """

    value: object
    raw: str | None
    confidence: float
    source: str  # "ocr" | "icr" | "omr" | "barcode"
    bbox: BBox
    messages: list[str] = field(default_factory=list)
    char_confidences: tuple[float, ...] = ()
    # A typed page's line: every Tesseract read of it, in the field's canonical form
    # (`crossfield.settle_email` looks for the one its names make).
    reads: tuple[str, ...] = ()


def empty(bbox: BBox, source: str, value: object = None) -> FieldReading:
    """A field whose zone holds no ink."""
    return FieldReading(
        value=value, raw=None, confidence=EMPTY_CONFIDENCE, source=source, bbox=bbox
    )
