"""`@` and `#` tiles for the ICR: no handwritten set has them, so they are drawn.

Each tile is a font glyph (Liberation, Noto, DejaVu Serif/Mono and obliques; never
DejaVuSans.ttf, the font bench/fresh_ink.py draws its `@` with) bent like a pen stroke:
random rotation, shear, a smooth elastic warp and a varied stroke width, then cropped
and fitted EMNIST style into 28x28 with the ink bright, so `augment.py` treats it as it
treats a real character.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

FONT_ROOT = Path("/usr/share/fonts/truetype")
PER_SYMBOL = 1200
EXCLUDED = {"DejaVuSans.ttf", "DejaVuMathTeXGyre.ttf", "DroidSansFallbackFull.ttf"}


def _fonts() -> list[Path]:
    return sorted(p for p in FONT_ROOT.glob("*/*.ttf") if p.name not in EXCLUDED)


def _glyph(ch: str, font: Path, rng: np.random.Generator) -> U8:
    pil = Image.new("L", (96, 96), 0)
    f = ImageFont.truetype(str(font), int(rng.integers(44, 60)))
    ImageDraw.Draw(pil).text((48, 48), ch, fill=255, font=f, anchor="mm")
    img = np.asarray(pil).astype(np.float32)
    m = cv2.getRotationMatrix2D((48, 48), float(rng.uniform(-12, 12)),
                                float(rng.uniform(0.85, 1.1)))
    m[0, 1] += rng.uniform(-0.3, 0.3)
    m[1, 0] += rng.uniform(-0.1, 0.1)
    img = cv2.warpAffine(img, m, (96, 96))
    # Elastic warp: a smooth random displacement, as a hand wobbles.
    amp, sigma = rng.uniform(1.5, 4.0), rng.uniform(6, 10)
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (96, 96)).astype(np.float32), (0, 0), sigma)
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (96, 96)).astype(np.float32), (0, 0), sigma)
    dx *= amp / max(float(np.abs(dx).max()), 1e-6)
    dy *= amp / max(float(np.abs(dy).max()), 1e-6)
    yy, xx = np.mgrid[0:96, 0:96].astype(np.float32)
    img = cv2.remap(img, xx + dx, yy + dy, cv2.INTER_LINEAR)
    k = int(rng.integers(0, 4))
    if k:
        img = cv2.dilate(img, np.ones((k, k), np.uint8))
    ys, xs = np.nonzero(img > 60)
    if ys.size == 0:
        return np.zeros((28, 28), np.uint8)
    crop = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = crop.shape
    s = 20 / max(h, w)
    small = cv2.resize(crop, (max(1, round(w * s)), max(1, round(h * s))),
                       interpolation=cv2.INTER_AREA)
    out = np.zeros((28, 28), np.float32)
    y0, x0 = (28 - small.shape[0]) // 2, (28 - small.shape[1]) // 2
    out[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
    return np.clip(out, 0, 255).astype(np.uint8)


def render_symbols(seed: int) -> tuple[U8, I64]:
    """PER_SYMBOL tiles of each of `@` and `#`, labelled with their class indices."""
    from data import CLASSES, SYMBOLS

    rng = np.random.default_rng((seed, 64))
    fonts = _fonts()
    xs, ys = [], []
    for ch in SYMBOLS:
        for _ in range(PER_SYMBOL):
            xs.append(_glyph(ch, fonts[int(rng.integers(len(fonts)))], rng))
            ys.append(CLASSES.index(ch))
    return np.stack(xs), np.array(ys, dtype=np.int64)
