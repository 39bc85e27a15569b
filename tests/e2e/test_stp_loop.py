"""Straight-through earned through a live server: verify a round, calibrate, the next
round goes through.

A new application (a copy of intake without its shipped fit, stating max_error 2% at
90% confidence) starts strict: round A (eight typed intake samples) all waits for
review and is verified through /api/v1/verify with the samples' ground truth. Then
`taskmaster calibrate intake` runs beside the server, and round B (four other typed
samples), uploaded to the same server without a restart, has documents going straight
through and no wrong value among its `ok` fields.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from bench.stp import documents, install_strict_app, load_samples, score, upload, verify_all, wait

from taskmaster.apps.registry import BUILTIN, AppRegistry
from tests.conftest import INTAKE, needs_shared
from tests.e2e.conftest import running_server

pytestmark = needs_shared()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_verified_round_earns_straight_through_for_the_next(tmp_path: Path) -> None:
    typed = [s for s in load_samples([INTAKE / "samples"]) if s.style == "typed"]
    round_a, round_b = typed[:8], typed[8:12]
    install_strict_app(tmp_path, max_error=0.02, confidence=0.9)
    shipped = BUILTIN / "intake" / "calibration.json"
    before = _digest(shipped)
    with running_server(tmp_path, workers="2", qa_share="0") as srv:
        app = AppRegistry([srv.home / "apps"]).get("intake").app
        op = srv.user("op", "operator")
        with srv.client(srv.admin_token) as admin, srv.client(op) as c:
            a_ids = upload(admin, round_a)
            wait(admin, a_ids, timeout=600)
            a_docs = documents(admin, a_ids)
            assert len(a_docs) == 8
            assert all(d["status"] == "needs_review" for d in a_docs), "a new app is strict"
            assert verify_all(c, app, round_a) == 8
            wait(admin, a_ids, timeout=120)

            cal = srv.cli("calibrate", "intake", "--json")
            assert cal.returncode == 0, cal.stderr
            fit = json.loads(cal.stdout)
            assert fit["label_sources"]["verified"] == fit["labels_total"]  # nothing shipped
            assert fit["labels_total"] >= 8 * 30
            typed_group = next(g for g in fit["groups"] if g["style"] == "typed")
            assert typed_group["level"] is not None, typed_group["tested"]
            assert fit["styles"]["typed"] >= 8 * 30 * 0.8  # round A's pages judged typed
            assert (srv.home / "calibration" / "intake.json").is_file()
            table = srv.cli("calibrate", "intake")
            assert table.returncode == 0 and "member_id" in table.stdout
            assert "certified (max_error 0.02)" in table.stdout

            b_ids = upload(admin, round_b)
            wait(admin, b_ids, timeout=600)
            result = score(app, documents(admin, b_ids), round_b)["typed"]
            assert result["documents"] == 4
            assert result["straight_through"] >= 1, result
            assert result["ok_fields"] > 100
            assert result["wrong_among_ok"] == 0, result["wrong"]

            metrics = admin.get("/metrics").text
            assert 'taskmaster_field_straight_through_ratio{app="intake",field="sex"}' in metrics
            assert 'taskmaster_error_bound_ratio{app="intake"}' in metrics
            page = admin.get("/").text
            assert 'id="straight-through"' in page and 'data-field="member_id"' in page
    assert _digest(shipped) == before, "calibrate must never write into the package"
