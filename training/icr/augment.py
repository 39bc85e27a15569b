"""Synthetic comb cells from real handwritten characters.

A 28x28 EMNIST/MNIST tile is enlarged to the size a character has in a 300 dpi comb cell
(about 58x72 px), distorted (affine, stroke thickness), dropped into a cell with box-line
remnants at its edges, degraded like a scan or a fax (blur, 1-bit binarisation, speckle,
JPEG) and then run through the runtime's own `clean_cell` + `normalise`, so training
input and inference input are made by the same code.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from taskmaster.engines.icr.preprocess import Tensor, clean_cell, normalise

U8 = npt.NDArray[np.uint8]


def glyph_mask(tile: U8, rng: np.random.Generator, cell_h: int) -> npt.NDArray[np.bool_]:
    """The tile's character, enlarged, distorted and thresholded to an ink mask."""
    ys, xs = np.nonzero(tile > 40)
    if ys.size == 0:
        return np.zeros((4, 4), dtype=bool)
    crop = tile[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32)
    h, w = crop.shape
    target_h = rng.uniform(0.42, 0.82) * cell_h
    s = target_h / h
    sx = s * rng.uniform(0.8, 1.2)
    big = cv2.resize(crop, (max(1, round(w * sx)), max(1, round(h * s))),
                     interpolation=cv2.INTER_CUBIC)
    # Affine: rotation +-10 deg, shear, on a padded canvas so nothing is clipped.
    pad = int(0.4 * max(big.shape)) + 4
    big = cv2.copyMakeBorder(big, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0.0)
    bh, bw = big.shape
    m = cv2.getRotationMatrix2D((bw / 2, bh / 2), rng.uniform(-10, 10), 1.0)
    m[0, 1] += rng.uniform(-0.25, 0.25)
    big = cv2.warpAffine(big, m, (bw, bh), flags=cv2.INTER_LINEAR)
    # Stroke thickness: the threshold on the smooth enlargement, then erode/dilate.
    mask = big > rng.uniform(50, 190)
    r = rng.random()
    if r < 0.2:
        k = int(rng.integers(2, 4))
        mask = cv2.dilate(mask.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    elif r < 0.3:
        mask = cv2.erode(mask.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return np.zeros((4, 4), dtype=bool)
    return np.asarray(mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1])


def render_cell(tile: U8, rng: np.random.Generator) -> U8:
    """A greyscale comb-cell crop (0 = ink) holding the tile's character."""
    ch = int(rng.integers(56, 84))
    cw = int(ch * rng.uniform(0.7, 0.95))
    g = glyph_mask(tile, rng, ch)
    gh, gw = g.shape
    ink = np.zeros((ch, cw), dtype=bool)
    # Place near the centre; sometimes off to a side so it touches the box line.
    y0 = int((ch - gh) / 2 + rng.normal(0, 0.08 * ch))
    x0 = int((cw - gw) / 2 + rng.normal(0, 0.10 * cw))
    ys0, xs0 = max(y0, 0), max(x0, 0)
    ys1, xs1 = min(y0 + gh, ch), min(x0 + gw, cw)
    if ys1 > ys0 and xs1 > xs0:
        ink[ys0:ys1, xs0:xs1] = g[ys0 - y0:ys1 - y0, xs0 - x0:xs1 - x0]
    if rng.random() < 0.75:
        _add_box_lines(ink, rng)
    return _degrade(ink, rng)


def _add_box_lines(ink: npt.NDArray[np.bool_], rng: np.random.Generator) -> None:
    h, w = ink.shape
    for side in range(4):
        if rng.random() > 0.55:
            continue
        t = int(rng.integers(1, 6))
        off = int(rng.integers(-t + 1, 6))  # <0: partly outside the crop
        a, b = max(off, 0), max(off + t, 1)
        tilt = int(rng.integers(-2, 3)) if rng.random() < 0.3 else 0
        n = h if side >= 2 else w
        for i in range(n):
            d = (tilt * i) // n
            lo, hi = max(a + d, 0), max(b + d, 0)
            if side == 0:
                ink[lo:hi, i] = True
            elif side == 1:
                ink[h - hi:h - lo if lo else h, i] = True
            elif side == 2:
                ink[i, lo:hi] = True
            else:
                ink[i, w - hi:w - lo if lo else w] = True


def _degrade(ink: npt.NDArray[np.bool_], rng: np.random.Generator) -> U8:
    """Paper and pen as a scanner, a fax or a phone camera leave them."""
    paper, dark = rng.uniform(185, 255), rng.uniform(0, 110)
    img = np.where(ink, dark, paper).astype(np.float32)
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.3))
    if rng.random() < 0.5:
        img += rng.normal(0, rng.uniform(2, 14), img.shape).astype(np.float32)
    img = np.clip(img, 0, 255)
    mode = rng.random()
    if mode < 0.15:  # 1-bit at full resolution at a random threshold
        img = np.where(img < rng.uniform(90, 200), 0.0, 255.0).astype(np.float32)
    elif mode < 0.4:  # fax: 200 x 100 dpi, 1 bit, rendered back at 300 dpi
        img = _fax(img, rng)
    elif mode < 0.55:  # phone photo: defocus, uneven light, resampled
        img = _phone(img, rng)
    out = img.astype(np.uint8)
    if rng.random() < 0.3:  # speckle, both ways
        p = rng.uniform(0.0005, 0.006)
        r = rng.random(out.shape)
        out[r < p] = 0
        out[r > 1 - p] = 255
    if rng.random() < 0.3:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 85))])
        if ok:
            out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out


def _fax(img: npt.NDArray[np.float32], rng: np.random.Generator) -> npt.NDArray[np.float32]:
    h, w = img.shape
    fx, fy = rng.uniform(0.6, 0.75), rng.uniform(0.3, 0.4)
    small = cv2.resize(img, (max(2, round(w * fx)), max(2, round(h * fy))),
                       interpolation=cv2.INTER_AREA)
    bw = np.where(small > rng.uniform(130, 195), 255.0, 0.0).astype(np.float32)
    back = cv2.resize(bw, (w, h), interpolation=cv2.INTER_NEAREST)
    if rng.random() < 0.5:  # the page is registered: resampled once more
        back = cv2.GaussianBlur(back, (0, 0), rng.uniform(0.3, 0.8))
    return np.asarray(back, dtype=np.float32)


def _phone(img: npt.NDArray[np.float32], rng: np.random.Generator) -> npt.NDArray[np.float32]:
    h, w = img.shape
    s = rng.uniform(0.55, 0.9)  # photographed smaller than 300 dpi, scaled back
    small = cv2.resize(img, (max(2, round(w * s)), max(2, round(h * s))),
                       interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), rng.uniform(0.5, 1.3))
    out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1 - rng.uniform(0, 0.3) * ((xx / w - rng.random()) ** 2 + (yy / h - rng.random()) ** 2)
    out = out * light * rng.uniform(0.7, 1.0) + rng.uniform(0, 30)
    return np.asarray(np.clip(out, 0, 255), dtype=np.float32)


def clean_input(tile: U8) -> Tensor:
    """The tile without augmentation, normalised the runtime way (for clean evaluation)."""
    return normalise(tile > 100)


def augmented_input(tile: U8, rng: np.random.Generator) -> Tensor:
    """One augmented training input; falls back to the clean tile when ink was lost."""
    mask = clean_cell(render_cell(tile, rng))
    if mask.sum() < 12:
        return clean_input(tile)
    return normalise(mask)
