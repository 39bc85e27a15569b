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


def test_the_code_every_read_gives_is_agreed() -> None:
    texts = ["RIVERSIDE MRN P12948279", "MRN P12948279 DOB"]
    assert barcode.printed_code(texts, PATTERN) == ("P12948279", texts[1], True)


def test_reads_that_differ_keep_the_last_and_are_not_agreed() -> None:
    texts = ["MRN P12048279", "MRN P12948279"]
    assert barcode.printed_code(texts, PATTERN) == ("P12948279", texts[1], False)
    # One read finds no code (or two): the other's, not agreed.
    for first in ("MRN P1204", "P12048279 P12948279"):
        assert barcode.printed_code([first, texts[1]], PATTERN) == ("P12948279", texts[1], False)
    assert barcode.printed_code(["P12948279", "noise"], PATTERN) == (
        "P12948279",
        "P12948279",
        False,
    )
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
