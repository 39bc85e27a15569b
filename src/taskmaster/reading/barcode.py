"""Barcode fields (the patient-ID label): the text of the Code 128 / QR code in the zone."""

from __future__ import annotations

import re
from collections import Counter

import cv2
import numpy as np

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.barcode import normalise_symbology
from taskmaster.engines.base import Barcode, Engines, Gray
from taskmaster.reading.barprofile import profile_codes
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
# A Code 128 fitted to its bars' ink profile (`barprofile`) that a read of the printed
# text gives too: two sources that fail in unrelated ways agree on every character. On
# 30 faxed labels zxing-cpp decoded nothing of (fresh typed seeds 8801-8802, 8901-8903)
# the fit gave 26 right codes, one wrong (not firm, no read of the print gave it).
FITTED_CONFIRMED = 0.95
CONFLICT = 0.3  # the fitted code and the agreed print differ
ENLARGE = 1.5  # the print read once more at this scale to confirm a fitted code


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
    as `printed_code` finds it, for the person who checks it where it is not agreed.
    A Code 128 fitted to the bars' ink profile (`_fitted`) that a read of the print
    gives too is taken at `FITTED_CONFIRMED`."""
    assert field.bbox is not None
    if not field.pattern:
        return None
    texts = _label_texts(zone, engines)
    fitted = _fitted(zone, field)
    found = printed_code(texts, field.pattern)
    if fitted is not None:
        code, firm = fitted
        slack = 1 if firm else 0
        if any(confirms(code, t, slack=slack) for t in texts) or confirms(
            code, _enlarged_text(zone, engines), slack=slack
        ):
            return _found(
                field,
                code,
                FITTED_CONFIRMED,
                "code fitted to its bars' ink profile; the printed text reads the same",
            )
        if firm and found is not None and found[2] and found[0] != code:
            return _found(
                field,
                code,
                CONFLICT,
                f"code fitted to its bars' ink profile; the printed text reads {found[0]}",
            )
        if firm:
            return _found(
                field,
                code,
                PRINTED_ONE,
                "code fitted to its bars' ink profile; no read of the printed text gives it",
            )
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


def _fitted(zone: Gray, field: FieldDef) -> tuple[str, bool] | None:
    """The best Code 128 fitted to the zone's bars that matches the field's pattern, and
    whether it is firm (`barprofile.profile_codes`); None for a field that takes no
    Code 128 or where no fit matches."""
    assert field.pattern
    if field.symbology and "code128" not in {normalise_symbology(s) for s in field.symbology}:
        return None
    return next(
        ((c, firm) for c, firm in profile_codes(zone) if re.fullmatch(field.pattern, c)), None
    )


# A fax's broken digits, as Tesseract reads them: the letter stands for the digit.
_DIGIT_LOOKS = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "I": "1",
    "L": "1",
    "|": "1",
    "Z": "2",
    "A": "4",
    "S": "5",
    "G": "6",
    "T": "7",
    "B": "8",
}


def confirms(code: str, text: str, *, slack: int) -> bool:
    """Whether a read of the label's print gives `code`: somewhere in it (spaces
    dropped) a run that starts like `code` and spells it, a letter read for a digit
    counting as that digit where `code` has one, with at most `slack` characters
    missing, extra or misread. A firm fit (a checksum that held with every symbol its
    slot's best) takes one such slip; a read of the print alone never counts, so a
    code two sources do not both give stays held."""
    text = text.replace(" ", "").upper()
    for i in (i for i, ch in enumerate(text) if ch == code[0]):
        for n in range(len(code) - slack, len(code) + slack + 1):
            if _distance(code, text[i : i + n]) <= slack:
                return True
    return False


def _distance(code: str, read: str) -> int:
    """Edit distance of `read` to `code`, a digit's look-alike letter matching it."""
    row = list(range(len(read) + 1))
    for i, want in enumerate(code, 1):
        prev, row[0] = row[0], i
        for j, got in enumerate(read, 1):
            same = got == want or (want.isdigit() and _DIGIT_LOOKS.get(got) == want)
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (0 if same else 1))
    return row[-1]


def _codes(text: str, pattern: str) -> list[str]:
    """The codes `pattern` finds in a read of the label's print (spaces dropped), each
    a whole run of digits: a read with a digit too many (`P535389391` for `P53538991`)
    gives none, not the code its first digits spell."""
    bare = pattern.removeprefix("^").removesuffix("$")
    return re.findall(rf"(?:{bare})(?!\d)", text.replace(" ", ""))


def _found(field: FieldDef, value: str, confidence: float, message: str) -> FieldReading:
    """A fitted code's reading. Its source is "ocr" as for a code read from the print
    alone: the print was read either way, and `typed_page` counts it as before."""
    assert field.bbox is not None
    return FieldReading(
        value=value,
        raw=value,
        confidence=confidence,
        source="ocr",
        bbox=field.bbox,
        messages=[message],
    )


def printed_code(texts: list[str], pattern: str) -> tuple[str, str, bool] | None:
    """The code `pattern` finds in reads of a label's print, a read it came from, and
    whether it is agreed: given by two reads or more and no read giving another. A read
    that finds none or several codes gives none. The code most reads give is kept, the
    earlier read's on a tie; None where no read gives one code."""
    codes = [sorted(set(_codes(t, pattern))) for t in texts]
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


def _enlarged_text(zone: Gray, engines: Engines) -> str:
    """The label's print read once more, its words laid out on the zone enlarged by
    half and smoothed: only to confirm a fitted code the three reads did not give (a
    fax's broken digits read whole at another size: `P50390129`, `P56921932` on fresh
    faxes where the reads at the zone's size gave `PSPA00120` or no code)."""
    big = np.asarray(
        cv2.resize(zone, None, fx=ENLARGE, fy=ENLARGE, interpolation=cv2.INTER_CUBIC), np.uint8
    )
    return " ".join(w.text for w in engines.ocr.read_page(smooth(big))).upper()


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
