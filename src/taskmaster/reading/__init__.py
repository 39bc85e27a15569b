"""recognize, per field: one reader per field kind, all with the same signature.

    read_field(page, field, engines) -> FieldReading

`page` is the whole page, already registered into the page type's reference frame
(2550 x 3300 at 300 dpi for the intake form), greyscale, 0 = ink. Each reader crops its
own zone from the field map, picks the engine (OCR for machine print, ICR for hand
print, OMR for marks, barcode) and returns a canonical value with a calibrated
confidence: a reader that is unsure says so with a low confidence, so the field goes to
a person instead of through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import Engines, Gray
from taskmaster.reading import barcode, checkbox, comb, crossfield, date, signature, text
from taskmaster.reading.recognise import HAND_CAP
from taskmaster.reading.result import FieldReading

Reader = Callable[[Gray, FieldDef, Engines], FieldReading]

READERS: dict[str, Reader] = {
    "text": text.read,
    "comb": comb.read,
    "date": date.read,
    "checkbox": checkbox.read,
    "signature": signature.read,
    "barcode": barcode.read,
}


def read_field(page: Gray, field: FieldDef, engines: Engines) -> FieldReading:
    """Read one field of a registered page with the reader of its kind."""
    try:
        reader = READERS[field.kind]
    except KeyError:
        raise ValueError(
            f"no zonal reader for field kind {field.kind!r} (field {field.name!r})"
        ) from None
    return reader(page, field, engines)


def read_page(page: Gray, fields: Sequence[FieldDef], engines: Engines) -> dict[str, FieldReading]:
    """Every field of a registered page (`read_field`); on a typed page (`typed_page`)
    the text and date fields read as hand print read again as typed; then the fields
    that explain each other settled together (`crossfield.settle_page`: an e-mail
    address from the patient's names, the visit date and the signature's date from
    each other)."""
    readings = {f.name: read_field(page, f, engines) for f in fields}
    if typed_page(readings):
        # Typed fields Tesseract was unsure of went to the hand-print path, which merges
        # its read with the ICR's of glyphs it never learnt ("TWICEDAILY", "8089" for
        # "6099"): on a typed page they are read again as typed, for review. Every text
        # field is read again so (its zones' reads are remembered, `consensus`): on a
        # typed page, typed reads that agree are scored by their agreement (`recognise`).
        for f in fields:
            r = readings[f.name]
            if f.kind == "text":
                readings[f.name] = text.read(page, f, engines, typed_page=True)
            elif f.kind == "comb":
                # Read as typed, scored by its reads' agreement (the line's reads are
                # remembered: no second OCR), also where its glyphs did not look typed
                # (a J hanging below the line): the ICR never learnt typed glyphs.
                readings[f.name] = comb.read(page, f, engines, typed_page=True)
            elif f.kind == "date":
                # Read again as typed (Tesseract's agreed reads, not the ICR's date
                # decoding): the same date stands, scored by the typed reads' agreement;
                # another one is more often right (a typed "2024" the ICR settled as
                # "2021") but goes to review.
                again = date.read(page, f, engines, typed_page=True)
                if again.value == r.value:
                    readings[f.name] = again if again.confidence >= r.confidence else r
                elif _by_hand(r):
                    readings[f.name] = replace(
                        again,
                        confidence=min(again.confidence, HAND_CAP),
                        messages=[*again.messages, f"typed page: read {r.value!r} as hand print"],
                    )
    return crossfield.settle_page(readings)


TYPED_SHARE = 0.6  # of a page's read text, comb and date fields: a typed page (typed
# pages of the fresh bench 0.70-0.95, hand-printed ones 0.00-0.14)


def _by_hand(r: FieldReading) -> bool:
    return r.source == "icr" or any(m.startswith("hand-print") for m in r.messages)


def typed_page(readings: dict[str, FieldReading]) -> bool:
    """Whether the page is filled in by machine: at least `TYPED_SHARE` of its read
    text, comb and date fields came out as machine print. A form is filled in one way,
    on a keyboard or by pen; the page's other fields settle a doubtful one."""
    read = [r for r in readings.values() if r.value is not None and r.source in ("ocr", "icr")]
    if len(read) < 5:
        return False
    return sum(not _by_hand(r) for r in read) >= TYPED_SHARE * len(read)


__all__ = ["READERS", "FieldReading", "read_field", "read_page", "typed_page"]
