"""The web UI driven in a real headless Chromium, as a verify operator would.

A real `taskmaster serve` (own data directory, one embedded worker) gets a hand-printed
intake sample (or, without ../shared, the blank form: every required field missing). An
operator logs in, clears the flagged fields with the keyboard only, and the test checks
the zone the station shows, the keystrokes it took, the exported values and the audit
log. Screenshots go to $TASKMASTER_SCREENSHOTS (docs/screenshots when refreshing them).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from taskmaster.apps.registry import AppRegistry
from taskmaster.pipeline.validate import field_defs
from taskmaster.pipeline.verify.entry import display
from tests.conftest import BLANK, INTAKE
from tests.e2e.conftest import CHROMIUM, Server, launch_chromium, running_server, wait_js

SAMPLE = INTAKE / "samples" / "intake_0001.png"  # hand-printed (manifest.tsv)
PASSWORD = "operator-password-1"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium not installed (/usr/bin/chromium)"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of our own: the hand samples are larger than the shared fixture allows."""
    with running_server(tmp_path_factory.mktemp("web-home"), admin_password=PASSWORD) as srv:
        yield srv


def upload(srv: Server, token: str, path: Path) -> str:
    """Upload one file for `intake`; wait until the batch waits for review."""
    with srv.client(token) as c:
        r = c.post(
            "/api/v1/batches",
            data={"app": "intake"},
            files={"file": (path.name, path.read_bytes(), "image/png")},
        )
        assert r.status_code == 201, r.text
        batch: str = r.json()["id"]
        deadline = time.monotonic() + 90
        while (status := c.get(f"/api/v1/batches/{batch}").json()["status"]) != "needs_review":
            assert status in ("pending", "running"), status
            assert time.monotonic() < deadline, "batch did not reach needs_review"
            time.sleep(0.5)
    return batch


def wait_status(srv: Server, batch: str, want: str, timeout: float = 60) -> None:
    with srv.client(srv.admin_token) as c:
        deadline = time.monotonic() + timeout
        while (status := c.get(f"/api/v1/batches/{batch}").json()["status"]) != want:
            assert time.monotonic() < deadline, f"batch is {status}, not {want}"
            time.sleep(0.5)


def test_two_operators_cannot_hold_the_same_batch(web: Server) -> None:
    olivia, oscar = (
        web.user("olivia", "operator", PASSWORD),
        web.user("oscar", "operator", PASSWORD),
    )
    batch = upload(web, olivia, BLANK)
    with web.client(olivia) as a, web.client(oscar) as b:
        assert a.post(f"/api/v1/verify/batches/{batch}/take").json()["owner"] == "olivia"
        r = b.post(f"/api/v1/verify/batches/{batch}/take")
        assert r.status_code == 409 and "olivia" in r.json()["error"]["message"]
        assert b.post("/api/v1/verify/next").status_code == 204  # nothing else is free
        assert b.get(f"/api/v1/verify/batches/{batch}").status_code == 409
        doc = a.get(f"/api/v1/verify/batches/{batch}").json()["documents"][0]["id"]
        r = b.post(f"/api/v1/verify/documents/{doc}/submit", json={"fields": {}})
        assert r.status_code == 409  # edits need the lease, not only the role
        assert a.post(f"/api/v1/verify/batches/{batch}/release").status_code == 204
        assert b.post("/api/v1/verify/next").json()["batch"] == batch
        b.post(f"/api/v1/verify/batches/{batch}/release")
    with web.client(web.token("admin", "viewer")) as v:
        assert v.post("/api/v1/verify/next").status_code == 403
    with web.client(web.admin_token) as c:  # out of the next test's queue
        assert c.post(f"/api/v1/batches/{batch}/cancel").status_code == 200


DEFS = field_defs(AppRegistry().get("intake").app, "intake-v1")


def _text(value: Any, name: str = "") -> str:
    """What an operator types for a ground-truth value: as the form prints it (a date in
    its own order), one line per line of a multi-line field."""
    return display(value, DEFS.get(name))


def _truth() -> dict[str, Any] | None:
    if not SAMPLE.exists():
        return None
    return dict(json.loads(SAMPLE.with_suffix(".json").read_text())["fields"])


