"""Field readers on the intake samples: accuracy by kind and fill style, auto-accept errors.

    PYTHONPATH=src .venv/bin/python bench/reading.py [--only 5] [--cache /tmp/warped]
        [--no-more] [--dump rows.json] [--mnist PAGES]

Reads every field of `../shared/forms/intake/samples/*.png` and `samples_more/` (phone
photos, two-page fax TIFFs and scanned PDFs), compares with the ground truth beside each
file (text case-insensitively after whitespace normalisation, as the samples' README
says), prints a table and writes `bench/results/reading.json`.

`--mnist PAGES` instead places real handwritten digits (the MNIST test digits in
`../shared/datasets/mnist_test`) in the phone and ZIP combs of PAGES blank forms and
reports digit and field accuracy and the wrong fields among the accepted ones.

Pages are registered onto the reference with `taskmaster.imaging.registration`, as the
pipeline does. BENCH_NO_ICR=1 measures without the ICR engine (Tesseract only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from PIL import Image  # noqa: E402

from taskmaster.apps.schema import Application, FieldDef  # noqa: E402
from taskmaster.engines.barcode import ZxingBarcodeEngine  # noqa: E402
from taskmaster.engines.base import Engines, Gray, IcrEngine, OmrEngine  # noqa: E402
from taskmaster.engines.omr import InkOmrEngine  # noqa: E402
from taskmaster.engines.tesseract import TesseractEngine  # noqa: E402
from taskmaster.reading import read_page  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TASKMASTER_SHARED") or ROOT.parent / "shared")
APP_DIR = ROOT / "src/taskmaster/apps/builtin/intake"
ACCEPT = 0.9

Aligner = Callable[[Gray, str], Gray]


def load_app() -> Application:
    return Application.model_validate(yaml.safe_load((APP_DIR / "app.yaml").read_text()))


def make_engines() -> Engines:
    """The engines as the pipeline would pick them; OMR and ICR when they exist."""
    omr: OmrEngine = InkOmrEngine()
    icr: IcrEngine | None = None
    if not os.environ.get("BENCH_NO_ICR"):
        try:
            from taskmaster.engines.icr import IcrModelEngine

            icr = IcrModelEngine()
        except Exception as exc:  # noqa: BLE001  the ICR engine is optional here
            print(
                f"no ICR engine ({type(exc).__name__}: {exc}); hand print via OCR only",
                file=sys.stderr,
            )
            icr = None
    return Engines(ocr=TesseractEngine(), barcode=ZxingBarcodeEngine(), omr=omr, icr=icr)


def registration_aligner(app: Application) -> Aligner:
    """The project's registration (the pipeline's `identify` + `warp_to_reference`)."""
    from taskmaster.imaging import registration as reg

    marks = json.loads((SHARED / "forms/intake/fields.json").read_text())["registration_marks"]
    fps = {
        p.name: reg.build_fingerprint(
            p.name, np.asarray(Image.open(APP_DIR / str(p.reference)).convert("L")), marks
        )
        for p in app.page_types
    }

    def align(img: Gray, page_type: str) -> Gray:
        m = reg.identify(img, [fps[page_type]])
        return reg.warp_to_reference(img, m, fps[page_type])

    return align


def load_pages(path: Path) -> list[Gray]:
    """Greyscale pages of a PNG, multi-page TIFF or PDF (rendered at 300 dpi)."""
    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        return [np.asarray(pg.render(scale=300 / 72).to_pil().convert("L")) for pg in pdf]
    img = Image.open(path)
    out = []
    for i in range(getattr(img, "n_frames", 1)):
        img.seek(i)
        out.append(np.asarray(img.convert("L")))
    return out


def samples(only: int | None, more: bool) -> Iterator[tuple[Path, str, str, list[Path]]]:
    """(file, style, noise, ground-truth JSONs one per page)."""
    dirs = [SHARED / "forms/intake/samples"] + (
        [SHARED / "forms/intake/samples_more"] if more else []
    )
    for d in dirs:
        rows = [ln.split("\t") for ln in (d / "manifest.tsv").read_text().splitlines()[1:]]
        for row in rows[:only] if only else rows:
            f = d / row[0]
            gts = (
                [f.with_suffix(".json")]
                if f.with_suffix(".json").exists()
                else sorted(d.glob(f"{f.stem}_p*.json"))
            )
            yield f, row[1], row[2], gts


def mnist_combs(app: Application, engines: Engines, pages: int, seed: int = 0) -> None:
    """Digit accuracy of the comb reader on real handwriting: MNIST test digits (dark
    on white, 75-95% of the box, a few px off centre) in the blank form's phone and
    ZIP combs."""
    import gzip
    import random

    import cv2

    d = SHARED / "datasets/mnist_test"
    with (
        gzip.open(d / "dev-images-idx3-ubyte.gz") as fi,
        gzip.open(d / "dev-labels-idx1-ubyte.gz") as fl,
    ):
        imgs = np.frombuffer(fi.read()[16:], np.uint8).reshape(-1, 28, 28)
        labels = np.frombuffer(fl.read()[8:], np.uint8)
    pt = app.page_types[0]
    blank = np.asarray(Image.open(APP_DIR / str(pt.reference)).convert("L"))
    combs = [f for f in pt.fields if f.kind == "comb" and f.type in ("phone", "zip")]
    rng = random.Random(seed)
    digits = right = fields = fields_right = accepted = accepted_wrong = 0
    for _ in range(pages):
        page = blank.copy()
        want: dict[str, str] = {}
        for f in combs:
            text = ""
            for x0, y0, x1, y1 in f.boxes:
                i = rng.randrange(len(imgs))
                text += str(labels[i])
                size = int(min(x1 - x0, y1 - y0) * rng.uniform(0.75, 0.95))
                glyph = cv2.resize(255 - imgs[i], (size, size), interpolation=cv2.INTER_LINEAR)
                ox = x0 + (x1 - x0 - size) // 2 + rng.randint(-3, 3)
                oy = y0 + (y1 - y0 - size) // 2 + rng.randint(-3, 3)
                region = page[oy : oy + size, ox : ox + size]
                np.minimum(region, glyph, out=region)
            want[f.name] = text
        for f in combs:
            r = read_page(page, [f], engines)[f.name]
            got = r.raw or ""
            fields += 1
            fields_right += got == want[f.name]
            digits += len(want[f.name])
            if len(got) == len(want[f.name]):
                right += sum(a == b for a, b in zip(got, want[f.name], strict=True))
            if r.confidence >= ACCEPT:
                accepted += 1
                accepted_wrong += got != want[f.name]
    print(
        f"MNIST digits in combs, {pages} pages: digits {right / digits:.2%} of {digits}, "
        f"fields {fields_right / fields:.1%} of {fields}, accepted {accepted / fields:.1%}, "
        f"wrong among accepted {accepted_wrong} ({accepted_wrong / max(1, accepted):.2%})"
    )


def norm(value: object) -> object:
    if isinstance(value, str):
        return "\n".join(" ".join(ln.split()).lower() for ln in value.strip().split("\n"))
    return value


def truth_name(field: FieldDef, truth: dict[str, Any]) -> str:
    if field.name in truth:
        return field.name
    return field.name.removeprefix("consent_")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", type=int, help="first N files of each folder")
    ap.add_argument("--no-more", action="store_true", help="skip samples_more/")
    ap.add_argument("--cache", type=Path, help="keep registered pages here between runs")
    ap.add_argument("--dump", type=Path, help="write every field's row here")
    ap.add_argument(
        "--mnist",
        type=int,
        metavar="PAGES",
        help="handwritten MNIST digits in the combs of PAGES blank forms",
    )
    args = ap.parse_args()
    if not SHARED.exists():
        sys.exit(f"no shared data at {SHARED}")
    app = load_app()
    engines = make_engines()
    if args.mnist:
        mnist_combs(app, engines, args.mnist)
        return
    align = registration_aligner(app)
    rows: list[dict[str, Any]] = []
    ms_pages: list[float] = []
    for path, style, noise, gts in samples(args.only, not args.no_more):
        pages: list[Gray] | None = None
        for i, gt_path in enumerate(gts):
            gt = json.loads(gt_path.read_text())
            page_type = app.page_type(gt.get("form", "intake-v1"))
            cached = args.cache / f"{path.stem}_{i + 1}.png" if args.cache else None
            if cached and cached.exists():
                page = np.asarray(Image.open(cached))
            else:
                pages = pages or load_pages(path)
                page = align(pages[i], page_type.name)
                if cached:
                    args.cache.mkdir(parents=True, exist_ok=True)
                    Image.fromarray(page).save(cached)
            t0 = time.perf_counter()
            readings = read_page(page, page_type.fields, engines)
            for field in page_type.fields:
                r = readings[field.name]
                want = gt["fields"].get(truth_name(field, gt["fields"]))
                rows.append(
                    {
                        "file": path.name,
                        "page": i + 1,
                        "style": style,
                        "noise": noise,
                        "field": field.name,
                        "kind": field.kind,
                        "type": field.type,
                        "want": want,
                        "got": r.value,
                        "raw": r.raw,
                        "conf": r.confidence,
                        "source": r.source,
                        "ok": norm(r.value) == norm(want),
                        "messages": r.messages,
                    }
                )
            ms_pages.append((time.perf_counter() - t0) * 1000)
            print(
                f"{path.name}#{i + 1} {style}/{noise}: "
                f"{sum(r['ok'] for r in rows if r['file'] == path.name and r['page'] == i + 1)}"
                f"/{len(page_type.fields)} in {ms_pages[-1]:.0f} ms",
                file=sys.stderr,
            )
    report(rows, ms_pages)
    if args.dump:
        args.dump.write_text(json.dumps(rows, indent=1, default=str))


def _edits(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j - 1] + (ca != cb), prev[j] + 1, cur[j - 1] + 1))
        prev = cur
    return prev[-1]


def char_accuracy(rows: list[dict[str, Any]]) -> float:
    """1 - character edits / characters wanted, over the fields with a text value (the
    canonical forms compared as the field accuracy compares them)."""
    want = edits = 0
    for r in rows:
        w = r["want"]
        if not isinstance(w, str):
            continue
        g = norm(r["got"]) if isinstance(r["got"], str) else ""
        w = str(norm(w))
        want += len(w)
        edits += min(len(w), _edits(str(g), w))
    return 1 - edits / want if want else 1.0


def _group(
    rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]
) -> dict[str, dict[str, float]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[key(r)].append(r)
    out = {}
    for k, rs in sorted(groups.items()):
        acc = [r for r in rs if r["conf"] >= ACCEPT]
        out[k] = {
            "fields": len(rs),
            "accuracy": sum(r["ok"] for r in rs) / len(rs),
            "char_accuracy": char_accuracy(rs),
            "auto_accepted": len(acc) / len(rs),
            "auto_accepted_wrong": sum(not r["ok"] for r in acc),
            "auto_accepted_error_rate": (sum(not r["ok"] for r in acc) / len(acc) if acc else 0.0),
        }
    return out


def report(rows: list[dict[str, Any]], ms_pages: list[float]) -> None:
    by = {
        "style/kind": _group(rows, lambda r: f"{r['style']}/{r['kind']}"),
        "style/noise": _group(rows, lambda r: f"{r['style']}/{r['noise']}"),
        "style": _group(rows, lambda r: r["style"]),
        "all": _group(rows, lambda r: "all"),
    }
    print(
        f"{'group':24} {'fields':>6} {'acc':>7} {'chars':>7} {'auto':>7} {'auto wrong':>10} "
        f"{'err%':>6}"
    )
    for name, groups in by.items():
        print(f"-- by {name}")
        for k, g in groups.items():
            print(
                f"{k:24} {g['fields']:6.0f} {g['accuracy']:7.1%} {g['char_accuracy']:7.1%} "
                f"{g['auto_accepted']:7.1%} "
                f"{g['auto_accepted_wrong']:10.0f} {g['auto_accepted_error_rate']:6.2%}"
            )
    ms = float(np.mean(ms_pages)) if ms_pages else 0.0
    print(f"reading: {ms:.0f} ms per page (mean of {len(ms_pages)}), registration excluded")
    wrong = [r for r in rows if r["conf"] >= ACCEPT and not r["ok"]]
    for r in wrong:
        print(
            f"  CONFIDENT WRONG {r['file']}#{r['page']} {r['field']}: got {r['got']!r} "
            f"want {r['want']!r} ({r['conf']:.2f}, {r['source']})"
        )
    out = ROOT / "bench/results/reading.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "accept_threshold": ACCEPT,
                "ms_per_page": ms,
                "pages": len(ms_pages),
                **by,
                "confident_wrong": wrong,
            },
            indent=1,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
