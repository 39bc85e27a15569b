"""Benchmark page identification and registration on the intake samples and negatives.

    PYTHONPATH=src .venv/bin/python bench/identify.py [--neg-limit N] [--shared PATH]

Positives: every page of forms/intake/samples/*.png and samples_more/* (expected page
type from the ground-truth JSON). Negatives: pages that are no intake form (SROIE
receipts, FUNSD forms, scribe OCR pages, a blank page). For each page it records the
score against every fingerprint, the decision, the time of identify + warp, and the
registration residual: the distance between where each registration mark lands in the
warped page and where fields.json says it is. Prints a table, writes
bench/results/identify.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from taskmaster.imaging.loader import load_pages
from taskmaster.imaging.prepare import normalise
from taskmaster.imaging.registration import (
    MIN_SCORE,
    Fingerprint,
    build_fingerprint,
    identify,
    warp_to_reference,
)

ROOT = Path(__file__).resolve().parents[1]
Box = tuple[int, int, int, int]
COMB_BOXES: list[Box] = []  # every comb cell of page 1, from fields.json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("TASKMASTER_SHARED") or ROOT.parent / "shared"),
    )
    ap.add_argument("--neg-limit", type=int, default=0, help="negatives per set (0 = all)")
    ap.add_argument("--pos-limit", type=int, default=0, help="positive files (0 = all)")
    args = ap.parse_args()
    form = args.shared / "forms" / "intake"
    fields = json.loads((form / "fields.json").read_text())
    marks: list[Box] = [tuple(m) for m in fields["registration_marks"]]
    global COMB_BOXES
    COMB_BOXES = [tuple(b) for f in fields["fields"] if f["kind"] == "comb" for b in f["boxes"]]
    t0 = time.perf_counter()
    fps = [
        build_fingerprint("intake-v1", _gray(form / "blank.png"), marks),
        build_fingerprint("intake-v1-consent", _gray(form / "blank_consent.png"), marks),
    ]
    build_ms = (time.perf_counter() - t0) * 1000 / len(fps)

    rows: list[dict[str, Any]] = []
    for group, path, expected in _cases(args.shared, args.neg_limit, args.pos_limit):
        for page in load_pages(path.read_bytes(), path.name):
            img = normalise(page)
            rows.append(_measure(group, page.source, img, expected(page.index), fps, marks))
    blank = np.full((3300, 2550), 250, np.uint8)
    rows.append(_measure("neg-blank", "blank#1", blank, None, fps, marks))
    _report(rows, build_ms)


def _gray(path: Path) -> np.ndarray:
    return load_pages(path.read_bytes(), path.name)[0].image


def _cases(shared: Path, neg_limit: int, pos_limit: int) -> list[tuple[str, Path, Any]]:
    form = shared / "forms" / "intake"
    cases: list[tuple[str, Path, Any]] = []
    manifest = dict(
        line.split("\t")[:3:2]
        for line in (form / "samples" / "manifest.tsv").read_text().splitlines()[1:]
    )
    samples = sorted((form / "samples").glob("*.png"))
    more = sorted(
        p for p in (form / "samples_more").iterdir() if p.suffix in (".png", ".tif", ".pdf")
    )
    if pos_limit:
        samples, more = samples[:pos_limit], more[:pos_limit]
    for p in samples:
        cases.append((f"pos-{manifest.get(p.name, '?')}", p, lambda i: "intake-v1"))
    for p in more:
        cases.append((f"pos-{p.stem.split('_')[0]}", p, _expected_from_json(p)))
    data = shared / "datasets"
    negs = [
        ("neg-sroie", sorted((data / "sroie" / "img").glob("*.jpg"))),
        ("neg-funsd", sorted((data / "funsd_r").rglob("*.png"))),
        ("neg-scribe", sorted((data / "ocr_pages_scribe" / "images").glob("*.*"))),
    ]
    for group, paths in negs:
        for p in paths[: neg_limit or None]:
            cases.append((group, p, lambda i: None))
    return cases


def _expected_from_json(path: Path) -> Any:
    def expected(index: int) -> str | None:
        for name in (f"{path.stem}_p{index}.json", f"{path.stem}.json"):
            if (path.parent / name).exists():
                form: str | None = json.loads((path.parent / name).read_text()).get("form")
                return form
        return None

    return expected


def _measure(
    group: str,
    source: str,
    img: np.ndarray,
    expected: str | None,
    fps: list[Fingerprint],
    marks: list[Box],
) -> dict[str, Any]:
    scores = {fp.page_type: round(identify(img, [fp], min_score=0.0).score, 3) for fp in fps}
    t = time.perf_counter()
    match = identify(img, fps)
    residual: list[float] | None = None
    comb: float | None = None
    if match.page_type is not None:
        fp = next(f for f in fps if f.page_type == match.page_type)
        warped = warp_to_reference(img, match, fp)
        ms = (time.perf_counter() - t) * 1000
        residual = [_mark_error(warped, m) for m in marks]
        if match.page_type == "intake-v1":
            comb = _comb_error(warped, fp.reference)
    else:
        ms = (time.perf_counter() - t) * 1000
    return {
        "group": group,
        "source": source,
        "expected": expected,
        "got": match.page_type,
        "score": round(match.score, 3),
        "scores": scores,
        "rotation": match.rotation,
        "ms": round(ms, 1),
        "mark_residual_px": residual,
        "comb_residual_px": comb,
    }


def _mark_error(warped: np.ndarray, box: Box) -> float:
    """Distance from a registration mark's inner corner in the warped page to fields.json's.

    The inner corner (the one facing the page centre) is used rather than the centroid
    because faxes and photos often clip the outer part of a corner mark.
    """
    x0, y0, x1, y1 = box
    h, w = warped.shape
    right, below = x0 > w / 2, y0 > h / 2  # where the mark sits on the page
    ex, ey = (x0 if right else x1), (y0 if below else y1)
    pad = 40
    wx0, wy0 = max(int(x0) - pad, 0), max(int(y0) - pad, 0)
    win = warped[wy0 : int(y1) + pad, wx0 : int(x1) + pad]
    n, _, stats, _ = cv2.connectedComponentsWithStats((win < 128).astype(np.uint8))
    area = (x1 - x0) * (y1 - y0)
    cands = [i for i in range(1, n) if 0.3 * area < stats[i, 4] < 1.4 * area]
    if not cands:
        return float("nan")  # mark not visible (occluded or cut off)
    i = max(cands, key=lambda k: stats[k, 4])
    left, top, bw, bh = (int(v) for v in stats[i, :4])
    gx = wx0 + (left if right else left + bw)
    gy = wy0 + (top if below else top + bh)
    return float(np.hypot(gx - ex, gy - ey))


def _comb_error(warped: np.ndarray, reference: np.ndarray) -> float:
    """Median horizontal distance between comb cell walls in the warped page and the blank.

    Mid-page check, independent of the corner marks: near the left wall of every comb
    cell of fields.json, the darkness-weighted centre over the cell's middle rows is the
    drawn line.
    """
    offsets = []
    for x0, y0, _, y1 in COMB_BOXES:
        page = warped[y0 + 12 : y1 - 12, x0 - 10 : x0 + 11].mean(axis=0)
        blank = reference[y0 + 12 : y1 - 12, x0 - 10 : x0 + 11].mean(axis=0)
        if page.min() < 128:  # a visible line (not wiped out by a fax or a photo glare)
            offsets.append(abs(_line_centre(page) - _line_centre(blank)))
    return float(np.median(offsets)) if offsets else float("nan")


def _line_centre(profile: np.ndarray) -> float:
    """Darkness-weighted centre of a line across a column profile (sub-pixel)."""
    weight = np.clip(200.0 - profile, 0, None)
    return float((weight * np.arange(len(profile))).sum() / max(weight.sum(), 1e-9))


def _report(rows: list[dict[str, Any]], build_ms: float) -> None:
    groups = sorted({r["group"] for r in rows})
    summary = {}
    print(
        f"{'group':<12}{'pages':>6}{'correct':>8}{'false acc':>10}{'missed':>7}"
        f"{'ms/page':>9}{'resid mean':>11}{'resid max':>10}{'comb':>6}"
    )
    for g in groups:
        rs = [r for r in rows if r["group"] == g]
        correct = sum(r["got"] == r["expected"] for r in rs)
        false_acc = sum(r["got"] is not None and r["got"] != r["expected"] for r in rs)
        missed = sum(r["got"] is None and r["expected"] is not None for r in rs)
        res = [e for r in rs for e in (r["mark_residual_px"] or []) if e == e]
        comb = [r["comb_residual_px"] for r in rs if r.get("comb_residual_px") is not None]
        summary[g] = {
            "pages": len(rs),
            "correct": correct,
            "false_accept": false_acc,
            "missed": missed,
            "ms_mean": statistics.mean(r["ms"] for r in rs),
            "residual_mean_px": statistics.mean(res) if res else None,
            "residual_max_px": max(res) if res else None,
            "comb_residual_median_px": statistics.mean(comb) if comb else None,
        }
        s = summary[g]
        print(
            f"{g:<12}{len(rs):>6}{correct:>8}{false_acc:>10}{missed:>7}{s['ms_mean']:>9.0f}"
            f"{_fmt(s['residual_mean_px']):>11}{_fmt(s['residual_max_px']):>10}"
            f"{_fmt(s['comb_residual_median_px']):>6}"
        )
    true_scores = [r["scores"][r["expected"]] for r in rows if r["expected"]]
    false_scores = [v for r in rows for t, v in r["scores"].items() if t != r["expected"]]
    print(
        f"\nthreshold {MIN_SCORE}: true-candidate scores min {min(true_scores):.3f} "
        f"mean {statistics.mean(true_scores):.3f}; false-candidate scores max "
        f"{max(false_scores):.3f} mean {statistics.mean(false_scores):.3f}"
    )
    print(f"fingerprint build {build_ms:.0f} ms each")
    for r in rows:
        if r["got"] != r["expected"]:
            print("WRONG", r["source"], r["expected"], r["got"], r["scores"])
    out = ROOT / "bench" / "results" / "identify.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"threshold": MIN_SCORE, "build_ms": build_ms, "summary": summary, "pages": rows},
            indent=1,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


if __name__ == "__main__":
    main()
