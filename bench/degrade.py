"""Make degraded copies of the intake samples, to check the capture on scans it never saw.

Each copy is turned (±3°), scaled (±5%) and shifted, then one of: JPEG at quality 60,
re-scanned at 200 dpi as 1-bit fax, re-scanned at 150 dpi, or Gaussian noise. Ground
truth and manifest are written beside them, so `bench/intake.py --samples OUT` scores them.

    .venv/bin/python bench/degrade.py /tmp/variants && \\
    .venv/bin/python bench/intake.py --samples /tmp/variants --no-baseline
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))


def degrade(img: np.ndarray, rng: random.Random) -> tuple[np.ndarray, str]:
    h, w = img.shape
    m = cast(
        npt.NDArray[np.float64],
        cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-3, 3), rng.uniform(0.95, 1.05)),
    )
    m[:, 2] += (rng.uniform(-40, 40), rng.uniform(-40, 40))
    out = cv2.warpAffine(img, m, (w, h), borderValue=255)
    kind = rng.choice(["jpeg", "fax200", "dpi150", "noise"])
    if kind == "fax200":
        out = cv2.resize(out, None, fx=2 / 3, fy=2 / 3, interpolation=cv2.INTER_AREA)
        out = np.where(out > 150, 255, 0).astype(np.uint8)
    elif kind == "dpi150":
        out = cv2.resize(out, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    elif kind == "noise":
        noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 18, out.shape)
        out = np.clip(out.astype(int) + noise, 0, 255).astype(np.uint8)
    return out, kind


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    src = SHARED / "forms" / "intake" / "samples"
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    manifest = ["file\tstyle\tnoise"]
    rows = list(csv.DictReader((src / "manifest.tsv").read_text().splitlines(), delimiter="\t"))
    for row in rows:
        scan = cv2.imread(str(src / row["file"]), cv2.IMREAD_GRAYSCALE)
        assert scan is not None, row["file"]
        img, kind = degrade(scan, rng)
        stem = Path(row["file"]).stem + f"_{kind}"
        name = stem + (".jpg" if kind == "jpeg" else ".png")
        params = [cv2.IMWRITE_JPEG_QUALITY, 60] if kind == "jpeg" else []
        cv2.imwrite(str(args.out / name), img, params)
        truth = json.loads((src / row["file"]).with_suffix(".json").read_text())
        (args.out / f"{stem}.json").write_text(json.dumps({**truth, "file": name}))
        manifest.append(f"{name}\t{row['style']}\t{kind}")
    (args.out / "manifest.tsv").write_text("\n".join(manifest) + "\n")
    print(f"{len(manifest) - 1} degraded copies in {args.out}")


if __name__ == "__main__":
    main()
