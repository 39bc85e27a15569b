"""Checkbox and signature detection by ink measurement (OMR).

A checkbox crop is the printed square plus a small margin. Ink is whatever is clearly
darker than the paper around the box (not Otsu: a light pen's fill beside a black
printed line would count as paper). The square is found as the rectangle of long
straight lines whose perimeter is best covered by ink (so a tick that overshoots the box
or a few pixels of misregistration do not matter; among dark pixels only when a light
pen's scribble hides it); the ink is measured inside it, inset past the printed line.
Then, in this order:

    empty        < 0.012          nothing inside
    crossed-out  dense ink inside and out to the margin (table rules left out): a
                 changed mind, ambiguous (a person decides)
    part-filled  one half of the interior solid, the other empty: ambiguous
    fill         >= FILL_MIN      a box blacked out or scribbled over
    tick/cross   >= MARK_MIN      shape decides the kind (both diagonals: cross)
    stroke       a thin stroke across the box, both ways (a light pen's tick or slash)
    stray        < STRAY_MAX      a dot, a short speck, a stroke of the next label: empty
    ambiguous    anything else (a short dash, a faint mark): goes to review

Figures behind the thresholds: bench/omr.py on the intake samples (docs/icr.md) and
tests/unit/test_omr_marks.py on drawn marks (six kinds, three pens, clean/fax/photo).
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from taskmaster.engines.base import Gray, Mark, MarkState, Reading
from taskmaster.engines.icr.preprocess import Mask, binarise
from taskmaster.hookspecs import hookimpl

STRAY_MAX = 0.05
MARK_MIN = 0.10
FILL_MIN = 0.62
# Half filled: one half of the interior at least this dense, the other at most this.
PART_DENSE = 0.7
PART_SPARSE = 0.2
# A thin stroke spanning this share of the interior diagonal is a mark (stroke_span).
STROKE_SPAN = 0.42
STROKE_ACROSS = 0.25
# Crossed out: this much of the whole crop inked, and this share of its edge (a heavy
# tick beside a faxed table rule reaches ~0.4 and ~0.28; a fill ~0.5 and 0).
CROSSED_INK = 0.55
CROSSED_OUT = 0.3
# Signature: ink of real strokes, as a share of the zone, that counts as signed.
SIGN_MIN = 0.006
SIGN_UNSURE = 0.003
# An interior edge row or column more than this share ink is the printed line, not a mark.
RULE_ROW = 0.6
CLEAN_ROW = 0.1  # ... and behind it a row with less than this is paper

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 of the square's outer edge


def _line_positions(prof: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """Runs of columns (or rows) that carry a long straight line."""
    if prof.max() <= 0:
        return []
    hot = prof >= 0.5 * prof.max()
    runs: list[tuple[int, int]] = []
    for i in np.nonzero(hot)[0].tolist():
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    # A filled box makes one wide run from side to side: its two ends are the lines.
    wide = max(4, int(0.25 * prof.shape[0]))
    out: list[tuple[int, int]] = []
    for a, b in runs:
        out.extend([(a, a + 2), (b - 2, b)] if b - a + 1 > wide else [(a, b)])
    return out


def find_square(mask: Mask) -> tuple[Rect, int] | None:
    """The printed square (outer rectangle) and its line thickness, or None."""
    h, w = mask.shape
    m = mask.astype(np.uint8)
    k = max(6, int(0.35 * min(h, w)))
    vert = cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((k, 1), np.uint8))
    horiz = cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((1, k), np.uint8))
    col_prof, row_prof = vert.sum(axis=0), horiz.sum(axis=1)
    cols = _line_positions(col_prof)
    rows = _line_positions(row_prof)
    best: tuple[float, Rect, int] | None = None
    for i, a in enumerate(cols):
        for b in cols[i + 1 :]:
            side_w = b[1] - a[0] + 1
            if side_w < 0.35 * min(h, w):
                continue
            for j, c in enumerate(rows):
                for d in rows[j + 1 :]:
                    side_h = d[1] - c[0] + 1
                    if not 0.75 <= side_w / side_h <= 1.33:
                        continue
                    rect = (a[0], c[0], b[1] + 1, d[1] + 1)
                    # Cover is taken along each line's most inked row or column: a
                    # line a fax split across two rows runs wider than it is, and its
                    # outer row alone covers only part of the side.
                    cover = _perimeter_cover(
                        mask,
                        (
                            _peak(col_prof, a),
                            _peak(row_prof, c),
                            _peak(col_prof, b) + 1,
                            _peak(row_prof, d) + 1,
                        ),
                    )
                    off = abs((a[0] + b[1]) / 2 - w / 2) + abs((c[0] + d[1]) / 2 - h / 2)
                    # The printed square is the largest well-covered rectangle: a mark
                    # inside (a heavy circle, a fill) can draw a smaller one.
                    score = cover - 0.3 * off / max(h, w) + 0.3 * min(side_w, side_h) / min(h, w)
                    # A stroke lying along a side widens the line's run; the printed
                    # line itself is thin (3 px at 300 dpi; blurred, or faxed at 100 dpi
                    # down, up to a fifth of the box).
                    thick = min(
                        max(a[1] - a[0], b[1] - b[0], c[1] - c[0], d[1] - d[0]) + 1,
                        max(3, int(0.2 * min(side_w, side_h))),
                    )
                    if cover >= 0.7 and (best is None or score > best[0]):
                        best = (score, rect, thick)
    return (best[1], best[2]) if best else None


def _peak(prof: npt.NDArray[np.int64], run: tuple[int, int]) -> int:
    """The row (or column) of `run` that carries the most of its line."""
    return run[0] + int(np.argmax(prof[run[0] : run[1] + 1]))


def _perimeter_cover(mask: Mask, rect: Rect) -> float:
    x0, y0, x1, y1 = rect
    near = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    edges = [near[y0, x0:x1], near[y1 - 1, x0:x1], near[y0:y1, x0], near[y0:y1, x1 - 1]]
    total = sum(e.size for e in edges)
    return float(sum(int(e.sum()) for e in edges) / max(total, 1))


def ink_masks(box: Gray) -> tuple[Mask, Mask]:
    """Ink of a checkbox crop measured against the paper around the box: all ink, and
    the dark ink of the printed square.

    Otsu would split the darkest two levels when a box is filled with a light pen (the
    printed line black, the fill grey, the paper white) and call the fill paper; the
    crop's margin is mostly paper, so ink is whatever is clearly darker than it. The
    printed square is black: looking for it among dark pixels only keeps a light pen's
    strokes around it from hiding it."""
    if box.size == 0:
        empty = np.zeros(box.shape, dtype=bool)
        return empty, empty
    paper = float(np.percentile(box, 90))
    if paper < 110:  # no paper to see (a dark photo, a crop inside a scribble)
        mask = binarise(box)
        return mask, mask
    return np.asarray(box < paper * 0.72), np.asarray(box < paper * 0.5)


def halves(inner: Mask) -> tuple[float, float]:
    """Ink share of the densest and the emptiest half of the interior (top/bottom or
    left/right, whichever differ more): a half-filled box is one full half, one empty."""
    h, w = inner.shape
    if h < 4 or w < 4:
        return 0.0, 0.0
    pairs = [
        (float(inner[: h // 2].mean()), float(inner[h - h // 2 :].mean())),
        (float(inner[:, : w // 2].mean()), float(inner[:, w - w // 2 :].mean())),
    ]
    a, b = max(pairs, key=lambda p: abs(p[0] - p[1]))
    return max(a, b), min(a, b)


def stroke_span(inner: Mask) -> tuple[float, float]:
    """Diagonal of the largest ink component, as a share of the interior's diagonal, and
    its narrower side as a share of the interior's: a pen stroke across the box (a tick,
    a slash) is long and wide both ways; a dot, a speck of the next label or a dash is not."""
    h, w = inner.shape
    n, _, stats, _ = cv2.connectedComponentsWithStats(inner.astype(np.uint8), connectivity=8)
    if n <= 1:
        return 0.0, 0.0
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    cw, ch = int(stats[i, cv2.CC_STAT_WIDTH]), int(stats[i, cv2.CC_STAT_HEIGHT])
    return (float(np.hypot(cw, ch) / max(np.hypot(w, h), 1.0)), min(cw / max(w, 1), ch / max(h, 1)))


class InkOmrEngine:
    """Checkboxes by the ink inside the printed square; signatures by stroke ink."""

    name = "omr"

    def version(self) -> str:
        """Rule version: bump when thresholds change."""
        return "ink-omr 3"

    def mark(self, box: Gray) -> Mark:
        """Classify one checkbox crop (the printed square with a small margin)."""
        mask, dark = ink_masks(box)
        h, w = mask.shape
        if mask.mean() >= CROSSED_INK and _crossed_out(mask):
            # Ink out to the crop's edge all round, past the box: scribbled out.
            return Mark("ambiguous", round(float(mask.mean()), 4), 0.5, "crossed-out")
        found = find_square(mask)
        if found is None or _inner(mask, found).mean() >= 0.5:
            # Dense ink may be a light pen's scribble hiding the square among its
            # strokes: look again among the dark (printed) pixels only.
            found = find_square(dark) or found
        if found is None:
            # No square to anchor on (scribbled over, or a bad crop): the crop's middle.
            inner = mask[h // 4 : h - h // 4, w // 4 : w - w // 4]
            ink = float(inner.mean()) if inner.size else 0.0
            ring = (float(mask.sum()) - float(inner.sum())) / max(mask.size - inner.size, 1)
            if ink >= MARK_MIN and ring > 0.2:
                # Ink all over the crop and no square left to see: scribbled out.
                return Mark("ambiguous", round(ink, 4), 0.5, "crossed-out")
            state, conf, kind = self._classify(ink, inner)
            return Mark(state, round(ink, 4), min(conf, 0.6), kind)
        (x0, y0, x1, y1), _ = found
        inner = _inner(mask, found)
        ink = float(inner.mean()) if inner.size else 0.0
        state, conf, kind = self._classify(ink, inner)
        return Mark(state, round(ink, 4), conf, kind)

    @staticmethod
    def _classify(ink: float, inner: Mask) -> tuple[MarkState, float, str]:
        if ink < 0.012:
            return "empty", 0.99, ""
        dense, sparse = halves(inner)
        if dense >= PART_DENSE and sparse <= PART_SPARSE:
            # One half solid, the other empty: half filled, or a fill rubbed out.
            return "ambiguous", 0.5, "part-filled"
        if ink >= FILL_MIN:
            return "marked", 0.99, "fill"
        if ink >= MARK_MIN:
            kind = "cross" if _both_diagonals(inner) else "tick"
            if ink >= 0.42 and kind != "cross":
                kind = "scribble"
            return "marked", 0.9 + 0.09 * min(1.0, (ink - MARK_MIN) / 0.1), kind
        span, across = stroke_span(inner)
        if span >= STROKE_SPAN and across >= STROKE_ACROSS and ink >= 0.02:
            # A thin stroke across the box (a light pen's tick or slash): marked, less sure.
            return "marked", 0.85 + 0.1 * min(1.0, (span - STROKE_SPAN) / 0.3), "stroke"
        if ink < STRAY_MAX and span < 0.45:
            # Closer to the ambiguous band, less sure.
            return "empty", 0.97 - 0.3 * ink / STRAY_MAX, "stray"
        return "ambiguous", 0.5, "faint"

    def signature_present(self, zone: Gray) -> Reading:
        """'true' when handwriting lies in the zone, ignoring the printed line and specks."""
        mask = binarise(zone)
        h, w = mask.shape
        m = mask.astype(np.uint8)
        # Fax breaks the printed line into dashes: a short kernel still catches them.
        lines = cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((1, max(20, w // 20)), np.uint8))
        on_line = np.asarray(cv2.dilate(lines, np.ones((3, 1), np.uint8))) > 0
        strokes = (mask & ~on_line).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(strokes, connectivity=8)
        ink = 0
        for i in range(1, n):
            _, _, cw, ch, area = (int(v) for v in stats[i])
            # Strokes, not specks: some length in some direction, not a lone dot.
            if area >= 25 and max(cw, ch) >= 12:
                ink += area
        share = ink / max(h * w, 1)
        if share >= SIGN_MIN:
            return Reading("true", 0.99 if share >= 2 * SIGN_MIN else 0.9, engine=self.name)
        if share >= SIGN_UNSURE:
            return Reading(
                "true" if share >= (SIGN_MIN + SIGN_UNSURE) / 2 else "false", 0.6, engine=self.name
            )
        return Reading("false", 0.99 if share < SIGN_UNSURE / 2 else 0.9, engine=self.name)


def _inner(mask: Mask, found: tuple[Rect, int]) -> Mask:
    """The square's interior, inset past its printed line."""
    (x0, y0, x1, y1), thick = found
    pad = thick + 2
    return _trim_rules(mask[y0 + pad : y1 - pad, x0 + pad : x1 - pad], thick)


