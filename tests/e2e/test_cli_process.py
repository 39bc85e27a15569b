"""`taskmaster process` as a user runs it: a subprocess, JSON on stdout, errors on stderr."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN, BLANK, INTAKE, needs_shared


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "taskmaster"), *map(str, args)], capture_output=True, text=True, timeout=300
    )


def test_bad_files_get_one_line_each_and_exit_2(home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    text = tmp_path / "notes.tif"
    text.write_text("this is not a TIFF\n" * 20)
    pdf = tmp_path / "cut.pdf"
    from PIL import Image

    Image.open(BLANK).convert("L").resize((612, 792)).save(pdf, "PDF")
    pdf.write_bytes(pdf.read_bytes()[: pdf.stat().st_size // 2])
    good = tmp_path / "blank.png"
    shutil.copy(BLANK, good)
    proc = run("process", "--app", "intake", "--json", empty, text, pdf, good)
    assert proc.returncode == 2, proc.stderr
    results = json.loads(proc.stdout)
    assert [d["pages"][0]["source"] for d in results] == ["blank.png#1"]
    lines = proc.stderr.strip().splitlines()
    for name in ("empty.pdf", "notes.tif", "cut.pdf"):
        assert any(line.startswith(f"{name}:") for line in lines), proc.stderr
    assert "blank.png:" not in proc.stderr


def test_blank_form_is_identified_with_every_field(home: Path) -> None:
    proc = run("process", "--app", "intake", "--json", BLANK)
    assert proc.returncode == 0, proc.stderr
    [doc] = json.loads(proc.stdout)
    assert doc["type"] == "intake-v1"
    assert doc["pages"] == [{"number": 1, "source": "intake-v1.png#1", "type": "intake-v1"}]
    assert len(doc["fields"]) == 39
    assert doc["fields"]["last_name"]["value"] is None
    assert doc["fields"]["last_name"]["status"] in ("missing", "needs_review")
    assert doc["status"] == "needs_review"


def test_missing_file_is_reported(home: Path, tmp_path: Path) -> None:
    proc = run("process", "--json", tmp_path / "nope.png")
    assert proc.returncode == 2
    assert json.loads(proc.stdout) == []
    assert "nope.png" in proc.stderr


@needs_shared()
def test_typed_sample_round_trip(home: Path) -> None:
    truth = json.loads((INTAKE / "samples/intake_0009.json").read_text())
    proc = run("process", "--app", "intake", "--json", INTAKE / "samples/intake_0009.png")
    assert proc.returncode == 0, proc.stderr
    [doc] = json.loads(proc.stdout)
    assert doc["type"] == "intake-v1"
    ok = [n for n, f in doc["fields"].items() if f["status"] == "ok"]
    right = [n for n in ok if _same(doc["fields"][n]["value"], truth["fields"].get(n))]
    assert len(ok) >= 25
    assert right == ok


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).lower() == " ".join(b.split()).lower()
    return a == b


@needs_shared()
@pytest.mark.parametrize("name", ["fax2p_0001.tif", "scan2p_0002.pdf"])
def test_two_page_files_make_one_document(home: Path, name: str) -> None:
    proc = run("process", "--app", "intake", "--json", INTAKE / "samples_more" / name)
    assert proc.returncode == 0, proc.stderr
    [doc] = json.loads(proc.stdout)
    assert [p["type"] for p in doc["pages"]] == ["intake-v1", "intake-v1-consent"]
    assert [p["source"] for p in doc["pages"]] == [f"{name}#1", f"{name}#2"]
    assert doc["fields"]["consent_patient_id"]["page"] == 2
