"""Checkbox and signature detection by ink measurement (OMR).

A checkbox crop is the printed square plus a small margin. The square is found as the
rectangle of long straight lines whose perimeter is best covered by ink (so a tick that
overshoots the box or a few pixels of misregistration do not matter); the ink is
measured inside it, inset past the printed line. The ink share then separates:

    empty        < 0.012          nothing inside
    stray        < STRAY_MAX      a dot, a stroke of the neighbouring label: empty
    ambiguous    the band between stray and MARK_MIN: goes to review
    tick/cross   >= MARK_MIN      shape decides the kind (both diagonals: cross)
    fill         >= FILL_MIN      a box blacked out
    crossed-out  ink well outside the box as well as a dense fill: a changed mind,
                 ambiguous (a person decides)

Figures behind the thresholds: bench/omr.py on the intake samples (docs/icr.md).
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
# Signature: ink of real strokes, as a share of the zone, that counts as signed.
SIGN_MIN = 0.006
SIGN_UNSURE = 0.003

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
    cols = _line_positions(vert.sum(axis=0))
    rows = _line_positions(horiz.sum(axis=1))
    best: tuple[float, Rect, int] | None = None
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            side_w = b[1] - a[0] + 1
            if side_w < 0.35 * min(h, w):
                continue
            for j, c in enumerate(rows):
                for d in rows[j + 1:]:
                    side_h = d[1] - c[0] + 1
                    if not 0.75 <= side_w / side_h <= 1.33:
                        continue
                    rect = (a[0], c[0], b[1] + 1, d[1] + 1)
                    cover = _perimeter_cover(mask, rect)
                    off = abs((a[0] + b[1]) / 2 - w / 2) + abs((c[0] + d[1]) / 2 - h / 2)
                    score = cover - 0.3 * off / max(h, w)
                    thick = max(a[1] - a[0], b[1] - b[0], c[1] - c[0], d[1] - d[0]) + 1
                    if cover >= 0.7 and (best is None or score > best[0]):
                        best = (score, rect, thick)
    return (best[1], best[2]) if best else None


def _perimeter_cover(mask: Mask, rect: Rect) -> float:
    x0, y0, x1, y1 = rect
    near = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    edges = [near[y0, x0:x1], near[y1 - 1, x0:x1], near[y0:y1, x0], near[y0:y1, x1 - 1]]
    total = sum(e.size for e in edges)
    return float(sum(int(e.sum()) for e in edges) / max(total, 1))


class InkOmrEngine:
    """Checkboxes by the ink inside the printed square; signatures by stroke ink."""

    name = "omr"

    def version(self) -> str:
        """Rule version: bump when thresholds change."""
        return "ink-omr 1"

    def mark(self, box: Gray) -> Mark:
        """Classify one checkbox crop (the printed square with a small margin)."""
        mask = binarise(box)
        h, w = mask.shape
        found = find_square(mask)
        if found is None:
            # No square to anchor on (scribbled over, or a bad crop): the crop's middle.
            inner = mask[h // 4: h - h // 4, w // 4: w - w // 4]
            ink = float(inner.mean()) if inner.size else 0.0
            ring = (float(mask.sum()) - float(inner.sum())) / max(mask.size - inner.size, 1)
            if ink >= MARK_MIN and ring > 0.2:
                # Ink all over the crop and no square left to see: scribbled out.
                return Mark("ambiguous", round(ink, 4), 0.5, "crossed-out")
            state, conf, kind = self._classify(ink, inner, 0.0)
            return Mark(state, round(ink, 4), min(conf, 0.6), kind)
        (x0, y0, x1, y1), thick = found
        pad = thick + 2
        inner = mask[y0 + pad: y1 - pad, x0 + pad: x1 - pad]
        ink = float(inner.mean()) if inner.size else 0.0
        outside = mask.copy()
        outside[max(y0 - 2, 0): y1 + 2, max(x0 - 2, 0): x1 + 2] = False
        out_ink = float(outside.sum()) / max((x1 - x0) * (y1 - y0), 1)
        state, conf, kind = self._classify(ink, inner, out_ink)
        return Mark(state, round(ink, 4), conf, kind)

    @staticmethod
    def _classify(ink: float, inner: Mask, out_ink: float) -> tuple[MarkState, float, str]:
        if ink < 0.012:
            return "empty", 0.99, ""
        if ink < STRAY_MAX:
            # Closer to the ambiguous band, less sure.
            return "empty", 0.97 - 0.3 * ink / STRAY_MAX, "stray"
        if ink < MARK_MIN:
            return "ambiguous", 0.5, "faint"
        if ink >= FILL_MIN:
            if out_ink > 0.25:
                return "ambiguous", 0.5, "crossed-out"
            return "marked", 0.99, "fill"
        kind = "cross" if _both_diagonals(inner) else "tick"
        if ink >= 0.42 and kind != "cross":
            kind = "scribble"
        conf = 0.9 + 0.09 * min(1.0, (ink - MARK_MIN) / 0.1)
        return "marked", conf, kind

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
            return Reading("true" if share >= (SIGN_MIN + SIGN_UNSURE) / 2 else "false", 0.6,
                           engine=self.name)
        return Reading("false", 0.99 if share < SIGN_UNSURE / 2 else 0.9, engine=self.name)


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
