"""Cutting field zones out of a registered page and cleaning them for the engines.

Every reader starts here: the page is already in the reference frame, so a zone is the
field map's bbox, inset past the printed box line (registration leaves a few pixels of
error, and a box line read as "I" or "1" is the classic zonal-OCR mistake).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import cv2
import numpy as np

from taskmaster.engines.base import BBox, Gray
from taskmaster.imaging.quantiles import median, median_distance, percentile

INK = 128  # darker than this is ink: scans put paper at 200-255 and ink under 90
MIN_BLOB = 12  # connected components smaller than this (px) are scanner or fax speckle
SPECK_GREY = 200  # a speck is small still counting this grey as ink (paper is over 200)
PAD = 16  # white margin around a zone handed to Tesseract, which wants a quiet border
FLAT_MARGIN = 24  # px of context around a zone for the paper-level estimate
FLAT_KERNEL = 25  # max-filter size: wider than any pen or typed stroke
MIN_CONTRAST = 60.0  # ink this far under paper (after division) is really there
MAX_GAIN = 3.0  # faint ink made at most this much darker
DARKEST = 20.0  # the darkest ink is stretched to about this grey
PAPER_SIGMAS = 4.0  # paper noise this many deviations from the paper level is paper
GRAIN = 3.0  # paper noise (deviation, grey levels) from which a zone's paper is cleaned
_FLAT_REGIONS = 256  # flattened regions of the page being read remembered per thread
_flat = threading.local()  # .page: a weak reference to that page; .regions: its regions


def crop(page: Gray, bbox: BBox, inset: int = 0, *, inset_y: int | None = None) -> Gray:
    """The zone `bbox` of `page` shrunk by `inset` px on each side (clipped to the page)."""
    iy = inset if inset_y is None else inset_y
    h, w = page.shape
    x0, y0, x1, y1 = bbox
    x0, x1 = max(0, x0 + inset), min(w, x1 - inset)
    y0, y1 = max(0, y0 + iy), min(h, y1 - iy)
    if x1 <= x0 or y1 <= y0:
        return np.full((1, 1), 255, np.uint8)
    return np.ascontiguousarray(page[y0:y1, x0:x1])


def flat_crop(page: Gray, bbox: BBox, inset: int = 0, *, inset_y: int | None = None) -> Gray:
    """`crop`, with the paper made white and faint ink made black first (`flatten`).

    The flattening looks at a margin around the zone, so the background estimate at the
    zone's edge sees paper on both sides of the box line.
    """
    x0, y0, x1, y1 = bbox
    m = FLAT_MARGIN
    h, w = page.shape
    ox, oy = max(0, x0 - m), max(0, y0 - m)
    region = page[oy : min(h, y1 + m), ox : min(w, x1 + m)]
    if region.size == 0:
        return crop(page, bbox, inset, inset_y=inset_y)
    flat = _flattened(page, region, (ox, oy))
    out = crop(flat, (x0 - ox, y0 - oy, x1 - ox, y1 - oy), inset, inset_y=inset_y)
    # The remembered region stays as it is whatever the caller does with its zone.
    return out.copy() if np.may_share_memory(out, flat) else out


def _flattened(page: Gray, region: Gray, at: tuple[int, int]) -> Gray:
    """`flatten(region)`, remembered for the page being read: the readers cut one zone
    several times (a field, then its parts, a comb's cells, a re-read), ~0.3 ms each."""
    ref = getattr(_flat, "page", None)
    if ref is None or ref() is not page:
        _flat.page = weakref.ref(page)
        _flat.regions = OrderedDict()
    regions: OrderedDict[tuple[int, ...], Gray] = _flat.regions
    key = (*at, *region.shape)
    known = regions.get(key)
    if known is not None:
        return known
    flat = flatten(region)
    regions[key] = flat
    while len(regions) > _FLAT_REGIONS:
        regions.popitem(last=False)
    return flat


def flatten(img: Gray) -> Gray:
    """Background division and a bounded contrast stretch.

    Phone photos have grey, unevenly lit paper (150-220) and grey ink (80-140): Tesseract's
    global Otsu, on a zone padded with white, then takes the paper for ink, and the fixed
    `INK` threshold misses light strokes. Dividing by the local paper level (a max filter
    wider than any stroke) makes paper 255; the darkest ink is then stretched towards 0,
    by at most `MAX_GAIN`, and only when the zone clearly holds ink, so speckle on blank
    paper is not amplified. On clean scans and faxes this is (nearly) the identity.
    """
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (FLAT_KERNEL, FLAT_KERNEL))
    bg = np.maximum(cv2.dilate(img, k), 1)
    # img * 255 / bg in float32: the same values as numpy's, computed in one pass
    norm = cv2.divide(img, bg, scale=255.0, dtype=cv2.CV_32F)
    dark = percentile(norm, 0.5)
    if 255.0 - dark >= MIN_CONTRAST:
        gain = min(MAX_GAIN, max(1.0, (255.0 - DARKEST) / (255.0 - dark)))
        norm = 255.0 - (255.0 - norm) * gain
    return np.asarray(np.clip(norm, 0, 255), dtype=np.uint8)


