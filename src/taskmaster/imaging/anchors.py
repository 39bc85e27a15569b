"""Anchors: small distinctive patches of a reference page, for fine registration.

An anchor is a corner-like patch (a box corner, a registration mark, a letter) that is
unique within the search radius, so that normalised cross-correlation finds it without
ambiguity once a coarse homography puts it within a few pixels. Anchors are spread over
the whole page on a grid, so that finding most of them in place says that the page IS
this layout, not just a page with the same letterhead.

Refinement runs twice: at half resolution with a wide search (coarse homography errors of
up to ~30 px at 300 dpi), then at full resolution with a narrow one (sub-pixel peaks).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]
Mat = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Level:
    scale: float  # level pixels per reference pixel
    patch: int  # template side, level pixels
    radius: int  # search radius, level pixels
    ransac_px: float  # reprojection tolerance, level pixels


_COARSE = _Level(scale=0.5, patch=40, radius=16, ransac_px=2.5)
_FINE = _Level(scale=1.0, patch=48, radius=5, ransac_px=2.5)
_MIN_NCC = 0.55
_GRID = (6, 8)  # anchor cells across x down y
_PER_CELL = 2
_MARK_PATCH_PAD = 12  # reference pixels of paper kept around a registration mark


@dataclass(frozen=True)
class Anchor:
    """One reference point with its templates at both refinement levels."""

    x: float  # reference pixels
    y: float
    coarse: Gray  # template at _COARSE.scale, centred on (x, y)
    fine: Gray  # template at full resolution


def find_anchors(ref: Gray, marks: list[tuple[int, int, int, int]]) -> list[Anchor]:
    """Choose distinctive patches spread over the page, plus every registration mark."""
    half = _level_image(ref, _COARSE)
    corners = cv2.goodFeaturesToTrack(
        half, maxCorners=1500, qualityLevel=0.01, minDistance=12, blockSize=5
    )
    points: list[tuple[float, float]] = []
    if corners is not None:
        points = _spread(half, np.asarray(corners, np.float32).reshape(-1, 2), ref.shape)
    full = _level_image(ref, _FINE)
    anchors = [_make(full, half, x, y) for x, y in points]
    for x0, y0, x1, y1 in marks:
        anchors.append(
            _make(
                full,
                half,
                (x0 + x1) / 2,
                (y0 + y1) / 2,
                side=max(x1 - x0, y1 - y0) + 2 * _MARK_PATCH_PAD,
            )
        )
    return [a for a in anchors if a is not None]


def _spread(
    half: Gray, pts: npt.NDArray[np.float32], shape: tuple[int, ...]
) -> list[tuple[float, float]]:
    """Keep the most distinctive candidates per grid cell; returns reference coords."""
    h, w = shape[:2]
    cols, rows = _GRID
    s = _COARSE.scale
    best: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    for px, py in pts:
        x, y = float(px) / s, float(py) / s
        ambiguity = _ambiguity(half, float(px), float(py))
        if ambiguity is None or ambiguity > 0.7:
            continue
        cell = (min(int(x / w * cols), cols - 1), min(int(y / h * rows), rows - 1))
        best.setdefault(cell, []).append((ambiguity, x, y))
    chosen: list[tuple[float, float]] = []
    for cands in best.values():
        cands.sort()
        picked: list[tuple[float, float]] = []
        for _, x, y in cands:
            # Two anchors of one cell should not share a patch.
            if all(abs(x - px) + abs(y - py) > 150 for px, py in picked):
                picked.append((x, y))
            if len(picked) == _PER_CELL:
                break
        chosen.extend(picked)
    return chosen


def _ambiguity(half: Gray, x: float, y: float) -> float | None:
    """Best correlation of the patch with itself shifted within the search radius."""
    p, r = _COARSE.patch, _COARSE.radius
    templ = _crop(half, x, y, p)
    window = _crop(half, x, y, p + 2 * r)
    if templ is None or window is None or float(templ.std()) < 20:
        return None
    res = cv2.matchTemplate(window, templ, cv2.TM_CCOEFF_NORMED)
    c = r  # the patch's own position
    res[max(c - 3, 0) : c + 4, max(c - 3, 0) : c + 4] = -1.0
    return float(res.max())


def _make(full: Gray, half: Gray, x: float, y: float, side: int | None = None) -> Anchor | None:
    """Cut both templates; `side` (reference pixels) widens them for a big mark."""
    fine_side = side or _FINE.patch
    coarse_side = max(round(fine_side * _COARSE.scale), _COARSE.patch)
    coarse = _crop(half, x * _COARSE.scale, y * _COARSE.scale, coarse_side)
    fine = _crop(full, x, y, fine_side)
    if coarse is None or fine is None:
        return None
    return Anchor(x=x, y=y, coarse=coarse, fine=fine)


def _crop(img: Gray, x: float, y: float, side: int) -> Gray | None:
    x0, y0 = int(round(x)) - side // 2, int(round(y)) - side // 2
    if x0 < 0 or y0 < 0 or x0 + side > img.shape[1] or y0 + side > img.shape[0]:
        return None
    return img[y0 : y0 + side, x0 : x0 + side].copy()


def _level_image(img: Gray, level: _Level) -> Gray:
    if level.scale != 1.0:
        img = np.asarray(
            cv2.resize(img, None, fx=level.scale, fy=level.scale, interpolation=cv2.INTER_AREA),
            np.uint8,
        )
    # A little blur makes fax speckle and 1-bit edges correlate like grey scans.
    out: Gray = np.asarray(cv2.GaussianBlur(img, (0, 0), 1.0), np.uint8)
    return out


def coarse_level(page: Gray) -> Gray:
    """The page at the coarse refinement level (`refine` takes it, so that a page tried
    against several fingerprints is shrunk once)."""
    half: Gray = np.asarray(
        cv2.resize(page, None, fx=_COARSE.scale, fy=_COARSE.scale, interpolation=cv2.INTER_AREA),
        np.uint8,
    )
    return half


def refine(page: Gray, anchors: list[Anchor], h: Mat, half: Gray | None = None) -> tuple[Mat, int]:
    """Improve a page->reference homography with the anchors; returns (H, anchors found).

    `half` is `coarse_level(page)` when the caller has it already."""
    found = 0
    if half is None:
        half = coarse_level(page)
    for level, src, src_scale in ((_COARSE, half, _COARSE.scale), (_FINE, page, 1.0)):
        new_h, found = _refine_level(src, src_scale, anchors, h, level)
        if new_h is None:
            return h, found
        h = new_h
    return h, found


def _refine_level(
    src: Gray, src_scale: float, anchors: list[Anchor], h: Mat, level: _Level
) -> tuple[Mat | None, int]:
    s = level.scale
    # page(src pixels) -> reference(level pixels)
    to_level = np.diag([s, s, 1.0]) @ h @ np.diag([1 / src_scale, 1 / src_scale, 1.0])
    page_pts: list[tuple[float, float]] = []
    ref_pts: list[tuple[float, float]] = []
    for a in anchors:
        templ = a.coarse if level is _COARSE else a.fine
        side = templ.shape[0]
        r = level.radius
        cx, cy = a.x * s, a.y * s
        x0, y0 = cx - side / 2 - r, cy - side / 2 - r
        shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], dtype=np.float64)
        n = side + 2 * r
        window = cv2.warpPerspective(
            src,
            shift @ to_level,
            (n, n),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        )
        window = cv2.GaussianBlur(window, (0, 0), 1.0)
        if float(window.std()) < 8:
            continue
        res = cv2.matchTemplate(window, templ, cv2.TM_CCOEFF_NORMED)
        _, peak, _, (px, py) = cv2.minMaxLoc(res)
        if not np.isfinite(peak) or peak < _MIN_NCC:
            continue
        dx, dy = _subpixel(np.asarray(res, np.float32), px, py)
        # The template's centre sits at window (px + dx + side/2, py + dy + side/2).
        page_pts.append((x0 + px + dx + side / 2, y0 + py + dy + side / 2))
        ref_pts.append((cx, cy))
    if len(page_pts) < 6:
        return None, len(page_pts)
    # page_pts are in the level frame under the current mapping: pull them back to page.
    back = np.linalg.inv(to_level)
    pp = cv2.perspectiveTransform(np.array(page_pts, np.float64).reshape(-1, 1, 2), back)
    rp = np.array(ref_pts, np.float64).reshape(-1, 1, 2)
    found_h, mask = cv2.findHomography(pp, rp, cv2.RANSAC, level.ransac_px, maxIters=500)
    if found_h is None or mask is None:
        return None, 0
    inliers = int(mask.sum())
    if inliers < 6:
        return None, inliers
    fit: Mat = np.asarray(found_h, np.float64)
    refined: Mat = np.diag([1 / s, 1 / s, 1.0]) @ fit @ np.diag([src_scale, src_scale, 1.0])
    return refined, inliers


def _subpixel(res: npt.NDArray[np.float32], x: int, y: int) -> tuple[float, float]:
    """Parabola through the peak and its neighbours, per axis."""

    def vertex(a: float, b: float, c: float) -> float:
        d = a - 2 * b + c
        return 0.0 if d >= 0 else float(np.clip(0.5 * (a - c) / d, -0.5, 0.5))

    dx = vertex(res[y, x - 1], res[y, x], res[y, x + 1]) if 0 < x < res.shape[1] - 1 else 0.0
    dy = vertex(res[y - 1, x], res[y, x], res[y + 1, x]) if 0 < y < res.shape[0] - 1 else 0.0
    return dx, dy
