"""A patient-ID label whose bars cannot be decoded: its printed code is read twice, and
only two reads that give one code keep the score a fit may accept."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.barcode import ZxingBarcodeEngine
from taskmaster.engines.base import Engines, Gray
from taskmaster.engines.omr import InkOmrEngine
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.reading import barcode

PATTERN = r"^P\d{8}$"


def test_a_code_two_reads_give_and_none_contradicts_is_agreed() -> None:
    texts = ["RIVERSIDE MRN P12948279", "noise", "MRN P12948279 DOB"]
    assert barcode.printed_code(texts, PATTERN) == ("P12948279", texts[0], True)
    assert barcode.printed_code([texts[0]] * 3, PATTERN) == ("P12948279", texts[0], True)


def test_a_code_one_read_gives_or_reads_contradict_is_not_agreed() -> None:
    # Two alike and a third with another code: the two's code, not agreed.
    texts = ["MRN P12948279", "MRN P12048279", "MRN P12948279"]
    assert barcode.printed_code(texts, PATTERN) == ("P12948279", texts[0], False)
    # Two reads that differ: the earlier read's code, not agreed.
    assert barcode.printed_code(texts[1:], PATTERN) == ("P12048279", texts[1], False)
    # One read with a code; reads with none or several codes count for nothing.
    for other in ("MRN P1204", "P12048279 P12948279"):
        got = barcode.printed_code([other, texts[0], "noise"], PATTERN)
        assert got == ("P12948279", texts[0], False), other
    assert barcode.printed_code(["noise", "MRN"], PATTERN) is None


def _label_page(text: str) -> Gray:
    """A label with its code printed and no bars (as a fax that lost them)."""
    img = Image.new("L", (2550, 600), 255)
    draw = ImageDraw.Draw(img)
    draw.text((1900, 260), text, fill=0, font=ImageFont.load_default(size=40))
    return np.asarray(img, dtype=np.uint8)


def test_a_label_without_bars_read_alike_twice_scores_agreed() -> None:
    field = FieldDef(
        name="patient_id",
        kind="barcode",
        type="string",
        bbox=(1850, 150, 2380, 430),
        symbology=["code128"],
        pattern=PATTERN,
    )
    engines = Engines(ocr=TesseractEngine(), barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())
    r = barcode.read(_label_page("MRN P35706796"), field, engines)
    assert r.value == "P35706796"
    assert r.source == "ocr" and r.confidence == barcode.PRINTED_AGREED
    assert r.messages == ["code not decoded: read from the label's printed text"]
    assert barcode.PRINTED_ONE < barcode.PRINTED_AGREED
