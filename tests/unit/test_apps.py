"""Applications: the shipped ones validate; broken ones name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskmaster.apps.loader import load_application
from taskmaster.apps.registry import BUILTIN, AppRegistry
from taskmaster.errors import ApplicationError, NotFound

INTAKE = BUILTIN / "intake" / "app.yaml"


def test_builtin_intake_loads_with_both_pages() -> None:
    app = AppRegistry().get("intake").app
    doc = app.document_types[0]
    assert doc.name == "intake-v1"
    assert [p.type for p in doc.pages] == ["intake-v1", "intake-v1-consent"]
    names = [f.name for _, f in app.fields_of(doc)]
    assert len(names) == len(set(names)) == 39
    assert "consent_signature" in names


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = INTAKE.read_text()
    assert old in text
    folder = tmp_path / "intake"
    folder.mkdir()
    for png in INTAKE.parent.glob("*.png"):
        (folder / png.name).write_bytes(png.read_bytes())
    path = folder / "app.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_unknown_kind_names_line_and_key(tmp_path: Path) -> None:
    path = _broken(tmp_path, "kind: comb", "kind: combo")
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "combo" in t)
    with pytest.raises(ApplicationError) as err:
        load_application(path)
    assert f"{path}:{line}:" in str(err.value)
    assert "page_types.0.fields.4.kind" in str(err.value)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, "version: 1", "version: [1")
    with pytest.raises(ApplicationError, match=r"app.yaml:\d+: invalid YAML"):
        load_application(path)


def test_missing_reference_image(tmp_path: Path) -> None:
    path = _broken(tmp_path, "reference: intake-v1.png", "reference: nowhere.png")
    with pytest.raises(ApplicationError, match="nowhere.png"):
        load_application(path)


def test_unknown_page_type_in_document(tmp_path: Path) -> None:
    path = _broken(tmp_path, "- {type: intake-v1}", "- {type: intake-v9}")
    with pytest.raises(ApplicationError, match="unknown page type 'intake-v9'"):
        load_application(path)


def test_unknown_application_lists_known() -> None:
    with pytest.raises(NotFound, match="known: .*intake"):
        AppRegistry().get("nope")
