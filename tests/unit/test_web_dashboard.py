"""Dashboard: workers and their tasks, batches in flight, failures with their reasons.

The application runs in-process (no embedded workers) on a real SQLite database. Worker
rows are written by the real `WorkerStatus` heartbeat, as a `taskmaster worker` does;
batch and document states are set in the database as the pipeline leaves them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from taskmaster.db.models import AuditEntry, Batch, Document, InputFile, Task, User, Worker, utcnow
from taskmaster.pipeline.services import Services
from taskmaster.queue.worker_status import WorkerStatus
from taskmaster.security.tokens import create_token
from taskmaster.server import create_app
from taskmaster.settings import Settings
from taskmaster.web import workers


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, Services]]:
    settings = Settings(
        home=tmp_path,
        admin_password="dashboard-admin-1",
        hot_folder=False,
        workers=1,
        calibrate_every=0,
    )
    app = create_app(settings, embedded_workers=False)
    with TestClient(app) as c:
        svc: Services = app.state.svc
        with svc.db.session() as session:
            admin = session.scalars(select(User).where(User.name == "admin")).one()
            token, _ = create_token(session, admin, "admin")
            session.commit()
        c.headers["Authorization"] = f"Bearer {token}"
        yield c, svc


def _row(html: str, attr: str, key: str) -> str:
    """The <tr> of the table row carrying data-ATTR=KEY."""
    m = re.search(rf'<tr data-{attr}="{re.escape(key)}"[^>]*>(.*?)</tr>', html, re.S)
    assert m, f"no row {attr}={key}"
    return m.group(0)


def test_dashboard_shows_workers_their_batches_and_stale_ones(
    client: tuple[TestClient, Services],
) -> None:
    c, svc = client
    now = utcnow()
    with svc.db.session() as s:
        s.add_all(
            [
                Batch(
                    id="b-busy",
                    apps=["intake"],
                    status="running",
                    task="recognize",
                    lease_owner="host-a:101",
                    lease_until=now + timedelta(seconds=30),
                ),
                Batch(
                    id="b-pool",
                    apps=["intake"],
                    status="running",
                    task="identify",
                    lease_owner="serve-host:7:w0",
                    lease_until=now + timedelta(seconds=20),
                ),
                Batch(
                    id="b-dead",
                    apps=["intake"],
                    status="running",
                    task="prepare",
                    lease_owner="serve-host:7:w1",
                    lease_until=now - timedelta(minutes=2),
                ),
            ]
        )
        s.add(
            Task(
                batch_id="b-pool",
                name="identify",
                status="running",
                progress=0.5,
                worker="serve-host:7:w0",
            )
        )
        s.commit()
    busy = WorkerStatus(svc.db, "host-a:101")
    busy.busy("b-busy", "recognize")  # the heartbeat writes the row
    idle = WorkerStatus(svc.db, "host-b:202")
    idle.beat()
    with svc.db.session() as s:  # a worker killed with SIGKILL: its heartbeat stopped
        s.merge(
            Worker(
                name="host-c:303",
                host="host-c",
                pid=303,
                status="busy",
                batch_id="b-dead",
                task="prepare",
                started_at=now - timedelta(hours=1),
                heartbeat_at=now - timedelta(minutes=5),
            )
        )
        s.commit()

    html = c.get("/").text
    row = _row(html, "worker", "host-a:101")
    assert "s-busy" in row and 'href="/batches/b-busy"' in row and "recognize" in row
    assert "host-a / 101" in row and "stale" not in row
    assert "s-idle" in _row(html, "worker", "host-b:202")
    dead = _row(html, "worker", "host-c:303")
    assert 'class="stale"' in dead and "5 min ago" in dead
    # The embedded pool writes no worker rows: its batches show through their leases.
    pool = _row(html, "batch", "b-pool")
    assert "serve-host:7:w0" in pool and "(embedded)" in pool and "50%" in pool
    assert "(worker)" in _row(html, "batch", "b-busy")
    assert 'class="stale"' in _row(html, "batch", "b-dead")  # its lease ran out

    with svc.db.session() as s:
        views = {v.name: v for v in workers.workers(s)}
        assert views["host-c:303"].stale and not views["host-a:101"].stale
        assert [v.name for v in workers.workers(s)][-1] == "host-c:303"  # live ones first


def test_failures_show_their_reasons_in_the_ui_and_the_api(
    client: tuple[TestClient, Services],
) -> None:
    c, svc = client
    with svc.db.session() as s:
        s.add_all(
            [
                Batch(
                    id="b-failed",
                    apps=["intake"],
                    status="failed",
                    task="recognize",
                    error="recognize: gave up after 3 attempts: engine crashed",
                ),
                Batch(id="b-partly", apps=["intake"], status="needs_review", task="verify"),
            ]
        )
        s.add_all(
            [
                Document(
                    id="d-bad",
                    batch_id="b-partly",
                    seq=1,
                    app="intake",
                    type="intake-v1",
                    status="failed",
                    error="recognition failed: RuntimeError('bad zone')",
                ),
                Document(
                    id="d-good",
                    batch_id="b-partly",
                    seq=2,
                    app="intake",
                    type="intake-v1",
                    status="needs_review",
                ),
            ]
        )
        s.commit()

    html = c.get("/").text
    assert "gave up after 3 attempts" in html
    assert "bad zone" in _row(html, "document", "d-bad")
    listing = c.get("/batches").text
    assert "engine crashed" in _row(listing, "batch", "b-failed")
    assert "1 document failed" in _row(listing, "batch", "b-partly")
    detail = c.get("/batches/b-partly").text
    assert re.search(r'data-document="d-bad"[^>]*open', detail)
    assert "Failed: recognition failed: RuntimeError(&#39;bad zone&#39;)" in detail

    assert c.get("/api/v1/batches/b-failed").json()["error"].endswith("engine crashed")
    docs = {d["document"]: d for d in c.get("/api/v1/batches/b-partly/documents").json()}
    assert docs["d-bad"]["status"] == "failed" and "bad zone" in docs["d-bad"]["error"]
    assert docs["d-good"]["error"] is None
    assert "bad zone" in c.get("/api/v1/documents/d-bad").json()["error"]


def test_ages_read_as_people_say_them() -> None:
    assert [workers.ago(s) for s in (4, 89, 300, 7200)] == ["4 s", "89 s", "5 min", "2 h"]


def test_exceptions_queue_counts_and_lists_reasons(client: tuple[TestClient, Services]) -> None:
    c, svc = client
    with svc.db.session() as s:
        s.add(Batch(id="b-exc", apps=["intake"], status="done", task=None))
        s.add_all(
            [
                Document(
                    id="d-nomatch",
                    batch_id="b-exc",
                    seq=1,
                    status="rejected",
                    reason="no form matched (best match 0.12)",
                ),
                Document(
                    id="d-notform",
                    batch_id="b-exc",
                    seq=2,
                    status="rejected",
                    reason="operator: not this form (ann)",
                ),
                Document(
                    id="d-broke",
                    batch_id="b-exc",
                    seq=3,
                    app="intake",
                    type="intake-v1",
                    status="failed",
                    error="recognition failed: boom",
                ),
                Document(
                    id="d-fine",
                    batch_id="b-exc",
                    seq=4,
                    app="intake",
                    type="intake-v1",
                    status="done",
                ),
                InputFile(
                    batch_id="b-exc",
                    seq=1,
                    name="scan.pdf",
                    path="files/x",
                    size=1,
                    sha256="0" * 64,
                    status="failed",
                    error="not a PDF: bad header",
                ),
                AuditEntry(
                    actor="ann",
                    action="field.set",
                    batch_id="b-exc",
                    document_id="d-fine",
                    field="last_name",
                    new="KOWALSKI",
                    old={
                        "value": "KOVVALSKI",
                        "confidence": 0.47,
                        "source": "icr",
                        "status": "needs_review",
                    },
                ),
            ]
        )
        s.commit()
    html = c.get("/").text
    assert re.search(r'id="exc-rejected">2<', html) and re.search(r'id="exc-failed">1<', html)
    assert re.search(r'id="exc-files">1<', html)
    assert "best match 0.12" in _row(html, "document", "d-nomatch")
    assert "not this form (ann)" in _row(html, "document", "d-notform")
    assert "recognition failed: boom" in _row(html, "document", "d-broke")
    assert "bad header" in _row(html, "document", "b-exc/scan.pdf")
    assert 'value="intake/intake-v1"' in _row(html, "document", "d-nomatch")  # assignable
    assert "<select" not in _row(html, "document", "b-exc/scan.pdf")
    assert 'data-document="d-fine"' not in html.split('id="exception-queue"', 1)[1]
    audit = c.get("/batches/b-exc").text.split('id="audit"', 1)[1]
    assert "<td>KOVVALSKI <span" in audit and "(47% icr)" in audit  # the machine's reading
    page = c.get("/api/v1/documents", params={"status": "rejected", "limit": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["reason"] in (
        "no form matched (best match 0.12)",
        "operator: not this form (ann)",
    )
