"""Saving an edited application as its next version (the form designer's save).

The current `app.yaml` is kept as `versions/app.v<N>.yaml` and the edit becomes
`app.yaml` with version N+1, after it validated exactly as `taskmaster apps validate`
would (schema, zones against the reference images, file:line on error). Reference
images are never overwritten, so an older version's zones still fit its pictures. A
built-in application is copied into the installation's apps folder on its first save.
Documents record the version they were read with (`Document.app_version`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from taskmaster.apps.loader import load_application
from taskmaster.apps.onboard.build import dump_yaml
from taskmaster.apps.registry import LoadedApp
from taskmaster.errors import ApplicationError, InputError

HEADER = (
    "# Saved by the form designer. Boxes are pixels of the reference images "
    "(300 dpi, origin top left).\n"
)


def save_version(loaded: LoadedApp, definition: dict[str, Any], apps_dir: Path) -> Path:
    """Write `definition` as the next version of `loaded`; the new app.yaml's path."""
    if definition.get("name") != loaded.app.name:
        raise InputError(
            f"the definition is for {definition.get('name')!r}, not {loaded.app.name!r}"
        )
    folder = apps_dir / loaded.app.name
    if loaded.folder.resolve() != folder.resolve():  # a built-in one: install a copy
        shutil.copytree(loaded.folder, folder, dirs_exist_ok=True)
    data = {**definition, "version": loaded.app.version + 1}
    for key in [k for k, v in data.items() if v is None]:
        del data[key]
    staged = folder / "app.yaml.new"
    staged.write_text(dump_yaml(_prune(data), HEADER), encoding="utf-8")
    try:
        load_application(staged)  # the same checks as `apps validate`, file:line included
    except ApplicationError:
        staged.unlink()
        raise
    (folder / "versions").mkdir(exist_ok=True)
    current = folder / "app.yaml"
    if current.exists():
        shutil.copy2(current, folder / "versions" / f"app.v{loaded.app.version}.yaml")
    staged.replace(current)
    return current


def _prune(node: Any) -> Any:
    """Drop keys left at their empty default (None, [], {}) so the YAML stays readable."""
    if isinstance(node, dict):
        return {k: _prune(v) for k, v in node.items() if v not in (None, [], {})}
    if isinstance(node, list):
        return [_prune(v) for v in node]
    return node
