"""`apps validate` rejects zones that cannot be right, naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from taskmaster.apps.loader import load_application
from taskmaster.errors import ApplicationError

APP = """\
name: tiny
page_types:
  - name: tiny
    reference: tiny.png
    size: [400, 300]
    fields:
      - name: first
        kind: text
        bbox: [10, 10, 200, 60]
      - name: code
        kind: comb
        bbox: [10, 100, 130, 160]
        boxes: [[10, 100, 70, 160], [70, 100, 130, 160]]
      - name: sex
        kind: checkbox
        type: enum
        bbox: [10, 200, 120, 240]
        options:
          - {value: M, bbox: [10, 200, 40, 240]}
          - {value: F, bbox: [90, 200, 120, 240]}
document_types:
  - name: tiny
    pages: [{type: tiny}]
"""


def write(tmp_path: Path, text: str) -> Path:
    cv2.imwrite(str(tmp_path / "tiny.png"), np.full((300, 400), 255, np.uint8))
    path = tmp_path / "app.yaml"
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    """The last line holding `needle` (a duplicate is reported where it repeats)."""
    return max(i for i, t in enumerate(text.splitlines(), 1) if needle in t)


def test_a_sound_application_loads(tmp_path: Path) -> None:
    assert load_application(write(tmp_path, APP)).name == "tiny"


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("bbox: [10, 10, 200, 60]", "bbox: [10, 10, 420, 60]", "outside the page (400 x 300"),
        ("bbox: [10, 10, 200, 60]", "bbox: [200, 10, 10, 60]", "inverted or empty"),
        ("[70, 100, 130, 160]]", "[70, 100, 130, 100]]", "inverted or empty"),
        (
            "{value: F, bbox: [90, 200, 120, 240]}",
            "{value: F, bbox: [90, 280, 120, 320]}",
            "outside the page",
        ),
        ("size: [400, 300]", "size: [400, 301]", "does not match the reference image"),
        ("      - name: code", "      - name: first", "duplicate field name 'first'"),
    ],
)
def test_broken_zones_name_their_line(tmp_path: Path, old: str, new: str, says: str) -> None:
    text = APP.replace(old, new, 1)
    path = write(tmp_path, text)
    with pytest.raises(ApplicationError) as err:
        load_application(path)
    assert says in str(err.value)
    assert str(err.value).startswith(f"{path}:{line_of(text, new)}: ")


@pytest.mark.parametrize(
    ("after", "items", "says"),
    [
        ("bbox: [10, 10, 200, 60]", "pets", "no word list 'pets' (there are: allergens,"),
        ("bbox: [10, 100, 130, 160]", "allergens", "list_format is for text fields"),
    ],
)
def test_a_list_format_names_a_word_list_of_a_text_field(
    tmp_path: Path, after: str, items: str, says: str
) -> None:
    text = APP.replace(after, f"{after}\n        list_format: {{items: {items}}}", 1)
    path = write(tmp_path, text)
    with pytest.raises(ApplicationError) as err:
        load_application(path)
    assert says in str(err.value)
    assert str(err.value).startswith(f"{path}:{line_of(text, 'list_format')}: ")
