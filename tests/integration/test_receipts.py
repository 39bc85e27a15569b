"""Receipts with the real OCR engines: classification, fields and the searchable PDF.

Receipts are read with RapidOCR (the receipts page type's `ocr: rapid`); the intake
form is checked with both engines, since a mixed batch's unknown pages may be read by
either before their type is known.

Needs ../shared (SROIE receipts, the intake samples); skips with a reason without it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from taskmaster.apps.loader import load_application
from taskmaster.apps.schema import PageType
from taskmaster.engines.base import OcrEngine, Word
from taskmaster.engines.rapid import RapidOcrEngine
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.exporters.pdf_export import write_searchable_pdf
from taskmaster.locating import classify_layout_page, extract_fields, read_page_words

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
SROIE = SHARED / "datasets" / "sroie"
INTAKE = SHARED / "forms" / "intake" / "samples"
APP = ROOT / "src" / "taskmaster" / "apps" / "builtin" / "receipts" / "app.yaml"

pytestmark = pytest.mark.skipif(
    not SROIE.exists() or not INTAKE.exists(), reason=f"shared data not found at {SHARED}"
)


def gray(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"))


@pytest.fixture(scope="module")
def engine() -> RapidOcrEngine:
    pytest.importorskip("rapidocr")
    return RapidOcrEngine()


@pytest.fixture(scope="module")
def receipt_type() -> PageType:
    return load_application(APP).page_type("receipt")


@pytest.fixture(scope="module")
def receipt(engine: RapidOcrEngine) -> tuple[np.ndarray, list[Word]]:
    image = gray(SROIE / "img" / "000.jpg")
    return image, read_page_words(engine, image)


def test_receipt_is_classified_and_read(
    receipt: tuple[np.ndarray, list[Word]], receipt_type: PageType
) -> None:
    image, words = receipt
    assert classify_layout_page(words, receipt_type) >= 0.8
    found = extract_fields(words, (image.shape[1], image.shape[0]), receipt_type)
    assert found["date"].value == "25/12/2018"
    assert found["total"].value == "9.00"
    x0, y0, x1, y1 = found["total"].bbox or (0, 0, 0, 0)
    assert 0 <= x0 < x1 <= image.shape[1] and 0 <= y0 < y1 <= image.shape[0]


@pytest.mark.parametrize("which", ["rapid", "tesseract"])
def test_intake_form_is_not_a_receipt(
    which: str, engine: RapidOcrEngine, receipt_type: PageType
) -> None:
    ocr: OcrEngine = engine if which == "rapid" else TesseractEngine()
    words = read_page_words(ocr, gray(INTAKE / "intake_0001.png"))
    assert len(words) > 50
    assert classify_layout_page(words, receipt_type) < 0.5


def test_searchable_pdf_carries_the_words(
    receipt: tuple[np.ndarray, list[Word]], tmp_path: Path
) -> None:
    image, words = receipt
    out = tmp_path / "receipt.pdf"
    write_searchable_pdf([(image, 150, words), (image, 150, [])], out)
    pdf = pdfium.PdfDocument(out)
    assert len(pdf) == 2
    width_pt, height_pt = pdf[0].get_size()
    assert width_pt == pytest.approx(image.shape[1] * 72 / 150, abs=0.5)
    text = pdf[0].get_textpage().get_text_bounded()
    for w in ("CASH", "JOHOR", "9.00"):
        assert w in text.upper()
    assert pdf[1].get_textpage().get_text_bounded().strip() == ""
    # The text is where the word is: search for it and compare with its OCR box.
    found = pdf[0].get_textpage().search("JOHOR", match_case=False).get_next()
    assert found is not None
