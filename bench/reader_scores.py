"""Do the readers' scores tell right values from wrong ones? Measured on a truth set.

Reads truth folders (the samples' format: manifest.tsv, NAME.json) with the intake
workflow in a scratch data directory, as `taskmaster calibrate --truth` does, and writes
every machine reading with its truth to a JSONL file; then prints per field and source
the labels, wrong ones, the AUC of the score (the chance a right reading scores above a
wrong one; 0.5 = no better than a coin) and the score quantiles of right and wrong ones.

    .venv/bin/python bench/reader_scores.py /tmp/truth [...] --out bench/results/scores.jsonl
    .venv/bin/python bench/reader_scores.py --load bench/results/scores.jsonl
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from taskmaster.calibration.fit import source_key  # noqa: E402
from taskmaster.calibration.labels import field_name, same, truth_files  # noqa: E402
from taskmaster.db.models import Document  # noqa: E402
from taskmaster.pipeline.context import TaskContext  # noqa: E402
from taskmaster.pipeline.runner import run_batch  # noqa: E402
from taskmaster.pipeline.services import Services  # noqa: E402
from taskmaster.pipeline.submit import create_batch  # noqa: E402
from taskmaster.settings import Settings  # noqa: E402


def styles(folder: Path) -> dict[str, tuple[str, str]]:
    manifest = folder / "manifest.tsv"
    if not manifest.is_file():
        return {}
    rows = csv.DictReader(manifest.read_text().splitlines(), delimiter="\t")
    return {r["file"]: (r.get("style", "?"), r.get("noise", "?")) for r in rows}


def read(folders: list[Path], app: str = "intake") -> list[dict[str, Any]]:
    samples = [(folder, f, t) for folder in folders for f, t in truth_files(folder)]
    home = Path(tempfile.mkdtemp(prefix="tm-scores-"))
    svc = Services.create(
        Settings(home=home, database_url=None, store="file", queue="embedded", qa_share=0.0)
    )
    rows: list[dict[str, Any]] = []
    try:
        loaded = svc.apps.get(app).app
        batch = create_batch(
            svc,
            [(f.name, f.read_bytes()) for _, f, _ in samples],
            [app],
            origin="cli",
            actor="bench",
        )
        run_batch(svc, TaskContext(batch_id=batch, worker="bench"))
        with svc.db.session() as session:
            docs = {
                d.pages[0].source.split("#")[0]: d
                for d in session.scalars(select(Document).where(Document.batch_id == batch))
                if d.pages
            }
            meta = {name: sn for folder in folders for name, sn in styles(folder).items()}
            for _, f, truth in samples:
                doc = docs.get(f.name)
                if doc is None or doc.app != app:
                    continue
                by_name = {fv.name: fv for fv in doc.fields}
                style, noise = meta.get(f.name, ("?", "?"))
                for page in truth:
                    for key, want in (page.get("fields") or {}).items():
                        fv = by_name.get(field_name(loaded, str(page.get("form")), key) or "")
                        if fv is None or fv.machine_score is None:
                            continue
                        rows.append(
                            {
                                "file": f.name,
                                "style": style,
                                "noise": noise,
                                "field": fv.name,
                                "kind": fv.kind,
                                "type": fv.type,
                                "source": source_key(fv.machine_source, fv.machine_value),
                                "score": fv.machine_score,
                                "value": fv.machine_value,
                                "truth": want,
                                "right": same(fv.machine_value, want),
                                "messages": fv.messages or [],
                            }
                        )
    finally:
        svc.close()
        shutil.rmtree(home, ignore_errors=True)
    return rows


def auc(right: list[float], wrong: list[float]) -> float | None:
    if not right or not wrong:
        return None
    wins = sum((r > w) + 0.5 * (r == w) for r in right for w in wrong)
    return wins / (len(right) * len(wrong))


def q(xs: list[float], p: float) -> str:
    return f"{sorted(xs)[int(p * (len(xs) - 1))]:.3f}" if xs else "  -  "


def report(rows: list[dict[str, Any]]) -> None:
    by: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by[(r["field"], r["source"])].append(r)
    print(f"{'field':<24}{'src':<8}{'n':>5}{'wrong':>6}{'auc':>6}  right q10/q50   wrong q50/max")
    for (name, src), rs in sorted(by.items()):
        right = [r["score"] for r in rs if r["right"]]
        wrong = [r["score"] for r in rs if not r["right"]]
        a = auc(right, wrong)
        print(
            f"{name:<24}{src:<8}{len(rs):>5}{len(wrong):>6}"
            f"{'' if a is None else f'{a:.2f}':>6}  {q(right, 0.1)} {q(right, 0.5)}   "
            f"{q(wrong, 0.5)} {q(wrong, 1)}"
        )
    right = [r["score"] for r in rows if r["right"]]
    wrong = [r["score"] for r in rows if not r["right"]]
    print(f"all: {len(rows)} readings, {len(wrong)} wrong, AUC {auc(right, wrong) or 0:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", type=Path, nargs="*")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--load", type=Path)
    args = ap.parse_args()
    if args.load:
        rows = [json.loads(line) for line in args.load.read_text().splitlines()]
    else:
        rows = read(args.folders)
        if args.out:
            args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report(rows)


if __name__ == "__main__":
    main()
