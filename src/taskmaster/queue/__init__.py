"""Background processing: what runs batches, and what feeds them in.

    background.py   the server's pool, hot folder and mailbox (`start_background`)
    runner.py       the one batch runner (claim -> heartbeat -> run -> release)
    claim.py        the queue in the `batches` table: leases, heartbeats, retries, Policy
    pool.py         the embedded worker pool
    distributed.py, procrastinate_app.py, worker_jobs.py   `taskmaster worker` (PostgreSQL)
    hotfolder.py, mailbox.py, poller.py, inbox_files.py    intake

The package imports nothing itself, so a module of it (e.g. `distributed`, which the
workflow uses to enqueue) loads without the pool, the hot folder and the mailbox.
"""
