"""A hand-printed comb character written up to its box is read whole: the ICR's cell is
cut closer to the box (`comb.HAND_INSET`) than the cell every engine sees
(`comb.CELL_INSET`), whose inset cut the side off wide zeros (read 2, 3, 5, 6 or 7 on
fresh hand pages). Real ICR and Tesseract on a drawn comb."""

from __future__ import annotations

import cv2
import numpy as np

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.barcode import ZxingBarcodeEngine
from taskmaster.engines.base import Engines, Gray
from taskmaster.engines.icr import IcrModelEngine
from taskmaster.engines.omr import InkOmrEngine
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.reading import comb, combdecode

BOXES = [(100 + 58 * i, 100, 158 + 58 * i, 172) for i in range(5)]
ZIP = FieldDef(name="zip", kind="comb", type="zip", bbox=(100, 100, 390, 172), boxes=BOXES)
# Slanted zeros of different sizes (hand print: no common top or bottom); the third is
# written wide, down into the box's lower left corner.
ZEROS = [((0, -3), (22, 11), -70), ((2, 4), (24, 12), -65), ((-6, 0), (34, 16), -60)] * 2


def _page() -> Gray:
    page = np.full((300, 500), 255, np.uint8)
    for (x0, y0, x1, y1), ((dx, dy), axes, angle) in zip(BOXES, ZEROS, strict=False):
        cv2.rectangle(page, (x0, y0), (x1 - 1, y1 - 1), 0, 3)
        centre = ((x0 + x1) // 2 + dx, (y0 + y1) // 2 + dy)
        cv2.ellipse(page, centre, axes, angle, 0, 360, 0, 4)
    return page


def test_a_zero_written_up_to_its_box_is_read_whole() -> None:
    page, icr = _page(), IcrModelEngine()
    cut = combdecode.read_cells(ZIP, comb.cells(page, ZIP)[2:3], icr, "0123456789")
    assert cut.text != "0"  # at CELL_INSET its lower left side is gone
    near = combdecode.read_cells(
        ZIP, comb.cells(page, ZIP, comb.HAND_INSET)[2:3], icr, "0123456789"
    )
    assert near.text == "0" and near.confidence >= 0.98
    engines = Engines(
        ocr=TesseractEngine(), barcode=ZxingBarcodeEngine(), omr=InkOmrEngine(), icr=icr
    )
    r = comb.read(page, ZIP, engines)
    assert r.source == "icr"
    assert r.value == "00000"


def test_the_near_cut_still_leaves_the_box_line_out() -> None:
    page = _page()
    blank = np.full((300, 500), 255, np.uint8)
    for x0, y0, x1, y1 in BOXES:
        cv2.rectangle(blank, (x0, y0), (x1 - 1, y1 - 1), 0, 3)
    # An empty box cut near holds none of its line; a written one holds its character.
    assert all((c < 128).sum() == 0 for c in comb.cells(blank, ZIP, comb.HAND_INSET))
    assert all((c < 128).sum() > 100 for c in comb.cells(page, ZIP, comb.HAND_INSET))
