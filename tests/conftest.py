"""Shared fixtures: where ../shared is, a clean data directory per test."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from tests.pg import pg_cluster, pg_url  # noqa: F401 (PostgreSQL fixtures for every tier)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
INTAKE = SHARED / "forms" / "intake"
BIN = ROOT / ".venv" / "bin"
# The customer's blank forms, shipped as the intake application's reference pages.
BUILTIN_INTAKE = ROOT / "src" / "taskmaster" / "apps" / "builtin" / "intake"
BLANK = BUILTIN_INTAKE / "intake-v1.png"


def blank_form(name: str = "intake-v1.png") -> np.ndarray:
    """A shipped reference page of the intake application, greyscale."""
    img = cv2.imread(str(BUILTIN_INTAKE / name), cv2.IMREAD_GRAYSCALE)
    assert img is not None, f"{name} missing from {BUILTIN_INTAKE}"
    return np.asarray(img, dtype=np.uint8)


def read_gray(path: Path) -> npt.NDArray[np.uint8]:
    """An image file as greyscale pixels (its absence fails the test, naming it)."""
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert img is not None, f"cannot read {path}"
    return np.asarray(img, dtype=np.uint8)


def needs_shared(path: Path = INTAKE) -> pytest.MarkDecorator:
    """Skip (with the reason) when the shared data set is absent, as on a user's machine."""
    return pytest.mark.skipif(not path.exists(), reason=f"shared data not found at {path}")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh TASKMASTER_HOME for this test (also for subprocesses)."""
    data = tmp_path / "home"
    monkeypatch.setenv("TASKMASTER_HOME", str(data))
    # No QA sample unless a test asks for one: which documents it picks depends on
    # their random ids (a test expecting `done` would fail now and then).
    monkeypatch.setenv("TASKMASTER_QA_SHARE", "0")
    monkeypatch.delenv("TASKMASTER_DATABASE_URL", raising=False)
    return data
