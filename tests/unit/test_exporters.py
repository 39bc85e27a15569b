"""Exporters deliver each document once, whatever the number of retries."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import create_engine, text

from taskmaster.exporters import ExportTarget
from taskmaster.exporters.csv_export import CsvExporter
from taskmaster.exporters.json_export import JsonExporter
from taskmaster.exporters.sql_export import SqlExporter


def _result(doc: str, last: str) -> dict[str, object]:
    return {
        "document": doc,
        "batch": "b-1",
        "app": "intake",
        "type": "intake-v1",
        "status": "done",
        "pages": [],
        "fields": {
            "last_name": {"value": last},
            "smoker": {"value": False},
            "group_number": {"value": None},
        },
    }


def test_csv_is_exactly_once_and_defuses_formulas(tmp_path: Path) -> None:
    target = ExportTarget(root=tmp_path, database_url="sqlite://")
    exp = CsvExporter()
    exp.export(_result("d-1", "KOWALSKI"), target)
    exp.export(_result("d-1", "KOWALSKI"), target)  # a retry
    exp.export(_result("d-2", '=HYPERLINK("x")'), target)
    rows = list(csv.DictReader((tmp_path / "intake-v1.csv").read_text().splitlines()))
    assert [r["document"] for r in rows] == ["d-1", "d-2"]
    assert rows[0]["smoker"] == "false"
    assert rows[1]["last_name"].startswith("'=")


def test_sql_upserts_by_document(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'out.db'}"
    target = ExportTarget(root=tmp_path, database_url=url, options={"table": "intake_v1"})
    SqlExporter().export(_result("d-1", "A"), target)
    SqlExporter().export(_result("d-1", "B"), target)
    with create_engine(url).connect() as conn:
        rows = conn.execute(text("select document, last_name, smoker from intake_v1")).all()
    assert rows == [("d-1", "B", "false")]


def test_json_one_file_per_document(tmp_path: Path) -> None:
    target = ExportTarget(root=tmp_path, database_url="sqlite://")
    JsonExporter().export(_result("d-9", "A"), target)
    assert json.loads((tmp_path / "d-9.json").read_text())["document"] == "d-9"


def test_a_correction_after_export_rewrites_the_documents_csv_row(tmp_path: Path) -> None:
    target = ExportTarget(root=tmp_path, database_url="sqlite://")
    exp = CsvExporter()
    exp.export({**_result("d-1", "KOWALSKY"), "version": 1}, target)
    exp.export({**_result("d-2", "NGUYEN"), "version": 1}, target)
    fixed = {**_result("d-1", "KOWALSKI\nMARIA"), "version": 2}
    exp.export(fixed, target)
    exp.export(fixed, target)  # a retried redelivery changes nothing
    with (tmp_path / "intake-v1.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["document"], r["last_name"]) for r in rows] == [
        ("d-1", "KOWALSKI\nMARIA"),
        ("d-2", "NGUYEN"),
    ]


def test_json_is_replaced_by_a_correction(tmp_path: Path) -> None:
    target = ExportTarget(root=tmp_path, database_url="sqlite://")
    JsonExporter().export({**_result("d-9", "A"), "version": 1}, target)
    JsonExporter().export({**_result("d-9", "B"), "version": 2}, target)
    out = json.loads((tmp_path / "d-9.json").read_text())
    assert (out["version"], out["fields"]["last_name"]["value"]) == (2, "B")