def test_operator_clears_a_document_with_the_keyboard(web: Server) -> None:
    truth = _truth()
    olivia = web.user("olivia", "operator", PASSWORD)
    batch = upload(web, olivia, SAMPLE if truth else BLANK)
    shots = Path(os.environ.get("TASKMASTER_SCREENSHOTS") or web.home / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with web.client(olivia) as c:
        doc_id = c.get(f"/api/v1/batches/{batch}/documents").json()[0]["document"]
        before = c.get(f"/api/v1/batches/{batch}/documents").json()[0]["fields"]
    flagged = [n for n, f in before.items() if f["status"] != "ok"]
    assert flagged

    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        blocked: list[str] = []  # the station must work under the Content-Security-Policy
        page.on(
            "console",
            lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(f"{web.url}/")
        assert "/login" in page.url
        page.fill("#username", "olivia")
        page.fill("#password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{web.url}/")
        assert page.locator("#who").inner_text() == "olivia"
        assert page.locator("#fig-review").inner_text() == "1"
        page.screenshot(path=str(shots / "dashboard.png"))

        page.goto(f"{web.url}/batches?status=needs_review")
        assert page.locator(f'a[href="/batches/{batch}"]').count() == 1
        page.goto(f"{web.url}/batches/{batch}")
        assert page.locator(".thumbs img").count() >= 1
        page.goto(f"{web.url}/verify")  # takes the next batch: ours
        page.wait_for_url(f"{web.url}/verify/{batch}")
        page.wait_for_selector("#fields .entry:focus")
        wait_js(page, "document.getElementById('page-img').complete")

        keys = chars = 0
        seen: list[str] = []
        moved = (
            "(n) => location.pathname === '/verify' || !document.activeElement"
            " || document.activeElement.name !== n"
            " || !!document.querySelector('#station-msg.error')"
        )
        while "/verify/" in page.url and len(seen) < 2 * len(before):
            name = page.evaluate("document.activeElement && document.activeElement.name")
            if not name:
                break
            seen.append(name)
            # The station shows this field's zone: outlined, highlighted and magnified.
            bbox = before[name]["bbox"]
            if bbox:
                assert page.get_attribute("#zoom", "data-field") == name
                assert page.get_attribute("#zoom", "data-bbox") == ",".join(map(str, bbox))
                assert page.locator(f'#zones rect.current[data-field="{name}"]').count() == 1
            if len(seen) == 1:
                page.screenshot(path=str(shots / "verify-station.png"))
            want = (
                _text(truth[name], name)
                if truth
                else {
                    "visit_date": "16/10/2025",
                    "last_name": "Kowalski",
                    "sex": "female",
                    "phone_mobile": "(312) 978-8718",
                }.get(name)
            )
            shown = page.input_value(f'#fields [name="{name}"]')
            multi = page.evaluate("document.activeElement.tagName") == "TEXTAREA"
            if want is None:  # blank form: nothing to type, the patient left it empty
                page.keyboard.press("Control+u")
            else:
                if want != shown:
                    if want:
                        page.keyboard.type(want)
                        chars += len(want)
                    else:
                        page.keyboard.press("Backspace")
                    keys += 1
                # Enter inserts a line in a multi-line box; Ctrl+Enter accepts it there
                page.keyboard.press("Control+Enter" if multi else "Enter")
            keys += 1
            wait_js(page, moved, name)
            if "/verify/" in page.url and page.locator("#station-msg.error").count():
                assert page.evaluate("document.activeElement.name") == name
                page.keyboard.press("Control+u")  # the truth fails a rule: override, recorded
                keys += 1
                wait_js(page, moved, name)
        page.wait_for_url(re.compile(r".*/verify$"), timeout=15000)
        browser.close()
    assert blocked == []

    wait_status(web, batch, "done")
    with web.client(web.admin_token) as c:
        after = c.get(f"/api/v1/batches/{batch}/documents").json()[0]
        audit = c.get("/api/v1/audit", params={"batch": batch, "limit": 500}).json()["items"]
    assert after["status"] == "done"
    exported = json.loads((web.home / "exports" / "intake" / f"{doc_id}.json").read_text())
    corrected = (
        [n for n in flagged if (truth or {}).get(n) is not None]
        if truth
        else ["visit_date", "last_name", "sex", "phone_mobile"]
    )
    expected = {
        "visit_date": "2025-10-16",
        "last_name": "Kowalski",
        "sex": "female",
        "phone_mobile": "3129788718",
    }
    for name in corrected:
        want = truth[name] if truth else expected[name]
        got = exported["fields"][name]
        if got["value"] != want and isinstance(want, str):
            assert (got["value"] or "") == _text(want), name
        elif not got.get("messages") or got["value"] is not None:
            assert got["value"] == want or after["fields"][name]["source"] == "human", name
        assert after["fields"][name]["source"] == "human"
    actions = {(a["actor"], a["action"]) for a in audit}
    assert ("olivia", "document.verify") in actions and ("olivia", "batch.verified") in actions
    assert any(
        a["actor"] == "olivia" and a["action"] in ("field.set", "field.override") for a in audit
    )
    print(
        f"\nverify: {len(flagged)} flagged fields of {len(before)}, {keys} keystrokes "
        f"+ {chars} typed characters to clear the document"
    )