def stretch(img: Gray) -> Gray:
    """`img` with its own darkest ink stretched towards black (as `flatten` does, but on
    this zone alone, by at most `MAX_GAIN`, and only when it clearly holds ink).

    `flat_crop` sets the stretch from the zone and its margin, where a printed box line
    is the darkest thing: inside a comb cell of a phone photo a thin typed digit stays
    grey (90-110), and the fixed `INK` threshold sees too little of it to call the cell
    filled.
    """
    if img.size == 0:
        return img
    dark = percentile(img, 0.5)
    if 255.0 - dark < MIN_CONTRAST:
        return img
    gain = min(MAX_GAIN, max(1.0, (255.0 - DARKEST) / (255.0 - dark)))
    if gain == 1.0:
        return img
    out = 255.0 - (255.0 - img.astype(np.float32)) * gain
    return np.asarray(np.clip(out, 0, 255), dtype=np.uint8)


def clean_paper(img: Gray) -> Gray:
    """The paper's grain made white: pixels within `PAPER_SIGMAS` noise deviations of the
    zone's paper level (its median: a text zone is mostly paper) become 255.

    A scanner's grey, noisy paper survives `flatten` as a texture of 200-250 greys; on a
    zone that is nearly all paper (a short name in a long box) Tesseract's own Otsu
    threshold then falls inside that texture and reads it as rows of letters ("REET TR
    RE" for "Ji"). Ink and its anti-aliased edges are far darker and are kept.
    """
    if img.size == 0:
        return img
    level = median(img)
    mad = median_distance(img, level)
    noise = 1.4826 * mad
    cut = level - PAPER_SIGMAS * noise
    if noise < GRAIN or cut <= INK:  # clean paper already, or no clear paper level
        return img
    out = img.copy()
    out[img > cut] = 255
    return out


def ink_mask(img: Gray, min_blob: int = MIN_BLOB) -> np.ndarray:
    """Boolean mask of ink, speckle removed."""
    mask = (img < INK).astype(np.uint8)
    if not mask.any():
        return mask.astype(bool)
    # Grana's block-based labelling: the same components as OpenCV's default for 8-way
    # connectivity (numbered in another order), its statistics in a third of the time.
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        mask, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    keep = stats[:, cv2.CC_STAT_AREA] >= min_blob
    keep[0] = False
    if keep[1:].all():  # no speckle: the mask as it is
        return mask.astype(bool)
    return np.asarray(keep[labels], dtype=bool)


def ink_ratio(img: Gray, min_blob: int = MIN_BLOB) -> float:
    """Share of the zone covered by ink (speckle excluded)."""
    if img.size == 0:
        return 0.0
    return float(ink_mask(img, min_blob).mean())


def erase_lines(
    img: Gray, *, depth: int = 10, row_frac: float = 0.5, col_frac: float = 0.85
) -> Gray:
    """Whiten what is left of the printed box line (or underline, or a dashed guide line)
    along the zone's edges: rows within `depth` px of the top or bottom that are at least
    `row_frac` ink, and columns near the left or right edge at least `col_frac` ink.

    Only the edge bands are touched: a general line filter also eats the bars of E, T
    and 7, and the serifs of typed letters joined up look like an underline.
    """
    ink = img < INK
    h, w = ink.shape
    out = img.copy()
    rows = ink.mean(axis=1)
    cols = ink.mean(axis=0)
    for y in [*range(min(depth, h)), *range(max(0, h - depth), h)]:
        if rows[y] >= row_frac:
            out[y, ink[y]] = 255
    for x in [*range(min(depth, w)), *range(max(0, w - depth), w)]:
        if cols[x] >= col_frac:
            out[ink[:, x], x] = 255
    return out


def glyph_mask(img: Gray, min_blob: int = MIN_BLOB) -> np.ndarray:
    """Boolean mask of the glyphs: where the grey around ink counts too (`SPECK_GREY`),
    the blobs holding at least `min_blob` px of ink. A typed serif's thin bar or arm is
    lighter than ink on a blurred photo or scan but is its letter's all the same."""
    ink = img < INK
    grey = (img < SPECK_GREY).astype(np.uint8)
    if not grey.any():
        return grey.astype(bool)
    _, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        grey, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    dark = np.bincount(labels[ink], minlength=len(stats))
    keep = dark >= min_blob
    keep[0] = False
    return np.asarray(keep[labels], dtype=bool)


def despeckle(img: Gray, min_blob: int = MIN_BLOB) -> Gray:
    """Whiten isolated specks (fax noise) so Tesseract does not read them as dots.

    A speck is ink outside every glyph (`glyph_mask`): the dark tip of a typed serif,
    joined to its stroke by grey on a blurred photo or scan, is its letter's (whitened,
    an E's arms and a T's bar came out with white holes Tesseract read as an I)."""
    out = img.copy()
    ink = img < INK
    if ink.any():
        out[ink & ~glyph_mask(img, min_blob)] = 255
    return out


def pad(img: Gray, margin: int = PAD) -> Gray:
    """`img` on a white margin."""
    return np.pad(img, margin, constant_values=255)


def ink_bbox(img: Gray, *, glyphs: bool = False) -> BBox | None:
    """Bounding box of the ink in `img` (its own pixels), None when blank; with `glyphs`,
    of its glyphs' grey as well (`glyph_mask`: a serif T's light bar is its width)."""
    ys, xs = np.nonzero(glyph_mask(img) if glyphs else ink_mask(img))
    if xs.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
