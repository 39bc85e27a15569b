"""What onboarding finds on a blank form, before it is written out as an application.

A `Found` is one proposed field in reference pixels (300 dpi, origin top left) with how
sure its detector was; `naming` later gives it a label, a name and a type. A `FoundPage`
is one page of the blank: its reference image, its printed text lines and its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]
BBox = tuple[int, int, int, int]
Kind = Literal["text", "comb", "checkbox", "signature"]

SURE = 0.8  # a proposal the detector is less sure of than this is marked `unsure`


@dataclass(frozen=True)
class Text:
    """One printed text run (a line or part of one) with its box in reference pixels."""

    text: str
    bbox: BBox


@dataclass
class Option:
    """One box of a checkbox group: its export value, box and the text printed beside it."""

    value: str
    bbox: BBox
    label: str = ""


@dataclass
class Found:
    """A proposed field: where it is and what kind, not yet named."""

    kind: Kind
    bbox: BBox
    confidence: float = 1.0  # how sure the detector is that this is a field of this kind
    boxes: list[BBox] = field(default_factory=list)  # comb: one per character
    options: list[Option] = field(default_factory=list)  # checkbox: one per box
    lines: int = 1
    style: str | None = None  # text: "underline" when written on a rule (see drawing.style)
    pdf_name: str | None = None
    tooltip: str | None = None
    maxlen: int | None = None
    hint: str | None = None  # a date part's printed hint: "MM", "DD", "YYYY"
    notes: list[str] = field(default_factory=list)
    # filled in by naming
    label: str = ""
    name: str = ""
    type: str = "string"
    format: str | None = None


@dataclass
class FoundPage:
    """One page of the blank form."""

    number: int  # 1-based
    image: Gray  # the reference image, 300 dpi greyscale
    texts: list[Text]
    fields: list[Found] = field(default_factory=list)
    source: Literal["acroform", "drawing"] = "drawing"


def union(boxes: list[BBox]) -> BBox:
    """The smallest box holding all of `boxes`."""
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
