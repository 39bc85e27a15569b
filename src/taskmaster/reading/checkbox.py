"""Checkbox groups: single-choice enums, Yes/No rows and single boxes, through OMR.

`InkRatioOmr` is a plain ink-ratio `OmrEngine` kept here until the dedicated OMR engine
(`taskmaster.engines.omr`) is the default; the reader itself only talks to
`engines.omr`.
"""

from __future__ import annotations

import numpy as np

from taskmaster.apps.schema import FieldDef, Option
from taskmaster.engines.base import Engines, Gray, Mark, Reading
from taskmaster.reading.result import FieldReading
from taskmaster.reading.zones import crop, erase_lines, ink_ratio

BOX_MARGIN = 10  # px of paper around the printed square handed to the OMR engine
_LINE = 3       # printed box line thickness at 300 dpi
_SLACK = 5      # registration error we tolerate, px
_INNER = 3      # px left clear inside a found line (its blurred edge)


class InkRatioOmr:
    """`OmrEngine` by ink share inside the printed square (past its line).

    Thresholds from ENGINES.md and the intake samples: empty ~0, stray marks up to
    ~0.035, ticks from ~0.1; what falls between is "ambiguous" and goes to review.
    """

    name = "ink-ratio"
    empty_below = 0.03
    marked_above = 0.08

    def version(self) -> str:
        """Version of this heuristic."""
        return "1"

    def mark(self, box: Gray) -> Mark:
        """Classify one checkbox crop (printed square plus `BOX_MARGIN`)."""
        ink = ink_ratio(interior(box))
        if ink < self.empty_below:
            return Mark("empty", ink, _ramp(self.empty_below - ink, self.empty_below))
        if ink >= self.marked_above:
            return Mark("marked", ink, _ramp(ink - self.marked_above, self.marked_above))
        return Mark("ambiguous", ink, 0.3)

    def signature_present(self, zone: Gray) -> Reading:
        """'true' when the zone (above the signature line) holds ink beyond speckle."""
        ink = ink_ratio(erase_lines(zone))
        if ink > 0.004:
            return Reading("true", 0.99 if ink > 0.008 else 0.7, engine=self.name)
        if ink < 0.0015:
            return Reading("false", 0.98, engine=self.name)
        return Reading("false", 0.5, engine=self.name)


def interior(box: Gray) -> Gray:
    """The inside of the printed square in a checkbox crop, found from the square's own
    lines (rows/columns mostly ink) so that a few pixels of misregistration do not count
    the line as a mark; the nominal inset where a line is not found."""
    h, w = box.shape
    ink = box < 128
    nominal = BOX_MARGIN + _LINE + _SLACK

    def edges(profile: np.ndarray, size: int) -> tuple[int, int]:
        lines = np.flatnonzero(profile >= 0.6)
        first = [i for i in lines if i < size // 2]
        last = [i for i in lines if i >= size // 2]
        lo = first[-1] + 1 + _INNER if first else nominal
        hi = last[0] - _INNER if last else size - nominal
        return int(lo), int(hi)

    y0, y1 = edges(ink.mean(axis=1), h)
    x0, x1 = edges(ink.mean(axis=0), w)
    if y1 - y0 < 8 or x1 - x0 < 8:
        return crop(box, (0, 0, w, h), nominal)
    return crop(box, (x0, y0, x1, y1))


def _ramp(distance: float, scale: float) -> float:
    """0.6 at the threshold rising to 0.99 one `scale` away from it."""
    return min(0.99, 0.6 + 0.39 * min(1.0, distance / scale))


def option_box(page: Gray, option: Option) -> Gray:
    """The crop the OMR engine classifies: the printed square plus a margin."""
    return crop(page, option.bbox, -BOX_MARGIN)


def read(page: Gray, field: FieldDef, engines: Engines) -> FieldReading:
    """Read a checkbox field: enum -> option value, Yes/No -> True/False/None,
    single box -> True/False. Two marks in a single-choice group -> None, low
    confidence, "two boxes marked"."""
    assert field.bbox is not None
    marks = [(opt, engines.omr.mark(option_box(page, opt))) for opt in field.options]
    raw = "".join("X" if m.state == "marked" else "?" if m.state == "ambiguous" else "."
                  for _, m in marks)
    messages: list[str] = []
    confidence = min(m.confidence for _, m in marks)
    chosen = [opt for opt, m in marks if m.state == "marked"]
    unsure = [opt for opt, m in marks if m.state == "ambiguous"]
    if unsure:
        labels = ", ".join(o.label or str(o.value) for o in unsure)
        messages.append(f"unclear mark: {labels}")
        confidence = min(confidence, 0.4)

    value: object
    if len(field.options) == 1:  # a single box: marked or not
        # An unclear mark leans to "marked": the low confidence sends it to review anyway.
        value = bool(chosen or unsure)
    elif len(chosen) > 1:
        value = None
        confidence = min(confidence, 0.2)
        messages.append("two boxes marked")
    elif chosen:
        value = chosen[0].value
    else:
        value = None
    return FieldReading(value=value, raw=raw, confidence=round(confidence, 4), source="omr",
                        bbox=field.bbox, messages=messages)
