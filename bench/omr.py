"""OMR benchmark: checkboxes and signatures on the intake samples.

    PYTHONPATH=src .venv/bin/python bench/omr.py [--cache /tmp/warped] [--drawn]

Registers every page of ../shared/forms/intake/samples and samples_more onto its blank
form (taskmaster.imaging.registration), crops each checkbox with a 12 px margin and each
signature zone, and compares with the ground truth. Prints the figures and writes
bench/results/omr.json. `--cache` keeps the registered pages for re-runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from taskmaster.engines.omr import InkOmrEngine  # noqa: E402
from taskmaster.imaging.loader import load_pages  # noqa: E402
from taskmaster.imaging.registration import (  # noqa: E402
    build_fingerprint,
    identify,
    warp_to_reference,
)

SHARED = Path(os.environ.get("TASKMASTER_SHARED") or ROOT.parent / "shared")
FORM = SHARED / "forms/intake"
MARGIN = 12


def field_map() -> dict[str, Any]:
    fields: dict[str, Any] = json.loads((FORM / "fields.json").read_text())
    return fields


def sample_files() -> list[tuple[Path, str]]:
    """(file, style) for every sample page file, from the manifests."""
    out = []
    for folder in (FORM / "samples", FORM / "samples_more"):
        for line in (folder / "manifest.tsv").read_text().splitlines()[1:]:
            parts = line.split("\t")
            out.append((folder / parts[0], parts[1]))
    return out


Page = tuple[str, str, str, np.ndarray, dict[str, Any]]


def _gray(path: Path) -> npt.NDArray[np.uint8]:
    """A greyscale image file as it is on disk (asserted present)."""
    img = cv2.imread(str(path), 0)
    assert img is not None, path
    return cast(npt.NDArray[np.uint8], img)


def registered_pages(cache: Path | None) -> Iterator[Page]:
    """(page name, style, page type, page in the blank's frame, ground-truth fields)."""
    fm = field_map()
    fps = {
        "intake-v1": build_fingerprint(
            "intake-v1", _gray(FORM / "blank.png"), fm["registration_marks"]
        ),
        "intake-v1-consent": build_fingerprint(
            "intake-v1-consent",
            _gray(FORM / "blank_consent.png"),
            fm["consent_page"]["registration_marks"],
        ),
    }
    for path, style in sample_files():
        pages = None
        n_pages = 1 if path.suffix == ".png" else 2
        for index in range(1, n_pages + 1):
            name = path.stem if n_pages == 1 else f"{path.stem}_p{index}"
            truth = json.loads(path.with_name(name + ".json").read_text())
            cached = cache / f"{name}.png" if cache else None
            if cached and cached.exists():
                warped = _gray(cached)
            else:
                if pages is None:
                    pages = load_pages(path.read_bytes(), path.name)
                page = pages[index - 1].image
                match = identify(page, list(fps.values()))
                if match.page_type is None:
                    print(f"{name}: no fingerprint matched", file=sys.stderr)
                    continue
                warped = warp_to_reference(page, match, fps[match.page_type])
                if cached:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(cached), warped)
            yield name, style, truth["form"], warped, truth["fields"]


def crop(page: np.ndarray, bbox: list[int], margin: int) -> np.ndarray:
    x0, y0, x1, y1 = bbox
    return np.ascontiguousarray(
        page[max(y0 - margin, 0) : y1 + margin, max(x0 - margin, 0) : x1 + margin]
    )


def group_value(fieldspec: dict[str, Any], states: Sequence[str]) -> tuple[Any, bool]:
    """The group's value from its boxes' states, and whether it needs review."""
    marked = [
        o["value"] for o, s in zip(fieldspec["options"], states, strict=True) if s == "marked"
    ]
    review = "ambiguous" in states or len(marked) > 1
    if fieldspec["type"] == "boolean" and len(fieldspec["options"]) == 1:
        return bool(marked), review
    return (marked[0] if len(marked) == 1 else None), review


