"""Open-box text lines: remove the box, cut the ink into characters, find word gaps."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from taskmaster.engines.icr.preprocess import Mask, binarise

# A gap wider than this share of the median character height separates words (intake
# hand samples: gaps inside words <= 0.38 at the 99th percentile, between words >= 0.63).
WORD_GAP = 0.5


@dataclass
class Glyph:
    """One character's ink within the line mask, and whether a space comes before it."""

    x0: int
    x1: int
    mask: Mask
    space_before: bool = False
    punct: str = ""  # "-", "." or "," when the piece is a hyphen, full stop or comma
    blob: int = -1  # pieces cut from one connected blob share its number


def remove_box(mask: Mask) -> Mask:
    """Erase the field's border and underline: straight runs much longer than a stroke.

    A faxed line comes as a staircase of offset dashes, so lines are looked for on a
    copy smeared across them (3 px) before the long opening.
    """
    h, w = mask.shape
    m = mask.astype(np.uint8)
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, int(min(w * 0.4, h * 2))), 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(10, int(h * 0.75))))
    hsm = cv2.dilate(m, np.ones((3, 1), np.uint8))
    vsm = cv2.dilate(m, np.ones((1, 3), np.uint8))
    hl = cv2.dilate(cv2.morphologyEx(hsm, cv2.MORPH_OPEN, hk), np.ones((3, 1), np.uint8))
    vl = cv2.dilate(cv2.morphologyEx(vsm, cv2.MORPH_OPEN, vk), np.ones((1, 3), np.uint8))
    # The box's sides are at the zone's ends; a tall 'I' or '1' inside is a character.
    edge = max(12, int(0.06 * w))
    vl[:, edge : w - edge] = 0
    out = mask & ~((np.asarray(hl) > 0) | (np.asarray(vl) > 0))
    # Strokes that cross a line lose a few pixels; close that small gap again.
    out = cv2.morphologyEx(out.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 1), np.uint8)) > 0
    return np.asarray(out & ~_border_pieces(out))


def _border_pieces(mask: Mask) -> Mask:
    """Thin remnants of the box glued to the zone border."""
    h, w = mask.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    drop = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, cw, ch, area = (int(v) for v in stats[i])
        touches = x == 0 or y == 0 or x + cw >= w or y + ch >= h
        if touches and (min(cw, ch) <= 4 or area < 0.002 * h * w):
            drop[i] = True
    return np.asarray(drop[labels])


@dataclass
class Line:
    """Glyph candidates of one line and the typical character height."""

    glyphs: list[Glyph]
    char_h: float


def segment_line(gray: npt.NDArray[np.uint8]) -> Line:
    """The character candidates of one hand-printed line, left to right.

    A candidate may be only part of a character (a W written in two strokes); the
    engine decides with the classifier which neighbours to join.
    """
    h = gray.shape[0]
    mask = remove_box(binarise(gray))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    every = [
        (int(s[0]), int(s[1]), int(s[2]), int(s[3]), int(s[4]), i)
        for i, s in enumerate(stats)
        if i > 0
    ]
    # Specks and flat dashes (fax remnants of the box) are no characters' strokes.
    comps = [c for c in every if c[4] >= 12 and c[3] >= 0.18 * h]
    if not comps:
        return Line([], 0.0)
    big = max(c[3] for c in comps)
    comps = [c for c in comps if c[3] >= 0.25 * big or c[4] >= 60]
    char_h = max(float(np.median([c[3] for c in comps if c[3] >= 0.5 * big])), 0.25 * h)
    baseline = float(np.median([c[1] + c[3] for c in comps]))
    commas = [c for c in comps if _is_comma(c, char_h, baseline)]
    comps = [c for c in comps if c not in commas]
    groups = _merge_overlapping(sorted(comps, key=lambda c: c[0]))
    glyphs: list[Glyph] = [_punct(c, labels, char_h, baseline) for c in every if c not in comps]
    glyphs = [g for g in glyphs if g.punct]
    for k, g in enumerate(groups):
        x0 = min(c[0] for c in g)
        x1 = max(c[0] + c[2] for c in g)
        gm = np.isin(labels, [c[5] for c in g])
        for piece in _split_wide(gm, x0, x1, char_h):
            piece.blob = k
            glyphs.append(piece)
    glyphs.sort(key=lambda gl: gl.x0)
    for prev, cur in zip(glyphs, glyphs[1:], strict=False):
        cur.space_before = cur.x0 - prev.x1 > WORD_GAP * char_h
    return Line([g for g in glyphs if g.mask.any()], char_h)


def _punct(
    c: tuple[int, int, int, int, int, int],
    labels: npt.NDArray[np.generic],
    char_h: float,
    baseline: float,
) -> Glyph:
    """A small piece that is a hyphen (flat, mid-height), a full stop (dot on the line)
    or a comma (hanging below the line)."""
    x, y, w, h, area, i = c
    kind = ""
    mid = y + h / 2
    if (
        w >= 0.3 * char_h
        and h <= 0.3 * char_h
        and w >= 2 * h
        and area >= 10
        and baseline - 0.75 * char_h <= mid <= baseline - 0.25 * char_h
    ):
        kind = "-"
    elif (
        3 <= w <= 0.35 * char_h
        and 3 <= h <= 0.35 * char_h
        and area >= 12
        and abs(y + h - baseline) <= 0.15 * char_h
    ):
        kind = "."
    elif _is_comma(c, char_h, baseline):
        kind = ","
    return Glyph(x, x + w, np.asarray(labels == i), punct=kind)


def _is_comma(c: tuple[int, int, int, int, int, int], char_h: float, baseline: float) -> bool:
    """A small narrow piece that starts near the line and hangs below it: no stroke of a
    capital or a digit does that."""
    x, y, w, h, area, _ = c
    return bool(
        w <= 0.35 * char_h
        and 0.25 * char_h <= h <= 0.7 * char_h
        and area >= 12
        and y >= baseline - 0.3 * char_h
        and y + h >= baseline + 0.2 * char_h
    )


def _merge_overlapping(
    comps: list[tuple[int, int, int, int, int, int]],
) -> list[list[tuple[int, int, int, int, int, int]]]:
    """Join pieces of one broken character: they overlap a lot along x."""
    groups: list[list[tuple[int, int, int, int, int, int]]] = []
    for c in comps:
        if groups:
            g = groups[-1]
            gx0 = min(p[0] for p in g)
            gx1 = max(p[0] + p[2] for p in g)
            overlap = min(gx1, c[0] + c[2]) - max(gx0, c[0])
            if overlap > 0.5 * min(c[2], gx1 - gx0):
                g.append(c)
                continue
        groups.append([c])
    return groups


def _split_wide(gm: Mask, x0: int, x1: int, char_h: float) -> list[Glyph]:
    """Cut touching characters at the thinnest columns of the vertical projection."""
    width = x1 - x0
    n = int(round(width / (0.75 * char_h))) if width > 1.15 * char_h else 1
    if n <= 1:
        return [Glyph(x0, x1, _only(gm, x0, x1))]
    proj = gm[:, x0:x1].sum(axis=0).astype(np.float64)
    cuts = [x0]
    for k in range(1, n):
        centre = k * width / n
        lo, hi = int(centre - 0.25 * width / n), int(centre + 0.25 * width / n) + 1
        cuts.append(x0 + lo + int(np.argmin(proj[lo:hi])))
    cuts.append(x1)
    return [Glyph(a, b, _only(gm, a, b)) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _only(gm: Mask, a: int, b: int) -> Mask:
    out = np.zeros_like(gm)
    out[:, a:b] = gm[:, a:b]
    return out
