"""A source of batches polled in a thread while the server runs: the hot folder, the
mailbox. One loop for both: `poll()` is one pass, and a failed pass (a full disk, a mail
server down, a locked database) is logged and tried again at the next interval, never
the end of the watch."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

from taskmaster.errors import TaskmasterError

log = logging.getLogger(__name__)


class Poller(ABC):
    """Calls `poll()` every `interval` seconds in a daemon thread until `stop()`."""

    name = "poller"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def poll(self) -> object:
        """One pass; what it returns (say, how many batches it made) is for its callers."""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except TaskmasterError as exc:
                log.warning("%s: %s", self.name, exc.message)
            except Exception:  # whatever failed, the next pass tries again
                log.exception("%s: poll failed", self.name)
            self._stop.wait(self.interval)
