"""Patient data is owner-only on disk: every file Taskmaster creates is 0600 and every
folder 0700, whatever the umask it was started with (issue 10).

The CLI, an upload to the server and a file dropped into the hot folder each write a
batch end to end (database, submitted files, page images, JSON/CSV/SQL exports, the hot
folder's results); then every path under the data directory is checked.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BIN, BLANK
from tests.e2e.conftest import running_server
from tests.e2e.test_server_uploads import _wait
from tests.integration.test_queue import MINI_APP

# Written by this test's harness, not by Taskmaster: the server's captured stdout.
HARNESS_FILES = {"server.log"}


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """Run the test (and every process it starts) under a permissive umask."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _loose_paths(root: Path) -> list[str]:
    loose = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            if name in HARNESS_FILES and path.parent == root:
                continue
            mode = stat.S_IMODE(path.lstat().st_mode)
            if mode & 0o077:
                loose.append(f"{path.relative_to(root)} {oct(mode)}")
    return loose


@pytest.mark.timeout(240)
def test_every_file_is_owner_only_whatever_the_umask(loose_umask: None, tmp_path: Path) -> None:
    apps = tmp_path / "apps" / "mini"
    apps.mkdir(parents=True)
    (apps / "app.yaml").write_text(MINI_APP)
    shutil.copy(BLANK, apps / "form.png")
    home = tmp_path / "data" / "home"  # neither exists: Taskmaster creates both
    env = {
        **os.environ,
        "TASKMASTER_HOME": str(home),
        "TASKMASTER_APPS_DIR": str(apps.parent),
        "OMP_THREAD_LIMIT": "1",
    }
    env.pop("TASKMASTER_DATABASE_URL", None)

    done = subprocess.run(
        [str(BIN / "taskmaster"), "process", "--app", "mini", "--json", str(BLANK)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE(home.parent.stat().st_mode) == 0o700

    with running_server(
        home, apps_dir=str(apps.parent), hot_folder="true", inbox_app="mini"
    ) as srv:
        with srv.client(srv.admin_token) as c:
            r = c.post(
                "/api/v1/batches",
                data={"app": "mini"},
                files=[("file", ("upload.png", BLANK.read_bytes(), "image/png"))],
            )
            assert r.status_code == 201, r.text
            assert _wait(c, r.json()["id"])["status"] == "done"
        dropped = home / "inbox" / "dropped.png"
        shutil.copy(BLANK, dropped)  # 0644, as a scanner would leave it
        deadline = time.monotonic() + 120
        while not list((home / "hotfolder" / "done").glob("*dropped*")):
            assert time.monotonic() < deadline, "the hot folder did not finish dropped.png"
            time.sleep(0.5)

    exports = list((home / "exports").rglob("*.*"))
    assert {p.suffix for p in exports} >= {".json", ".csv"}, exports
    assert list((home / "pages").rglob("*.png")), "no page images were stored"
    assert (home / "taskmaster.db").exists()
    assert _loose_paths(home) == []
