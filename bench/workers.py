"""Pages per minute with 1 and 2 `taskmaster worker` processes on PostgreSQL.

    PYTHONPATH=src .venv/bin/python bench/workers.py [--pages 48] [--batch 4]

Uses TASKMASTER_DATABASE_URL if it names PostgreSQL, else starts a throwaway cluster
(tests/pg.py; needs the Debian `postgresql` package). Pages are the blank intake form
under a one-field application (tests/e2e/test_workers_fault.py), so the figure measures
the workflow and the queue, not handwriting. Each run gets a fresh database; the clock
starts when every worker process has registered and stops when the last batch is done.
Writes bench/results/workers.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from tests.e2e.test_workers_fault import DRILL, install_drill_app, start_worker  # noqa: E402
from tests.integration.test_queue import tiff_of_blank_forms  # noqa: E402
from tests.pg import PgCluster, pg_bindir  # noqa: E402

from taskmaster.db.models import Batch, Worker  # noqa: E402
from taskmaster.pipeline.services import Services  # noqa: E402
from taskmaster.pipeline.submit import create_batch  # noqa: E402
from taskmaster.settings import Settings  # noqa: E402


def run(
    url: str, workers: int, pages: int, per_batch: int, samples: list[Path] | None = None
) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="tm-bench-"))
    install_drill_app(home)
    env = {
        **os.environ,
        "TASKMASTER_HOME": str(home),
        "TASKMASTER_DATABASE_URL": url,
        "TASKMASTER_QUEUE": "procrastinate",
        "OMP_THREAD_LIMIT": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }
    os.environ.update({k: env[k] for k in ("TASKMASTER_HOME", "TASKMASTER_DATABASE_URL")})
    svc = Services.create(Settings())
    if samples:  # the whole intake workflow on real scans, `per_batch` files a batch
        files = [(f.name, f.read_bytes()) for f in samples]
        picks = [files[i % len(files)] for i in range(pages)]
        for i in range(0, pages, per_batch):
            create_batch(svc, picks[i : i + per_batch], ["intake"])
    else:
        tiff = tiff_of_blank_forms(per_batch)
        for i in range(pages // per_batch):
            create_batch(svc, [(f"scan-{i}.tif", tiff)], [DRILL])
    procs = [start_worker(env, home / "workers.log") for _ in range(workers)]
    try:
        while True:  # start the clock once every worker is up (imports take seconds)
            with svc.db.session() as session:
                if session.scalar(select(func.count()).select_from(Worker)) == workers:
                    break
            time.sleep(0.05)
        started = time.monotonic()
        while True:
            with svc.db.session() as session:
                left = session.scalar(
                    select(func.count())
                    .select_from(Batch)
                    .where(Batch.status.in_(("pending", "running")))
                )  # needs_review counts as done
            if not left:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(60)
    with svc.db.session() as session:
        done = session.scalar(select(func.count()).select_from(Batch).where(Batch.status == "done"))
    svc.close()
    return {
        "workers": workers,
        "pages": pages,
        "batches_done": float(done or 0),
        "seconds": round(elapsed, 1),
        "pages_per_minute": round(pages * 60 / elapsed, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=48)
    ap.add_argument("--batch", type=int, default=4, help="pages per batch")
    ap.add_argument(
        "--samples",
        type=Path,
        default=None,
        help="a folder of intake scans (e.g. ../shared/forms/intake/samples): "
        "run the whole intake workflow on them instead of blank forms",
    )
    args = ap.parse_args()
    cluster = None
    given = os.environ.get("TASKMASTER_DATABASE_URL", "")
    if not given.startswith("postgresql"):
        bindir = pg_bindir()
        if bindir is None:
            sys.exit("needs PostgreSQL: set TASKMASTER_DATABASE_URL or install postgresql")
        cluster = PgCluster(bindir)
        cluster.start()
    try:
        results = []
        for n in (1, 2):
            url = cluster.create_database() if cluster else given
            samples = sorted(args.samples.glob("*.png")) if args.samples else None
            r = run(url, n, args.pages, args.batch, samples)
            print(
                f"{n} worker(s): {r['pages']} pages in {r['seconds']} s = "
                f"{r['pages_per_minute']} pages/min",
                flush=True,
            )
            results.append(r)
        speedup = results[1]["pages_per_minute"] / results[0]["pages_per_minute"]
        print(f"speed-up with 2 workers: {speedup:.2f}x (cores: {os.cpu_count()})")
        out = ROOT / "bench" / "results" / "workers.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {"runs": results, "speedup": round(speedup, 2), "cores": os.cpu_count()}, indent=1
            )
            + "\n"
        )
    finally:
        if cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
