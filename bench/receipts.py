"""Receipts benchmark: SROIE key-field F1 from our own OCR, and confidence calibration.

    PYTHONPATH=src .venv/bin/python bench/receipts.py [--ocr rapid|tesseract] [--fit]

Reads ../shared/datasets/sroie (or $TASKMASTER_SHARED/datasets/sroie). Each receipt is
read once with the project's OCR (`read_page_words` on the `--ocr` engine; RapidOCR's
line records are cached and turned into words by `engines.rapid.lines_to_words`, exactly
what its `read_page` does) and the reading is cached under $TASKMASTER_BENCH_CACHE
(default ~/.cache/taskmaster-bench), so
re-running after a change to the locators takes seconds. Receipts are split by sorted
id: the first 150 are where the rules were tuned, the last 50 are held out.

Scores follow SROIE: a field is right when its value equals the key after whitespace
normalisation; precision = right / predicted, recall = right / non-empty keys.
`--fit` prints a calibration table per field (isotonic fit of raw confidence -> share
right, on the tune part) to paste into the app YAML's `locate.calibration`.
Results go to bench/results/receipts.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from taskmaster.apps.loader import load_application
from taskmaster.apps.schema import PageType
from taskmaster.engines.base import OcrEngine
from taskmaster.engines.rapid import RapidOcrEngine, lines_to_words
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.locating import extract_fields
from taskmaster.locating.layout import normalise_space
from taskmaster.pipeline.words import words_from_json, words_to_json

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
SROIE = SHARED / "datasets" / "sroie"
CACHE = Path(os.environ.get("TASKMASTER_BENCH_CACHE", Path.home() / ".cache" / "taskmaster-bench"))
APP = ROOT / "src" / "taskmaster" / "apps" / "builtin" / "receipts" / "app.yaml"
FIELDS = ("company", "date", "address", "total")
TUNE = 150
Z = 1.0  # calibration: the share right is promised with this many standard errors


def ocr_words(key: str, engine: OcrEngine) -> tuple[dict[str, Any], float]:
    """Cached OCR of one receipt: {"size": [w, h], "words": [...]} and seconds spent."""
    from taskmaster.locating.ocr_prep import PREP_VERSION, read_page_words

    if isinstance(engine, RapidOcrEngine):
        return rapid_words(key, engine)
    path = CACHE / f"sroie-{engine.version()}-prep{PREP_VERSION}" / f"{key}.json"
    if path.exists():
        return json.loads(path.read_text()), 0.0
    gray = np.asarray(Image.open(SROIE / "img" / f"{key}.jpg").convert("L"))
    t0 = time.perf_counter()
    words = read_page_words(engine, gray)
    spent = time.perf_counter() - t0
    data = {"size": [gray.shape[1], gray.shape[0]], "words": words_to_json(words)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return data, spent


def rapid_words(key: str, engine: RapidOcrEngine) -> tuple[dict[str, Any], float]:
    """Cached RapidOCR reading of one receipt (raw line records, as `read_lines` gives)."""
    path = CACHE / "sroie-rapid-raw" / f"{key}.json"
    spent = 0.0
    if path.exists():
        data = json.loads(path.read_text())
    else:
        gray = np.asarray(Image.open(SROIE / "img" / f"{key}.jpg").convert("L"))
        t0 = time.perf_counter()
        lines = engine.read_lines(gray)
        spent = time.perf_counter() - t0
        data = {"size": [gray.shape[1], gray.shape[0]], "lines": lines, "s": spent}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data))
    return {"size": data["size"], "words": words_to_json(lines_to_words(data["lines"]))}, spent


def score(rows: list[dict[str, Any]], threshold: float = 0.9) -> dict[str, Any]:
    """SROIE precision/recall/F1 per field and overall, and the auto-accept error rate
    ("ok": confidence at or above `threshold`, the application's accept_confidence)."""
    out: dict[str, Any] = {}
    for f in (*FIELDS, "all"):
        sel = [r for r in rows if f in ("all", r["field"])]
        right = sum(r["right"] for r in sel)
        pred = sum(r["pred"] is not None for r in sel)
        keys = sum(bool(r["truth"]) for r in sel)
        ok = [r for r in sel if r["pred"] is not None and r["conf"] >= threshold]
        p, rc = right / max(1, pred), right / max(1, keys)
        out[f] = {
            "precision": round(p, 3),
            "recall": round(rc, 3),
            "f1": round(2 * p * rc / max(1e-9, p + rc), 3),
            "n": len(sel) if f != "all" else len(sel) // len(FIELDS),
            "ok": len(ok),
            "ok_wrong": sum(not r["right"] for r in ok),
            "ok_error_rate": round(sum(not r["right"] for r in ok) / max(1, len(ok)), 4),
        }
    return out


def fit_calibration(rows: list[dict[str, Any]], steps: int = 20) -> dict[str, list[list[float]]]:
    """Per field: raw confidence -> the share right among the tuning values at least as
    confident (a lower bound, Z standard errors), as a step table.

    That is what auto-accepting at a threshold promises: of the values accepted at
    `accept_confidence` and above, at least that share were right on the tuning part.
    Each step takes the best bound of any threshold at or below it, so the table rises
    with the raw confidence and the accepted values are exactly one such tail.
    """
    tables: dict[str, list[list[float]]] = {}
    for f in FIELDS:
        sel = sorted(
            (
                (r["raw"], float(r["right"]))
                for r in rows
                if r["field"] == f and r["pred"] is not None
            ),
            reverse=True,
        )
        if len(sel) < steps:
            continue
        # tail[i]: (raw, bound) for the i+1 most confident values
        right, tail = 0.0, []
        for i, (x, y) in enumerate(sel):
            right += y
            tail.append((x, wilson_low(right / (i + 1), i + 1, Z)))
        tail.reverse()  # ascending raw
        cuts = sorted({tail[k * len(tail) // steps][0] for k in range(steps)})
        best, table = 0.0, []
        for k, x in enumerate(cuts):
            # the bound of the tail that starts at this cut (first value with raw >= x)
            best = max(best, next(b for r, b in tail if r >= x))
            hi = cuts[k + 1] - 0.001 if k + 1 < len(cuts) else 1.0
            table += [[round(x, 3), round(best, 3)], [round(max(x, hi), 3), round(best, 3)]]
        # a run of equal values needs only its ends
        tables[f] = [
            p
            for i, p in enumerate(table)
            if i in (0, len(table) - 1) or not table[i - 1][1] == p[1] == table[i + 1][1]
        ]
    return tables


def wilson_low(p: float, n: float, z: float = 1.0) -> float:
    """Lower end of the Wilson score interval for a share `p` right out of `n`."""
    centre = p + z * z / (2 * n)
    spread = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return max(0.0, float((centre - spread) / (1 + z * z / n)))


def without_calibration(page_type: PageType) -> PageType:
    """The page type with every field's calibration table removed (raw confidences)."""
    fields = [
        f.model_copy(update={"locate": {k: v for k, v in f.locate.items() if k != "calibration"}})
        for f in page_type.fields
    ]
    return page_type.model_copy(update={"fields": fields})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="only the first N receipts")
    ap.add_argument("--fit", action="store_true", help="print calibration tables")
    ap.add_argument("--show", default="", help="print mistakes of this field")
    ap.add_argument(
        "--ocr",
        choices=["rapid", "tesseract"],
        default="rapid",
        help="full-page OCR engine (default: rapid, the receipts' engine)",
    )
    ap.add_argument(
        "--part",
        choices=["tune", "holdout", "both"],
        default="both",
        help="which part to read (holdout: the last 50 only)",
    )
    ap.add_argument(
        "--cached",
        action="store_true",
        help="only receipts RapidOCR has already read (while a cache fills)",
    )
    args = ap.parse_args()
    if not SROIE.exists():
        print(f"no SROIE data at {SROIE}", file=sys.stderr)
        return 2
    app = load_application(APP)
    page_type = app.page_type("receipt")
    uncalibrated = without_calibration(page_type)
    engine: OcrEngine = RapidOcrEngine() if args.ocr == "rapid" else TesseractEngine()
    keys = sorted(p.stem for p in (SROIE / "img").glob("*.jpg"))
    if args.limit:
        keys = keys[: args.limit]
    if args.part != "both":
        keys = [k for i, k in enumerate(keys) if (i < TUNE) == (args.part == "tune")]
    rows: list[dict[str, Any]] = []
    ocr_s, extract_s, n_ocr = 0.0, 0.0, 0
    if args.cached:
        keys = [k for k in keys if (CACHE / "sroie-rapid-raw" / f"{k}.json").exists()]
    every = sorted(p.stem for p in (SROIE / "img").glob("*.jpg"))
    for key in keys:
        part = "tune" if every.index(key) < TUNE else "holdout"
        truth = json.loads((SROIE / "key" / f"{key}.json").read_text())
        data, spent = ocr_words(key, engine)
        ocr_s += spent
        n_ocr += spent > 0
        words = words_from_json(data["words"])
        t0 = time.perf_counter()
        found = extract_fields(words, tuple(data["size"]), page_type)
        extract_s += time.perf_counter() - t0
        raw = extract_fields(words, tuple(data["size"]), uncalibrated)
        for f in FIELDS:
            loc = found[f]
            t = normalise_space(truth.get(f, ""))
            pred = normalise_space(loc.value) if loc.value is not None else None
            rows.append(
                {
                    "key": key,
                    "part": part,
                    "field": f,
                    "truth": t,
                    "pred": pred,
                    "right": pred == t and bool(t),
                    "conf": loc.confidence,
                    "raw": raw[f].confidence,
                }
            )
    assert app.accept_confidence is not None  # receipts/app.yaml sets it
    results: dict[str, Any] = {
        "ocr": engine.version(),
        "receipts": len(keys),
        "ocr_s_per_receipt": round(ocr_s / max(1, n_ocr), 3),
        "extract_ms_per_receipt": round(1000 * extract_s / max(1, len(keys)), 2),
        "accept_confidence": app.accept_confidence,
        "tune": score([r for r in rows if r["part"] == "tune"], app.accept_confidence),
        "holdout": score([r for r in rows if r["part"] == "holdout"], app.accept_confidence),
    }
    for part in ("tune", "holdout"):
        s = results[part]
        if not any(r["part"] == part for r in rows):
            continue
        print(
            f"{part:8s} "
            + "  ".join(f"{f} F1 {s[f]['f1']:.3f}" for f in (*FIELDS, "all"))
            + f"  | ok {s['all']['ok']} wrong {s['all']['ok_wrong']}"
            f" ({100 * s['all']['ok_error_rate']:.1f}%)"
        )
    if args.fit:
        print(json.dumps(fit_calibration([r for r in rows if r["part"] == "tune"])))
    if args.show:
        for r in rows:
            if r["field"] == args.show and not r["right"]:
                print(f"{r['key']} conf {r['conf']:.2f}  got {r['pred']!r}  want {r['truth']!r}")
    out = ROOT / "bench" / "results" / f"receipts-{args.ocr}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
