"""The form designer driven in a real headless Chromium, as an administrator onboards a
form: upload the W-9's fillable PDF, fix a zone with the keyboard and the mouse, try a
filled sample, save a version, download the YAML. Screenshots go to
$TASKMASTER_SCREENSHOTS (docs/screenshots when refreshing them)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED, needs_shared
from tests.e2e.conftest import CHROMIUM, Server, launch_chromium, running_server, wait_js

W9 = SHARED / "forms" / "w9"
PASSWORD = "designer-admin-password"

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium not installed (/usr/bin/chromium)"
    ),
    needs_shared(W9),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("designer-home"), admin_password=PASSWORD) as srv:
        yield srv


def field_names(page: object) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined,no-any-return]
        "#field-list li", "els => els.map(e => e.textContent.split(' ')[0])"
    )


def test_admin_onboards_the_w9_in_the_designer(web: Server) -> None:
    shots = Path(os.environ.get("TASKMASTER_SCREENSHOTS") or web.home / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1500, "height": 950})
        page.goto(f"{web.url}/designer")
        page.fill("#username", "admin")
        page.fill("#password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{web.url}/designer")

        page.fill("#new-app input[name=name]", "w9")
        page.fill("#new-app input[name=title]", "W-9 request for TIN")
        page.set_input_files("#new-app input[name=file]", str(W9 / "fw9_p1.pdf"))
        page.click("#new-app-go")
        page.wait_for_url(f"{web.url}/designer/w9", timeout=120_000)
        before = read_with(web, "w9_0013.png")  # read with version 1
        wait_js(page, "document.getElementById('reference').complete")
        assert page.locator("svg#zones g").count() == 22
        page.screenshot(path=str(shots / "designer-zones.png"), full_page=False)
        names = field_names(page)
        assert "name" in names and "social_security_number_1" in names

        # Fix a zone: select it with the mouse, nudge it with the keyboard, rename it.
        zone = page.locator("svg#zones g", has=page.locator("text", has_text="name")).first
        zone.locator("rect").first.click()
        assert page.input_value("#f-name") == "name"
        box = page.locator("#f-box").inner_text()
        page.keyboard.press("ArrowDown")  # 5 px down
        page.keyboard.press("Alt+ArrowRight")  # 5 px wider
        assert page.locator("#f-box").inner_text() == "bbox [248,397,2405,455]"
        page.keyboard.press("ArrowUp")
        page.keyboard.press("Alt+ArrowLeft")
        assert page.locator("#f-box").inner_text() == box == "bbox [248,392,2400,450]"
        page.fill("#f-name", "taxpayer_name")
        # Add a zone and take it away again, with the keyboard.
        page.locator("#canvas").focus()
        page.keyboard.press("a")
        assert page.locator("svg#zones g").count() == 23
        page.keyboard.press("Delete")
        assert page.locator("svg#zones g").count() == 22
        # ... and with the mouse: drag on paper without zones (the certification text).
        page.evaluate("window.scrollTo(0, 600)")
        frame = page.locator("#canvas").bounding_box()
        assert frame is not None
        x, y = frame["x"] + frame["width"] * 0.3, frame["y"] + frame["height"] * 0.6
        assert 0 < y < 900, "the spot to draw on must be in the window"
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 200, y + 20, steps=5)
        page.mouse.up()
        assert page.locator("svg#zones g").count() == 23
        assert page.input_value("#f-name").startswith("field_")
        page.click("#delete-zone")
        assert page.locator("svg#zones g").count() == 22

        # Try it on a filled sample before saving.
        page.set_input_files("#try-file", str(W9 / "samples" / "w9_0012.png"))
        page.click("#try-it")
        row = page.locator('#try-results tr[data-field="taxpayer_name"]')
        row.wait_for(timeout=120_000)
        assert "ETHAN PATEL" in row.inner_text()
        ssn = page.locator('#try-results tr[data-field="social_security_number_3"]')
        assert '"2518"' in ssn.inner_text()
        page.screenshot(path=str(shots / "designer.png"), full_page=False)

        page.click("#save")
        wait_js(
            page, "document.getElementById('designer-status').textContent.includes('version 2')"
        )
        assert page.locator("#version").inner_text() == "2"
        with page.expect_download() as dl:
            page.click("#download")
        yaml_text = Path(dl.value.path()).read_text()
        browser.close()

    assert "version: 2" in yaml_text and "name: taxpayer_name" in yaml_text
    assert (web.home / "apps" / "w9" / "versions" / "app.v1.yaml").is_file()
    with web.client(web.admin_token) as c:
        definition = c.get("/api/v1/apps/w9").json()["definition"]
        assert definition["version"] == 2
        fields = definition["page_types"][0]["fields"]
        assert fields[0]["name"] == "taxpayer_name" and fields[0]["bbox"] == [248, 392, 2400, 450]
        audit = c.get("/api/v1/audit", params={"action": "app.version"}).json()
        assert any(a["new"] == {"app": "w9", "version": 2} for a in audit["items"])
    assert web.cli("apps", "validate", "w9").returncode == 0
    after = read_with(web, "w9_0013.png")
    assert "taxpayer_name" in after["fields"] and "name" not in after["fields"]
    with sqlite3.connect(web.home / "taskmaster.db") as db:
        versions = dict(
            db.execute(
                "SELECT id, app_version FROM documents WHERE id IN (?, ?)",
                (before["document"], after["document"]),
            ).fetchall()
        )
    assert versions == {before["document"]: 1, after["document"]: 2}
    assert "name" in before["fields"]  # a document keeps what it was read with


def read_with(srv: Server, sample: str) -> dict[str, Any]:
    """Upload one W-9 sample for `w9` through the API; its document once read."""
    with srv.client(srv.admin_token) as c:
        path = W9 / "samples" / sample
        r = c.post(
            "/api/v1/batches",
            data={"app": "w9"},
            files={"file": (path.name, path.read_bytes(), "image/png")},
        )
        assert r.status_code == 201, r.text
        batch = r.json()["id"]
        deadline = time.monotonic() + 120
        while c.get(f"/api/v1/batches/{batch}").json()["status"] in ("pending", "running"):
            assert time.monotonic() < deadline, "batch not read in time"
            time.sleep(0.5)
        doc: dict[str, Any] = c.get(f"/api/v1/batches/{batch}/documents").json()[0]
        return doc


def test_designer_is_for_admins_only(web: Server) -> None:
    token = web.user("olga", "operator", "an-operator-password")
    with web.client(token) as c:
        r = c.get("/api/v1/designer/apps/intake/yaml")
        assert r.status_code == 403
        r = c.put("/api/v1/designer/apps/intake", json={"definition": {}})
        assert r.status_code == 403
