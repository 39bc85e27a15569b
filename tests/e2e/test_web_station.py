"""The verify station on a 20-page batch, in a real headless Chromium.

A 20-page TIFF made from the blank intake form (the customer's reference image, shipped
with the application) becomes 20 intake documents that need review: every required field
is empty. The tests check what an operator relies on:

- page pictures are served scaled, with an ETag and Cache-Control (304 on revalidation);
- the zone highlighted for each flagged field is the field's bbox scaled to the picture
  on screen (within 2 px), and at 1366x768 both that zone and the value box are on screen;
- how fast the station is: time to first render, per field move and per document switch,
  measured in the page with the Performance API. Printed, not asserted (bench style):
  `.venv/bin/pytest -s tests/e2e/test_web_station.py`.

Screenshots at 1366x768 and 1920x1080 go to $TASKMASTER_SCREENSHOTS (docs/screenshots
when refreshing the documentation).
"""

from __future__ import annotations

import io
import os
import re
import statistics
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import BLANK
from tests.e2e.conftest import CHROMIUM, Server, wait_js
from tests.e2e.test_web_verify import PASSWORD, wait_status
from tests.e2e.test_web_verify import web as web  # noqa: F401 (the module's server fixture)

PAGES = 20
SMALL, LARGE = {"width": 1366, "height": 768}, {"width": 1920, "height": 1080}
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium not installed (/usr/bin/chromium)"
)

# In the page: resolves once the station shows a document: picture loaded, zones drawn,
# a field focused. Returns performance.now() (ms since navigation started) at that frame.
READY = """async (docId) => {
  const img = document.getElementById('page-img');
  await new Promise((done) => {
    const look = () => {
      const title = document.getElementById('doc-title').textContent;
      const ok = img.complete && img.naturalWidth > 0 && title.endsWith(docId || '')
        && document.querySelector('#zones rect.current')
        && document.activeElement && document.activeElement.name;
      if (ok) done(); else requestAnimationFrame(look);
    };
    look();
  });
  return performance.now();
}"""

# Times every key press to the next frame after the station handled it: keydown is
# caught on window (before the station's listener on document), the clock stops in the
# first task after the following animation frame, when the browser has painted.
TIMER = """() => {
  window.__moves = [];
  window.addEventListener('keydown', (ev) => {
    if (['Control', 'Shift', 'Alt', 'Meta'].includes(ev.key)) return;  // Ctrl of Ctrl+J
    const t0 = performance.now();
    requestAnimationFrame(() => setTimeout(() => window.__moves.push(performance.now() - t0)));
  }, true);
}"""

# Where the station draws the current zone, and where the field's bbox should land on
# the picture as displayed; plus whether the zone and the value box are in sight.
GEOMETRY = """() => {
  const input = document.activeElement, name = input.name;
  const rect = document.querySelector(`#zones rect.current[data-field="${name}"]`);
  const img = document.getElementById('page-img').getBoundingClientRect();
  const view = document.getElementById('page-view').getBoundingClientRect();
  const fields = document.getElementById('fields').getBoundingClientRect();
  const box = (r) => r && {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  return {name, zone: box(rect && rect.getBoundingClientRect()), img: box(img),
          view: box(view), fields: box(fields), input: box(input.getBoundingClientRect()),
          vw: window.innerWidth, vh: window.innerHeight};
}"""


