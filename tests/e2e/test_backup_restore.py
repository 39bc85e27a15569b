"""Back up a serving installation, restore it into a fresh data directory, and read the
same results from a server started on the copy (docs/operations.md)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import BLANK
from tests.e2e.conftest import TASKMASTER, running_server
from tests.e2e.test_server_uploads import _wait


def test_backup_while_serving_then_restore_reads_the_same(tmp_path: Path) -> None:
    home, dest, restored = tmp_path / "home", tmp_path / "backup", tmp_path / "restored"
    home.mkdir()
    with running_server(home) as srv, srv.client(srv.admin_token) as c:
        r = c.post(
            "/api/v1/batches",
            data={"app": "intake"},
            files={"file": ("blank.png", BLANK.read_bytes(), "image/png")},
        )
        assert r.status_code == 201, r.text
        batch = _wait(c, r.json()["id"])
        [doc] = c.get(f"/api/v1/batches/{batch['id']}/documents").json()
        fixed = c.patch(
            f"/api/v1/documents/{doc['document']}/fields/last_name", json={"value": "Łukasz Żółć"}
        )
        assert fixed.status_code == 200, fixed.text
        before = c.get(f"/api/v1/batches/{batch['id']}/documents").json()
        image = c.get(f"/api/v1/documents/{doc['document']}/pages/1/image").content
        # Online: the server is running (and its SQLite database is in WAL mode).
        done = srv.cli("backup", str(dest), "--json")
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        assert summary["files"] >= 3 and summary["notes"] == []
    assert (dest / "taskmaster.db").exists()
    assert not list(dest.glob("taskmaster.db-*"))  # one self-contained file, no WAL
    assert not (dest / "cache").exists()
    shutil.copytree(dest, restored)  # restore: copy into an empty data directory
    with running_server(restored) as copy, copy.client(copy.admin_token) as c:
        after = c.get(f"/api/v1/batches/{batch['id']}/documents").json()
        assert after == before
        assert after[0]["fields"]["last_name"]["value"] == "Łukasz Żółć"
        assert c.get(f"/api/v1/documents/{doc['document']}/pages/1/image").content == image
        history = c.get(f"/api/v1/documents/{doc['document']}/fields/last_name").json()
        assert [h["new"] for h in history["history"]] == ["Łukasz Żółć"]


def test_backup_refuses_a_folder_in_use(tmp_path: Path) -> None:
    home, dest = tmp_path / "home", tmp_path / "backup"
    home.mkdir()
    dest.mkdir()
    (dest / "something").write_text("mine")
    done = subprocess.run(
        [str(TASKMASTER), "backup", str(dest)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"TASKMASTER_HOME": str(home), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {dest} exists and is not an empty folder"
    assert (dest / "something").read_text() == "mine"
