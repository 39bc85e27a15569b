"""Shared fixtures: where ../shared is, a clean data directory per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.pg import pg_cluster, pg_url  # noqa: F401 (PostgreSQL fixtures for every tier)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
INTAKE = SHARED / "forms" / "intake"
BIN = ROOT / ".venv" / "bin"


def needs_shared(path: Path = INTAKE) -> pytest.MarkDecorator:
    """Skip (with the reason) when the shared data set is absent, as on a user's machine."""
    return pytest.mark.skipif(not path.exists(), reason=f"shared data not found at {path}")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh TASKMASTER_HOME for this test (also for subprocesses)."""
    data = tmp_path / "home"
    monkeypatch.setenv("TASKMASTER_HOME", str(data))
    monkeypatch.delenv("TASKMASTER_DATABASE_URL", raising=False)
    return data
