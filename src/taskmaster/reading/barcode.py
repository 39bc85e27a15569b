"""Barcode fields (the patient-ID label): the text of the Code 128 / QR code in the zone."""

from __future__ import annotations

import re
from collections.abc import Iterator

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import Barcode, Engines, Gray
from taskmaster.reading.consensus import smooth
from taskmaster.reading.result import FieldReading, empty
from taskmaster.reading.zones import crop, ink_ratio

# The label is stuck on by hand: it can sit well off its dashed box, so the zone grows.
_GROW = 60


def read(page: Gray, field: FieldDef, engines: Engines) -> FieldReading:
    """The decoded text; several codes that agree count as one, codes that disagree (or
    fail the field's pattern) go to review."""
    assert field.bbox is not None
    zone = crop(page, field.bbox, -_GROW)
    found = engines.barcode.read(zone, symbologies=tuple(field.symbology))
    if not found and field.symbology:
        # A label in an unexpected symbology is still worth a look by a person.
        other = engines.barcode.read(zone)
        if other:
            return _printed(zone, field, engines) or _reading(
                field, other, 0.5, [f"unexpected symbology {other[0].symbology}"]
            )
    if not found:
        if ink_ratio(crop(page, field.bbox, 8)) < 0.002:
            return empty(field.bbox, "barcode")
        return _printed(zone, field, engines) or FieldReading(
            value=None,
            raw=None,
            confidence=0.3,
            source="barcode",
            bbox=field.bbox,
            messages=["label present but no code decoded"],
        )
    reading = _reading(field, found, 0.99, [])
    if reading.confidence < 0.9:
        return _printed(zone, field, engines) or reading
    return reading


def _printed(zone: Gray, field: FieldDef, engines: Engines) -> FieldReading | None:
    """The label also prints its code as text (`MRN P12345678`): when the code itself
    cannot be decoded, read the print, for the person who checks it (never confident)."""
    assert field.bbox is not None
    if not field.pattern:
        return None
    bare = field.pattern.removeprefix("^").removesuffix("$")
    for text in _label_texts(zone, engines):
        hits = sorted(set(re.findall(bare, text.replace(" ", ""))))
        if len(hits) == 1:
            return FieldReading(
                value=hits[0],
                raw=text,
                confidence=0.6,
                source="ocr",
                bbox=field.bbox,
                messages=["code not decoded: read from the label's printed text"],
            )
    return None


def _label_texts(zone: Gray, engines: Engines) -> Iterator[str]:
    """The label's print, read as one block; then, where that finds no code, its words
    laid out by Tesseract on the zone smoothed (a fax's broken 1-bit glyphs, and the
    barcode's bars beside them, make the block read mostly noise)."""
    yield engines.ocr.read_zone(zone, multiline=True).text.upper()
    yield " ".join(w.text for w in engines.ocr.read_page(smooth(zone))).upper()


def _reading(
    field: FieldDef, found: list[Barcode], confidence: float, messages: list[str]
) -> FieldReading:
    assert field.bbox is not None
    texts = sorted({b.text for b in found})
    if len(texts) > 1:
        messages = [*messages, f"{len(texts)} different codes: {', '.join(texts)}"]
        confidence = min(confidence, 0.3)
    text = found[0].text
    if field.pattern and not re.fullmatch(field.pattern, text):
        messages = [*messages, "code does not match the field's pattern"]
        confidence = min(confidence, 0.5)
    return FieldReading(
        value=text,
        raw=text,
        confidence=confidence,
        source="barcode",
        bbox=field.bbox,
        messages=messages,
    )
