"""Exceptions are a queue, and corrections after export reach the exports (issue 10).

A real `taskmaster serve` reads a page no form matches and a typed intake sample. The
unmatched page is `rejected` with its reason, listed by `GET /api/v1/documents` and on
the dashboard; an operator says "not this form" about the intake document in Chromium,
finds it in the dashboard's exceptions queue and assigns it back to the intake form,
which reads it again. Then a correction to the exported document (API PATCH) is
delivered again: JSON replaced, CSV row rewritten, SQL row updated, version 2, audited.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tests.conftest import INTAKE, needs_shared
from tests.e2e.conftest import CHROMIUM, Server, running_server, wait_js
from tests.e2e.test_web_untouched import documents, login, upload
from tests.e2e.test_web_verify import PASSWORD, wait_status

SAMPLE = INTAKE / "samples" / "intake_0003.png"  # typed, fax; some fields need review
pytestmark = [
    needs_shared(SAMPLE),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium"),
]


def unmatched_page(path: Path) -> Path:
    """A letter page of printed text that is no form of the intake application."""
    page = np.full((3300, 2550), 255, np.uint8)
    for i in range(30):
        cv2.putText(
            page,
            f"Minutes of the meeting, item {i}: the budget was approved.",
            (150, 250 + i * 95),
            cv2.FONT_HERSHEY_SIMPLEX,
            2.0,
            0,
            4,
        )
    cv2.imwrite(str(path), page)
    return path


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("exceptions-home"), admin_password=PASSWORD) as srv:
        yield srv


@pytest.fixture(scope="module")
def batch(web: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    started = datetime.now(UTC) - timedelta(seconds=1)
    other = unmatched_page(tmp_path_factory.mktemp("pages") / "minutes.png")
    batch_id = upload(web, web.admin_token, [other, SAMPLE])
    docs = documents(web, batch_id)
    return {"id": batch_id, "started": started, "rejected": docs[0], "intake": docs[1]}


def test_rejected_pages_are_listed_with_their_reason(web: Server, batch: dict[str, Any]) -> None:
    rejected = batch["rejected"]
    assert rejected["status"] == "rejected" and rejected["type"] is None
    with web.client(web.token("admin", "viewer")) as c:
        page = c.get("/api/v1/documents", params={"status": "rejected"}).json()
        assert page["total"] == 1 and len(page["items"]) == 1
        item = page["items"][0]
        assert item["document"] == rejected["document"]
        assert item["reason"].startswith("no form matched") and item["version"] == 0
        since = c.get("/api/v1/documents", params={"since": batch["started"].isoformat()}).json()
        assert {d["document"] for d in since["items"]} >= {
            rejected["document"],
            batch["intake"]["document"],
        }
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        assert c.get("/api/v1/documents", params={"since": future}).json() == {
            "items": [],
            "total": 0,
        }
        for bad in (
            {"limit": 0},
            {"limit": 201},
            {"offset": -1},
            {"offset": 10**10},
            {"status": "lost"},
            {"since": "yesterday"},
        ):
            r = c.get("/api/v1/documents", params=bad)
            assert r.status_code == 422, (bad, r.text)
            assert r.json()["error"]["message"]
        assert c.get("/api/v1/documents", headers={"Authorization": ""}).status_code == 401
        html = c.get("/").text
    assert 'id="exc-rejected">1<' in html and "no form matched" in html


def test_not_this_form_then_assign_back(web: Server, batch: dict[str, Any], browser: Any) -> None:  # noqa: F811
    doc = batch["intake"]["document"]
    if batch["intake"]["status"] == "done":
        pytest.fail("the typed sample went straight through; pick one that needs review")
    with web.client(web.user("ann", "operator", PASSWORD)) as c:
        assert c.post("/api/v1/verify/next").json()["batch"] == batch["id"]
        view = c.get(f"/api/v1/verify/batches/{batch['id']}").json()
        assert [d["id"] for d in view["documents"]] == [doc]  # not the rejected one
        assert {d["status"] for d in view["batch_documents"]} == {"rejected", "needs_review"}
        c.post(f"/api/v1/verify/batches/{batch['id']}/release")

    page = login(browser, web, "ann")
    page.goto(f"{web.url}/verify/{batch['id']}")
    page.wait_for_selector("#fields .entry:focus")
    page.keyboard.press("Control+Shift+F")
    page.wait_for_selector("#notform[open]")
    assert page.evaluate("document.activeElement.id") == "notform-type"
    page.keyboard.press("Enter")  # "none of them: reject it" is preselected
    page.wait_for_url(f"{web.url}/verify")
    wait_status(web, batch["id"], "done")

    page.goto(f"{web.url}/")
    row = page.locator(f'#exception-queue tr[data-document="{doc}"]')
    assert "not this form" in row.inner_text()
    assert page.locator("#exc-rejected").inner_text() == "2"
    shots = Path(os.environ.get("TASKMASTER_SCREENSHOTS") or web.home)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "dashboard-exceptions.png"), full_page=True)
    row.locator("select").select_option("intake/intake-v1")
    row.locator("select").focus()
    page.keyboard.press("Tab")  # the button, by keyboard
    page.keyboard.press("Enter")
    wait_js(
        page,
        "(d) => document.querySelector(`tr[data-document='${d}'] .msg`)"
        ".textContent.startsWith('read again')",
        arg=doc,
    )
    page.context.close()
    wait_status(web, batch["id"], "needs_review", timeout=120)
    after = {d["document"]: d for d in documents(web, batch["id"])}[doc]
    assert after["type"] == "intake-v1" and after["status"] == "needs_review"
    assert after["fields"]["last_name"]["value"] == batch["intake"]["fields"]["last_name"]["value"]
    with web.client(web.admin_token) as c:
        audit = c.get("/api/v1/audit", params={"document": doc}).json()["items"]
        assert {"document.reidentify", "document.assign"} <= {a["action"] for a in audit}
        rejected = c.get("/api/v1/documents", params={"status": "rejected"}).json()
        assert rejected["total"] == 1  # only the page no form matched


def test_a_correction_after_export_reaches_every_export(web: Server, batch: dict[str, Any]) -> None:
    doc = batch["intake"]["document"]
    with web.client(web.user("ann", "operator", PASSWORD)) as c:
        if c.get(f"/api/v1/documents/{doc}").json()["status"] == "needs_review":
            assert c.post(f"/api/v1/verify/batches/{batch['id']}/take").status_code == 200
            # reidentify with a body names the target: a bad one is refused, nothing lost
            r = c.post(f"/api/v1/verify/documents/{doc}/reidentify", json={"type": "nope"})
            assert r.status_code == 422 and "nope" in r.json()["error"]["message"]
            r = c.post(
                f"/api/v1/verify/documents/{doc}/reidentify",
                json={"type": "intake-v1", "app": "nosuch"},
            )
            assert r.status_code == 404 and "nosuch" in r.json()["error"]["message"]
            view = c.get(f"/api/v1/verify/batches/{batch['id']}").json()["documents"][0]
            r = c.post(
                f"/api/v1/verify/documents/{doc}/submit",
                json={
                    "fields": {f["name"]: {"override": True} for f in view["fields"] if f["review"]}
                },
            )
            assert r.status_code == 200, r.text
    wait_status(web, batch["id"], "done")
    exports = web.home / "exports" / "intake"
    assert json.loads((exports / f"{doc}.json").read_text())["version"] == 1
    with web.client(web.admin_token) as c:
        for n, name in enumerate(("CORRECTED", "CORRECTED AGAIN"), start=2):
            r = c.patch(f"/api/v1/documents/{doc}/fields/last_name", json={"value": name})
            assert r.status_code == 200, r.text
            exported = json.loads((exports / f"{doc}.json").read_text())
            assert (exported["version"], exported["fields"]["last_name"]["value"]) == (n, name)
        audit = c.get("/api/v1/audit", params={"document": doc}).json()["items"]
        item = c.get("/api/v1/documents", params={"status": "done"}).json()["items"][0]
    assert [a["new"] for a in audit if a["action"] == "document.reexport"] == [3, 2]
    assert item["document"] == doc and item["version"] == 3
    rows = [
        r
        for r in csv.DictReader((exports / "intake-v1.csv").open(newline=""))
        if r["document"] == doc
    ]
    assert [r["last_name"] for r in rows] == ["CORRECTED AGAIN"]
    with sqlite3.connect(web.home / "taskmaster.db") as db:
        assert db.execute(
            "select last_name from intake_v1 where document = ?", (doc,)
        ).fetchall() == [("CORRECTED AGAIN",)]
        assert db.execute(
            "select count(*) from exports where document_id = ?", (doc,)
        ).fetchone() == (3,)  # json, csv, sql: once each