def _tiff(pages: int) -> bytes:
    """A multi-page fax-style TIFF (1 bit, Group 4) of the blank intake form."""
    form = Image.open(BLANK).convert("L").point(lambda v: 255 if v > 128 else 0).convert("1")
    out = io.BytesIO()
    form.save(
        out,
        format="TIFF",
        compression="group4",
        save_all=True,
        append_images=[form] * (pages - 1),
        dpi=(300, 300),
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def big_batch(web: Server, browser: Any) -> dict[str, Any]:  # noqa: F811
    """The 20-page batch, waiting for review; its documents as the API returns them."""
    data = _tiff(PAGES)
    shots = _shots()
    started = time.monotonic()
    with web.client(web.admin_token) as c:
        r = c.post(
            "/api/v1/batches",
            data={"app": "intake"},
            files={"file": ("fax-20.tif", data, "image/tiff")},
        )
        assert r.status_code == 201, r.text
        batch = r.json()["id"]
        # While it runs, the dashboard shows it in flight, held by the embedded pool's
        # worker (`taskmaster serve` writes no `workers` rows; its leases tell).
        held = ""
        deadline = time.monotonic() + 240
        while (status := c.get(f"/api/v1/batches/{batch}").json()["status"]) != "needs_review":
            assert status in ("pending", "running") and time.monotonic() < deadline, status
            row = re.search(
                rf'<tr data-batch="{batch}"[^>]*>(.*?)</tr>',
                c.get("/").text.split('id="in-flight"', 1)[-1],
                re.S,
            )
            if not held and row and "(embedded)" in row.group(1):
                held = row.group(1)
                if shots:
                    _dashboard_shot(browser, web, shots / "dashboard-in-flight.png")
            time.sleep(0.5)
    assert re.search(r":w0 <span", held), "the running batch never showed in flight"
    with web.client(web.admin_token) as c:
        docs = c.get(f"/api/v1/batches/{batch}/documents").json()
    print(
        f"\n{PAGES}-page batch: {len(data)} byte TIFF, {len(docs)} documents ready for"
        f" review in {time.monotonic() - started:.1f} s"
    )
    assert len(docs) == PAGES and all(d["status"] == "needs_review" for d in docs)
    return {"id": batch, "documents": docs}


def _dashboard_shot(browser: Any, web: Server, path: Path) -> None:
    page = browser.new_context(viewport=SMALL).new_page()
    page.goto(f"{web.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)  # the fixture's first-admin password
    page.keyboard.press("Enter")
    page.wait_for_url(f"{web.url}/")
    page.screenshot(path=str(path), full_page=True)
    page.context.close()


def _shots() -> Path | None:
    folder = os.environ.get("TASKMASTER_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def _station(browser: Any, web: Server, batch: str, viewport: dict[str, int]) -> Any:
    """A logged-in operator's page, navigated to the station of `batch`."""
    web.user("vera", "operator", PASSWORD)
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{web.url}/login")
    page.fill("#username", "vera")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{web.url}/")
    page.add_init_script(f"({TIMER})()")  # runs before the station's own script
    page.goto(f"{web.url}/verify/{batch}")
    return page


def test_page_pictures_are_scaled_and_cached(
    web: Server,  # noqa: F811
    big_batch: dict[str, Any],
) -> None:
    with web.client(web.token("admin", "viewer")) as c:
        view = c.get(f"/api/v1/batches/{big_batch['id']}").json()
        assert view["pages"] == PAGES
        ids = c.get(f"/batches/{big_batch['id']}").text.count('<img src="/ui/pages/')
        assert ids == PAGES  # thumbnails of every page on the batch page
        page_id = _first_page_id(web, big_batch)
        for want, ask in ((1600, 1600), (240, 200), (2550, 4000)):  # snapped, never enlarged
            r = c.get(f"/ui/pages/{page_id}.jpg", params={"w": ask})
            assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
            assert r.headers["etag"].startswith('"') and r.headers["etag"].endswith('"')
            assert "max-age=" in r.headers["cache-control"]
            assert "private" in r.headers["cache-control"]  # pictures of patients' forms
            assert Image.open(io.BytesIO(r.content)).width == want
            again = c.get(
                f"/ui/pages/{page_id}.jpg",
                params={"w": ask},
                headers={"If-None-Match": r.headers["etag"]},
            )
            assert again.status_code == 304 and not again.content
            assert again.headers["etag"] == r.headers["etag"]
        assert (
            c.get(f"/ui/pages/{page_id}.jpg?w=240", headers={"Authorization": ""}).status_code
            == 401
        )


def _first_page_id(web: Server, big_batch: dict[str, Any]) -> int:
    with web.client(web.user("vera", "operator", PASSWORD)) as c:
        c.post(f"/api/v1/verify/batches/{big_batch['id']}/take")
        view = c.get(f"/api/v1/verify/batches/{big_batch['id']}").json()
        c.post(f"/api/v1/verify/batches/{big_batch['id']}/release")
    page_id: int = view["documents"][0]["pages"][0]["id"]
    return page_id


def _inside(inner: dict[str, float], outer: dict[str, float], slack: float = 1.0) -> bool:
    return (
        inner["left"] >= outer["left"] - slack
        and inner["top"] >= outer["top"] - slack
        and inner["right"] <= outer["right"] + slack
        and inner["bottom"] <= outer["bottom"] + slack
    )


def test_station_on_a_20_page_batch(
    web: Server,
    big_batch: dict[str, Any],  # noqa: F811
    browser: Any,
) -> None:
    batch, docs = big_batch["id"], big_batch["documents"]
    page = _station(browser, web, batch, SMALL)
    first = page.evaluate(READY, docs[0]["document"])
    nav = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    api = page.evaluate("""performance.getEntriesByType('resource')
        .filter((e) => e.name.includes('/api/v1/verify/batches/'))
        .map((e) => [e.duration, e.transferSize])[0]""")
    shots = _shots()
    if shots:
        page.screenshot(path=str(shots / "verify-station-1366x768.png"))

    # Every flagged field: the zone shown is the field's bbox on the displayed picture,
    # and it is on screen together with the value box.
    fields = docs[0]["fields"]
    flagged = [n for n, f in fields.items() if f["status"] != "ok"]
    size = (2550, 3300)  # the intake form's registered page
    checked = 0
    page.evaluate("window.__moves = []")
    for _ in flagged:
        g = page.evaluate(GEOMETRY)
        bbox = fields[g["name"]]["bbox"]
        assert g["name"] in flagged and bbox and g["zone"], g
        sx = (g["img"]["right"] - g["img"]["left"]) / size[0]
        sy = (g["img"]["bottom"] - g["img"]["top"]) / size[1]
        want = {
            "left": g["img"]["left"] + bbox[0] * sx,
            "top": g["img"]["top"] + bbox[1] * sy,
            "right": g["img"]["left"] + bbox[2] * sx,
            "bottom": g["img"]["top"] + bbox[3] * sy,
        }
        off = max(abs(g["zone"][k] - want[k]) for k in want)
        assert off <= 2, f"{g['name']}: zone {g['zone']} is {off:.1f} px off {want}"
        screen = {"left": 0, "top": 0, "right": g["vw"], "bottom": g["vh"]}
        assert _inside(g["zone"], g["view"]) and _inside(g["zone"], screen), g
        assert _inside(g["input"], g["fields"]) and _inside(g["input"], screen), g
        checked += 1
        page.keyboard.press("Control+j")  # next field needing review, nothing accepted
        wait_js(page, "(n) => document.activeElement.name !== n", g["name"])
    jumps = page.evaluate("window.__moves.splice(0)")
    for i in range(len(fields)):  # Tab through every field of the document, one at a time
        page.keyboard.press("Tab")
        wait_js(page, f"window.__moves.length > {i}")
    tabs = page.evaluate("window.__moves.splice(0)")

    # Clear the blank document as an operator would: every flagged field is empty on the
    # paper, so Ctrl+U (accept as is) on each, then Ctrl+Enter; the next document shows.
    page.evaluate(f"document.getElementsByName({flagged[0]!r})[0].focus()")
    keys = 0
    for _ in flagged:
        page.keyboard.press("Control+u")
        keys += 1
    t0 = page.evaluate("performance.now()")
    page.keyboard.press("Control+Enter")
    keys += 1
    switched = page.evaluate(READY, docs[1]["document"]) - t0
    assert page.locator("#doc-progress").inner_text().startswith(f"document 1 of {PAGES - 1}")
    page.context.close()

    big = _station(browser, web, batch, LARGE)
    big.evaluate(READY, docs[1]["document"])
    g = big.evaluate(GEOMETRY)
    assert _inside(g["zone"], g["view"]) and _inside(g["input"], g["fields"])
    if shots:
        big.screenshot(path=str(shots / "verify-station-1920x1080.png"))
    big.context.close()

    def ms(values: list[float]) -> str:
        return (
            f"median {statistics.median(values):.0f} ms, max {max(values):.0f} ms "
            f"over {len(values)}"
        )

    print(
        f"\nstation, {PAGES}-page batch at 1366x768 (headless Chromium):"
        f"\n  first render {first:.0f} ms after navigation (HTML {nav['responseEnd']:.0f} ms,"
        f" batch JSON {api[0]:.0f} ms / {api[1] / 1024:.0f} KiB)"
        f"\n  field move Ctrl+J {ms(jumps)}; Tab {ms(tabs)}"
        f"\n  document switch after Ctrl+Enter {switched:.0f} ms (submit + next picture)"
        f"\n  zones checked {checked} of {len(flagged)} flagged; {keys} keystrokes to clear"
        f" a blank document"
    )

    with web.client(web.admin_token) as c:  # leave nothing held for other tests
        c.post(f"/api/v1/batches/{batch}/cancel")
    wait_status(web, batch, "cancelled")
