"""The drawing of a form page: its rules and the cells they close.

Ink is found after the paper is levelled (`reading.zones.flatten`), so grey or
unevenly lit paper and light shading do not count; fax speckle is too small to survive
the line filters. Rules are ink runs at least `MIN_SIDE` px long and thin; a cell is a
patch of paper closed on all sides by rules (a checkbox, a comb cell, a box).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from taskmaster.apps.onboard.model import BBox, Gray
from taskmaster.reading.zones import flatten

INK = 150  # darker than this, after levelling, is ink
MIN_SIDE = 25  # px: a drawn side at least this long (a checkbox is 30-40 px at 300 dpi)
MIN_RULE = 80  # px: a horizontal rule one could write on
MAX_THICK = 8  # px: thicker than this is a bar or a shaded block, not a rule
MIN_SPECK = 12  # px: ink blobs smaller than this are speckle
ERASE_MIN = 60  # px: a rule this long is no letter's stroke
TEXT_SPECK = 30  # px: a smaller blob is a dot of a letter, punctuation or noise
SPECKLED = 0.005  # share of small blobs in a window above which they are noise
CheckKind = Literal["checkbox", "comb", "box", "other"]


@dataclass
class Cell:
    """Paper closed on all sides by rules; `bbox` is the paper inside the lines."""

    bbox: BBox
    kind: CheckKind = "other"
    confidence: float = 0.9

    @property
    def w(self) -> int:
        return self.bbox[2] - self.bbox[0]

    @property
    def h(self) -> int:
        return self.bbox[3] - self.bbox[1]


@dataclass(frozen=True)
class Rule:
    """A horizontal rule (part of one, between the vertical lines standing on it)."""

    x0: int
    x1: int
    y: int


@dataclass
class Drawing:
    """Rules, cells and comb runs of one page, and its ink for free-space questions."""

    ink: npt.NDArray[np.bool_]
    lines: npt.NDArray[np.bool_]  # ink of the rules and box sides
    cells: list[Cell] = field(default_factory=list)
    combs: list[list[Cell]] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    def text_only(self) -> Gray:
        """The page's ink without its rules and box sides, black on white, speckle and
        shading gone: what OCR reads the labels from."""
        grown = cv2.dilate(self.lines.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        ink = np.asarray(self.ink & ~grown, np.uint8)
        letters = _despeckle(ink, TEXT_SPECK)
        # i-dots and commas are small too: small blobs are dropped only where they are
        # many (a dithered shading), measured over a window a few letters wide
        small = ink & (1 - letters)
        crowded = cv2.blur(small.astype(np.float32), (101, 101)) > SPECKLED
        text = letters | (small & ~crowded)
        out = np.full(self.ink.shape, 255, np.uint8)
        out[text > 0] = 0
        return out

    def free_above(self, x0: int, x1: int, y: int, limit: int = 400) -> int:
        """Px of paper above row `y` (past the rule's own thickness) over columns x0..x1."""
        top = max(0, y - limit)
        band = self.ink[top : max(top, y - MAX_THICK // 2 - 2), max(0, x0) : max(x0 + 1, x1)]
        rows = np.flatnonzero(band.any(axis=1))
        start = y - MAX_THICK // 2 - 2
        return start - (top + int(rows[-1]) + 1) if rows.size else start - top


def text_style(image: Gray, bbox: BBox) -> str:
    """How a text field's zone is cut: "underline" when the field is written on a rule
    (its bottom edge) with clear paper just above it, so the zone keeps the descenders
    that reach down to the rule (a comma cut short reads as a full stop); "box" else."""
    x0, y0, x1, y1 = bbox
    dark = np.asarray(image[max(0, y0 - 7) : y1 + 6, x0:x1] < 128)
    if dark.size == 0 or x1 - x0 < 20:
        return "box"
    above = dark[: min(7, y0)].mean() if y0 > 0 else 0.0
    rule = dark[-11:].mean(axis=1).max()
    return "underline" if rule >= 0.6 and above < 0.005 else "box"


def analyse(image: Gray) -> Drawing:
    """Find the rules and cells of a page at 300 dpi."""
    # The median takes out dither: shading a fax turned into dots, salt noise.
    ink = np.asarray(cv2.medianBlur(flatten(image), 3) < INK, np.uint8)
    ink = _despeckle(ink)
    solid = _open(ink, (15, 15))  # black bars and blocks: headings, not rules
    horiz = _open(ink, (MIN_SIDE, 1)) & (1 - solid)
    vert = _open(ink, (1, MIN_SIDE)) & (1 - solid)
    # Letter stems are as tall as a checkbox's side: only long rules and the sides of
    # the cells found are erased for OCR.
    long = _open(horiz, (ERASE_MIN, 1)) | _open(vert, (1, ERASE_MIN))
    d = Drawing(ink=ink.astype(bool), lines=long.astype(bool))
    d.cells = _cells(horiz | vert, ink)
    for c in d.cells:
        x0, y0, x1, y1 = c.bbox
        cv2.rectangle(long, (x0 - 3, y0 - 3), (x1 + 2, y1 + 2), 1, 6)
    d.lines = long.astype(bool)
    d.combs = _comb_runs(d.cells)
    for run in d.combs:
        for c in run:
            c.kind = "comb"
    for c in d.cells:
        if c.kind == "other":
            c.kind = _kind(c)
    d.rules = _rules(horiz, vert)
    return d


def _open(mask: npt.NDArray[np.uint8], size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    k = cv2.getStructuringElement(cv2.MORPH_RECT, size)
    return np.asarray(cv2.morphologyEx(mask, cv2.MORPH_OPEN, k), np.uint8)


def _despeckle(ink: npt.NDArray[np.uint8], least: int = MIN_SPECK) -> npt.NDArray[np.uint8]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= least
    keep[0] = False
    return np.asarray(keep[labels], np.uint8)


def _cells(lines: npt.NDArray[np.uint8], ink: npt.NDArray[np.uint8]) -> list[Cell]:
    """Patches of paper closed by lines, rectangular, not holes in a black bar."""
    paper = np.asarray(1 - lines, np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(paper, connectivity=4)
    h_img, w_img = lines.shape
    out = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + w >= w_img or y + h >= h_img:
            continue
        if w < 18 or h < 18 or w > 0.95 * w_img or h > 0.6 * h_img:
            continue
        fill = area / (w * h)
        if fill < 0.8:
            continue
        ring = ink[max(0, y - 6) : y + h + 6, max(0, x - 6) : x + w + 6]
        inner = ink[y : y + h, x : x + w]
        ring_ink = (ring.sum() - inner.sum()) / max(1, ring.size - inner.size)
        if ring_ink > 0.8:  # a hole in a solid block (white-on-black heading)
            continue
        out.append(Cell((x, y, x + w, y + h), confidence=0.95 if fill >= 0.95 else 0.8))
    return out


def _kind(c: Cell) -> CheckKind:
    if 18 <= c.w <= 75 and 18 <= c.h <= 75 and 0.7 <= c.w / c.h <= 1.4:
        return "checkbox"
    if c.w >= 80 and c.h >= 30:
        return "box"
    return "other"


def _comb_runs(cells: list[Cell]) -> list[list[Cell]]:
    """Runs of two or more equal cells sharing their sides, left to right."""
    candidates = sorted(
        (c for c in cells if c.w <= 1.6 * c.h and c.w <= 160 and c.h <= 160),
        key=lambda c: c.bbox[0],
    )  # left to right: rows may tilt a pixel
    runs: list[list[Cell]] = []
    for c in candidates:
        for run in runs:
            last = run[-1]
            if (
                abs(c.bbox[1] - last.bbox[1]) <= 4
                and abs(c.bbox[3] - last.bbox[3]) <= 4
                and 0 <= c.bbox[0] - last.bbox[2] <= 10
                and abs(c.w - run[0].w) <= 0.25 * run[0].w
            ):
                run.append(c)
                break
        else:
            runs.append([c])
    return [r for r in runs if len(r) >= 2]


def _rules(horiz: npt.NDArray[np.uint8], vert: npt.NDArray[np.uint8]) -> list[Rule]:
    """Horizontal rules, cut where a vertical line stands on them (a column's side)."""
    long = _open(horiz, (MIN_RULE, 1))
    n, _, stats, _ = cv2.connectedComponentsWithStats(long, connectivity=8)
    nv, _, vstats, _ = cv2.connectedComponentsWithStats(vert, connectivity=8)
    verticals = [tuple(int(v) for v in vstats[i][:4]) for i in range(1, nv)]
    out: list[Rule] = []
    for i in range(1, n):
        x, y, w, h, _ = (int(v) for v in stats[i])
        if h > MAX_THICK:
            continue
        ym = y + h // 2
        cuts = sorted(
            vx + vw // 2
            for vx, vy, vw, vh in verticals
            if vy < ym - 10 and vy + vh >= ym - MAX_THICK and x + 10 < vx + vw // 2 < x + w - 10
        )
        edges = [x, *cuts, x + w]
        out.extend(Rule(a, b, ym) for a, b in zip(edges, edges[1:], strict=False) if b - a > 10)
    return out
