"""Generalisation report: the same figures on the development samples and on fresh pages.

Fresh pages come from our own filler of the blank form (bench/fresh_forms.py: other
fonts, our own degradations, real handwritten characters nobody trained on, checkboxes
marked in six ways with three pens), so a change that only helps the samples shows as a
gap between the two columns. Both sets go through `taskmaster process --app intake`.

    .venv/bin/python bench/generalisation.py [--pages 40] [--seed 101] [--errors]

Prints typed text, hand-printed fields, hand comb digits by character, checkboxes and
wrong among `ok` side by side, then the fresh pages' errors (all of them with
--errors). Results go to bench/results/generalisation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from intake import FORM, ROOT, run_cli  # noqa: E402
from intake_score import field_kinds, load_truth, score  # noqa: E402

ROWS = [
    ("typed text", "typed text"),
    ("hand-printed fields", "hand-print"),
    ("comb, typed", "comb"),
    ("date, typed", "date"),
    ("checkboxes", "checkbox"),
    ("signatures", "signature"),
    ("barcodes", "barcode"),
]


def measure(folder: Path, kinds: dict[str, str], more: bool = False) -> dict[str, Any]:
    items = load_truth(folder, None)
    if more:
        items += load_truth(FORM / "samples_more", None)
    docs, elapsed = run_cli([it["file"] for it in items], 1)
    return score(items, docs, kinds) | {"seconds": round(elapsed, 1)}


def cell(r: dict[str, Any], key: str) -> str:
    v = r["field_accuracy"].get(key)
    return f"{v:.2%} ({r['field_counts'][key]})" if v is not None else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument(
        "--fresh",
        type=Path,
        default=None,
        help="score pages already generated here instead of making new ones",
    )
    ap.add_argument("--errors", action="store_true", help="list every wrong field")
    ap.add_argument("--no-dev", action="store_true", help="only the fresh pages")
    args = ap.parse_args()
    kinds = field_kinds(json.loads((FORM / "fields.json").read_text()))
    fresh = args.fresh or Path(tempfile.mkdtemp(prefix="tm-fresh-"))
    if args.fresh is None:
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "fresh_forms.py"),
                str(fresh),
                "--pages",
                str(args.pages),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
    results = {"fresh": measure(fresh, kinds)}
    if not args.no_dev:
        results["dev"] = measure(FORM / "samples", kinds, more=True)
    cols = [c for c in ("dev", "fresh") if c in results]
    print(f"{'':<30}" + "".join(f"{c:>22}" for c in cols))
    for label, key in ROWS:
        print(f"{label:<30}" + "".join(f"{cell(results[c], key):>22}" for c in cols))

    def line(label: str, f: Any) -> None:
        print(f"{label:<30}" + "".join(f"{f(results[c]):>22}" for c in cols))

    line(
        "hand comb digits by character",
        lambda r: f"{r['hand_comb_digits_by_char'] or 0:.2%} ({r['hand_comb_digit_chars']})",
    )
    line(
        "wrong among ok",
        lambda r: f"{r['ok_wrong']}/{r['ok_fields']} ({(r['ok_error_rate'] or 0):.2%})",
    )
    line("identification", lambda r: f"{r['identification']:.2%}")
    line("pages, seconds", lambda r: f"{r['pages']}, {r['seconds']}")
    for line_ in results["fresh"]["wrong_but_ok"]:
        print("  fresh, wrong but ok:", line_)
    errs = results["fresh"]["errors"]
    for line_ in errs if args.errors else errs[:40]:
        print("  fresh, wrong:", line_)
    if not args.errors and len(errs) > 40:
        print(f"  ... {len(errs) - 40} more (--errors)")
    out = ROOT / "bench" / "results" / "generalisation.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"seed": args.seed, "pages": args.pages, "fresh_dir": str(fresh), **results}, indent=1
        )
    )
    print(f"fresh pages in {fresh}; results in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    main()
