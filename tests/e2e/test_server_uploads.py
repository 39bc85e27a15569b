"""Uploads against the real server: hostile files get a 4xx JSON error before any batch
exists; a real form is processed by the embedded worker, corrected, audited, exported."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw

from tests.conftest import BLANK, INTAKE
from tests.e2e.conftest import MAX_UPLOAD, Server


def small_pdf() -> bytes:
    im = Image.new("L", (850, 1100), 255)
    ImageDraw.Draw(im).text((100, 100), "PATIENT INTAKE FORM", fill=0)
    buf = io.BytesIO()
    im.save(buf, "PDF", resolution=100)
    return buf.getvalue()


def png_bomb(side: int = 60_000) -> bytes:
    """A valid PNG header declaring side x side pixels, with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


def bad_ifd_tiff() -> bytes:
    """A TIFF header whose first IFD points far past the end of the file."""
    return b"II*\x00" + struct.pack("<I", 10_000_000) + b"\x00" * 64


def pdf_zip_polyglot() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.txt", "not a scan")
    return small_pdf() + buf.getvalue()


HOSTILE: list[tuple[str, bytes, str, int]] = [
    ("empty.png", b"", "image/png", 422),
    ("notes.pdf", b"just some text, renamed to look like a PDF\n" * 20, "application/pdf", 415),
    ("notes.tif", b"plain text pretending to be a TIFF\n" * 20, "image/tiff", 415),
    ("cut.pdf", small_pdf()[: len(small_pdf()) // 2], "application/pdf", 422),
    ("bomb.png", png_bomb(), "image/png", 413),
    ("badifd.tif", bad_ifd_tiff(), "image/tiff", 422),
    ("polyglot.pdf", pdf_zip_polyglot(), "application/pdf", 415),
    ("page.gif", b"GIF89a" + b"\x00" * 100, "image/gif", 422),  # a GIF, but damaged
    ("big.pdf", b"%PDF-1.7\n" + b"0" * (MAX_UPLOAD + 10), "application/pdf", 413),
]


def _error(r: httpx.Response) -> dict[str, Any]:
    assert r.headers["content-type"].startswith("application/json"), r.text
    body: dict[str, Any] = r.json()["error"]
    assert body["code"] and body["message"]
    return body


def _batch_count(c: httpx.Client) -> int:
    total: int = c.get("/api/v1/batches").json()["total"]
    return total


@pytest.mark.parametrize(("name", "data", "ctype", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_is_refused(
    server: Server, name: str, data: bytes, ctype: str, status: int
) -> None:
    with server.client(server.admin_token) as c:
        before = _batch_count(c)
        r = c.post("/api/v1/batches", files={"file": (name, data, ctype)}, data={"app": "intake"})
        assert r.status_code == status, r.text
        err = _error(r)
        if name != "big.pdf":
            assert name in err["message"]
        assert _batch_count(c) == before  # refused before a batch existed
        assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok", "database": None}


def test_wrong_request_content_type_and_oversized_body(server: Server) -> None:
    with server.client(server.admin_token) as c:
        r = c.post("/api/v1/batches", json={"file": "x", "app": "intake"})
        assert r.status_code == 415 and _error(r)["code"] == "unsupported_format"
        huge = b"\x00" * (4 * MAX_UPLOAD + 2 * 2**20)
        r = c.post(
            "/api/v1/batches",
            files={"file": ("huge.png", huge, "image/png")},
            data={"app": "intake"},
        )
        assert r.status_code == 413 and _error(r)["code"] == "limit_exceeded"
        r = c.post(
            "/api/v1/batches",
            files={"file": ("x.png", BLANK.read_bytes())},
            data={"app": "no-such-app"},
        )
        assert r.status_code == 404 and "intake" in _error(r)["message"]
    assert "rejected upload" in server.log.read_text()


def test_chunked_body_is_cut_at_the_limit(server: Server) -> None:
    """No Content-Length: the server counts while it reads and stops at the limit."""

    def body() -> Iterator[bytes]:
        yield (
            b'--b0undary\r\nContent-Disposition: form-data; name="file"; '
            b'filename="stream.png"\r\nContent-Type: image/png\r\n\r\n'
        )
        for _ in range(200):  # 12.8 MiB offered, far over the request limit
            yield b"\x00" * 65536
        yield b"\r\n--b0undary--\r\n"

    with server.client(server.admin_token) as c:
        r = c.post(
            "/api/v1/batches",
            content=body(),
            headers={"content-type": "multipart/form-data; boundary=b0undary"},
        )
        assert r.status_code == 413 and _error(r)["code"] == "limit_exceeded"
        assert c.get("/healthz").status_code == 200


def _wait(c: httpx.Client, batch_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        batch: dict[str, Any] = c.get(f"/api/v1/batches/{batch_id}").json()
        if batch["status"] in ("done", "needs_review", "failed"):
            return batch
        assert batch["status"] in ("pending", "running")
        if time.monotonic() > deadline:
            pytest.fail(f"batch still {batch['status']} after {timeout} s: {batch}")
        time.sleep(0.5)


def _form() -> tuple[str, bytes]:
    sample = INTAKE / "samples" / "intake_0001.png"
    if sample.exists() and sample.stat().st_size <= MAX_UPLOAD:
        return sample.name, sample.read_bytes()
    return "blank.png", BLANK.read_bytes()  # the shipped blank form also processes


def test_upload_process_correct_export(server: Server) -> None:
    scanner = server.user("scan-e2e", "scanner")
    operator = server.user("op-e2e", "operator")
    name, data = _form()
    with server.client(scanner) as c:
        r = c.post(
            "/api/v1/batches",
            files={"file": (name, data, "image/png")},
            data={"app": "intake", "priority": "5"},
        )
        assert r.status_code == 201, r.text
        batch = r.json()
        assert batch["id"].startswith("b-") and batch["created_by"] == "scan-e2e"
        batch = _wait(c, batch["id"])
        assert batch["status"] in ("done", "needs_review"), batch
        assert [t["name"] for t in batch["tasks"]][:5] == [
            "ingest",
            "prepare",
            "identify",
            "recognize",
            "validate",
        ]
        assert c.get(f"/api/v1/batches/{batch['id']}/documents").status_code == 403
    with server.client(server.admin_token) as admin:
        listed = admin.get("/api/v1/batches", params={"app": "intake", "limit": 5}).json()
        assert batch["id"] in [b["id"] for b in listed["items"]]
        docs = admin.get(f"/api/v1/batches/{batch['id']}/documents").json()
    assert isinstance(docs, list) and len(docs) == 1
    doc = docs[0]
    assert doc["type"] == "intake-v1" and doc["pages"][0]["source"] == f"{name}#1"
    assert "last_name" in doc["fields"]

    with server.client(operator) as c:
        r = c.patch(
            f"/api/v1/documents/{doc['document']}/fields/last_name", json={"value": "Okonkwo-Smith"}
        )
        assert r.status_code == 200, r.text
        field = r.json()
        assert field["value"] == "Okonkwo-Smith" and field["source"] == "human"
        entry = field["history"][-1]
        assert entry["actor"] == "op-e2e" and entry["new"] == "Okonkwo-Smith"
        # old: the field as the machine left it, for calibration (docs/verify.md)
        machine = doc["fields"]["last_name"]
        assert entry["old"] == {
            "value": machine["value"],
            "confidence": machine["confidence"],
            "source": machine["source"],
            "status": machine["status"],
        }

        image = c.get(f"/api/v1/documents/{doc['document']}/pages/1/image")
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        again = c.get(
            f"/api/v1/documents/{doc['document']}/pages/1/image",
            headers={"If-None-Match": image.headers["etag"]},
        )
        assert again.status_code == 304
        thumb = c.get(f"/api/v1/documents/{doc['document']}/pages/1/thumbnail")
        assert thumb.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(thumb.content)).width == 240

        csv_text = c.get(f"/api/v1/batches/{batch['id']}/export", params={"format": "csv"}).text
        assert "Okonkwo-Smith" in csv_text and csv_text.startswith("document,")
    with server.client(server.admin_token) as admin:
        audit = admin.get(
            "/api/v1/audit", params={"document": doc["document"], "action": "field.set"}
        ).json()
        assert audit["items"][0]["field"] == "last_name" and audit["total"] >= 1
        _wait(admin, batch["id"])  # a correction may have sent it on to export: let it finish
        r = admin.delete(f"/api/v1/batches/{batch['id']}")
        assert r.status_code == 204, r.text
        assert admin.get(f"/api/v1/batches/{batch['id']}").status_code == 404


def test_scanner_sees_only_its_own_batches(server: Server) -> None:
    mine = server.user("scan-own", "scanner")
    with server.client(server.admin_token) as admin:
        r = admin.post(
            "/api/v1/batches",
            files={"file": ("blank.png", BLANK.read_bytes())},
            data={"app": "intake"},
        )
        assert r.status_code == 201
        other = r.json()["id"]
    with server.client(mine) as c:
        assert c.get(f"/api/v1/batches/{other}").status_code == 404
        assert other not in [b["id"] for b in c.get("/api/v1/batches").json()["items"]]
        assert c.post(f"/api/v1/batches/{other}/cancel").status_code == 403
    with server.client(server.admin_token) as admin:
        r = admin.post(f"/api/v1/batches/{other}/cancel")
        # it may have finished already on a fast machine: then cancelling is a conflict
        assert (r.status_code, r.json().get("status")) == (
            200,
            "cancelled",
        ) or r.status_code == 409, r.text
