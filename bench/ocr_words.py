"""OCR word accuracy: the project's page OCR next to plain Tesseract on the same pages.

    PYTHONPATH=src .venv/bin/python bench/ocr_words.py [--set scribe|sroie|both] [--limit N]
        [--readers rapid,tesseract,plain]

- `scribe`: ../shared/datasets/ocr_pages_scribe (real pages with word-level truth).
  A truth word counts as read when an OCR word with the same text has its centre
  inside the truth word's box (text and position, as that benchmark scores).
- `sroie`: the SROIE line transcripts (upper case) of the held-out receipts (ids after
  the first 150): the words of a truth line count as read when an OCR word whose centre
  lies in the line's box has the same text, case-insensitively, each used once.

"rapid" is `taskmaster.locating.read_page_words` on `RapidOcrEngine` (what the
pipeline reads layout pages with), "tesseract" the same on `TesseractEngine` (with its
upscale/re-read preparation); "plain" is tesserocr with its defaults (PSM 3) on the
unmodified image. RapidOCR's SROIE readings are shared with bench/receipts.py's cache
(raw line records; its s/page is then the time recorded when they were read).
Results go to bench/results/ocr_words.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import tesserocr
from PIL import Image

from taskmaster.engines.base import BBox, Word
from taskmaster.engines.rapid import RapidOcrEngine, lines_to_words
from taskmaster.engines.tesseract import TesseractEngine, default_tessdata
from taskmaster.locating import read_page_words

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
SCRIBE = SHARED / "datasets" / "ocr_pages_scribe"
SROIE = SHARED / "datasets" / "sroie"
TUNE = 150
CACHE = Path(os.environ.get("TASKMASTER_BENCH_CACHE", Path.home() / ".cache" / "taskmaster-bench"))


def rapid_reader(
    engine: RapidOcrEngine, cache: str | None
) -> Callable[[str, np.ndarray], list[Word]]:
    """`read_page_words` on RapidOCR, through a cache of its raw line records."""

    def read(key: str, gray: np.ndarray) -> list[Word]:
        path = CACHE / str(cache) / f"{key}.json"
        if cache and path.exists():
            data = json.loads(path.read_text())
            read.spent += float(data.get("s", 0.0))  # type: ignore[attr-defined]
            return lines_to_words(data["lines"])
        t0 = time.perf_counter()
        lines = engine.read_lines(gray)
        read.spent += time.perf_counter() - t0  # type: ignore[attr-defined]
        if cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(
                    {
                        "size": [gray.shape[1], gray.shape[0]],
                        "lines": lines,
                        "s": time.perf_counter() - t0,
                    }
                )
            )
        return lines_to_words(lines)

    read.spent = 0.0  # type: ignore[attr-defined]
    return read


def plain_tesseract(api: tesserocr.PyTessBaseAPI) -> Callable[[str, np.ndarray], list[Word]]:
    def read(key: str, gray: np.ndarray) -> list[Word]:
        api.SetImage(Image.fromarray(gray))
        api.Recognize()
        out: list[Word] = []
        it = api.GetIterator()
        level = tesserocr.RIL.WORD
        for w in tesserocr.iterate_level(it, level):
            text = (w.GetUTF8Text(level) or "").strip()
            box = w.BoundingBox(level)
            if text and box:
                out.append(Word(text, tuple(box), w.Confidence(level) / 100))
        return out

    return read


def _inside(w: Word, box: BBox) -> bool:
    cx, cy = (w.bbox[0] + w.bbox[2]) / 2, (w.bbox[1] + w.bbox[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def scribe_pages() -> list[tuple[str, np.ndarray, list[tuple[str, BBox]]]]:
    pages = []
    for item in json.loads((SCRIBE / "manifest.json").read_text()):
        truth = json.loads((SCRIBE / "words" / f"{item['id']}.json").read_text())
        gray = np.asarray(Image.open(SCRIBE / item["image"]).convert("L"))
        pages.append((item["id"], gray, [(t["text"], tuple(t["bbox"])) for t in truth["words"]]))
    return pages


def sroie_pages(limit: int) -> list[tuple[str, np.ndarray, list[tuple[str, BBox]]]]:
    keys = sorted(p.stem for p in (SROIE / "img").glob("*.jpg"))[TUNE:]
    pages = []
    for key in keys[:limit] if limit else keys:
        lines = []
        for row in (SROIE / "box" / f"{key}.csv").read_text(errors="replace").splitlines():
            parts = row.split(",", 8)
            if len(parts) == 9 and parts[8].strip():
                xs, ys = [int(v) for v in parts[0:8:2]], [int(v) for v in parts[1:8:2]]
                lines.append((parts[8], (min(xs), min(ys), max(xs), max(ys))))
        gray = np.asarray(Image.open(SROIE / "img" / f"{key}.jpg").convert("L"))
        pages.append((key, gray, lines))
    return pages


def score_words(words: list[Word], truth: list[tuple[str, BBox]], fold: bool) -> int:
    """Truth words read right; each truth box is a word (scribe) or a line (sroie)."""
    right = 0
    used: set[int] = set()
    for text, box in truth:
        want = text.split()
        near = [(i, w) for i, w in enumerate(words) if i not in used and _inside(w, box)]
        for t in want:
            t = t.upper() if fold else t
            hit = next(
                (i for i, w in near if i not in used and (w.text.upper() if fold else w.text) == t),
                None,
            )
            if hit is not None:
                used.add(hit)
                right += 1
    return right


Page = tuple[str, np.ndarray, list[tuple[str, BBox]]]
Reader = Callable[[str, np.ndarray], list[Word]]


def run(name: str, pages: list[Page], fold: bool, readers: dict[str, Reader]) -> dict[str, Any]:
    total = sum(len(t.split()) for _, _, truth in pages for t, _ in truth)
    res: dict[str, Any] = {"pages": len(pages), "words": total}
    for label, read in readers.items():
        right, t0 = 0, time.perf_counter()
        for key, gray, truth in pages:
            right += score_words(read(key, gray), truth, fold)
        spent = getattr(read, "spent", None)
        spent = time.perf_counter() - t0 if spent is None else spent
        res[label] = {
            "word_accuracy": round(right / max(1, total), 4),
            "s_per_page": round(spent / max(1, len(pages)), 2),
        }
    print(
        f"{name:7s} {len(pages)} pages {total} words: "
        + "  ".join(
            f"{k} {v['word_accuracy']:.3f} ({v['s_per_page']} s/page)"
            for k, v in res.items()
            if isinstance(v, dict)
        )
    )
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["scribe", "sroie", "both"], default="both")
    ap.add_argument("--limit", type=int, default=0, help="SROIE receipts (default all 50)")
    ap.add_argument("--readers", default="rapid,tesseract,plain")
    args = ap.parse_args()
    names = args.readers.split(",")
    tess, rapid = TesseractEngine(), RapidOcrEngine()
    with tesserocr.PyTessBaseAPI(path=default_tessdata(), lang="eng") as api:

        def readers(cache: str | None) -> dict[str, Callable[[str, np.ndarray], list[Word]]]:
            every: dict[str, Callable[[str, np.ndarray], list[Word]]] = {
                "rapid": rapid_reader(rapid, cache),
                "tesseract": lambda k, g: read_page_words(tess, g),
                "plain": plain_tesseract(api),
            }
            return {n: every[n] for n in names}

        results = {"engines": {"rapid": rapid.version(), "tesseract": tess.version()}}
        if args.set in ("scribe", "both"):
            results["scribe"] = run("scribe", scribe_pages(), False, readers("scribe-rapid-raw"))
        if args.set in ("sroie", "both"):
            results["sroie"] = run(
                "sroie", sroie_pages(args.limit), True, readers("sroie-rapid-raw")
            )
    out = ROOT / "bench" / "results" / "ocr_words.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    # one set at a time keeps the other set's last figures
    kept = json.loads(out.read_text()) if out.exists() else {}
    for name, res in results.items():
        kept[name] = {**kept.get(name, {}), **res} if isinstance(res, dict) else res
    out.write_text(json.dumps(kept, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
