"""A hand-printed 10-digit phone number is decoded as a North American one
(`combdecode.decode_phone`): its area code starts 2-9, has no 9 in the middle and is no
N11 service code. Fresh hand pages (seed 9517): `7736381330` read `7936381330`, its 7
taken for a 9; the exchange is left free."""

from __future__ import annotations

import cv2
import numpy as np

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.barcode import ZxingBarcodeEngine
from taskmaster.engines.base import Engines, Gray
from taskmaster.engines.icr import IcrModelEngine
from taskmaster.engines.omr import InkOmrEngine
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.reading import comb
from taskmaster.reading.combdecode import CharProbs, decode_phone


def _cells(text: str, doubt: dict[int, dict[str, float]] | None = None) -> list[CharProbs]:
    cells: list[CharProbs] = [{c: 0.99, "8" if c != "8" else "3": 0.01} for c in text]
    for i, probs in (doubt or {}).items():
        cells[i] = probs
    return cells


def test_an_area_code_with_a_9_in_the_middle_reads_its_next_likeliest_digit() -> None:
    r = decode_phone(_cells("7936381330", {1: {"9": 0.6, "7": 0.35, "1": 0.05}}))
    assert r.text == "7736381330"
    assert r.confidence < 0.9  # the 7 was the second reading: not a sure field


def test_an_area_code_starting_0_or_1_is_not_read() -> None:
    r = decode_phone(_cells("1176381330", {0: {"1": 0.7, "7": 0.3}}))
    assert r.text.startswith("7")
    # The exchange keeps what was read (0 and 1 first included).
    assert decode_phone(_cells("3120218283")).text == "3120218283"


def test_an_n11_area_code_takes_the_likelier_way_out() -> None:
    # "411": the third digit is the less sure 1, so it gives way (to its 7).
    cells = _cells("4116381330", {1: {"1": 0.9, "7": 0.1}, 2: {"1": 0.6, "7": 0.4}})
    assert decode_phone(cells).text == "4176381330"
    cells = _cells("4116381330", {1: {"1": 0.55, "0": 0.45}, 2: {"1": 0.9, "7": 0.1}})
    assert decode_phone(cells).text == "4016381330"


BOXES = [(100 + 58 * i, 100, 158 + 58 * i, 172) for i in range(10)]


def _comb(text: str) -> Gray:
    """`text` hand-drawn one digit per box, each a little higher or lower (not typed)."""
    page = np.full((300, 800), 255, np.uint8)
    for i, (ch, (x0, y0, x1, y1)) in enumerate(zip(text, BOXES, strict=False)):
        cv2.rectangle(page, (x0, y0), (x1 - 1, y1 - 1), 0, 3)
        base = y1 - 16 - 4 * (i % 3)
        cv2.putText(page, ch, (x0 + 14, base), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.5, 0, 4)
    return page


def test_a_phone_comb_read_by_the_icr_gets_a_north_american_area_code() -> None:
    engines = Engines(
        ocr=TesseractEngine(),
        barcode=ZxingBarcodeEngine(),
        omr=InkOmrEngine(),
        icr=IcrModelEngine(),
    )
    page = _comb("1125550134")
    phone = FieldDef(
        name="phone_mobile", kind="comb", type="phone", bbox=(100, 100, 680, 172), boxes=BOXES
    )
    r = comb.read(page, phone, engines)
    assert r.source == "icr"
    assert isinstance(r.value, str) and r.value[0] != "1" and r.value[3:] == "5550134"
    assert r.confidence < 0.9  # its first digit is the ICR's second choice: to a person
    # The same digits in a ZIP comb are read as written.
    zip_ = FieldDef(name="zip", kind="comb", type="zip", bbox=(100, 100, 390, 172), boxes=BOXES[:5])
    assert comb.read(page, zip_, engines).value == "11255"
