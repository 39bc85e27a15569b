"""Find applications: the built-in ones shipped in the package, then `<home>/apps`.

An application lives in a folder of its own: `<name>/app.yaml` plus its reference images.
An installed application of the same name overrides the built-in one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from taskmaster.apps.loader import load_application
from taskmaster.apps.schema import Application
from taskmaster.errors import NotFound

BUILTIN = Path(__file__).with_name("builtin")


@dataclass(frozen=True)
class LoadedApp:
    """An application and the folder its files live in."""

    app: Application
    path: Path  # the app.yaml

    @property
    def folder(self) -> Path:
        return self.path.parent

    def reference(self, page_type: str) -> Path | None:
        ref = self.app.page_type(page_type).reference
        return self.folder / ref if ref else None


class AppRegistry:
    """The applications known to one Taskmaster installation."""

    def __init__(self, extra_dirs: list[Path] | None = None) -> None:
        self.dirs = [BUILTIN, *(extra_dirs or [])]
        self._cache: dict[str, tuple[int, LoadedApp]] = {}  # name -> (file mtime, app)

    def files(self) -> dict[str, Path]:
        """Application name (its folder name) -> app.yaml; later folders override."""
        found: dict[str, Path] = {}
        for root in self.dirs:
            if root.is_dir():
                for yml in sorted(root.glob("*/app.yaml")):
                    found[yml.parent.name] = yml
        return found

    def names(self) -> list[str]:
        return sorted(self.files())

    def get(self, name: str) -> LoadedApp:
        """The application `name`, read again when its file changed (a designer's save
        reaches every process that serves or works)."""
        cached = self._cache.get(name)
        if cached is not None and _mtime(cached[1].path) == cached[0]:
            return cached[1]
        path = self.files().get(name)
        if path is None:
            raise NotFound(
                f"no application named {name!r} (known: {', '.join(self.names()) or 'none'})"
            )
        mtime = _mtime(path)
        loaded = LoadedApp(load_application(path), path)
        self._cache[name] = (mtime, loaded)
        return loaded


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1
