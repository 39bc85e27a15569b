"""Barcode fields (the patient-ID label): the text of the Code 128 / QR code in the zone."""

from __future__ import annotations

import re
from collections import Counter

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import Barcode, Engines, Gray
from taskmaster.reading.consensus import smooth
from taskmaster.reading.result import FieldReading, empty
from taskmaster.reading.zones import crop, ink_ratio

# The label is stuck on by hand: it can sit well off its dashed box, so the zone grows.
_GROW = 60
# A code read from the label's print where the bars were not decoded. On 35 such labels
# of fresh typed pages (seeds 7901, 7911, 7914-7917) the code of a single read was
# wrong 10 of 19 times, accepted at 0.84; where two of three reads gave one code and
# no read another, 10 of 10 were right (two reads that agree but a third that gives
# another code: 5 right, 1 wrong, so not agreed).
PRINTED_AGREED = 0.6
PRINTED_ONE = 0.45  # under the fit's thresholds: a person checks it


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
    cannot be decoded, read the print three times (`_label_texts`) and take its code
    as `printed_code` finds it, for the person who checks it where it is not agreed."""
    assert field.bbox is not None
    if not field.pattern:
        return None
    found = printed_code(_label_texts(zone, engines), field.pattern)
    if found is None:
        return None
    value, raw, agreed = found
    message = "code not decoded: read from the label's printed text"
    return FieldReading(
        value=value,
        raw=raw,
        confidence=PRINTED_AGREED if agreed else PRINTED_ONE,
        source="ocr",
        bbox=field.bbox,
        messages=[message if agreed else message + ", its reads do not agree"],
    )


def printed_code(texts: list[str], pattern: str) -> tuple[str, str, bool] | None:
    """The code `pattern` finds in reads of a label's print, a read it came from, and
    whether it is agreed: given by two reads or more and no read giving another. A read
    that finds none or several codes gives none. The code most reads give is kept, the
    earlier read's on a tie; None where no read gives one code."""
    bare = pattern.removeprefix("^").removesuffix("$")
    codes = [sorted(set(re.findall(bare, t.replace(" ", "")))) for t in texts]
    picked = [(c[0], t) for c, t in zip(codes, texts, strict=True) if len(c) == 1]
    if not picked:
        return None
    counts = Counter(v for v, _ in picked)
    value, n = counts.most_common(1)[0]
    raw = next(t for v, t in picked if v == value)
    others = any(c and c != [value] for c in codes)
    return value, raw, n >= 2 and not others


def _label_texts(zone: Gray, engines: Engines) -> list[str]:
    """The label's print read three times: its words laid out by Tesseract on the zone
    smoothed (a fax's broken 1-bit glyphs, and the barcode's bars beside them, make a
    block read mostly noise), then as one block, smoothed and as it is."""
    soft = smooth(zone)
    return [
        " ".join(w.text for w in engines.ocr.read_page(soft)).upper(),
        engines.ocr.read_zone(soft, multiline=True).text.upper(),
        engines.ocr.read_zone(zone, multiline=True).text.upper(),
    ]


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
