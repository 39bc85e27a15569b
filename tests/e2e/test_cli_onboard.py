"""`taskmaster apps new --from` as a new user runs it: a blank form in, an application
out that validates and reads filled copies at once, with no hand edits."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BIN, SHARED, needs_shared
from tests.fillable import blank_pdf, filled_pdf

W9 = SHARED / "forms" / "w9"
SCORE = SHARED / "tools" / "score_form.py"
# typed copies, as the acceptance check reads them: fax, phone photo, clean (the whole
# set, hand print included, is bench/onboard_w9.py's)
W9_SAMPLES = ["w9_0001.png", "w9_0005.jpg", "w9_0012.png"]


def run(*args: str | Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "taskmaster"), *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


def test_fillable_form_in_minutes(home: Path, tmp_path: Path) -> None:
    blank = blank_pdf(tmp_path / "application form.pdf")
    made = run("apps", "new", "loan", "--from", blank, "--title", "Loan application", "--json")
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert summary["kinds"] == {"text": 3, "comb": 6, "checkbox": 3, "signature": 1}
    assert summary["sources"] == ["acroform"]
    assert (home / "apps" / "loan" / "loan.png").is_file()
    assert run("apps", "validate", "loan").returncode == 0

    values = {
        "f1_1[0]": "GARCIA",
        "Text2": "1200 OAK STREET",
        "f1_3[0]": "MARIA",
        "Text7[0]": "04",
        "Text8[0]": "07",
        "Text9[0]": "1985",
        "RadioButton1": "F",
        "CheckBox3": "Post",
        "c1_1[0]": "Yes",
        "f1_9[0]": "5551234567",
        "ZipCode": "94110",
    }
    copy = filled_pdf(tmp_path / "filled.pdf", values)
    proc = run("process", copy, "--app", "loan", "--json")
    assert proc.returncode == 0, proc.stderr
    [doc] = json.loads(proc.stdout)
    assert doc["type"] == "loan" and doc["pages"][0]["source"] == "filled.pdf#1"
    got = {name: f["value"] for name, f in doc["fields"].items()}
    assert got == {
        "last_name": "GARCIA",
        "street_address": "1200 OAK STREET",
        "first_name": "MARIA",
        "date_of_birth_mm": "04",
        "date_of_birth_dd": "07",
        "date_of_birth_yyyy": "1985",
        "sex": "F",
        "contact_by": "Post",
        "i_agree_to_the_terms": True,
        "daytime_phone": "5551234567",
        "zip_code": "94110",
        "e_mail_address": None,
        "sig1": False,
    }
    assert all(f["bbox"] and len(f["bbox"]) == 4 for f in doc["fields"].values())


def test_bad_requests_say_what_is_wrong(home: Path, tmp_path: Path) -> None:
    blank = blank_pdf(tmp_path / "form.pdf")
    bad_name = run("apps", "new", "Loan Form", "--from", blank)
    assert bad_name.returncode == 2 and "lower case" in bad_name.stderr
    note = tmp_path / "form.txt"
    note.write_text("not a form\n")
    text = run("apps", "new", "notes", "--from", note)
    assert text.returncode == 2 and "unsupported format: text file" in text.stderr
    assert not (home / "apps" / "notes").exists()
    (home / "apps" / "loan").mkdir(parents=True)
    (home / "apps" / "loan" / "app.yaml").write_text("name: loan\n")
    taken = run("apps", "new", "loan", "--from", blank)
    assert taken.returncode == 5 and "already exists" in taken.stderr
    assert (home / "apps" / "loan" / "app.yaml").read_text() == "name: loan\n"


def _score(home: Path, tmp_path: Path, app: str, floors: list[str]) -> str:
    truth = tmp_path / f"truth-{app}"
    truth.mkdir()
    shutil.copy(W9 / "zones.json", truth)
    for name in W9_SAMPLES:
        shutil.copy(W9 / "samples" / (Path(name).stem + ".json"), truth)
    proc = run("process", *[W9 / "samples" / n for n in W9_SAMPLES], "--app", app, "--json")
    assert proc.returncode == 0, proc.stderr
    result = tmp_path / f"{app}.json"
    result.write_text(proc.stdout)
    score = subprocess.run(
        [sys.executable, str(SCORE), str(result), str(truth), *[f"--min={f}" for f in floors]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert score.returncode == 0, score.stdout
    return score.stdout


@needs_shared(W9)
@pytest.mark.parametrize(
    ("source", "floors"),
    [
        (
            "fw9_p1.pdf",
            [
                "zones=0.99",
                "checkbox=0.97",
                "comb=0.95",
                "text=0.9",
                "identified=1",
                "ok_error=0.03",
            ],
        ),
        (
            "blank.png",
            [
                "zones=0.9",
                "checkbox=0.97",
                "comb=0.95",
                "text=0.8",
                "identified=1",
                "ok_error=0.03",
            ],
        ),
    ],
)
def test_w9_onboarded_and_read(home: Path, tmp_path: Path, source: str, floors: list[str]) -> None:
    """The W-9 (a form nobody here designed) from its fillable PDF and from its picture."""
    made = run("apps", "new", "w9", "--from", W9 / source)
    assert made.returncode == 0, made.stderr
    assert run("apps", "validate", "w9").returncode == 0
    print(_score(home, tmp_path, "w9", floors))
