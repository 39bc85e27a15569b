"""Layout analysis on full-page OCR words: visual lines and blocks in reading order.

Tesseract's own line ids split a receipt row ("TOTAL" ... "9.00") into separate blocks
when the gap is wide, so rows are rebuilt here from the word boxes: words whose vertical
extents overlap enough belong to one row, read left to right. Rows then group into
blocks where the vertical gap to the next row is large compared with the text height.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from taskmaster.engines.base import BBox, Word

_SPACE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace to one space and trim (SROIE's comparison)."""
    return _SPACE.sub(" ", text).strip()


def union(boxes: list[BBox]) -> BBox:
    """The smallest box containing all `boxes`."""
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass(frozen=True)
class Line:
    """One visual row of words, left to right."""

    index: int
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bbox(self) -> BBox:
        return union([w.bbox for w in self.words])

    @property
    def confidence(self) -> float:
        """The lowest word confidence: one doubtful word makes the line doubtful."""
        return min(w.confidence for w in self.words)

    @property
    def height(self) -> int:
        return int(statistics.median(w.bbox[3] - w.bbox[1] for w in self.words))


@dataclass(frozen=True)
class Block:
    """Consecutive lines with no large vertical gap between them."""

    index: int
    lines: tuple[Line, ...]

    @property
    def bbox(self) -> BBox:
        return union([ln.bbox for ln in self.lines])


def _overlap(a: BBox, b: BBox) -> float:
    """Vertical overlap of two boxes as a share of the shorter one's height."""
    inter = min(a[3], b[3]) - max(a[1], b[1])
    shorter = max(1, min(a[3] - a[1], b[3] - b[1]))
    return inter / shorter


def group_lines(words: list[Word], min_overlap: float = 0.5) -> list[Line]:
    """Visual rows of `words`, top to bottom, each read left to right."""
    rows: list[list[Word]] = []
    boxes: list[BBox] = []
    for w in sorted(words, key=lambda w: ((w.bbox[1] + w.bbox[3]) / 2, w.bbox[0])):
        if not w.text.strip():
            continue
        # Compare with the last few rows only: rows are met in vertical order, and a
        # slightly skewed row may straddle its neighbour's centre.
        for i in range(len(rows) - 1, max(-1, len(rows) - 3), -1):
            if _overlap(boxes[i], w.bbox) >= min_overlap and not _collides(rows[i], w):
                rows[i].append(w)
                boxes[i] = union([boxes[i], w.bbox])
                break
        else:
            rows.append([w])
            boxes.append(w.bbox)
    order = sorted(range(len(rows)), key=lambda i: (boxes[i][1] + boxes[i][3]) / 2)
    return [Line(n, tuple(sorted(rows[i], key=lambda w: w.bbox[0]))) for n, i in enumerate(order)]


def _collides(row: list[Word], w: Word) -> bool:
    """A word horizontally on top of a word already in the row belongs to another row."""
    for o in row:
        inter = min(o.bbox[2], w.bbox[2]) - max(o.bbox[0], w.bbox[0])
        if inter > 0.5 * min(o.bbox[2] - o.bbox[0], w.bbox[2] - w.bbox[0]):
            return True
    return False


def group_blocks(lines: list[Line], gap: float = 1.2) -> list[Block]:
    """Blocks of lines: a vertical gap over `gap` text heights starts a new block."""
    blocks: list[list[Line]] = []
    prev: Line | None = None
    for ln in lines:
        if prev is None or ln.bbox[1] - prev.bbox[3] > gap * max(prev.height, ln.height):
            blocks.append([])
        blocks[-1].append(ln)
        prev = ln
    return [Block(i, tuple(b)) for i, b in enumerate(blocks)]


def reading_order(words: list[Word]) -> list[Word]:
    """`words` renumbered by visual line and block, in reading order (top-down rows)."""
    out: list[Word] = []
    for block in group_blocks(group_lines(words)):
        for ln in block.lines:
            out.extend(
                Word(w.text, w.bbox, w.confidence, line=ln.index, block=block.index)
                for w in ln.words
            )
    return out


def span_words(line: Line, start: int, end: int) -> tuple[Word, ...]:
    """The words of `line` that the character span [start, end) of `line.text` touches."""
    out: list[Word] = []
    pos = 0
    for w in line.words:
        w_end = pos + len(w.text)
        if pos < end and w_end > start:
            out.append(w)
        pos = w_end + 1
    return tuple(out)
