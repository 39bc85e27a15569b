"""Where fits live, and reading them again when they change.

A fit made by `taskmaster calibrate` (or the server's own refit) is written to
`<home>/calibration/<app>.json`; an application may ship a default fit as
`calibration.json` beside its app.yaml (the built-in intake application does). The home
fit wins. Every process (server, embedded and scale-out workers, the CLI) asks `Fits`
for an application's fit once per batch; a changed file (mtime and size) is read again,
so a new fit applies to the next batch without a restart. Each fit also appends one line
of figures to `<home>/calibration/<app>.history.jsonl`: the dashboard's plot over time.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from taskmaster.apps.registry import AppRegistry
from taskmaster.calibration.fit import Fit, totals
from taskmaster.errors import ConfigError

SHIPPED = "calibration.json"


def fit_dir(home: Path) -> Path:
    return home / "calibration"


def home_fit(home: Path, app: str) -> Path:
    return fit_dir(home) / f"{app}.json"


def history_file(home: Path, app: str) -> Path:
    return fit_dir(home) / f"{app}.history.jsonl"


def read_fit(path: Path) -> Fit:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"calibration fit {path} is unreadable: {exc}") from exc
    if not isinstance(data, dict) or "fields" not in data:
        raise ConfigError(f"calibration fit {path} has no fields")
    return Fit(data)


def save_fit(home: Path, fit: Fit) -> Path:
    """Write the fit atomically (readers never see half a file) and log its figures."""
    path = home_fit(home, fit.app)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(fit.data, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)
    line = {
        "at": fit.data["fitted_at"],
        **totals(fit),
        "fields": {
            n: {k: f[k] for k in ("labels", "wrong", "accepted", "errors", "bound")}
            for n, f in fit.data["fields"].items()
        },
    }
    with history_file(home, fit.app).open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
    return path


def history(home: Path, app: str, limit: int = 200) -> list[dict[str, Any]]:
    """The figures of the application's past fits, oldest first."""
    path = history_file(home, app)
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[-limit:]:
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a crash: the others still count
    return rows


class Fits:
    """The current fit of each application, read again when its file changes."""

    def __init__(self, home: Path, apps: AppRegistry) -> None:
        self.home, self.apps = home, apps
        self._cache: dict[Path, tuple[tuple[int, int], Fit]] = {}
        self._lock = threading.Lock()

    def path(self, app: str) -> Path | None:
        """The file the application's fit comes from (None: it has none yet)."""
        mine = home_fit(self.home, app)
        if mine.is_file():
            return mine
        shipped = self.apps.get(app).folder / SHIPPED
        return shipped if shipped.is_file() else None

    def get(self, app: str) -> Fit | None:
        path = self.path(app)
        if path is None:
            return None
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        with self._lock:
            cached = self._cache.get(path)
            if cached is None or cached[0] != stamp:
                cached = (stamp, read_fit(path))
                self._cache[path] = cached
            return cached[1]
