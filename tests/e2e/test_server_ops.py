"""What the IT team running the server sees: JSON logs with request id and user, reads of
patient data in the audit log, an OpenAPI document with its security schemes, and a
Swagger UI that works without the internet."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import generate_latest

from taskmaster.db.engine import Database
from taskmaster.queue.worker_status import WorkerStatus
from tests.conftest import BLANK, ROOT
from tests.e2e.conftest import Server
from tests.e2e.test_server_uploads import _wait

MONITORING = ROOT / "deploy" / "monitoring"


def _log_lines(server: Server) -> list[dict[str, Any]]:
    found = []
    for line in server.log.read_text().splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))  # every structured line is one JSON object
    return found


def test_each_request_logs_one_json_line_with_its_id_and_user(server: Server) -> None:
    token = server.user("log-reader", "viewer")
    with server.client(token) as c:
        r = c.get("/api/v1/batches", headers={"X-Request-ID": "ops-test-0001"})
        assert r.status_code == 200
        assert r.headers["x-request-id"] == "ops-test-0001"
        fresh = c.get("/api/v1/batches").headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", fresh)
        forged = c.get("/api/v1/batches", headers={"X-Request-ID": '{"user": "root"}'})
        assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["x-request-id"])
    deadline = time.monotonic() + 10
    while True:
        mine = [e for e in _log_lines(server) if e.get("request_id") == "ops-test-0001"]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    [line] = mine
    assert line["event"] == "request" and line["logger"] == "taskmaster.access"
    assert (line["user"], line["method"], line["path"], line["status"]) == (
        "log-reader",
        "GET",
        "/api/v1/batches",
        200,
    )
    assert line["level"] == "info" and line["timestamp"].endswith("Z")
    assert isinstance(line["duration_ms"], float)


def test_reads_of_documents_pages_text_and_pdf_are_audited(server: Server) -> None:
    reader = server.user("audited-viewer", "viewer")
    with server.client(server.admin_token) as admin:
        r = admin.post(
            "/api/v1/batches",
            data={"app": "intake"},
            files={"file": ("blank.png", BLANK.read_bytes(), "image/png")},
        )
        assert r.status_code == 201, r.text
        batch = _wait(admin, r.json()["id"])
    with server.client(reader) as c:
        [doc] = c.get(f"/api/v1/batches/{batch['id']}/documents").json()
        doc_id = doc["document"]
        for path in (
            "",
            "/fields/last_name",
            "/pages/1/image",
            "/pages/1/thumbnail",
            "/text",
            "/pdf",
        ):
            assert c.get(f"/api/v1/documents/{doc_id}{path}").status_code == 200, path
        assert c.get(f"/api/v1/batches/{batch['id']}/export?format=csv").status_code == 200
    with server.client(server.admin_token) as admin:
        items = admin.get("/api/v1/audit", params={"actor": "audited-viewer", "limit": 50}).json()[
            "items"
        ]
        pages = admin.get(
            "/api/v1/audit", params={"action": "page.read", "document": doc_id}
        ).json()["items"]
        field = admin.get(f"/api/v1/documents/{doc_id}/fields/last_name").json()
    seen = sorted((e["action"], e["detail"] or "") for e in items)
    assert seen == sorted(
        [
            ("batch.read", "documents"),
            ("document.read", ""),
            ("document.read", "field last_name"),
            ("page.read", "page 1 image"),
            ("page.read", "page 1 thumbnail"),
            ("text.read", ""),
            ("pdf.read", ""),
            ("batch.read", "export csv"),
        ]
    )
    assert all(e["batch_id"] == batch["id"] for e in items)
    assert {e["actor"] for e in pages} == {"audited-viewer"} and len(pages) == 2
    assert field["history"] == []  # a field's history lists changes, not reads


def test_openapi_declares_bearer_and_cookie_security(server: Server) -> None:
    with server.client(server.admin_token) as c:
        spec = c.get("/api/v1/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearer"]["description"],
    }
    assert (schemes["session"]["type"], schemes["session"]["in"], schemes["session"]["name"]) == (
        "apiKey",
        "cookie",
        "tm_session",
    )
    secured = {
        (path, method): op.get("security")
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    }
    assert secured[("/healthz", "get")] is None and secured[("/readyz", "get")] is None
    open_ops = [
        k
        for k, v in secured.items()
        if not v and k[0] not in ("/healthz", "/readyz") and k != ("/api/v1/auth/login", "post")
    ]
    assert open_ops == []
    assert {"bearer": []} in secured[("/api/v1/batches", "post")]
    assert {"session": []} in secured[("/api/v1/documents/{doc_id}", "get")]


def test_swagger_ui_comes_from_the_server_not_a_cdn(server: Server) -> None:
    with server.client(server.admin_token) as c:
        page = c.get("/api/v1/docs")
        assert page.status_code == 200
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", page.text), page.text
        urls = re.findall(r"(?:src|href)=['\"](/api/v1/docs/assets/[^'\"]+)", page.text)
        assert len(urls) == 3, page.text
        script = c.get("/api/v1/docs/assets/swagger-ui-bundle.js")
        assert script.status_code == 200 and len(script.content) > 500_000
        assert script.headers["content-type"].startswith("text/javascript")
        assert c.get("/api/v1/docs/assets/..%2Fsettings.py").status_code == 404
    with server.client() as anonymous:
        assert anonymous.get("/api/v1/docs/assets/swagger-ui.css").status_code == 401


def _exposed(text: str) -> set[str]:
    return {
        ln.split("{")[0].split(" ")[0] for ln in text.splitlines() if ln and not ln.startswith("#")
    } | {ln.split()[2] for ln in text.splitlines() if ln.startswith("# TYPE")}


def test_alert_rules_and_grafana_panels_use_metrics_we_expose(
    server: Server, tmp_path: Path
) -> None:
    with server.client(server.admin_token) as c:
        metrics = c.get("/metrics")
        assert metrics.status_code == 200
    worker = WorkerStatus(Database(f"sqlite:///{tmp_path / 'w.db'}"), "host:1")
    worker.idle("done", 1.0)  # so the labelled counter has a sample
    exposed = _exposed(metrics.text) | _exposed(generate_latest(worker.registry).decode())
    assert {
        "taskmaster_queue_depth",
        "taskmaster_pages_processed_total",
        "taskmaster_task_duration_seconds_count",
        "taskmaster_failed_logins_total",
        "taskmaster_worker_jobs_total",
        "taskmaster_worker_busy",
    } <= exposed
    rules = yaml.safe_load((MONITORING / "alerts.yaml").read_text())["groups"][0]["rules"]
    panels = json.loads((MONITORING / "grafana-panels.json").read_text())["panels"]
    exprs = [r["expr"] for r in rules] + [t["expr"] for p in panels for t in p["targets"]]
    for rule in rules:
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]
    used = {m for e in exprs for m in re.findall(r"\btaskmaster_[a-z_]+", e)}
    assert len(used) >= 6
    assert used <= exposed, used - exposed
    doc = (ROOT / "docs" / "operations.md").read_text()
    assert all(
        f"`{m}" in doc
        for m in (
            "taskmaster_queue_depth",
            "taskmaster_batches",
            "taskmaster_pages_processed_total",
            "taskmaster_worker_jobs_total",
        )
    )
