"""Dashboard and /metrics: straight-through per application and field, over time.

The application runs in-process on a real SQLite database; documents are written as
validate leaves them and fits by the real `save_fit`.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from taskmaster.calibration.fit import build
from taskmaster.calibration.procedure import Label
from taskmaster.calibration.store import save_fit
from taskmaster.db.models import Batch, Document, FieldValue
from taskmaster.pipeline.services import Services
from tests.unit.test_web_dashboard import client as client  # noqa: F401 (fixture)


def _documents(svc: Services) -> None:
    """Four intake documents: three straight through, one with `city` sent to review."""
    with svc.db.session() as s:
        s.add(Batch(id="b-1", apps=["intake"], status="done"))
        for i in range(4):
            doc = Document(
                id=f"d-{i}",
                batch_id="b-1",
                seq=i,
                app="intake",
                type="intake-v1",
                status="done" if i else "needs_review",
            )
            for pos, name in enumerate(("last_name", "city")):
                status = "needs_review" if (i == 0 and name == "city") else "ok"
                doc.fields.append(
                    FieldValue(
                        name=name,
                        position=pos,
                        kind="text",
                        type="string",
                        value="X",
                        status=status,
                        machine_status=status,
                        machine_score=0.9,
                    )
                )
            s.add(doc)
        s.commit()


def test_dashboard_and_metrics_show_straight_through(client: tuple[TestClient, Services]) -> None:
    c, svc = client
    _documents(svc)
    app = svc.apps.get("intake").app
    for wrong in (5, 1):  # two fits: the plot has a line
        labels = [Label("city", "text", "ocr", 0.99, i >= wrong, f"d{i % 40}") for i in range(700)]
        fit = build(app, labels)
        save_fit(svc.settings.home, fit)
    html = c.get("/").text
    section = html[html.index('id="straight-through"') :]
    assert "intake: 75% of 4 documents straight through" in section
    row = re.search(r'<tr data-field="city">(.*?)</tr>', section, re.S)
    assert row and "75%" in row.group(1) and "700" in row.group(1)
    assert re.search(r'<polyline [^>]*points="0\.0,[\d.]+ 240\.0,[\d.]+"', section)
    metrics = c.get("/metrics").text
    assert 'taskmaster_documents_straight_through_ratio{app="intake"} 0.75' in metrics
    assert 'taskmaster_field_straight_through_ratio{app="intake",field="city"} 0.75' in metrics
    corr = re.search(
        r'taskmaster_field_correction_ratio\{app="intake",field="city"\} (\S+)', metrics
    )
    assert corr and float(corr.group(1)) == pytest.approx(1 / 700)
    bound = re.search(
        r'taskmaster_field_error_bound_ratio\{app="intake",field="city"\} (\S+)', metrics
    )
    assert bound and float(bound.group(1)) == fit.data["fields"]["city"]["bound"]
    assert 'taskmaster_error_bound_ratio{app="intake"} 1.0' in metrics  # none certified


def test_dashboard_and_metrics_show_each_fill_style(client: tuple[TestClient, Services]) -> None:
    """Typed pages certified on their own labels, hand-printed ones too few to certify."""
    c, svc = client
    app = svc.apps.get("intake").app
    labels = [Label("city", "text", "ocr", 0.99, True, f"t{i % 60}", "typed") for i in range(900)]
    labels += [Label("city", "text", "icr", 0.99, i % 9 > 0, f"h{i}", "hand") for i in range(90)]
    fit = build(app, labels)
    save_fit(svc.settings.home, fit)
    metrics = c.get("/metrics").text
    typed = re.search(
        r'taskmaster_style_error_bound_ratio\{app="intake",style="typed"\} (\S+)', metrics
    )
    assert typed and 0 < float(typed.group(1)) <= 0.005
    assert 'taskmaster_style_error_bound_ratio{app="intake",style="hand"} 1.0' in metrics
    hand_err = re.search(
        r'taskmaster_style_error_ratio\{app="intake",style="hand"\} (\S+)', metrics
    )
    assert hand_err and float(hand_err.group(1)) == 0.0  # nothing accepted, nothing wrong
    # The application's bound is its certified styles' (hand certified nothing).
    assert f'taskmaster_error_bound_ratio{{app="intake"}} {float(typed.group(1))}' in metrics
    html = c.get("/").text
    line = re.search(r'<p class="stp-styles" data-app="intake">(.*?)</p>', html, re.S)
    assert line, "no per-style line on the dashboard"
    assert re.search(
        r'data-style="typed">typed: 100% of 900 labels accepted, 0.00% wrong, at most 0\.\d\d%',
        line.group(1),
    )
    assert 'data-style="hand">hand: 0% of 90 labels accepted' in line.group(1)
    assert "none certified" in line.group(1)
