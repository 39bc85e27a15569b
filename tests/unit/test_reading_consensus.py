"""Typed zones voted on by Tesseract's reads; a zone read again costs no second OCR."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from taskmaster.engines.barcode import ZxingBarcodeEngine
from taskmaster.engines.base import Engines, Gray, Reading
from taskmaster.engines.omr import InkOmrEngine
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.reading.consensus import read_typed


class Counting(TesseractEngine):
    """The real Tesseract engine, counting its zone reads."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def read_zone(
        self, image: Gray, *, charset: str | None = None, multiline: bool = False
    ) -> Reading:
        self.calls += 1
        return super().read_zone(image, charset=charset, multiline=multiline)


def _zone(text: str) -> Gray:
    img = Image.new("L", (520, 60), 255)
    ImageDraw.Draw(img).text((10, 8), text, font=ImageFont.load_default(size=36), fill=0)
    return np.asarray(img, dtype=np.uint8)


def test_a_zone_read_again_is_not_ocred_again() -> None:
    ocr = Counting()
    engines = Engines(ocr=ocr, barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())
    zone = _zone("MAPLE AVE 1200")
    first = read_typed(zone, engines, charset=None)
    assert first.reading.text == "MAPLE AVE 1200" and first.agreed
    made = ocr.calls
    assert made >= 1
    again = read_typed(zone.copy(), engines, charset=None)
    assert again == first and ocr.calls == made
    # Another zone, or the same zone with another charset, is read.
    read_typed(_zone("OAK ST 45"), engines, charset=None)
    assert ocr.calls > made
    n = ocr.calls
    read_typed(zone, engines, charset="0123456789")
    assert ocr.calls > n


def test_a_vote_of_two_reads_answers_a_call_that_wants_two() -> None:
    ocr = Counting()
    engines = Engines(ocr=ocr, barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())
    for text in ("0 2", "2026"):
        zone = _zone(text)
        first = read_typed(zone, engines, charset="0123456789 ")
        made = ocr.calls
        again = read_typed(zone, engines, charset="0123456789 ", min_reads=2)
        assert again.reads >= 2
        if first.reads >= 2:
            assert again == first and ocr.calls == made
        else:  # one sure read stood alone: a second is made now
            assert ocr.calls > made
