"""ICR benchmark: held-out handwritten characters and hand-printed intake fields.

    PYTHONPATH=src .venv/bin/python bench/icr.py [--cache /tmp/warped] [--model PATH]

1. Characters: the held-out 10% of EMNIST ByClass + MNIST (the split of
   training/icr/data.py, never trained on), read through the runtime engine (ONNX):
   accuracy with the answer restricted to digits, to letters, and unrestricted.
2. Fields: every hand-printed intake page (manifest style `hand`), registered onto the
   blank form; comb fields through the reader's cells (reading.comb) + the field-aware
   decoders, open-box text fields through read_line. Exact match per field (text:
   case-insensitive, whitespace normalised), and the error rate of fields the engine
   would accept unreviewed.

Prints the figures and writes bench/results/icr.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "training/icr"), str(ROOT / "bench")]

from omr import FORM, SHARED, crop, field_map, registered_pages  # noqa: E402

from taskmaster.apps.schema import FieldDef  # noqa: E402
from taskmaster.engines.base import Reading  # noqa: E402
from taskmaster.engines.icr import (  # noqa: E402
    IcrModelEngine,
    decode_date,
    decode_fixed,
    decode_lexicon,
    decode_mixed,
)
from taskmaster.engines.icr.engine import MODEL  # noqa: E402
from taskmaster.reading import comb  # noqa: E402
from taskmaster.validation.lexicons import US_STATES  # noqa: E402

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Open-box text fields read by read_line, with the charset their type allows.
TEXT_FIELDS = {
    "last_name": LETTERS + "-",
    "first_name": LETTERS + "-",
    "city": LETTERS + ".",
    "address_street": LETTERS + DIGITS + ".-",
    "preferred_language": LETTERS,
    "emergency_name": LETTERS + "-",
    "emergency_relationship": LETTERS,
    "insurance_provider": LETTERS + "-",
    "group_number": LETTERS + DIGITS + "-",
}


def characters(engine: IcrModelEngine) -> dict[str, Any]:
    """Accuracy on the held-out characters, through the runtime path."""
    from data import CLASSES, load_all

    meta = json.loads(MODEL.with_suffix(".json").read_text())
    x, y = load_all(SHARED, int(meta["seed"]))["test"]
    masks = [t > 100 for t in x]
    res: dict[str, Any] = {"items": int(len(y))}
    for name, allowed in (
        ("digits", DIGITS),
        ("letters", LETTERS),
        ("unrestricted", DIGITS + LETTERS),
    ):
        sel = [i for i in range(len(y)) if CLASSES[y[i]] in allowed]
        t = time.perf_counter()
        probs = engine.probabilities([masks[i] for i in sel], allowed)
        dt = time.perf_counter() - t
        pred = [max(p.items(), key=lambda kv: kv[1])[0] for p in probs]
        ok = [pred[k] == CLASSES[y[i]] for k, i in enumerate(sel)]
        res[name] = float(np.mean(ok))
        res[f"{name}_n"] = len(sel)
        res["ms_per_char_batched"] = 1000 * dt / max(len(sel), 1)
    # One character at a time, as a lone comb cell would be.
    t = time.perf_counter()
    for m in masks[:300]:
        engine.probabilities([m], DIGITS)
    res["ms_per_char_single"] = 1000 * (time.perf_counter() - t) / 300
    return res


def degraded_characters(engine: IcrModelEngine, seed: int = 2) -> dict[str, Any]:
    """The held-out characters as comb cells degraded by the training augmentation
    (scan, fax, phone; fixed seed), read through the runtime's cell path: accuracy,
    and how many characters the engine would accept (>= its threshold) wrong."""
    from augment import render_cell

    from data import CLASSES, load_all

    meta = json.loads(MODEL.with_suffix(".json").read_text())
    x, y = load_all(SHARED, int(meta["seed"]))["test"]
    rng = np.random.default_rng(seed)
    cells = [render_cell(t, rng) for t in x]
    res: dict[str, Any] = {"seed": seed}
    for name, allowed in (("digits", DIGITS), ("letters", LETTERS)):
        sel = [i for i in range(len(y)) if CLASSES[y[i]] in allowed]
        t = time.perf_counter()
        probs = engine.cell_probabilities([cells[i] for i in sel], allowed)
        dt = time.perf_counter() - t
        best = [max(p.items(), key=lambda kv: kv[1]) if p else ("", 0.0) for p in probs]
        ok = np.array([c == CLASSES[y[i]] for (c, _), i in zip(best, sel, strict=True)])
        conf = np.array([v for _, v in best])
        acc = conf >= engine.accept_threshold
        res[name] = {
            "n": len(sel),
            "accuracy": float(ok.mean()),
            "accepted": float(acc.mean()),
            "wrong_accepted": int((acc & ~ok).sum()),
            "wrong_accepted_share": float((acc & ~ok).sum() / max(acc.sum(), 1)),
            "ms_per_char": 1000 * dt / max(len(sel), 1),
        }
    return res


def read_comb(engine: IcrModelEngine, page: np.ndarray, spec: dict[str, Any]) -> Reading:
    # the cells as the comb reader cuts them for the ICR (reading.comb.cells, HAND_INSET)
    cells = comb.cells(
        page,
        FieldDef(name="comb", kind="comb", bbox=spec["bbox"], boxes=spec["boxes"]),
        comb.HAND_INSET,
    )
    kind = spec["type"]
    charset = {"alnum": DIGITS + LETTERS, "state": LETTERS}.get(kind, DIGITS)
    table = engine.cell_probabilities(cells, charset)
    if not any(table):
        return Reading("", 1.0, engine="icr")
    if kind == "date":
        return decode_date(table)
    if kind == "state":
        return decode_lexicon(table, US_STATES)
    if kind == "phone":
        return decode_fixed(table, 10)
    if kind == "zip":
        return decode_fixed(table, 5)
    return decode_mixed(table)


def norm(s: str | None) -> str:
    return " ".join((s or "").upper().split())


def main() -> None:
    ap = argparse.ArgumentParser(description="ICR benchmark")
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--model", type=Path, default=MODEL)
    ap.add_argument("--skip-chars", action="store_true")
    ap.add_argument(
        "--degraded",
        action="store_true",
        help="also read the held-out characters as degraded comb cells",
    )
    ap.add_argument(
        "--tta", action="store_true", help="read doubtful characters again from variants"
    )
    ap.add_argument("--chars-only", action="store_true", help="skip the intake pages")
    args = ap.parse_args()
    if not FORM.exists():
        sys.exit(f"no shared data at {SHARED}")
    engine = IcrModelEngine(args.model, augment_doubtful=args.tta)
    accept = engine.accept_threshold
    res: dict[str, Any] = {"model": engine.version()}
    if not args.skip_chars:
        res["held_out_characters"] = characters(engine)
        print(json.dumps(res, indent=1), flush=True)
    if args.degraded:
        res["held_out_degraded_cells"] = degraded_characters(engine)
        print(json.dumps(res["held_out_degraded_cells"], indent=1), flush=True)
    if args.chars_only:
        return
    specs = {s["name"]: s for s in field_map()["fields"]}
    per: dict[str, list[bool]] = defaultdict(list)
    accepted_wrong: dict[str, list[bool]] = defaultdict(list)
    times: dict[str, float] = defaultdict(float)
    errors: list[str] = []
    by_conf: list[tuple[float, bool]] = []
    pages = 0
    for name, style, form, page, truth in registered_pages(args.cache):
        if style != "hand" or form != "intake-v1":
            continue
        pages += 1
        for fname, spec in specs.items():
            if spec["kind"] == "comb":
                t = time.perf_counter()
                r = read_comb(engine, page, spec)
                times["comb"] += time.perf_counter() - t
                want = truth[fname] or ""
            elif fname in TEXT_FIELDS:
                t = time.perf_counter()
                r = engine.read_line(crop(page, spec["bbox"], 0), charset=TEXT_FIELDS[fname] + " ")
                times["text"] += time.perf_counter() - t
                want = truth[fname] or ""
            else:
                continue
            ok = norm(r.text) == norm(want)
            per[fname].append(ok)
            by_conf.append((r.confidence, ok))
            # Auto-accepted: every character at or above the calibrated threshold.
            if r.char_confidences and min(r.char_confidences) >= accept and r.confidence > 0:
                accepted_wrong[fname].append(not ok)
            if not ok:
                errors.append(
                    f"{name} {fname}: got {r.text!r} want {want!r} conf={r.confidence:.2f}"
                )
    comb = [f for f, s in specs.items() if s["kind"] == "comb"]
    res["intake_hand_pages"] = pages
    res["field_exact"] = {f: float(np.mean(v)) for f, v in per.items()}
    res["comb_exact"] = float(np.mean([x for f in comb for x in per[f]]))
    res["text_exact"] = float(np.mean([x for f in TEXT_FIELDS for x in per[f]]))
    n_acc = sum(len(v) for v in accepted_wrong.values())
    res["accepted_share"] = n_acc / max(sum(len(v) for v in per.values()), 1)
    res["accepted_error_rate"] = sum(sum(v) for v in accepted_wrong.values()) / max(n_acc, 1)
    # Field confidence as the acceptance rule: share accepted and how many of those are wrong.
    res["by_field_confidence"] = [
        {
            "min_confidence": t,
            "accepted": float(np.mean([c >= t for c, _ in by_conf])),
            "wrong_among_accepted": float(
                np.mean([not ok for c, ok in by_conf if c >= t] or [False])
            ),
        }
        for t in (0.5, 0.8, 0.9, 0.95, 0.98)
    ]
    n_comb = sum(len(per[f]) for f in comb)
    n_text = sum(len(per[f]) for f in TEXT_FIELDS)
    res["ms_per_comb_field"] = 1000 * times["comb"] / max(n_comb, 1)
    res["ms_per_text_field"] = 1000 * times["text"] / max(n_text, 1)
    res["errors"] = errors
    print(json.dumps({k: v for k, v in res.items() if k != "errors"}, indent=1))
    print("\n".join(errors))
    out = ROOT / "bench/results/icr.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
