"""Checkbox groups: single-choice enums, Yes/No rows and single boxes, through OMR.

The reader only talks to `engines.omr` (the built-in one is `taskmaster.engines.omr`).
"""

from __future__ import annotations

from taskmaster.apps.schema import FieldDef, Option
from taskmaster.engines.base import Engines, Gray
from taskmaster.reading.result import FieldReading
from taskmaster.reading.zones import crop

BOX_MARGIN = 10  # px of paper around the printed square handed to the OMR engine


def option_box(page: Gray, option: Option) -> Gray:
    """The crop the OMR engine classifies: the printed square plus a margin."""
    return crop(page, option.bbox, -BOX_MARGIN)


def read(page: Gray, field: FieldDef, engines: Engines) -> FieldReading:
    """Read a checkbox field: enum -> option value, Yes/No -> True/False/None,
    single box -> True/False. Two marks in a single-choice group -> None, low
    confidence, "two boxes marked"."""
    assert field.bbox is not None
    marks = [(opt, engines.omr.mark(option_box(page, opt))) for opt in field.options]
    raw = "".join(
        "X" if m.state == "marked" else "?" if m.state == "ambiguous" else "." for _, m in marks
    )
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
    return FieldReading(
        value=value,
        raw=raw,
        confidence=round(confidence, 4),
        source="omr",
        bbox=field.bbox,
        messages=messages,
    )
