"""Keystrokes per document in the verify station, typed and hand-printed intake samples.

    .venv/bin/python bench/verify_keys.py [--limit N]

A real `taskmaster serve` reads the intake samples (../shared/forms/intake/samples, N of
each style) as one batch; an operator in headless Chromium clears every document the
way test_web_verify.py does: on each field the station puts in front of them, the shown
value is compared with the ground truth (as the form prints it, `16/10/2025`); if it is
right, Enter (Ctrl+Enter in a multi-line box); if not, the truth is typed (one keystroke
for the field, plus its characters, counted apart) and accepted; where the station
refuses the value, Ctrl+U. Printed per style: keystrokes and typed characters per
document (over all documents, and over those that needed review), against the last
measurement (typed 3.3, hand-printed 8.8). Writes bench/results/verify_keys.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import INTAKE  # noqa: E402
from tests.e2e.conftest import CHROMIUM, running_server  # noqa: E402
from tests.e2e.test_web_untouched import documents, login, upload  # noqa: E402
from tests.e2e.test_web_verify import PASSWORD, sync_api  # noqa: E402

from taskmaster.apps.registry import AppRegistry  # noqa: E402
from taskmaster.pipeline.validate import field_defs  # noqa: E402
from taskmaster.pipeline.verify.entry import display  # noqa: E402

SAMPLES = INTAKE / "samples"
LAST = {"typed": 3.3, "hand": 8.8}
MOVED = (
    "([n, d]) => location.pathname === '/verify' || document.activeElement.name !== n"
    " || !document.getElementById('doc-title').textContent.endsWith(d)"
    " || !!document.querySelector('#station-msg.error')"
)


def _samples(limit: int | None) -> dict[str, str]:
    rows = list(csv.DictReader((SAMPLES / "manifest.tsv").read_text().splitlines(), delimiter="\t"))
    chosen: dict[str, str] = {}
    for style in ("typed", "hand"):
        for r in [r for r in rows if r["style"] == style][:limit]:
            chosen[r["file"]] = style
    return chosen


def clear(page: Any, truth: dict[str, dict[str, str]]) -> dict[str, list[int]]:
    """Clear the open station against `truth` (doc id -> field -> text as printed);
    [keystrokes, typed characters] per document."""
    counts: dict[str, list[int]] = {}
    while "/verify/" in page.url:
        page.wait_for_function("document.activeElement && document.activeElement.name")
        doc = page.locator("#doc-title").inner_text().rsplit(" · ", 1)[-1]
        name = page.evaluate("document.activeElement.name")
        multi = page.evaluate("document.activeElement.tagName") == "TEXTAREA"
        n = counts.setdefault(doc, [0, 0])
        want, shown = truth[doc].get(name, ""), page.evaluate("document.activeElement.value")
        if want != shown:
            if multi:
                page.keyboard.press("Control+a")
            if want:
                for i, line in enumerate(want.split("\n")):
                    if i:
                        page.keyboard.press("Enter")
                    page.keyboard.type(line)
            else:
                page.keyboard.press("Backspace")
            n[0] += 1
            n[1] += len(want)
        page.keyboard.press("Control+Enter" if multi else "Enter")
        n[0] += 1
        page.wait_for_function(MOVED, arg=[name, doc])
        if "/verify/" in page.url and page.locator("#station-msg.error").count():
            page.keyboard.press("Control+u")
            n[0] += 1
            page.wait_for_function(MOVED, arg=[name, doc])
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="samples of each style")
    args = ap.parse_args()
    styles = _samples(args.limit)
    defs = field_defs(AppRegistry().get("intake").app, "intake-v1")
    with (
        tempfile.TemporaryDirectory(prefix="tm-keys-") as home,
        running_server(Path(home), admin_password=PASSWORD) as srv,
    ):
        batch = upload(srv, srv.admin_token, [SAMPLES / f for f in styles])
        docs = documents(srv, batch)
        source = {d["document"]: d["pages"][0]["source"].split("#")[0] for d in docs}
        truth = {}
        for d in docs:
            fields = json.loads((SAMPLES / source[d["document"]]).with_suffix(".json").read_text())[
                "fields"
            ]
            truth[d["document"]] = {k: display(v, defs.get(k)) for k, v in fields.items()}
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = login(browser, srv, "bench")
            page.goto(f"{srv.url}/verify/{batch}")
            counts = clear(page, truth)
            browser.close()
    out: dict[str, Any] = {}
    for style in ("typed", "hand"):
        ids = [d["document"] for d in docs if styles[source[d["document"]]] == style]
        keys = sum(counts.get(i, [0, 0])[0] for i in ids)
        chars = sum(counts.get(i, [0, 0])[1] for i in ids)
        reviewed = sum(1 for i in ids if i in counts)
        out[style] = {
            "documents": len(ids),
            "needed_review": reviewed,
            "keystrokes_per_document": round(keys / len(ids), 2),
            "characters_per_document": round(chars / len(ids), 2),
            "keystrokes_per_reviewed_document": round(keys / max(reviewed, 1), 2),
            "last_measured": LAST[style],
        }
        print(
            f"{style:6} {len(ids)} documents ({reviewed} needed review): "
            f"{keys / len(ids):.1f} keystrokes + {chars / len(ids):.1f} typed characters "
            f"per document (last measured {LAST[style]})"
        )
    (ROOT / "bench" / "results" / "verify_keys.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
