"""Turn one hand-printed character crop into the model's 28x28 input.

Training (`training/icr/train.py`) runs exactly these functions on its synthetic cells, so
what the network sees in training is what it sees on a real comb cell: binarise, erase
the box-line remnants at the cell edges, drop specks, then normalise MNIST style (crop to
the ink, keep the aspect ratio, fit into 20x20, centre by centre of mass in 28x28).
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from taskmaster.engines.base import Gray

Mask = npt.NDArray[np.bool_]
Tensor = npt.NDArray[np.float32]

SIZE = 28
BOX = 20
# A cell whose cleaned ink covers less than this share of its area is empty: fax noise
# and box remnants stay under ~0.011 in 58x72 cells, a thin "1" is above ~0.02.
EMPTY_INK_RATIO = 0.013
# Edge band (share of the cell size) in which straight runs are taken for box lines.
EDGE_BAND = 0.28
LINE_FILL = 0.72  # a row/column at least this full of ink is a line, not a stroke
END_SHARE = 0.06  # a line reaches this close to both ends of its row/column
TOUCH_GAP = 0.1  # a character this close under an erased top line touches it


def binarise(gray: Gray) -> Mask:
    """Ink mask (True = ink) by Otsu, bounded so a blank cell stays blank."""
    if gray.size == 0:
        return np.zeros(gray.shape, dtype=bool)
    lo, hi = int(gray.min()), int(gray.max())
    if hi - lo < 48:  # no contrast: paper only (or ink only)
        return np.zeros(gray.shape, dtype=bool) if lo > 100 else np.ones(gray.shape, bool)
    t, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    t = min(max(t, 70.0), 200.0)
    return np.asarray(gray < t)


def _line_indices(counts: npt.NDArray[np.int64], length: int, band: int) -> list[int]:
    """Indices in the edge bands whose ink count says 'a line across the cell'."""
    n = counts.shape[0]
    idx = [i for i in range(n) if (i < band or i >= n - band) and counts[i] >= LINE_FILL * length]
    # Widen by the anti-aliased / ragged rows next to a line.
    extra = [
        j
        for i in idx
        for j in (i - 1, i + 1)
        if 0 <= j < n and j not in idx and counts[j] >= 0.35 * length
    ]
    return sorted(set(idx) | set(extra))


def erase_box_lines(mask: Mask) -> Mask:
    """Remove straight grid lines along the cell edges, keeping strokes that cross them.

    Only rows/columns inside the edge band and almost full of ink are erased, so a
    character's own vertical stroke (a '1' or an 'I' in the middle) survives; where a
    stroke crosses an erased line (ink just inside and just outside it) the crossing
    pixels are put back.
    """
    h, w = mask.shape
    out = mask.copy()
    rows = _line_indices(mask.sum(axis=1), w, max(2, int(h * EDGE_BAND)))
    cols = _line_indices(mask.sum(axis=0), h, max(2, int(w * EDGE_BAND)))
    for group, axis in ((rows, 0), (cols, 1)):
        for run in _runs(group):
            r0, r1 = run[0], run[-1]
            if not _spans(mask[r0 : r1 + 1, :] if axis == 0 else mask[:, r0 : r1 + 1].T):
                continue  # a 7's or a 5's bar near the edge, not the box line
            if axis == 0:
                out[r0 : r1 + 1, :] = False
                if r0 > 0 and r1 < h - 1:
                    keep = mask[r0 - 1, :] & mask[r1 + 1, :]
                    out[r0 : r1 + 1, keep] = True
            else:
                out[:, r0 : r1 + 1] = False
                if r0 > 0 and r1 < w - 1:
                    keep = mask[:, r0 - 1] & mask[:, r1 + 1]
                    out[keep, r0 : r1 + 1] = True
    return out


def _spans(band: Mask) -> bool:
    """True when a band of rows holds ink at both of its ends, as a box line across the
    whole cell does; a character's bar (a 7 written up against the box) stops short."""
    k = max(2, round(END_SHARE * band.shape[1]))
    return bool(band[:, :k].any() and band[:, -k:].any())


