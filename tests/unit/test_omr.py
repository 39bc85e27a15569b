"""OMR: checkbox states and signature presence, on drawn boxes and on real scans."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from taskmaster.engines.base import OmrEngine
from taskmaster.engines.icr.preprocess import binarise
from taskmaster.engines.omr import InkOmrEngine, find_square
from tests.conftest import INTAKE as FORM
from tests.conftest import needs_shared, read_gray


def box(offset: tuple[int, int] = (0, 0), side: int = 44, size: int = 70) -> np.ndarray:
    """A printed checkbox (3 px line) in a crop with margin, shifted by `offset`."""
    img = np.full((size, size), 255, np.uint8)
    x0 = (size - side) // 2 + offset[0]
    y0 = (size - side) // 2 + offset[1]
    cv2.rectangle(img, (x0, y0), (x0 + side - 1, y0 + side - 1), 0, 3)
    return img


@pytest.fixture(scope="module")
def omr() -> InkOmrEngine:
    return InkOmrEngine()


def test_implements_protocol(omr: InkOmrEngine) -> None:
    assert isinstance(omr, OmrEngine)
    assert omr.version()


def test_empty_box(omr: InkOmrEngine) -> None:
    m = omr.mark(box())
    assert m.state == "empty" and m.ink < 0.012 and m.confidence > 0.9


def test_square_found_despite_misregistration() -> None:
    found = find_square(binarise(box((7, -6))))
    assert found is not None
    (x0, y0, x1, y1), thick = found
    assert abs(x0 - 19) <= 1 and abs(y0 - 6) <= 1 and abs(x1 - x0 - 46) <= 2 and thick >= 3


def test_stray_dot_is_empty(omr: InkOmrEngine) -> None:
    img = box()
    cv2.circle(img, (40, 40), 2, 0, -1)
    assert omr.mark(img).state == "empty"


def test_tick(omr: InkOmrEngine) -> None:
    img = box((4, 3))
    cv2.polylines(img, [np.array([[22, 38], [32, 52], [56, 12]])], False, 0, 4)
    m = omr.mark(img)
    assert m.state == "marked" and m.kind == "tick"


def test_cross(omr: InkOmrEngine) -> None:
    img = box()
    cv2.line(img, (17, 17), (52, 52), 0, 4)
    cv2.line(img, (52, 17), (17, 52), 0, 4)
    m = omr.mark(img)
    assert m.state == "marked" and m.kind == "cross"


def test_fill(omr: InkOmrEngine) -> None:
    img = box()
    cv2.rectangle(img, (16, 16), (53, 53), 0, -1)
    m = omr.mark(img)
    assert m.state == "marked" and m.kind == "fill"


def test_crossed_out_fill_goes_to_review(omr: InkOmrEngine) -> None:
    img = box(size=110)
    cv2.rectangle(img, (36, 36), (73, 73), 0, -1)
    for k in range(0, 104, 6):  # scribbled over, far past the square, all round
        cv2.line(img, (k, 2), (108 - k, 107), 0, 4)
        cv2.line(img, (2, k), (107, 108 - k), 0, 4)
    m = omr.mark(img)
    assert m.state == "ambiguous" and m.kind == "crossed-out"


def test_faint_mark_goes_to_review(omr: InkOmrEngine) -> None:
    img = box()
    cv2.line(img, (25, 35), (44, 35), 0, 4)  # a short dash: neither stray nor a tick
    assert omr.mark(img).state == "ambiguous"


def test_signature(omr: InkOmrEngine) -> None:
    zone = np.full((110, 1200), 255, np.uint8)
    cv2.line(zone, (0, 100), (1199, 100), 0, 3)
    assert omr.signature_present(zone).text == "false"
    pts = np.array([[80 + 6 * i, 60 + int(25 * np.sin(i / 3))] for i in range(60)])
    cv2.polylines(zone, [pts], False, 0, 3)
    assert omr.signature_present(zone).text == "true"


@pytest.mark.shared
@needs_shared()
def test_real_page_checkboxes_and_signature(omr: InkOmrEngine) -> None:
    from taskmaster.imaging.registration import build_fingerprint, identify, warp_to_reference

    fields = json.loads((FORM / "fields.json").read_text())
    fp = build_fingerprint("intake-v1", read_gray(FORM / "blank.png"), fields["registration_marks"])
    page = read_gray(FORM / "samples/intake_0010.png")  # a fax
    truth = json.loads((FORM / "samples/intake_0010.json").read_text())["fields"]
    page = warp_to_reference(page, identify(page, [fp]), fp)
    for spec in fields["fields"]:
        if spec["kind"] == "signature":
            x0, y0, x1, y1 = spec["bbox"]
            assert omr.signature_present(page[y0:y1, x0:x1]).text == str(truth["signature"]).lower()
        if spec["kind"] != "checkbox":
            continue
        for opt in spec["options"]:
            x0, y0, x1, y1 = opt["bbox"]
            m = omr.mark(page[y0 - 12 : y1 + 12, x0 - 12 : x1 + 12])
            gt = truth[spec["name"]]
            want = bool(gt) if len(spec["options"]) == 1 else gt == opt["value"]
            assert m.state == ("marked" if want else "empty"), (spec["name"], opt["value"], m)


DATA = Path(__file__).resolve().parents[1] / "data" / "omr"


@pytest.mark.parametrize("name", ["fax_empty_thick_1", "fax_empty_thick_2"])
def test_faxed_empty_box_with_thick_lines_is_empty(omr: InkOmrEngine, name: str) -> None:
    # A dark fax threshold thickens the lines and merges the box's bottom line with the
    # rule under it: the line's rest inside the square was read as a tick at 0.90.
    m = omr.mark(read_gray(DATA / f"{name}.png"))
    assert m.state == "empty", m


def test_faxed_filled_box_with_thick_lines_is_marked(omr: InkOmrEngine) -> None:
    m = omr.mark(read_gray(DATA / "fax_filled_thick.png"))
    assert m.state == "marked" and m.kind == "fill", m


def test_half_filled_box_stays_ambiguous(omr: InkOmrEngine) -> None:
    img = box()
    cv2.rectangle(img, (14, 14), (55, 33), 0, -1)  # the top half filled, solid
    assert omr.mark(img).state == "ambiguous"


@pytest.mark.parametrize(("radius", "pen"), [(12, 8), (13, 6), (13, 8), (14, 6), (14, 8)])
def test_a_heavy_circle_in_a_box_whose_top_line_a_fax_split_is_marked(
    omr: InkOmrEngine, radius: int, pen: int
) -> None:
    """A fax at 100 dpi set half the top line a few rows higher (seed 404's faxed
    `drug_allergies`): the line's outer row covers half the side, and the circle's ring
    drew a smaller, fully covered square, taken for the box: the mark read empty at 0.99."""
    img = np.full((60, 60), 255, np.uint8)
    img[7:10, 5:50] = 0
    img[4:7, 26:50] = 0  # the top line's right half, three rows higher
    img[49:52, 5:52] = 0
    img[7:52, 5:8] = 0
    img[4:52, 47:50] = 0
    empty = omr.mark(img.copy())
    assert empty.state == "empty"
    cv2.circle(img, (28, 29), radius, 0, pen)
    found = find_square(binarise(img))
    assert found is not None and found[0][0] <= 6  # the printed square, not the ring
    assert omr.mark(img).state == "marked"
