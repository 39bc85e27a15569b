"""Comb fields: find the drawn grid and cut one crop per character cell.

The field map gives nominal cell boxes; after registration they are still off by a few
pixels. The drawn grid lines are found by morphology (long vertical / horizontal runs),
the nominal edges are shifted as one to fit them best and then snapped one by one, and
each crop is inset past its lines so that little of the box is left in it.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from taskmaster.engines.base import BBox, Gray
from taskmaster.engines.icr.preprocess import binarise

Profile = npt.NDArray[np.float64]
MAX_SHIFT = 12  # px at 300 dpi that registration may leave
SNAP = 4        # px an individual edge may move after the common shift


def _line_profiles(mask: npt.NDArray[np.bool_], cell_w: int, cell_h: int
                   ) -> tuple[Profile, Profile]:
    """Column profile of vertical lines and row profile of horizontal lines."""
    m = mask.astype(np.uint8)
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(8, int(cell_h * 0.7))))
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (max(8, int(cell_w * 1.5)), 1))
    vert = cv2.morphologyEx(m, cv2.MORPH_OPEN, vk)
    horiz = cv2.morphologyEx(m, cv2.MORPH_OPEN, hk)
    return vert.sum(axis=0).astype(np.float64), horiz.sum(axis=1).astype(np.float64)


def _fit(edges: list[int], prof: Profile) -> dict[int, tuple[int, int]]:
    """Map each nominal edge to the (first, last) index of the drawn line it belongs to."""
    n = prof.shape[0]
    if prof.max() <= 0:
        return {}

    def at(i: int) -> float:
        return float(prof[i]) if 0 <= i < n else 0.0

    best_dx = max(range(-MAX_SHIFT, MAX_SHIFT + 1),
                  key=lambda dx: (sum(max(at(e + dx + j) for j in (-1, 0, 1)) for e in edges),
                                  -abs(dx)))
    found: dict[int, tuple[int, int]] = {}
    for e in edges:
        lo, hi = max(e + best_dx - SNAP, 0), min(e + best_dx + SNAP + 1, n)
        if lo >= hi:
            continue
        peak = lo + int(np.argmax(prof[lo:hi]))
        if prof[peak] <= 0.3 * prof.max():
            found[e] = (e + best_dx, e + best_dx)  # no line here: trust the shift
            continue
        a = b = peak
        while a > 0 and prof[a - 1] > 0.3 * prof[peak]:
            a -= 1
        while b < n - 1 and prof[b + 1] > 0.3 * prof[peak]:
            b += 1
        found[e] = (a, b)
    return found


def split_comb(zone: Gray, boxes: list[BBox], *, inset: int = 2) -> list[Gray]:
    """Crops of each comb cell, snapped to the drawn grid and inset past its lines.

    `boxes` are the nominal cell boxes (x0, y0, x1, y1) relative to `zone`; the zone
    should reach a little past them so a shifted grid is still inside it.
    """
    if not boxes:
        return []
    mask = binarise(zone)
    cell_w = int(np.median([b[2] - b[0] for b in boxes]))
    cell_h = int(np.median([b[3] - b[1] for b in boxes]))
    vprof, hprof = _line_profiles(mask, cell_w, cell_h)
    xs = _fit(sorted({b[0] for b in boxes} | {b[2] for b in boxes}), vprof)
    ys = _fit(sorted({b[1] for b in boxes} | {b[3] for b in boxes}), hprof)
    h, w = zone.shape
    cells = []
    for x0, y0, x1, y1 in boxes:
        left = xs.get(x0, (x0, x0))[1] + 1 + inset
        right = xs.get(x1, (x1, x1))[0] - inset
        top = ys.get(y0, (y0, y0))[1] + 1 + inset
        bottom = ys.get(y1, (y1, y1))[0] - inset
        left, top = max(left, 0), max(top, 0)
        right, bottom = min(right, w), min(bottom, h)
        if right - left < 4 or bottom - top < 4:
            cells.append(np.full((max(cell_h - 2 * inset, 4), max(cell_w - 2 * inset, 4)), 255,
                                 dtype=np.uint8))
            continue
        cells.append(np.ascontiguousarray(zone[top:bottom, left:right]))
    return cells
