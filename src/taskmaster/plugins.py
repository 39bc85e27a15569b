"""The plugin manager: loads every module of the `taskmaster` entry-point group."""

from __future__ import annotations

import importlib.metadata
from functools import cache
from typing import Any

import pluggy

from taskmaster import hookspecs
from taskmaster.errors import ConfigError

GROUP = "taskmaster"
KINDS = ("ocr_engines", "icr_engines", "barcode_engines", "omr_engines", "exporters")


@cache
def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager (plugins are code, not configuration)."""
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    pm.load_setuptools_entrypoints(GROUP)
    if not pm.get_plugins():
        raise ConfigError(
            "no Taskmaster plugins found: is the package installed "
            "(pip install -e .)? Entry points register even the built-in engines"
        )
    return pm


def registered(kind: str) -> dict[str, Any]:
    """All factories of one kind, e.g. `registered("ocr_engines")`."""
    if kind not in KINDS:
        raise ValueError(kind)
    hook = getattr(plugin_manager().hook, f"taskmaster_{kind}")
    merged: dict[str, Any] = {}
    for result in reversed(hook()):  # later-registered plugins override built-ins
        merged.update(result)
    return merged


def create(kind: str, name: str) -> Any:
    """Instantiate the plugin `name` of `kind`, with a clear error if it is unknown."""
    factories = registered(kind)
    if name not in factories:
        raise ConfigError(
            f"unknown {kind.removesuffix('s').replace('_', ' ')} {name!r} "
            f"(installed: {', '.join(sorted(factories)) or 'none'})"
        )
    return factories[name]()


def distributions() -> list[tuple[str, str]]:
    """(distribution, version) of every package that registers Taskmaster plugins."""
    seen = set()
    for ep in importlib.metadata.entry_points(group=GROUP):
        if ep.dist is not None:
            seen.add((ep.dist.name, ep.dist.version))
    return sorted(seen)
