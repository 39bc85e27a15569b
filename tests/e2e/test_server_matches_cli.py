"""The server and `taskmaster process` give the same results for the same scans."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import BIN, INTAKE, needs_shared
from tests.e2e.conftest import MAX_UPLOAD, Server
from tests.e2e.test_server_uploads import _wait

# Two small samples: a typed fax and a hand-printed fax (the shared server caps uploads).
NAMES = ("intake_0003.png", "intake_0010.png")


def _comparable(doc: dict[str, object]) -> dict[str, object]:
    fields = doc["fields"]
    assert isinstance(fields, dict)
    return {
        "type": doc["type"],
        "status": doc["status"],
        "pages": doc["pages"],
        "fields": {n: (f["value"], f["status"], f["bbox"]) for n, f in fields.items()},
    }


@needs_shared()
def test_upload_results_match_process(server: Server, tmp_path: Path) -> None:
    files = [INTAKE / "samples" / n for n in NAMES]
    assert all(f.stat().st_size <= MAX_UPLOAD for f in files)
    with server.client(server.admin_token) as c:
        r = c.post(
            "/api/v1/batches",
            data={"app": "intake"},
            files=[("file", (f.name, f.read_bytes(), "image/png")) for f in files],
        )
        assert r.status_code == 201, r.text
        batch = _wait(c, r.json()["id"])
        served = c.get(f"/api/v1/batches/{batch['id']}/documents").json()
    cli = subprocess.run(
        [str(BIN / "taskmaster"), "process", "--app", "intake", "--json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**server.env, "TASKMASTER_HOME": str(tmp_path / "cli")},
    )
    assert cli.returncode == 0, cli.stderr
    processed = json.loads(cli.stdout)
    assert [_comparable(d) for d in served] == [_comparable(d) for d in processed]
