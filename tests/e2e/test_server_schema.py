"""Schemathesis against the running server's own OpenAPI document, as an admin.

`--checks all`, bounded (a few examples per operation, one worker) so it runs in well
under a minute: no 5xx anywhere; every answer conforms to the documented status codes,
headers, content types and schemas; invalid data is refused and valid data accepted;
nothing works without credentials; unsupported methods answer 405 with a true `Allow`.

Left out, because they would cut the ground from under the other tests: logging in and
changing one's password (failures count toward the address's throttle and lock the
admin), revoking tokens and editing users. Five operations run without the one check a
schema cannot satisfy, `positive_data_acceptance`: an upload whose schema-valid file is
random bytes is refused by its content (415/422), as it must be, and a new user with a
reserved name or a common password is refused by policy (422); so are the designer's
uploads (a blank, a filled copy) and its definitions (checked by the application schema).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN
from tests.e2e.conftest import Server

ST = BIN / "st"
POLICY_BEYOND_SCHEMA = [
    "create_api_v1_batches_post",
    "create_user_api_v1_users_post",
    # the designer: a blank or copy refused by its content, and an
    # application definition refused by the application schema
    "new_app_api_v1_designer_apps_post",
    "try_it_api_v1_designer_apps__name__try_post",
    "save_api_v1_designer_apps__name__put",
]


def schemathesis(server: Server, spec: Path, token: str, *args: str) -> None:
    cmd = [
        str(ST),
        "run",
        str(spec),
        "--url",
        server.url,
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--continue-on-failure",
        "--max-examples",
        "5",
        "--workers",
        "1",
        "--seed",
        "2402",
        "--request-timeout",
        "20",
        "--phases",
        "examples,coverage,fuzzing",
        "--exclude-path",
        "/api/v1/auth/login",
        "--exclude-path",
        "/api/v1/auth/password",
        "--exclude-path-regex",
        r"^/api/v1/(tokens/\{token_id\}|users/\{name\})$",
        *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout  # it ran operations


@pytest.mark.skipif(not ST.exists(), reason="schemathesis is not installed (dev dependency)")
def test_api_conforms_to_its_openapi_document(server: Server, tmp_path: Path) -> None:
    token = server.user("fuzz-admin", "admin")
    with server.client(token) as c:  # the document itself needs credentials too
        spec = tmp_path / "openapi.json"
        spec.write_bytes(c.get("/api/v1/openapi.json").content)
    excluded = [a for op in POLICY_BEYOND_SCHEMA for a in ("--exclude-operation-id", op)]
    schemathesis(server, spec, token, *excluded)
    included = [a for op in POLICY_BEYOND_SCHEMA for a in ("--include-operation-id", op)]
    schemathesis(server, spec, token, *included, "--exclude-checks", "positive_data_acceptance")
    with server.client(server.admin_token) as c:  # the server survived it
        assert c.get("/readyz").json()["status"] == "ok"
