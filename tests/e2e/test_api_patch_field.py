"""`PATCH /api/v1/documents/{id}/fields/{name}` is the verify service, as the station is.

A real `taskmaster serve` reads the blank intake form (every field empty, so the batch
waits for review). Values PATCHed through the API are read as an operator's typing at
the station (the station's own `check` gives the same value), audited with the
machine's state as `old`, keep the machine's confidence; a bad value is a 422 naming
the field and changes nothing, as does a PATCH while another operator holds the batch;
the last field the batch waited for sends it on to export, as a station submit does.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import BLANK
from tests.e2e.conftest import Server
from tests.e2e.test_web_verify import upload, wait_status


def _field(c: Any, doc: str, name: str) -> dict[str, Any]:
    r = c.get(f"/api/v1/documents/{doc}/fields/{name}")
    assert r.status_code == 200, r.text
    field: dict[str, Any] = r.json()
    return field


def test_a_patch_is_entered_and_audited_as_at_the_station(server: Server) -> None:
    token = server.user("pat-op", "operator")
    batch = upload(server, token, BLANK)
    with server.client(token) as c:
        doc = c.get(f"/api/v1/batches/{batch}/documents").json()[0]
        doc_id, machine = doc["document"], doc["fields"]
        typed = {
            "visit_date": "09/03/2024",  # DD/MM/YYYY on the form
            "date_of_birth": "17 11 1984",  # DDMMYYYY, typed with spaces
            "smoker": "yes",  # a checkbox
            "medications": "aspirin   100mg\n\n  metformin 500mg  ",
        }  # three lines
        for name, entry in typed.items():
            station = c.post(
                f"/api/v1/verify/documents/{doc_id}/check", json={"field": name, "entry": entry}
            )
            assert station.status_code == 200, station.text
            r = c.patch(f"/api/v1/documents/{doc_id}/fields/{name}", json={"value": entry})
            assert r.status_code == 200, r.text
            field = r.json()
            assert field["value"] == station.json()["value"], name
            assert (field["source"], field["status"]) == ("human", "ok"), field
            # the machine's confidence stays (the station's rule), not a forced 1.0
            assert field["confidence"] == machine[name]["confidence"], field
            last = field["history"][-1]
            assert (last["action"], last["actor"], last["new"]) == (
                "field.set",
                "pat-op",
                field["value"],
            )
            assert last["old"] == {
                k: machine[name][k] for k in ("value", "confidence", "source", "status")
            }
        assert _field(c, doc_id, "visit_date")["value"] == "2024-03-09"
        assert _field(c, doc_id, "date_of_birth")["value"] == "1984-11-17"
        assert _field(c, doc_id, "smoker")["value"] is True
        assert _field(c, doc_id, "medications")["value"] == "aspirin 100mg\nmetformin 500mg"

        # A bad date: 422 naming the field and the problem; the stored value and the
        # audit trail are as they were.
        before = _field(c, doc_id, "visit_date")
        r = c.patch(f"/api/v1/documents/{doc_id}/fields/visit_date", json={"value": "31/02/2024"})
        assert r.status_code == 422, r.text
        message = r.json()["error"]["message"]
        assert "visit_date" in message and "date" in message, message
        assert _field(c, doc_id, "visit_date") == before
        # one operator per batch: while another holds it at the station, a PATCH is a 409
        other = server.user("pat-other", "operator")
        with server.client(other) as o:
            assert o.post(f"/api/v1/verify/batches/{batch}/take").status_code == 200
            r = c.patch(
                f"/api/v1/documents/{doc_id}/fields/visit_date", json={"value": "10/03/2024"}
            )
            assert r.status_code == 409 and "pat-other" in r.json()["error"]["message"]
            assert o.post(f"/api/v1/verify/batches/{batch}/release").status_code in (200, 204)
        assert _field(c, doc_id, "visit_date") == before
        # a field the document does not have is a 404 that names it
        r = c.patch(f"/api/v1/documents/{doc_id}/fields/nosuch", json={"value": "x"})
        assert r.status_code == 404 and "nosuch" in r.json()["error"]["message"]

        # Accept every other field the batch waits for: the last one sends it to export.
        left = [
            n
            for n, f in c.get(f"/api/v1/documents/{doc_id}").json()["fields"].items()
            if f["status"] != "ok"
        ]
        assert left and c.get(f"/api/v1/batches/{batch}").json()["status"] == "needs_review"
        for name in left:
            r = c.patch(f"/api/v1/documents/{doc_id}/fields/{name}", json={"override": True})
            assert r.status_code == 200, r.text
    wait_status(server, batch, "done")
    with server.client(server.admin_token) as admin:
        audit = admin.get("/api/v1/audit", params={"document": doc_id, "limit": 200}).json()
        actions = [a["action"] for a in audit["items"]]
        assert actions.count("field.set") == len(typed)
        assert actions.count("field.override") >= 1
        batch_audit = admin.get(
            "/api/v1/audit", params={"batch": batch, "action": "batch.verified"}
        ).json()
        assert batch_audit["total"] == 1
