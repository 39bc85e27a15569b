"""Onboarding benchmark: the W-9 made into an application by `taskmaster apps new`, from
its fillable PDF and from a picture of its blank, then its 16 filled samples read by
`taskmaster process` and scored by ../shared/tools/score_form.py (fields matched by box
overlap: found, text, comb, checkbox right, wrong among fields marked ok).

    .venv/bin/python bench/onboard_w9.py [--from fw9_p1.pdf] [--from blank.png] [--overlay DIR]

--overlay DIR also draws each application's zones over its reference page (the pictures
in docs/forms.md).

Runs in a temporary TASKMASTER_HOME; prints each source's figures and what
`apps new` reported. Results go to bench/results/onboard_w9.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
FORM = SHARED / "forms" / "w9"
TM = ROOT / ".venv" / "bin" / "taskmaster"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--from",
        dest="sources",
        action="append",
        help="blank form(s) in forms/w9 (default: fw9_p1.pdf and blank.png)",
    )
    ap.add_argument("--overlay", type=Path, help="write zones-over-reference pictures here")
    args = ap.parse_args()
    samples = sorted(p for p in (FORM / "samples").iterdir() if p.suffix in (".png", ".jpg"))
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TASKMASTER_HOME": tmp}
        for i, source in enumerate(args.sources or ["fw9_p1.pdf", "blank.png"]):
            app = f"w9-{i}"
            t0 = time.monotonic()
            made = subprocess.run(
                [str(TM), "apps", "new", app, "--from", str(FORM / source), "--json"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            onboard_s = time.monotonic() - t0
            summary = json.loads(made.stdout)
            t0 = time.monotonic()
            proc = subprocess.run(
                [str(TM), "process", *map(str, samples), "--app", app, "--json"],
                env=env,
                capture_output=True,
                text=True,
            )
            process_s = time.monotonic() - t0
            result = Path(tmp) / f"{app}.json"
            result.write_text(proc.stdout)
            score = subprocess.run(
                [
                    sys.executable,
                    str(SHARED / "tools" / "score_form.py"),
                    str(result),
                    str(FORM / "samples"),
                ],
                capture_output=True,
                text=True,
            )
            print(
                f"== {source}: apps new {onboard_s:.1f}s, fields {summary['kinds']}, "
                f"unsure {len(summary['unsure'])}; process {len(samples)} samples "
                f"{process_s:.1f}s"
            )
            print(score.stdout)
            if args.overlay:
                overlay(Path(tmp) / "apps" / app, args.overlay / f"zones-{Path(source).stem}.png")
            out[source] = {
                "kinds": summary["kinds"],
                "unsure": summary["unsure"],
                "score": score.stdout.strip().splitlines(),
            }
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "onboard_w9.json").write_text(json.dumps(out, indent=1))


def overlay(folder: Path, target: Path) -> None:
    """The first page's reference with every zone drawn (blue; unsure ones orange)."""
    import cv2
    import yaml

    app = yaml.safe_load((folder / "app.yaml").read_text())
    page = app["page_types"][0]
    img = cv2.imread(str(folder / page["reference"]), cv2.IMREAD_COLOR)
    assert img is not None, page["reference"]
    for f in page["fields"]:
        colour = (0, 140, 255) if f.get("unsure") else (204, 102, 0)
        x0, y0, x1, y1 = f["bbox"]
        cv2.rectangle(img, (x0, y0), (x1, y1), colour, 5)
        for b in f.get("boxes", []) + [o["bbox"] for o in f.get("options", [])]:
            cv2.rectangle(img, (b[0], b[1]), (b[2], b[3]), colour, 2)
        cv2.putText(img, f["name"], (x0, max(20, y0 - 8)), cv2.FONT_HERSHEY_SIMPLEX, 1.1, colour, 2)
    target.parent.mkdir(parents=True, exist_ok=True)
    crop = img[: img.shape[0] * 6 // 10]
    cv2.imwrite(str(target), cv2.resize(crop, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))


if __name__ == "__main__":
    main()
