"""What a worker process says about itself: a `workers` row, Prometheus metrics, health.

The row (upserted every heartbeat) is what the dashboard shows: who is alive, what it
holds. The small HTTP endpoint (`--metrics-port`) answers `/healthz` (JSON; 503 once the
database heartbeat has failed for three intervals) and `/metrics` (Prometheus text).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from taskmaster.db.engine import Database
from taskmaster.db.models import Worker, utcnow

log = logging.getLogger(__name__)


class WorkerStatus:
    """The live state of one worker process, published to the database and over HTTP."""

    def __init__(
        self, db: Database, name: str, *, kind: str = "procrastinate", heartbeat_s: float = 10.0
    ) -> None:
        self.db, self.name, self.kind, self.heartbeat_s = db, name, kind, heartbeat_s
        self.host, _, pid = name.partition(":")
        self.pid = int(pid.split(":")[0]) if pid.split(":")[0].isdigit() else 0
        self.state = "idle"
        self.batch_id: str | None = None
        self.task: str | None = None
        self.jobs_done = self.jobs_failed = 0
        self.metrics_url: str | None = None
        self.started_at: datetime = utcnow()
        self.last_beat = 0.0  # monotonic time of the last successful database heartbeat
        self.registry = CollectorRegistry()
        self.jobs = Counter(
            "taskmaster_worker_jobs",
            "Batch jobs run, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.busy_gauge = Gauge(
            "taskmaster_worker_busy", "1 while a batch is in hand", registry=self.registry
        )
        self.seconds = Histogram(
            "taskmaster_worker_job_seconds",
            "Time to run a batch job",
            registry=self.registry,
            buckets=(1, 2, 5, 10, 30, 60, 120, 300, 900, 3600),
        )
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat_loop, daemon=True, name="worker-heartbeat"
        )
        self._server: ThreadingHTTPServer | None = None

    # -- state changes (called by the job) -------------------------------------------
    def busy(self, batch_id: str, task: str | None) -> None:
        with self._lock:
            self.state, self.batch_id, self.task = "busy", batch_id, task
        self.busy_gauge.set(1)
        self.beat()

    def idle(self, outcome: str, seconds: float) -> None:
        """The job ended with `outcome` (done, needs_review, failed, retry, ...)."""
        with self._lock:
            if self.state == "busy":
                self.state = "idle"
            self.batch_id = self.task = None
            if outcome in ("failed", "error"):
                self.jobs_failed += 1
            else:
                self.jobs_done += 1
        self.jobs.labels(outcome).inc()
        self.busy_gauge.set(0)
        self.seconds.observe(seconds)
        self.beat()

    def stopping(self) -> None:
        with self._lock:
            self.state = "stopping"
        self.beat()

    # -- heartbeat ------------------------------------------------------------------
    def beat(self) -> None:
        """Upsert this worker's row; a failure is logged and retried at the next beat."""
        with self._lock:
            row = Worker(
                name=self.name,
                host=self.host,
                pid=self.pid,
                kind=self.kind,
                status=self.state,
                batch_id=self.batch_id,
                task=self.task,
                jobs_done=self.jobs_done,
                jobs_failed=self.jobs_failed,
                metrics_url=self.metrics_url,
                started_at=self.started_at,
                heartbeat_at=utcnow(),
            )
        try:
            with self.db.session() as session:
                session.merge(row)
                session.commit()
            self.last_beat = time.monotonic()
        except Exception:  # a database blip must not kill the worker; /healthz shows it
            log.exception("worker %s: heartbeat failed", self.name)

    def _beat_loop(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            self.beat()

    def healthy(self) -> bool:
        return time.monotonic() - self.last_beat < 3 * self.heartbeat_s + 5

    def health(self) -> dict[str, Any]:
        with self._lock:
            return {
                "status": "ok" if self.healthy() else "unhealthy",
                "worker": self.name,
                "state": self.state,
                "batch": self.batch_id,
                "task": self.task,
                "jobs_done": self.jobs_done,
                "jobs_failed": self.jobs_failed,
                "heartbeat_age_s": round(time.monotonic() - self.last_beat, 1),
            }

    # -- lifecycle ------------------------------------------------------------------
    def start(self, metrics_host: str = "127.0.0.1", metrics_port: int | None = None) -> None:
        """Publish the first heartbeat, then beat in the background; serve HTTP if asked."""
        if metrics_port is not None:
            self._server = ThreadingHTTPServer((metrics_host, metrics_port), _handler(self))
            host, port = self._server.server_address[:2]
            self.metrics_url = f"http://{_display_host(str(host))}:{port}"
            threading.Thread(
                target=self._server.serve_forever, daemon=True, name="worker-metrics"
            ).start()
        self.beat()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            self.state, self.batch_id, self.task = "stopped", None, None
        self.beat()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _display_host(host: str) -> str:
    return socket.gethostname() if host in ("0.0.0.0", "::") else host


def _handler(status: WorkerStatus) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/healthz":
                body = json.dumps(status.health()).encode()
                self._send(200 if status.healthy() else 503, "application/json", body)
            elif self.path == "/metrics":
                self._send(200, "text/plain; version=0.0.4", generate_latest(status.registry))
            else:
                self._send(404, "text/plain", b"not found\n")

        def _send(self, code: int, ctype: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("metrics: " + format, *args)

    return Handler
