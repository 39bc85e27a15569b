"""Peak memory of `taskmaster process` against the batch's size: it must not grow with pages.

Runs `taskmaster process --app intake --json` on N pages (default 50, 250 and 500),
each in a fresh, empty data directory, and prints the peak resident memory (max RSS of
the process, the decoder child included: the larger of the two) and the RSS sampled
over the run (at each quarter of the wall time). The pages are `--folder`'s PNG/JPEG
files cycled to N (by symbolic link), or by default the intake app's own blank form:
every stage runs (decode, registration, a stored registered page, every field read as
blank), without the OCR time of filled pages, so 500 pages take minutes, not an hour.

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/memory.py [--pages 50,250,500] [--folder DIR]

Results go to bench/results/memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLANK = ROOT / "src/taskmaster/apps/builtin/intake/intake-v1.png"


def rss_mb(pid: int) -> float | None:
    """The resident memory of `pid` now, in MB (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run(files: list[Path], env: dict[str, str]) -> dict[str, object]:
    """One `taskmaster process` run: wall seconds, peak RSS and the sampled RSS curve."""
    home = tempfile.mkdtemp(prefix="tm-mem-home-")
    cmd = [
        str(ROOT / ".venv/bin/taskmaster"),
        "process",
        "--app",
        "intake",
        "--json",
        *map(str, files),
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**env, "TASKMASTER_HOME": home}, stdout=subprocess.DEVNULL)
    samples: list[tuple[float, float]] = []

    def watch() -> None:
        while proc.returncode is None:
            mb = rss_mb(proc.pid)
            if mb is not None:
                samples.append((time.perf_counter() - start, mb))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    watcher.join()
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        sys.exit(f"taskmaster process failed ({proc.returncode})")
    quarters = [
        max((mb for t, mb in samples if t <= wall * q / 4), default=0.0) for q in (1, 2, 3, 4)
    ]
    return {
        "pages": len(files),
        "wall_s": round(wall, 1),
        "peak_rss_mb": usage.ru_maxrss // 1024,
        "sampled_max_by_quarter_mb": [round(q) for q in quarters],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", default="50,250,500", help="batch sizes, comma-separated")
    ap.add_argument(
        "--folder",
        type=Path,
        default=None,
        help="pages to cycle (PNG/JPEG files); default: the blank intake form",
    )
    args = ap.parse_args()
    sources = (
        [BLANK]
        if args.folder is None
        else sorted(p for p in args.folder.iterdir() if p.suffix in (".png", ".jpg"))
    )
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    results = []
    for n in (int(x) for x in args.pages.split(",")):
        folder = Path(tempfile.mkdtemp(prefix="tm-mem-pages-"))
        files = []
        for i in range(n):
            src = sources[i % len(sources)]
            link = folder / f"page-{i + 1:04d}{src.suffix}"
            link.symlink_to(src.resolve())
            files.append(link)
        result = run(files, env)
        results.append(result)
        print(
            f"{n:4d} pages: peak RSS {result['peak_rss_mb']} MB; sampled by quarter of the "
            f"run {result['sampled_max_by_quarter_mb']} MB; {result['wall_s']} s",
            flush=True,
        )
    out = ROOT / "bench" / "results" / "memory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "source": "blank intake form" if args.folder is None else str(args.folder),
                "load_average": os.getloadavg()[0],
                "runs": results,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