def _runs(idx: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in idx:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def drop_specks(mask: Mask) -> Mask:
    """Keep the character's components; drop specks and thin edge remnants."""
    h, w = mask.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    biggest = int(areas.max())
    keep = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, cw, ch, area = (int(v) for v in stats[i])
        if area < max(4, 0.12 * biggest):
            continue
        touches = x == 0 or y == 0 or x + cw >= w or y + ch >= h
        thin = min(cw, ch) <= max(2, 0.06 * min(h, w)) and max(cw, ch) >= 3 * min(cw, ch)
        if touches and thin and area < 0.5 * biggest:
            continue  # a leftover piece of box line
        keep[i] = True
    return np.asarray(keep[labels])


def clean_cell(gray: Gray) -> Mask:
    """Ink mask of the character in one cell crop, box lines and specks removed."""
    return drop_specks(erase_box_lines(binarise(gray)))


def with_top_line(gray: Gray, cleaned: Mask) -> Mask | None:
    """The cell's character with the box's top line left in, where the character touches
    that line from below; None where it does not.

    A 7 written up against the box has its bar in the line, and erasing the line leaves
    the stem: a confident 1 (three faxed and photographed phone numbers of the fresh
    pages read `71..` for `77..` at 0.96-0.995). A 1 written up against the line looks
    the same, so such a cell is read both ways and the two readings averaged: which it
    is stays a question for a person, not a sure answer.
    """
    raw = binarise(gray)
    h, w = raw.shape
    band = max(2, int(h * EDGE_BAND))
    lost = raw & ~cleaned
    rows = [r for r in range(band) if lost[r].sum() >= LINE_FILL * w]
    if not rows:
        return None
    below = rows[-1] + 1  # the stem may start a few rows under what was erased
    if not cleaned[below : below + max(3, round(TOUCH_GAP * h))].any():
        return None
    out = cleaned.copy()
    out[rows[0] : rows[-1] + 1] = raw[rows[0] : rows[-1] + 1]
    return out


def is_empty(mask: Mask) -> bool:
    """True when the cleaned cell holds no character."""
    h, w = mask.shape
    ink = int(mask.sum())
    if ink < EMPTY_INK_RATIO * h * w or ink < 8:
        return True
    ys = np.nonzero(mask.any(axis=1))[0]
    xs = np.nonzero(mask.any(axis=0))[0]
    # A dot or a short dash is not a character.
    return bool(max(ys[-1] - ys[0] + 1, xs[-1] - xs[0] + 1) < 0.18 * max(h, w))


def normalise(mask: Mask, box: int = BOX) -> Tensor:
    """MNIST-style 28x28 float32 in 0..1 (1 = ink) from an ink mask, fitted in `box`
    pixels (20 in training; other sizes only to read a doubtful character again)."""
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    ys = np.nonzero(mask.any(axis=1))[0]
    xs = np.nonzero(mask.any(axis=0))[0]
    if ys.size == 0:
        return out
    crop = mask[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1].astype(np.float32)
    h, w = crop.shape
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(crop, (nw, nh), interpolation=interp)
    total = float(small.sum())
    if total <= 0:
        return out
    cy = float((small.sum(axis=1) * np.arange(nh)).sum() / total)
    cx = float((small.sum(axis=0) * np.arange(nw)).sum() / total)
    # Shift so the centre of mass lands on the middle; keep the glyph inside the frame.
    y0 = int(round(SIZE / 2 - 0.5 - cy))
    x0 = int(round(SIZE / 2 - 0.5 - cx))
    y0 = min(max(y0, 0), SIZE - nh)
    x0 = min(max(x0, 0), SIZE - nw)
    out[y0 : y0 + nh, x0 : x0 + nw] = small
    return out


def variants(mask: Mask) -> list[Tensor]:
    """The character read a little differently: thicker and thinner strokes, fitted
    smaller and larger, shifted by a pixel each way (for a doubtful character only)."""
    base = normalise(mask)
    ys = np.nonzero(mask.any(axis=1))[0]
    k = max(2, round((ys[-1] - ys[0] + 1) / 24)) if ys.size else 2
    kernel = np.ones((k, k), np.uint8)
    out = [normalise(cv2.dilate(mask.astype(np.uint8), kernel) > 0)]
    thin = cv2.erode(mask.astype(np.uint8), kernel) > 0
    if thin.sum() >= 0.4 * mask.sum():
        out.append(normalise(thin))
    out += [normalise(mask, BOX - 2), normalise(mask, BOX + 2)]
    out += [np.roll(base, d, axis=a) for a in (0, 1) for d in (-1, 1)]
    return out
