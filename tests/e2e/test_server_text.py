"""Full text of a document over HTTP: words with boxes, and a searchable PDF."""

from __future__ import annotations

import pypdfium2 as pdfium

from tests.conftest import BLANK
from tests.e2e.conftest import Server
from tests.e2e.test_server_uploads import _wait


def test_words_and_searchable_pdf(server: Server) -> None:
    with server.client(server.admin_token) as c:
        r = c.post(
            "/api/v1/batches",
            files={"file": ("blank.png", BLANK.read_bytes(), "image/png")},
            data={"app": "intake"},
        )
        assert r.status_code == 201, r.text
        batch = _wait(c, r.json()["id"])
        [doc] = c.get(f"/api/v1/batches/{batch['id']}/documents").json()
        text = c.get(f"/api/v1/documents/{doc['document']}/text")
        assert text.status_code == 200, text.text
        [page] = text.json()["pages"]
        words = {w["text"] for w in page["words"]}
        assert {"PATIENT", "INTAKE", "FORM"} <= words
        assert all(0 <= w["bbox"][0] < w["bbox"][2] <= page["width"] for w in page["words"])
        assert any("RIVERSIDE COMMUNITY HEALTH CENTER" in ln["text"] for ln in page["lines"])
        pdf = c.get(f"/api/v1/documents/{doc['document']}/pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
    extracted = pdfium.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert "PATIENT INTAKE FORM" in extracted
    with server.client() as anonymous:
        assert anonymous.get(f"/api/v1/documents/{doc['document']}/pdf").status_code == 401
