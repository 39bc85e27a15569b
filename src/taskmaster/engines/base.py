"""The small interfaces every recognition engine implements.

Images passed to engines are numpy arrays: 2-D, dtype uint8, greyscale, 0 = black ink,
255 = white paper, already cropped to the zone of interest unless a method says it takes
a whole page. Engines never touch the database or the file system beyond their models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]
BBox = tuple[int, int, int, int]  # x0, y0, x1, y1 in page pixels


@dataclass(frozen=True)
class Reading:
    """What an engine read in one zone.

    `confidence` is in 0..1 and meant to be calibrated: of readings at 0.9, about nine
    in ten are right. `char_confidences` has one entry per character of `text` when the
    engine knows them (for highlighting doubtful characters in verify).
    """

    text: str
    confidence: float
    char_confidences: tuple[float, ...] = ()
    engine: str = ""
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Word:
    """One word of a full-page OCR, with its box in page pixels."""

    text: str
    bbox: BBox
    confidence: float
    line: int = 0  # index of the line in reading order
    block: int = 0  # index of the block in reading order


@dataclass(frozen=True)
class Barcode:
    """A decoded barcode."""

    text: str
    symbology: str  # "code128", "qrcode", "datamatrix", "pdf417", "ean13", ...
    bbox: BBox
    confidence: float = 1.0


MarkState = Literal["empty", "marked", "ambiguous"]


@dataclass(frozen=True)
class Mark:
    """The state of one checkbox, from OMR."""

    state: MarkState
    ink: float  # share of dark pixels inside the box, past its printed line
    confidence: float
    kind: str = ""  # "tick", "cross", "fill", "scribble", "crossed-out", ... when known


@runtime_checkable
class OcrEngine(Protocol):
    """Machine-print OCR."""

    name: str

    def version(self) -> str: ...

    def read_zone(
        self, image: Gray, *, charset: str | None = None, multiline: bool = False
    ) -> Reading:
        """Read the text in one field zone; `charset` restricts the characters."""
        ...

    def read_page(self, image: Gray) -> list[Word]:
        """Read a whole page into words with boxes, in reading order."""
        ...


@runtime_checkable
class IcrEngine(Protocol):
    """Hand-print recognition (digits and capital letters)."""

    name: str

    def version(self) -> str: ...

    def read_cells(self, cells: list[Gray], *, charset: str) -> Reading:
        """Read one character per cell image (comb fields); empty cells are skipped."""
        ...

    def read_line(self, image: Gray, *, charset: str) -> Reading:
        """Read a line of block capitals / digits written in an open box."""
        ...


@runtime_checkable
class BarcodeEngine(Protocol):
    """1-D and 2-D barcode reader."""

    name: str

    def version(self) -> str: ...

    def read(self, image: Gray, *, symbologies: tuple[str, ...] = ()) -> list[Barcode]: ...


@runtime_checkable
class OmrEngine(Protocol):
    """Checkbox and signature mark detection."""

    name: str

    def version(self) -> str: ...

    def mark(self, box: Gray) -> Mark:
        """Classify one checkbox crop (the printed square with a small margin)."""
        ...

    def signature_present(self, zone: Gray) -> Reading:
        """'true'/'false' with a confidence: is there a signature in the zone?"""
        ...


@dataclass
class Engines:
    """The engines one pipeline run uses, chosen once from the plugin registry."""

    ocr: OcrEngine
    barcode: BarcodeEngine
    omr: OmrEngine
    icr: IcrEngine | None = None
    extra: dict[str, object] = field(default_factory=dict)
