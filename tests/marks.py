"""Checkbox marks as people make them, drawn onto a printed square (tests and bench).

`draw_mark(img, box, kind, rng, pen)` draws one mark into a greyscale image over the
printed square `box` (x0, y0, x1, y1). Kinds a reader must read as marked: `x`, `tick`,
`circle`, `partial` (one short slash), `fill` (blacked out), `scribble` (a dense zigzag
filling the box). Kinds that must go to review: `crossed` (a mark scribbled over, ink
well past the box), `half` (the lower half filled). `pen` is `light`, `normal` or
`heavy` (stroke width and darkness).
"""

from __future__ import annotations

import random

import cv2
import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]
MARKED = ("x", "tick", "circle", "partial", "fill", "scribble")
AMBIGUOUS = ("crossed", "half")
PENS = {"light": (2, 110), "normal": (4, 40), "heavy": (7, 10)}  # width px, ink level


def _jit(rng: random.Random, side: int, share: float = 0.08) -> float:
    return rng.uniform(-share, share) * side


def _strokes(
    kind: str, box: tuple[int, int, int, int], rng: random.Random
) -> tuple[list[npt.NDArray[np.int32]], bool]:
    """Polylines (and whether to fill them as polygons) for one mark."""
    x0, y0, x1, y1 = box
    s = x1 - x0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2

    def pt(fx: float, fy: float) -> list[float]:
        return [x0 + fx * s + _jit(rng, s), y0 + fy * s + _jit(rng, s)]

    if kind == "x":
        lines = [[pt(0.15, 0.15), pt(0.85, 0.85)], [pt(0.85, 0.15), pt(0.15, 0.85)]]
    elif kind == "tick":
        lines = [[pt(0.2, 0.55), pt(0.42, 0.82), pt(0.9, rng.uniform(-0.15, 0.2))]]
    elif kind == "circle":
        r = s * rng.uniform(0.28, 0.4)
        t = np.linspace(0, 2 * np.pi * rng.uniform(1.0, 1.15), 40)
        lines = [
            [
                [
                    cx + r * np.cos(a) * rng.uniform(0.95, 1.05),
                    cy + r * np.sin(a) * rng.uniform(0.95, 1.05),
                ]
                for a in t
            ]
        ]
    elif kind == "partial":
        lines = [[pt(0.3, 0.7), pt(0.7, 0.3)]]
    elif kind == "scribble":
        n = rng.randint(7, 11)
        lines = [[pt(0.1 + 0.8 * (i % 2), 0.08 + 0.84 * i / (n - 1)) for i in range(n)]]
    elif kind == "fill":
        return [
            np.array([pt(0.05, 0.05), pt(0.95, 0.05), pt(0.95, 0.95), pt(0.05, 0.95)], np.int32)
        ], True
    elif kind == "half":
        return [
            np.array([[x0 + 4, cy], [x1 - 4, cy], [x1 - 4, y1 - 4], [x0 + 4, y1 - 4]], np.int32)
        ], True
    elif kind == "crossed":
        n = 14  # steep zigzag strokes from far above the box to far below it
        lines = [
            [
                [
                    x0 + s * (-0.4 + 1.8 * i / (n - 1) - 0.5 * (i % 2)) + _jit(rng, s),
                    y0 + s * (-0.45 + 1.9 * (i % 2)) + _jit(rng, s),
                ]
                for i in range(n)
            ]
        ]
    else:
        raise ValueError(f"unknown mark kind {kind!r}")
    return [np.array(line, np.int32) for line in lines], False


def draw_mark(
    img: Gray, box: tuple[int, int, int, int], kind: str, rng: random.Random, pen: str = "normal"
) -> None:
    """Draw mark `kind` over the printed square `box` of `img` (in place)."""
    width, level = PENS[pen]
    if kind in ("scribble", "crossed"):
        width = max(width, 6)  # a scribble is made to cover the box
    polys, filled = _strokes(kind, box, rng)
    layer = np.zeros_like(img)
    if filled:
        cv2.fillPoly(layer, polys, 255)
    else:
        cv2.polylines(layer, polys, False, 255, width, lineType=cv2.LINE_AA)
    shade = (level + (255 - level) * (1 - layer.astype(np.float32) / 255)).astype(np.uint8)
    np.minimum(img, shade, out=img)


def printed_box(
    side: int = 44, size: int = 70, offset: tuple[int, int] = (0, 0)
) -> tuple[Gray, tuple[int, int, int, int]]:
    """A blank crop with a printed 3 px square, and the square's box."""
    img = np.full((size, size), 255, np.uint8)
    x0 = (size - side) // 2 + offset[0]
    y0 = (size - side) // 2 + offset[1]
    cv2.rectangle(img, (x0, y0), (x0 + side - 1, y0 + side - 1), 0, 3)
    return img, (x0, y0, x0 + side, y0 + side)


def fax(img: Gray, threshold: int = 150) -> Gray:
    """Fax it: 200 x 100 dpi, 1-bit, back to 300 dpi."""
    h, w = img.shape
    small = cv2.resize(img, (w * 2 // 3, h // 3), interpolation=cv2.INTER_AREA)
    bw = np.where(small > threshold, 255, 0).astype(np.uint8)
    return np.asarray(cv2.resize(bw, (w, h), interpolation=cv2.INTER_NEAREST), np.uint8)


def photo(img: Gray, rng: random.Random) -> Gray:
    """Photograph it: blur, uneven light, noise, JPEG."""
    out = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.8, 1.6)).astype(np.float32)
    h, w = img.shape
    ramp = np.linspace(rng.uniform(0.75, 0.95), 1.0, w, dtype=np.float32)[None, :]
    lit = out * ramp + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 6, (h, w))
    ok, enc = cv2.imencode(
        ".jpg", np.clip(lit, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 70]
    )
    assert ok
    return np.asarray(cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE), np.uint8)