def _trim_rules(inner: Mask, most: int) -> Mask:
    """`inner` without a band of mostly-ink rows or columns along an edge with clean
    paper behind it: a printed line the square's inset did not clear (a fax at 100 dpi
    down doubles a horizontal line; a rule under the box merges with its bottom line). A
    band wider than `most`, or with ink behind it (a fill, half a box filled), is a mark
    and stays."""

    def band(lines: Mask) -> int:
        k = 0
        while k <= most and k < len(lines) and lines[k].mean() > RULE_ROW:
            k += 1
        if k == 0:
            return 0
        full = k
        while k < full + 2 and k < len(lines) and lines[k].mean() >= CLEAN_ROW:
            k += 1  # the line's ragged edge, a row or two
        if k > most or k >= len(lines) or lines[k].mean() >= CLEAN_ROW:
            return 0  # wider, or ink behind it: a mark
        return k

    t = band(inner)
    b = inner.shape[0] - band(inner[::-1])
    if b - t < 3:
        return inner
    inner = inner[t:b]
    left = band(inner.T)
    r = inner.shape[1] - band(inner.T[::-1])
    return inner[:, left:r] if r - left >= 3 else inner


def _crossed_out(mask: Mask) -> bool:
    """Ink out to the crop's edge all round, printed rules left out: a mark scribbled
    over past its box. Any mark that stays in (or just over) its box leaves the edge of
    the crop paper."""
    ring = np.ones(mask.shape, dtype=bool)
    r = max(2, min(mask.shape) // 16)
    ring[r:-r, r:-r] = False
    ink = mask & ~_printed_rules(mask) & ring
    return float(ink.sum()) / max(int(ring.sum()), 1) >= CROSSED_OUT


def _printed_rules(mask: Mask) -> Mask:
    """Long, thin straight lines across the crop: table rules beside the box, not a mark
    (a solid area of ink holds long lines too, but is not thin)."""
    h, w = mask.shape
    solid = (
        np.asarray(
            cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
        )
        > 0
    )
    m = (mask & ~solid).astype(np.uint8)
    # A faxed rule comes in dashes and steps: bridge small gaps along it first.
    along_x = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((3, 9), np.uint8))
    along_y = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((9, 3), np.uint8))
    horiz = np.asarray(
        cv2.morphologyEx(along_x, cv2.MORPH_OPEN, np.ones((1, max(8, int(0.6 * w))), np.uint8))
    )
    vert = np.asarray(
        cv2.morphologyEx(along_y, cv2.MORPH_OPEN, np.ones((max(8, int(0.6 * h)), 1), np.uint8))
    )
    near = cv2.dilate(np.maximum(horiz, vert), np.ones((3, 3), np.uint8))
    return np.asarray(near > 0)


def _both_diagonals(inner: Mask) -> bool:
    """Ink along both diagonals of the box interior: an X."""
    h, w = inner.shape
    if h < 6 or w < 6:
        return False
    near = cv2.dilate(inner.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    t = np.linspace(0.15, 0.85, 24)
    ys, xs = (t * (h - 1)).astype(int), (t * (w - 1)).astype(int)
    main = float(near[ys, xs].mean())
    anti = float(near[ys, (w - 1) - xs].mean())
    return main >= 0.7 and anti >= 0.7


@hookimpl
def taskmaster_omr_engines() -> dict[str, type[InkOmrEngine]]:
    """Register this engine (the built-in engines are plugins like any other)."""
    return {"ink": InkOmrEngine}
