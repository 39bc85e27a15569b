"""An application cannot aim its exports outside the exports folder or at Taskmaster's
own tables, nor read a reference image from elsewhere: `load_application` (and so
`apps validate`) refuses it, naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskmaster.apps.loader import load_application
from taskmaster.apps.registry import BUILTIN
from taskmaster.errors import ApplicationError

INTAKE = BUILTIN / "intake" / "app.yaml"


def _app(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The intake application with `old` replaced; and the line `new` starts on."""
    text = INTAKE.read_text()
    assert old in text
    folder = tmp_path / "intake"
    folder.mkdir(exist_ok=True)
    for png in INTAKE.parent.glob("*.png"):
        (folder / png.name).write_bytes(png.read_bytes())
    path = folder / "app.yaml"
    text = text.replace(old, new, 1)
    path.write_text(text)
    first = new.strip().splitlines()[0]
    return path, next(i for i, t in enumerate(text.splitlines(), 1) if first in t)


EXPORTS = "  - {kind: json}"
ESCAPES = [
    ("  - {kind: csv, options: {path: ../../../etc/cron.d/x}}", "exports.0.options"),
    ("  - {kind: csv, options: {dir: /var/lib/taskmaster}}", "exports.0.options"),
    ("  - {kind: csv, options: {filename: 'a\\\\..\\\\..\\\\b.csv'}}", "exports.0.options"),
    ("  - {kind: json, options: {out_dir: 'sub/../../x'}}", "exports.0.options"),
    ("  - {kind: sql, options: {table: users}}", "exports.0.options"),
    ("  - {kind: sql, options: {table: api_tokens}}", "exports.0.options"),
    ("  - {kind: sql, options: {table: procrastinate_jobs}}", "exports.0.options"),
    ("  - {kind: sql, options: {table: 'x; DROP TABLE users'}}", "exports.0.options"),
]


@pytest.mark.parametrize(("export", "key"), ESCAPES)
def test_export_escapes_are_refused_with_file_line_and_key(
    tmp_path: Path, export: str, key: str
) -> None:
    path, line = _app(tmp_path, EXPORTS, export)
    with pytest.raises(ApplicationError) as err:
        load_application(path)
    assert str(err.value).startswith(f"{path}:{line}: {key}: "), str(err.value)


@pytest.mark.parametrize("name", ["users", "Batches", "audit_log", "../evil", "a/b"])
def test_document_type_names_are_plain_and_not_our_tables(tmp_path: Path, name: str) -> None:
    path, line = _app(
        tmp_path, "  - name: intake-v1\n    pages:", f"  - name: '{name}'\n    pages:"
    )
    with pytest.raises(ApplicationError) as err:
        load_application(path)
    assert f"{path}:{line}: document_types.0.name: " in str(err.value)


def test_reference_images_stay_next_to_the_application(tmp_path: Path) -> None:
    path, line = _app(tmp_path, "reference: intake-v1.png", "reference: ../../secret.png")
    with pytest.raises(ApplicationError, match="relative path inside its folder"):
        load_application(path)


def test_contained_exports_still_load(tmp_path: Path) -> None:
    path, _ = _app(
        tmp_path,
        EXPORTS,
        "  - {kind: sql, options: {table: intake_rows}}\n"
        "  - {kind: csv, options: {dir: csv/daily}}",
    )
    app = load_application(path)
    assert [e.kind for e in app.exports] == ["sql", "csv", "csv", "sql"]
