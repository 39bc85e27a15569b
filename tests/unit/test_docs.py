"""The docs keep up with the code: every setting, command and hook is documented."""

from __future__ import annotations

import inspect
from pathlib import Path

import typer.main

from taskmaster import hookspecs
from taskmaster.cli.lazy import LazyCommand
from taskmaster.cli.main import app
from taskmaster.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    missing = [n for n in Settings.model_fields if f"`TASKMASTER_{n.upper()}`" not in text]
    assert not missing, f"add to docs/settings.md: {missing}"


def test_every_setting_has_a_description() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    group = typer.main.get_group(app)
    ctx = group.make_context("taskmaster", ["--help"], resilient_parsing=True)
    missing = []
    names = group.list_commands(ctx)
    assert {"process", "serve", "apps", "users"} <= set(names)
    for name in names:
        lazy = group.get_command(ctx, name)
        assert isinstance(lazy, LazyCommand), name
        cmd = lazy.real()  # the lazy placeholder's command
        rows = [line for line in text.splitlines() if f"`taskmaster {name}" in line]
        if not rows:
            missing.append(name)
        for sub in getattr(cmd, "commands", {}):
            if not any(f"{name} {sub}" in row or f"`{sub}`" in row for row in rows):
                missing.append(f"{name} {sub}")
    assert not missing, f"add to docs/cli.md: {missing}"


def test_every_hook_is_documented() -> None:
    hooks = [
        f
        for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
        if n.startswith("taskmaster_")
    ]
    assert len(hooks) >= 5
    assert all(f.__doc__ for f in hooks)
    text = (DOCS / "architecture.md").read_text()
    assert "hookspecs.py" in text
