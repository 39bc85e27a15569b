"""The server cannot be frozen (issue 14): a worker killed while idle does not hang the
next upload or /healthz, and SIGTERM to the process group (as systemd sends it) stops
every process of the server, without respawning workers into the shutdown."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from tests.conftest import BLANK
from tests.e2e.conftest import Server, running_server


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _workers(srv: Server) -> list[int]:
    return [k for k in _children(srv.pid) if "spawn_main" in _cmdline(k)]


def _upload_and_finish(srv: Server, token: str) -> str:
    with srv.client(token) as c:
        r = c.post(
            "/api/v1/batches",
            files={"file": ("form.png", BLANK.read_bytes())},
            data={"app": "intake"},
        )
        assert r.status_code == 201, r.text
        batch_id: str = r.json()["id"]
        deadline = time.monotonic() + 180
        status: str
        while (status := c.get(f"/api/v1/batches/{batch_id}").json()["status"]) in (
            "pending",
            "running",
        ):
            assert time.monotonic() < deadline, f"batch still {status}"
            time.sleep(0.3)
        return status


def test_worker_killed_while_idle_does_not_freeze_the_server(tmp_path: Path) -> None:
    with running_server(tmp_path, workers="1") as srv:
        token = srv.user("scan-freeze", "scanner")
        # One batch through proves the worker is in its loop; then it waits, idle.
        assert _upload_and_finish(srv, token) in ("done", "needs_review")
        [worker] = _workers(srv)
        os.kill(worker, signal.SIGKILL)
        # The next upload wakes the workers; before, that set() waited for the dead one
        # on the event loop and every request hung.
        with srv.client(token) as c:
            c.timeout = httpx.Timeout(30)
            r = c.post(
                "/api/v1/batches",
                files={"file": ("again.png", BLANK.read_bytes())},
                data={"app": "intake"},
            )
            assert r.status_code == 201, r.text
        assert httpx.get(f"{srv.url}/healthz", timeout=5).status_code == 200
        # The pool replaced the dead worker, which runs the batch.
        assert _upload_and_finish(srv, token) in ("done", "needs_review")
        assert worker not in _workers(srv)
        assert "died with exit code -9; replacing it" in srv.log.read_text()


def _group_alive(pgid: int) -> list[int]:
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def test_sigterm_to_the_group_stops_the_server(tmp_path: Path) -> None:
    with running_server(tmp_path, own_group=True, workers="2") as srv:
        token = srv.user("scan-term", "scanner")
        assert _upload_and_finish(srv, token) in ("done", "needs_review")
        assert len(_group_alive(srv.pid)) >= 4  # server, 2 workers, decoder(s)
        os.killpg(srv.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30  # the bound; it takes a few seconds
        while _group_alive(srv.pid):
            assert time.monotonic() < deadline, [_cmdline(p) for p in _group_alive(srv.pid)]
            time.sleep(0.2)
        log = srv.log.read_text()
        assert "; replacing it" not in log  # no respawn into the shutdown ("not replacing" is)
        assert "Traceback" not in log
