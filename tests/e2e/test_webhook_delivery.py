"""Webhook deliveries across a crash: `taskmaster serve` is killed with SIGKILL while a
receiver holds its first delivery open, then started again. The receiver (a real HTTP
server checking every signature) gets each document at least once, and exactly once
after dropping repeats by `webhook-id`, as the Standard Webhooks scheme intends."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from taskmaster.db.models import Batch, Document, ExportRecord
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import create_batch
from taskmaster.settings import Settings
from tests.e2e.test_crash_recovery import session_gone, start_server
from tests.integration.test_queue import MINI_APP, install_mini_app, tiff_of_blank_forms
from tests.webhook_receiver import SECRET, Receiver

PAGES = 3


def install_hook_app(home: Path, url: str, secret_file: Path) -> None:
    install_mini_app(home)
    exports = MINI_APP[MINI_APP.index("exports:") : MINI_APP.index("document_types:")]
    hook = (
        f"exports:\n  - kind: webhook\n    options: {{url: '{url}', "
        f"secret_file: '{secret_file}', timeout_s: 30}}\n"
    )
    (home / "apps" / "mini" / "app.yaml").write_text(MINI_APP.replace(exports, hook))


@pytest.mark.timeout(240)
def test_each_document_arrives_once_by_webhook_id_across_a_kill(home: Path, tmp_path: Path) -> None:
    receiver = Receiver(hold_first=True)
    receiver.start()
    secret = tmp_path / "hook.secret"
    secret.write_text(SECRET)
    install_hook_app(home, receiver.url, secret)
    env = {
        **os.environ,
        "TASKMASTER_HOME": str(home),
        "TASKMASTER_WORKERS": "1",
        "TASKMASTER_HOT_FOLDER": "false",
        "TASKMASTER_ADMIN_PASSWORD": "hook-drill-pw",
        "OMP_THREAD_LIMIT": "1",
    }
    env.pop("TASKMASTER_DATABASE_URL", None)
    svc = Services.create(Settings(home=home))
    batch_id = create_batch(svc, [("scan.tif", tiff_of_blank_forms(PAGES))], ["mini"])
    log = tmp_path / "server.log"
    servers = [start_server(env, log)]
    try:
        # The first delivery reached the receiver, which has not answered yet: the
        # sender cannot have recorded it. Kill the server and its workers now.
        assert receiver.arrived.wait(150), f"no delivery: {log.read_text()[-3000:]}"
        os.killpg(servers[0].pid, signal.SIGKILL)
        servers[0].wait(10)
        assert session_gone(servers[0].pid, 10)
        receiver.release.set()

        servers.append(start_server(env, log))
        deadline = time.monotonic() + 150
        while True:
            with svc.db.session() as session:
                status = session.get_one(Batch, batch_id).status
            if status not in ("pending", "running"):
                break
            assert time.monotonic() < deadline, f"batch stuck: {log.read_text()[-3000:]}"
            time.sleep(0.3)
        assert status == "done", log.read_text()[-3000:]
    finally:
        for proc in servers:
            if proc.poll() is None or not session_gone(proc.pid, 0.1):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        receiver.stop()

    with svc.db.session() as session:
        docs = list(session.scalars(select(Document.id).where(Document.batch_id == batch_id)))
        records = Counter(r.document_id for r in session.scalars(select(ExportRecord)))
    svc.close()
    assert len(docs) == PAGES and records == Counter(docs)  # recorded once each
    arrived = receiver.deliveries
    assert all(d.verified for d in arrived)
    ids = Counter(d.id for d in arrived)
    assert ids[arrived[0].id] == 2, ids  # the delivery in flight at the kill came again
    assert len(arrived) == PAGES + 1
    # De-duplicated by webhook-id, each document arrived exactly once.
    unique = {d.id: d.payload["data"]["document"] for d in arrived}
    assert sorted(unique.values()) == sorted(docs)
    assert set(unique) == {f"{d}-v1" for d in docs}