def drawn(per_cell: int = 12) -> None:
    """Drawn marks (tests/marks.py): every kind x pen x clean/fax/photo, `per_cell` boxes
    each, cropped as the checkbox reader crops them; prints what each kind was read as."""
    import random
    from collections import Counter

    sys.path.insert(0, str(ROOT))
    from tests.marks import AMBIGUOUS, MARKED, PENS, draw_mark, fax, photo, printed_box

    from taskmaster.reading.checkbox import BOX_MARGIN

    omr, rng = InkOmrEngine(), random.Random(3)
    for kind in (*MARKED, *AMBIGUOUS, "empty"):
        got: Counter[str] = Counter()
        for pen in PENS:
            for deg in ("clean", "fax", "photo"):
                for _ in range(per_cell):
                    img, box = printed_box(
                        44, 44 + 2 * BOX_MARGIN + 4, (rng.randint(-4, 4), rng.randint(-4, 4))
                    )
                    if kind != "empty":
                        draw_mark(img, box, kind, rng, pen)
                    img = (
                        fax(img, rng.randint(140, 190))
                        if deg == "fax"
                        else (photo(img, rng) if deg == "photo" else img)
                    )
                    m = omr.mark(img)
                    got[
                        m.state if m.state != "empty" or m.confidence < 0.9 else "empty (sure)"
                    ] += 1
        print(f"{kind:<9} " + ", ".join(f"{k} {v}" for k, v in got.most_common()))


def main() -> None:
    ap = argparse.ArgumentParser(description="OMR benchmark on the intake samples")
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument(
        "--drawn",
        action="store_true",
        help="drawn marks (six kinds, three pens, clean/fax/photo) instead",
    )
    args = ap.parse_args()
    if args.drawn:
        drawn()
        return
    if not FORM.exists():
        sys.exit(f"no shared data at {SHARED}")
    omr = InkOmrEngine()
    fm = field_map()
    specs = {"intake-v1": fm["fields"], "intake-v1-consent": fm["consent_page"]["fields"]}
    boxes = box_ok = groups = group_ok = reviewed = wrong_auto = 0
    sigs = sig_ok = 0
    errors: list[str] = []
    inks: dict[str, list[float]] = {"empty": [], "marked": []}
    t_mark = t_sig = 0.0
    for name, _style, form, page, truth in registered_pages(args.cache):
        for spec in specs[form]:
            if spec["kind"] == "signature":
                t = time.perf_counter()
                r = omr.signature_present(crop(page, spec["bbox"], 0))
                t_sig += time.perf_counter() - t
                sigs += 1
                ok = (r.text == "true") == bool(truth[spec["name"]])
                sig_ok += ok
                if not ok:
                    errors.append(f"{name} {spec['name']}: {r.text} ({r.confidence})")
            if spec["kind"] != "checkbox":
                continue
            gt = truth[spec["name"]]
            states = []
            for opt in spec["options"]:
                t = time.perf_counter()
                m = omr.mark(crop(page, opt["bbox"], MARGIN))
                t_mark += time.perf_counter() - t
                want = gt is not None and gt == opt["value"]
                if len(spec["options"]) == 1:
                    want = bool(gt)
                inks["marked" if want else "empty"].append(m.ink)
                boxes += 1
                states.append(m.state)
                if (m.state == "marked") == want and m.state != "ambiguous":
                    box_ok += 1
                else:
                    errors.append(
                        f"{name} {spec['name']}={opt['value']}: {m.state} "
                        f"{m.kind} ink={m.ink:.3f} want={'marked' if want else 'empty'}"
                    )
            value, review = group_value(spec, states)
            if len(spec["options"]) == 1:
                gt = bool(gt)
            groups += 1
            group_ok += value == gt and not review
            reviewed += review
            wrong_auto += (not review) and value != gt
    res = {
        "checkbox_boxes": boxes,
        "checkbox_box_accuracy": box_ok / max(boxes, 1),
        "checkbox_groups": groups,
        "checkbox_group_accuracy": group_ok / max(groups, 1),
        "checkbox_groups_to_review": reviewed,
        "checkbox_groups_wrong_unreviewed": wrong_auto,
        "signatures": sigs,
        "signature_accuracy": sig_ok / max(sigs, 1),
        "ms_per_checkbox": 1000 * t_mark / max(boxes, 1),
        "ms_per_signature": 1000 * t_sig / max(sigs, 1),
        "ink_empty_max": max(inks["empty"], default=0.0),
        "ink_marked_min": min(inks["marked"], default=0.0),
        "errors": errors,
    }
    print(json.dumps(res, indent=1))
    out = ROOT / "bench/results/omr.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
