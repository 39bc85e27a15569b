"""Schemathesis against the running server's own OpenAPI document, as an admin.

Bounded (a few examples per operation, one worker) so it runs in well under a minute:
no 5xx anywhere, and every answer conforms to the documented status codes, content
types and schemas. Operations that would cut the ground from under the other tests are
left out: login (failures count toward the address's throttle), revoking tokens and
editing users.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN
from tests.e2e.conftest import Server

ST = BIN / "st"
CHECKS = ",".join(["not_a_server_error", "status_code_conformance",
                   "content_type_conformance", "response_schema_conformance"])


@pytest.mark.skipif(not ST.exists(), reason="schemathesis is not installed (dev dependency)")
def test_api_conforms_to_its_openapi_document(server: Server, tmp_path: Path) -> None:
    token = server.user("fuzz-admin", "admin")
    with server.client(token) as c:  # the document itself needs credentials too
        spec = tmp_path / "openapi.json"
        spec.write_bytes(c.get("/api/v1/openapi.json").content)
    cmd = [str(ST), "run", str(spec), "--url", server.url,
           "-H", f"Authorization: Bearer {token}", "--checks", CHECKS,
           "--max-examples", "5", "--workers", "1", "--seed", "2402",
           "--request-timeout", "20", "--phases", "examples,coverage,fuzzing",
           "--exclude-path", "/api/v1/auth/login",
           "--exclude-path-regex", r"^/api/v1/(tokens/\{token_id\}|users/\{name\})$"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    with server.client(server.admin_token) as c:  # the server survived it
        assert c.get("/readyz").json()["status"] == "ok"
