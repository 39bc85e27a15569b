"""Real handwriting for the ICR model: EMNIST ByClass (test part) and MNIST (test part).

Both come from `../shared/datasets` (see its README). Classes are 0-9 and A-Z; lowercase
letters whose shape is the capital's (c k m o p s u v w x y z) count as that capital, the
other lowercase letters are dropped. The held-out split is fixed by a seed and never
trained on.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

CLASSES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SAME_SHAPE_LOWER = "ckmopsuvwxyz"

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]


def load_emnist(root: Path) -> tuple[U8, I64]:
    """Tiles (N, 28, 28; ink bright) and class indices into CLASSES."""
    meta = json.loads((root / "test.json").read_text())
    tiles = []
    for name in meta["files"]:
        im = np.asarray(Image.open(root / name).convert("L"))
        per_row = im.shape[1] // 28
        rows = im.shape[0] // 28
        tiles.append(im.reshape(rows, 28, per_row, 28).transpose(0, 2, 1, 3).reshape(-1, 28, 28))
    x = np.concatenate(tiles)[: len(meta["id"])]
    chars = [chr(meta["mapping"][i]) for i in meta["id"]]
    y = np.array([_class_of(c) for c in chars], dtype=np.int64)
    keep = y >= 0
    return x[keep], y[keep]


def _class_of(c: str) -> int:
    if c in CLASSES:
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


def load_all(shared: Path, seed: int) -> dict[str, tuple[U8, I64]]:
    """{'train', 'val', 'test'} -> (tiles, labels), each source split on its own."""
    parts: dict[str, list[tuple[U8, I64]]] = {"train": [], "val": [], "test": []}
    for x, y in (load_emnist(shared / "datasets/emnist_byclass"),
                 load_mnist(shared / "datasets/mnist_test")):
        tr, va, te = split(len(y), seed)
        for name, idx in (("train", tr), ("val", va), ("test", te)):
            parts[name].append((x[idx], y[idx]))
    return {k: (np.concatenate([p[0] for p in v]), np.concatenate([p[1] for p in v]))
            for k, v in parts.items()}
