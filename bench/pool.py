"""Embedded pool throughput: worker threads against worker processes.

    OMP_THREAD_LIMIT=1 PYTHONPATH=src .venv/bin/python bench/pool.py [--pages 8] [--workers 2]

Runs the intake samples of ../shared/forms/intake/samples (one batch a page, the whole
workflow: OCR, ICR, OMR, barcodes, export) through `start_background` with 1 worker
thread, N worker threads and N worker processes, each on a fresh data directory, and
prints pages per minute. The clock starts when the batches are submitted (the pool is
already up; engine loading in each worker is included, as it is on a server's first
batches). Tells whether the engines release the GIL well enough for threads.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select  # noqa: E402

from taskmaster.db.models import Batch  # noqa: E402
from taskmaster.pipeline.services import Services  # noqa: E402
from taskmaster.pipeline.submit import create_batch  # noqa: E402
from taskmaster.queue.background import start_background  # noqa: E402
from taskmaster.queue.pool import Mode  # noqa: E402
from taskmaster.settings import Settings  # noqa: E402

SAMPLES = (
    Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
    / "forms"
    / "intake"
    / "samples"
)


def run(mode: Mode, workers: int, pages: list[Path]) -> float:
    """Seconds for `workers` workers in `mode` to finish one batch per page."""
    with tempfile.TemporaryDirectory() as home:
        svc = Services.create(Settings(home=Path(home), hot_folder=False))
        bg = start_background(svc, workers=workers, mode=mode, hot_folder=False, poll_s=0.2)
        time.sleep(3 if mode == "processes" else 0.2)  # let spawned workers import
        start = time.monotonic()
        for page in pages:
            create_batch(svc, [(page.name, page.read_bytes())], ["intake"])
        bg.notify()
        while True:
            with svc.db.session() as session:
                left = session.scalar(
                    select(func.count())
                    .select_from(Batch)
                    .where(Batch.status.in_(("pending", "running")))
                )
            if not left:
                break
            time.sleep(0.2)
        took = time.monotonic() - start
        bg.stop(30)
        svc.close()
        return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    pages = sorted(SAMPLES.glob("intake_*.png"))[: args.pages]
    if not pages:
        sys.exit(f"no samples in {SAMPLES}")
    for mode, n in (("threads", 1), ("threads", args.workers), ("processes", args.workers)):
        took = run(mode, n, pages)  # type: ignore[arg-type]
        print(
            f"{mode:9} x{n}: {len(pages)} pages in {took:6.1f} s = "
            f"{60 * len(pages) / took:5.1f} pages/min",
            flush=True,
        )


if __name__ == "__main__":
    main()
