"""`taskmaster apps` as an administrator runs it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from taskmaster.apps.registry import BUILTIN
from tests.conftest import BIN


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "taskmaster"), *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_validate_reports_file_line_and_reason(home: Path, tmp_path: Path) -> None:
    ok = run("apps", "validate")
    assert ok.returncode == 0, ok.stderr
    assert "ok  intake" in ok.stdout and "ok  receipts" in ok.stdout
    broken = tmp_path / "app.yaml"
    text = (BUILTIN / "intake" / "app.yaml").read_text().replace("type: phone", "type: fone", 1)
    broken.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "type: fone" in t)
    bad = run("apps", "validate", broken)
    assert bad.returncode == 3
    assert bad.stderr.startswith(f"error: {broken}:{line}: ")
    assert ".type" in bad.stderr


def test_unknown_application_names_the_known_ones(home: Path) -> None:
    proc = run("apps", "show", "nope")
    assert proc.returncode == 4
    assert "known: intake, receipts" in proc.stderr


def test_validate_refuses_an_export_into_our_own_tables(home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "app.yaml"
    text = (BUILTIN / "intake" / "app.yaml").read_text()
    text = text.replace("options: {table: intake_v1}", "options: {table: users}", 1)
    broken.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "table: users" in t)
    bad = run("apps", "validate", broken)
    assert bad.returncode == 3
    assert bad.stderr.startswith(f"error: {broken}:{line}: exports.2.options: ")
    assert "Taskmaster's own tables" in bad.stderr
