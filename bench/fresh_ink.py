"""Ink for fresh intake pages: typed text in Debian fonts, real handwritten characters
from ../shared/datasets (held-out test split only), signatures, and page degradations.

Used by bench/fresh_forms.py; see there.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from training.icr.data import OWN_LOWER, _class_of, split  # noqa: E402

Gray = npt.NDArray[np.uint8]
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation")]
FONTS = [
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansCondensed.ttf",
    "LiberationSans-Regular.ttf",
    "LiberationSerif-Regular.ttf",
    "LiberationMono-Regular.ttf",
    "LiberationSansNarrow-Regular.ttf",
    "LiberationSans-Bold.ttf",
]
SPLIT_SEED = 1234  # training/icr's split: only its test part is drawn here


def fonts() -> list[Path]:
    """The typed-text fonts present on this machine."""
    found = [d / f for f in FONTS for d in FONT_DIRS if (d / f).exists()]
    if not found:
        sys.exit("no DejaVu/Liberation fonts (apt-get install fonts-dejavu fonts-liberation)")
    return found


class Hand:
    """Handwritten characters nobody trained on: MNIST and EMNIST test-split tiles (lower
    case too). Punctuation is drawn as strokes; `@ # &` come from DejaVuSans, a font the
    ICR's drawn symbols (training/icr/symbols.py) never use."""

    def __init__(self, shared: Path, rng: random.Random) -> None:
        import gzip
        import json

        self.rng = rng
        self.tiles: dict[str, list[npt.NDArray[np.uint8]]] = {}
        root = shared / "datasets" / "emnist_byclass"
        meta = json.loads((root / "test.json").read_text())
        mosaics = []
        for name in meta["files"]:
            im = np.asarray(Image.open(root / name).convert("L"))
            r, c = im.shape[0] // 28, im.shape[1] // 28
            mosaics.append(im.reshape(r, 28, c, 28).transpose(0, 2, 1, 3).reshape(-1, 28, 28))
        x = np.concatenate(mosaics)[: len(meta["id"])]
        chars = [chr(meta["mapping"][i]) for i in meta["id"]]
        # Two splits, as training/icr/data.py makes them: the base classes, and the
        # lowercase letters with shapes of their own (trained on since the 52-class model).
        unseen: set[int] = set()
        for part in (
            np.array([_class_of(ch) >= 0 for ch in chars]),
            np.array([ch in OWN_LOWER for ch in chars]),
        ):
            kept = np.flatnonzero(part)
            unseen |= set(kept[split(len(kept), SPLIT_SEED)[2]].tolist())
        for i in sorted(unseen):
            self.tiles.setdefault(chars[i], []).append(x[i])
        mroot = shared / "datasets" / "mnist_test"
        with gzip.open(mroot / "dev-images-idx3-ubyte.gz") as f:
            raw = f.read()
        n = int.from_bytes(raw[4:8], "big")
        mx = np.frombuffer(raw, np.uint8, offset=16).reshape(n, 28, 28)
        with gzip.open(mroot / "dev-labels-idx1-ubyte.gz") as f:
            my = np.frombuffer(f.read(), np.uint8, offset=8)
        self.mnist: dict[str, list[npt.NDArray[np.uint8]]] = {}
        for i in split(n, SPLIT_SEED)[2]:
            self.mnist.setdefault(str(my[i]), []).append(mx[i])

    def glyph(self, ch: str, height: int, digits_from_mnist: bool = True) -> Gray:
        """Alpha (255 = ink) of one handwritten character, `height` px tall for a capital."""
        pool = (self.mnist if ch.isdigit() and digits_from_mnist else self.tiles).get(ch)
        if pool is None and ch.isalpha():
            pool = self.tiles.get(ch.swapcase())
        if pool is None:
            return self._stroke(ch, height)
        tile = pool[self.rng.randrange(len(pool))]
        ys, xs = np.nonzero(tile > 40)
        tile = tile[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        th, tw = tile.shape
        small = ch.islower() and ch not in "bdfhklt"
        h = int(height * (0.7 if small else 1.0))
        w = max(3, int(tw * h / th))
        big = cv2.resize(tile, (w, h), interpolation=cv2.INTER_CUBIC)
        return np.clip((big.astype(np.int32) - 60) * 2, 0, 255).astype(np.uint8)

    def _stroke(self, ch: str, height: int) -> Gray:
        """Punctuation and signs drawn with a pen (EMNIST has none)."""
        w = {
            "-": height // 2,
            ".": height // 5,
            ",": height // 5,
            "'": height // 5,
            "/": height // 2,
        }.get(ch, int(height * 0.9))
        img = np.zeros((height, max(w, 4)), np.uint8)
        pen = max(3, height // 9)
        j = self.rng.randint(-2, 2)
        if ch == "-":
            cv2.line(img, (1, height // 2 + j), (w - 2, height // 2 - j), 255, pen)
        elif ch == ".":
            cv2.circle(img, (w // 2, height - pen), pen, 255, -1)
        elif ch == ",":  # a dot on the line, a tail below it (hand_line drops it)
            img = np.zeros((height // 2, max(w, 4)), np.uint8)
            cv2.circle(img, (w // 2 + 1, pen), pen, 255, -1)
            cv2.line(img, (w // 2 + pen // 2, pen), (1, height // 2 - 2), 255, max(2, pen // 2 + 1))
        elif ch == "'":
            cv2.line(img, (w // 2, 0), (w // 2 - 1, height // 3), 255, pen)
        elif ch == "/":
            cv2.line(img, (w - 2, 0), (1, height - 1), 255, pen)
        else:  # '@', '#', '&': a font glyph, slanted a little
            font = ImageFont.truetype(str(fonts()[0]), int(height * 1.1))
            pil = Image.new("L", (w, height), 0)
            ImageDraw.Draw(pil).text((w // 2, height // 2), ch, fill=255, font=font, anchor="mm")
            img = np.asarray(pil).copy()
        return img


def stamp(page: Gray, alpha: Gray, x: int, y: int, level: int) -> None:
    """Put ink `alpha` at (x, y) (top-left) in darkness `level` (0 = black)."""
    h, w = alpha.shape
    ph, pw = page.shape
    if x < 0 or y < 0 or x + w > pw or y + h > ph:
        return
    region = page[y : y + h, x : x + w]
    ink = (level + (255 - level) * (1 - alpha.astype(np.float32) / 255)).astype(np.uint8)
    np.minimum(region, ink, out=region)


def hand_line(
    page: Gray,
    hand: Hand,
    text: str,
    box: tuple[int, int, int, int],
    height: int,
    level: int,
    rng: random.Random,
) -> None:
    """Hand-print `text` left to right in `box`, baseline jitter and uneven gaps."""
    x0, y0, x1, y1 = box
    glyphs = [None if c == " " else hand.glyph(c, height) for c in text]
    gap = int(height * rng.uniform(0.15, 0.3))
    total = sum(height if g is None else g.shape[1] + gap for g in glyphs)
    scale = min(1.0, (x1 - x0 - 30) / max(total, 1))
    x = x0 + rng.randint(10, 25)
    base = (y0 + y1) // 2 + height // 2 + rng.randint(-3, 3)
    for ch, g in zip(text, glyphs, strict=True):
        if g is None:
            x += int(height * 0.8 * scale)
            continue
        if scale < 1.0:
            g = cast(
                Gray,
                cv2.resize(g, (max(3, int(g.shape[1] * scale)), max(3, int(g.shape[0] * scale)))),
            )
        drop = g.shape[0] * 2 // 3 if ch == "," else 0  # a comma's tail hangs below the line
        stamp(page, g, x, base - g.shape[0] + drop + rng.randint(-2, 2), level)
        x += g.shape[1] + int(gap * scale)


def signature(page: Gray, box: tuple[int, int, int, int], rng: random.Random) -> None:
    """A cursive-looking scribble over the signature line."""
    x0, y0, x1, y1 = box
    n = rng.randint(25, 45)
    xs = np.linspace(x0 + 60, x0 + rng.randint(400, x1 - x0 - 100), n)
    ys = (y0 + y1) / 2 + 25 * np.sin(np.arange(n) * rng.uniform(0.9, 1.6)) + rng.uniform(-10, 10)
    pts = np.stack([xs + np.array([rng.uniform(-8, 8) for _ in xs]), ys], 1).astype(np.int32)
    cv2.polylines(page, [pts], False, rng.randint(10, 60), rng.randint(3, 5), cv2.LINE_AA)


def degrade(page: Gray, kind: str, rng: random.Random) -> Gray:
    """clean | scan | fax | phone | jpeg (the caller writes JPEG for `jpeg` and `phone`)."""
    h, w = page.shape
    if kind == "clean":
        return page
    if kind in ("scan", "fax", "jpeg"):
        m = cast(
            npt.NDArray[np.float64],
            cv2.getRotationMatrix2D(
                (w / 2, h / 2), rng.uniform(-1.5, 1.5), rng.uniform(0.98, 1.02)
            ),
        )
        m[:, 2] += (rng.uniform(-25, 25), rng.uniform(-25, 25))
        page = cast(Gray, cv2.warpAffine(page, m, (w, h), borderValue=255))
    if kind == "scan":
        out = cv2.GaussianBlur(page, (0, 0), rng.uniform(0.5, 1.0)).astype(np.float32)
        out = out * rng.uniform(0.85, 0.95) + rng.uniform(5, 20)
        out += np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(4, 12), (h, w))
        return np.clip(out, 0, 255).astype(np.uint8)
    if kind == "fax":  # 200 x 100 dpi, 1 bit, as a fax server renders it back at 300 dpi
        small = cv2.resize(page, (w * 2 // 3, h // 3), interpolation=cv2.INTER_AREA)
        bw = np.where(small > rng.randint(140, 190), 255, 0).astype(np.uint8)
        flip = np.random.default_rng(rng.randrange(1 << 30)).random(bw.shape) < 0.0015
        bw[flip] = 255 - bw[flip]
        return cast(Gray, cv2.resize(bw, (w, h), interpolation=cv2.INTER_NEAREST))
    if kind == "jpeg":
        return page
    if kind == "phone":
        pad = 120
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        dst = np.array(
            [[pad + rng.uniform(-80, 80), pad + rng.uniform(-80, 80)] for _ in range(4)], np.float32
        )
        dst += np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        size = (w + 2 * pad, h + 2 * pad)
        out = cv2.warpPerspective(
            page, cv2.getPerspectiveTransform(src, dst), size, borderValue=rng.randint(60, 120)
        ).astype(np.float32)
        yy, xx = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
        light = 1 - 0.25 * ((xx / size[0] - rng.random()) ** 2 + (yy / size[1] - rng.random()) ** 2)
        out = cv2.GaussianBlur(out * light, (0, 0), rng.uniform(0.8, 1.6))
        return cast(Gray, np.clip(out, 0, 255).astype(np.uint8))
    raise ValueError(kind)
