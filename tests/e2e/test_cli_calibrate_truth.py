"""`taskmaster calibrate APP --truth DIR` as a user runs it: the samples are read by the
real workflow in a scratch data directory and every field becomes a label."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import INTAKE, needs_shared
from tests.e2e.test_cli_process import run

pytestmark = needs_shared()


def test_truth_folder_labels_every_field_of_its_samples(home: Path, tmp_path: Path) -> None:
    truth = tmp_path / "truth"
    truth.mkdir()
    for name in ("intake_0001", "intake_0002"):
        for ext in (".png", ".json"):
            shutil.copy(INTAKE / "samples" / f"{name}{ext}", truth / f"{name}{ext}")
    proc = run("calibrate", "intake", "--fresh", "--truth", truth, "--json")
    assert proc.returncode == 0, proc.stderr
    fit = json.loads(proc.stdout)
    assert fit["label_sources"]["truth"] == fit["labels_total"], fit["label_sources"]
    assert fit["labels_total"] >= 2 * 30  # two pages, every field of the form labelled
    assert (home / "calibration" / "intake.json").is_file()


def test_truth_sample_without_ground_truth_is_named(home: Path, tmp_path: Path) -> None:
    truth = tmp_path / "truth"
    truth.mkdir()
    shutil.copy(INTAKE / "samples" / "intake_0001.png", truth / "lonely.png")
    proc = run("calibrate", "intake", "--truth", truth)
    assert proc.returncode != 0
    assert "lonely" in proc.stderr and "no ground truth" in proc.stderr


def test_a_truth_set_none_of_which_reads_as_the_app_writes_no_fit(
    home: Path, tmp_path: Path
) -> None:
    # A fit built from nothing would replace the one in use (a full disk failed every page).
    truth = tmp_path / "truth"
    truth.mkdir()
    w9 = INTAKE.parent / "w9" / "samples"
    for ext in (".png", ".json"):
        shutil.copy(w9 / f"w9_0001{ext}", truth / f"w9_0001{ext}")
    proc = run("calibrate", "intake", "--fresh", "--truth", truth)
    assert proc.returncode != 0
    assert "none of the 1 truth pages was read as 'intake'" in proc.stderr, proc.stderr
    assert not (home / "calibration" / "intake.json").exists()
