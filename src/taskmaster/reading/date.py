"""Date fields written on underlines as DD / MM / YYYY."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import Engines, Gray
from taskmaster.reading.recognise import recognise
from taskmaster.reading.result import FieldReading, empty
from taskmaster.reading.zones import despeckle, erase_lines, flat_crop, ink_ratio

EMPTY_INK = 0.004
_DIGITS = "0123456789"


def parts(page: Gray, field: FieldDef) -> list[Gray]:
    """The cleaned DD, MM, YYYY zones: above their underline, with a little headroom."""
    out = []
    for x0, y0, x1, y1 in field.parts:
        out.append(despeckle(erase_lines(flat_crop(page, (x0 - 4, y0 - 6, x1 + 4, y1 - 3)))))
    return out


def read(page: Gray, field: FieldDef, engines: Engines) -> FieldReading:
    """ISO date; an impossible date keeps the raw digits with a low confidence."""
    assert field.bbox is not None
    zones = parts(page, field)
    inked = [ink_ratio(z) >= EMPTY_INK for z in zones]
    if not any(inked):
        return empty(field.bbox, "ocr")
    if not all(inked):
        return FieldReading(value=None, raw=None, confidence=0.3, source="ocr", bbox=field.bbox,
                            messages=["date partly filled in"])
    # Each part on its own: side by side, Tesseract runs DD and MM together.
    reads = [recognise(z, engines, charset=_DIGITS, valid=_part_valid(n))
             for z, n in zip(zones, (2, 2, 4), strict=True)]
    groups = ["".join(r.text.split()) for r in reads]
    raw = "/".join(groups)
    messages = sorted({m for r in reads for m in r.messages})
    confidence = min(r.confidence for r in reads)
    source = "icr" if any(r.source == "icr" for r in reads) else "ocr"
    chars = tuple(c for r in reads for c in r.char_confidences)
    value: str | None = None
    lengths_ok = [len(g) for g in groups] in ([2, 2, 4], [1, 2, 4], [2, 1, 4], [1, 1, 4])
    if lengths_ok:
        try:
            value = dt.date(int(groups[2]), int(groups[1]), int(groups[0])).isoformat()
        except ValueError:
            messages.append(f"not a valid date: {raw}")
    else:
        messages.append(f"expected DD/MM/YYYY, read {raw!r}")
    if value is None:
        confidence = min(confidence, 0.3)
    elif len(groups[0]) < 2 or len(groups[1]) < 2:
        # The form asks for DD and MM: a lone digit more often means one was missed.
        confidence = min(confidence, 0.6)
        messages.append("one-digit day or month")
    return FieldReading(value=value, raw=raw, confidence=round(confidence, 4), source=source,
                        bbox=field.bbox, messages=messages,
                        char_confidences=chars if value and len(chars) == 8 else ())


def _part_valid(digits: int) -> Callable[[str], bool]:
    """The form asks for DD, MM and YYYY: a read with fewer digits missed one (Courier's
    "11" and "17" come out as one glyph), so it does not stop the reading early."""
    def valid(text: str) -> bool:
        t = "".join(text.split())
        return t.isdigit() and len(t) == digits
    return valid
