"""A real webhook receiver for tests: an HTTP server in a thread that checks every
delivery's Standard Webhooks signature by hand (HMAC-SHA256, independent of the
library Taskmaster signs with) and records what arrived."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "whsec_" + base64.b64encode(b"taskmaster-test-webhook-key-0001").decode()


def expected_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


@dataclass
class Delivery:
    id: str
    timestamp: int
    verified: bool
    payload: dict[str, Any]


@dataclass
class Receiver:
    """Answers `statuses` in turn (then 204); `hold_first` keeps the first request open."""

    secret: str = SECRET
    statuses: list[int] = field(default_factory=list)
    hold_first: bool = False
    deliveries: list[Delivery] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["content-length"]))
                msg_id = self.headers["webhook-id"]
                stamp = self.headers["webhook-timestamp"]
                signature = self.headers["webhook-signature"]
                verified = hmac.compare_digest(
                    signature, expected_signature(receiver.secret, msg_id, stamp, body)
                )
                first = not receiver.deliveries
                receiver.deliveries.append(Delivery(msg_id, int(stamp), verified, json.loads(body)))
                receiver.arrived.set()
                if first and receiver.hold_first:
                    receiver.release.wait(60)  # the sender is killed meanwhile
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status if verified else 401)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        return self.url

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, n: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < n:
            assert time.monotonic() < deadline, f"{len(self.deliveries)} of {n} arrived"
            time.sleep(0.05)
