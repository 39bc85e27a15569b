"""Receipts through the path users run: `taskmaster process --app receipts --json`.

SROIE-style field scores (exact string match after whitespace normalisation; per field
and overall precision/recall/F1), the error rate among fields marked `ok`, and seconds
per receipt, over the held-out dev receipts (150-199; `--all` for all 200).

    .venv/bin/python bench/receipts_process.py [--all] [--jobs N]

Results go to bench/results/receipts_process.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from intake import run_cli  # bench/ is the script's folder: one way to run the CLI

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
SROIE = SHARED / "datasets" / "sroie"
FIELDS = ("company", "date", "address", "total")


def norm(v: Any) -> str:
    return " ".join(str(v).split()) if v is not None else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="all 200 dev receipts, not 150-199")
    ap.add_argument("--tune", action="store_true", help="the tuning receipts 000-149 instead")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    if not SROIE.is_dir():
        sys.exit(f"no SROIE data at {SROIE}")
    keys = sorted((SROIE / "key").glob("*.json"))
    if args.tune:
        keys = keys[:150]
    elif not args.all:
        keys = keys[150:]
    files = [SROIE / "img" / f"{k.stem}.jpg" for k in keys]
    found, elapsed = run_cli(files, args.jobs, app="receipts")
    docs = {d["pages"][0]["source"].split("#")[0]: d for d in found}
    tp = {f: 0 for f in FIELDS}
    predicted = {f: 0 for f in FIELDS}
    ok_total = ok_wrong = classified = 0
    wrong_ok: list[str] = []
    for key, img in zip(keys, files, strict=True):
        truth = json.loads(key.read_text())
        doc = docs.get(img.name)
        if doc is None or doc["type"] != "receipt":
            continue
        classified += 1
        for f in FIELDS:
            got = doc["fields"][f]
            if got["value"] is None:
                continue
            predicted[f] += 1
            right = norm(got["value"]) == norm(truth.get(f))
            tp[f] += right
            if got["status"] == "ok":
                ok_total += 1
                ok_wrong += not right
                if not right:
                    wrong_ok.append(
                        f"{img.name}:{f}: {got['value']!r} at "
                        f"{got['confidence']} (truth {truth.get(f)!r})"
                    )
    n = len(keys)
    scores = {}
    for f in [*FIELDS, "all"]:
        t = sum(tp.values()) if f == "all" else tp[f]
        p_n = sum(predicted.values()) if f == "all" else predicted[f]
        g = n * len(FIELDS) if f == "all" else n
        prec, rec = (t / p_n if p_n else 0.0), t / g
        scores[f] = {
            "precision": round(prec, 3),
            "recall": round(rec, 3),
            "f1": round(2 * prec * rec / (prec + rec), 3) if prec + rec else 0.0,
        }
    result = {
        "receipts": n,
        "classified_as_receipt": classified,
        "scores": scores,
        "ok_fields": ok_total,
        "ok_wrong": ok_wrong,
        "ok_error_rate": round(ok_wrong / ok_total, 4) if ok_total else None,
        "seconds_per_receipt": round(elapsed / n, 2),
        "jobs": args.jobs,
    }
    part = "all" if args.all else "tuning 000-149" if args.tune else "held-out 150-199"
    print(f"{n} receipts ({part}), {classified} classified as receipts")
    for f, s in scores.items():
        print(f"  {f:<8} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}")
    print(f"ok fields {ok_total}, wrong {ok_wrong}; {result['seconds_per_receipt']} s/receipt")
    for line in wrong_ok:
        print("  wrong but ok:", line)
    out = ROOT / "bench" / "results" / "receipts_process.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
