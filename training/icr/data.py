"""Real handwriting for the ICR model: EMNIST ByClass (test part) and MNIST (test part).

Both come from `../shared/datasets` (see its README). Classes are 0-9 and A-Z; lowercase
letters whose shape is the capital's (c k m o p s u v w x y z) count as that capital; the
other lowercase letters (a b d e f g h i j l n q r t) are classes of their own, after the
36 of the first model so their indices stay. `@` and `#` (no handwritten set has them)
are drawn from fonts by `symbols.py`.

Every source is split on its own by a fixed seed, and the split of the first model is
kept: the 36-class EMNIST items, the own-shape lowercase items and MNIST are three
separate splits, so the held-out test tiles (which bench/fresh_forms.py draws its hand
print from) are the same ones as before and never trained on.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

BASE_CLASSES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SAME_SHAPE_LOWER = "ckmopsuvwxyz"
OWN_LOWER = "abdefghijlnqrt"
SYMBOLS = "@#"
CLASSES = BASE_CLASSES + OWN_LOWER + SYMBOLS

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]


def load_emnist(root: Path, lower: bool = False) -> tuple[U8, I64]:
    """Tiles (N, 28, 28; ink bright) and class indices into CLASSES: the 36 base classes,
    or (`lower`) the lowercase letters with shapes of their own."""
    meta = json.loads((root / "test.json").read_text())
    tiles = []
    for name in meta["files"]:
        im = np.asarray(Image.open(root / name).convert("L"))
        per_row = im.shape[1] // 28
        rows = im.shape[0] // 28
        tiles.append(im.reshape(rows, 28, per_row, 28).transpose(0, 2, 1, 3).reshape(-1, 28, 28))
    x = np.concatenate(tiles)[: len(meta["id"])]
    chars = [chr(meta["mapping"][i]) for i in meta["id"]]
    if lower:
        y = np.array([CLASSES.index(c) if c in OWN_LOWER else -1 for c in chars], np.int64)
    else:
        y = np.array([_class_of(c) for c in chars], dtype=np.int64)
    keep = y >= 0
    return x[keep], y[keep]


def _class_of(c: str) -> int:
    """The base class of an EMNIST character; -1 for lowercase with a shape of its own
    (this decides the first model's split, which stays)."""
    if c in BASE_CLASSES:
        return CLASSES.index(c)
    if c in SAME_SHAPE_LOWER:
        return CLASSES.index(c.upper())
    return -1


def load_mnist(root: Path) -> tuple[U8, I64]:
    """MNIST digits (N, 28, 28; ink bright) and labels."""
    with gzip.open(root / "dev-images-idx3-ubyte.gz") as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 28, 28)
    with gzip.open(root / "dev-labels-idx1-ubyte.gz") as f:
        lab = f.read()
    y = np.frombuffer(lab, dtype=np.uint8, offset=8).astype(np.int64)
    return x.copy(), y


def split(n: int, seed: int, test: float = 0.10, val: float = 0.05
          ) -> tuple[I64, I64, I64]:
    """Fixed, seeded train / val / test index split."""
    perm = np.random.default_rng(seed).permutation(n)
    n_test, n_val = int(n * test), int(n * val)
    return perm[n_test + n_val:], perm[n_test:n_test + n_val], perm[:n_test]


def load_all(shared: Path, seed: int, base_only: bool = False
             ) -> dict[str, tuple[U8, I64]]:
    """{'train', 'val', 'test'} -> (tiles, labels), each source split on its own;
    `base_only`: the 36 base classes only (EMNIST base + MNIST, same split)."""
    parts: dict[str, list[tuple[U8, I64]]] = {"train": [], "val": [], "test": []}
    from symbols import render_symbols
    emnist = shared / "datasets/emnist_byclass"
    sources = [load_emnist(emnist), load_mnist(shared / "datasets/mnist_test")]
    if not base_only:
        sources += [load_emnist(emnist, lower=True), render_symbols(seed)]
    for x, y in sources:
        tr, va, te = split(len(y), seed)
        for name, idx in (("train", tr), ("val", va), ("test", te)):
            parts[name].append((x[idx], y[idx]))
    return {k: (np.concatenate([p[0] for p in v]), np.concatenate([p[1] for p in v]))
            for k, v in parts.items()}
