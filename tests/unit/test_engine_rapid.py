"""RapidOCR engine plugin: real models on rendered text (no mocks)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from taskmaster.engines.base import OcrEngine

pytest.importorskip("rapidocr")

from taskmaster.engines.rapid import RapidOcrEngine, lines_to_words, split_line  # noqa: E402
from taskmaster.locating import read_page_words  # noqa: E402


def _render(rows: list[tuple[int, int, str]], size: tuple[int, int]) -> np.ndarray:
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=28)
    for x, y, text in rows:
        draw.text((x, y), text, fill=0, font=font)
    return np.asarray(img, dtype=np.uint8)


@pytest.fixture(scope="module")
def engine() -> RapidOcrEngine:
    return RapidOcrEngine(threads=1)


def test_is_an_ocr_engine(engine: RapidOcrEngine) -> None:
    assert isinstance(engine, OcrEngine)
    assert engine.version().startswith("rapidocr ")


def test_read_page_words_with_boxes(engine: RapidOcrEngine) -> None:
    page = _render(
        [(40, 40, "SWEET BAKERY SDN BHD"), (40, 120, "TOTAL"), (420, 120, "12.50")], (640, 200)
    )
    words = read_page_words(engine, page)
    texts = [w.text for w in words]
    assert "BAKERY" in texts and "TOTAL" in texts and "12.50" in texts
    amount = next(w for w in words if w.text == "12.50")
    x0, y0, x1, y1 = amount.bbox
    assert 400 <= x0 < x1 <= 560 and 100 <= y0 < y1 <= 170  # where it was drawn
    assert 0.5 <= amount.confidence <= 1.0
    bakery = next(w for w in words if w.text == "BAKERY")
    sweet = next(w for w in words if w.text == "SWEET")
    assert sweet.bbox[2] <= bakery.bbox[0] + 4  # split into words, in order


def test_read_zone_one_line_and_charset(engine: RapidOcrEngine) -> None:
    crop = _render([(10, 10, "25/12/2018")], (260, 56))
    r = engine.read_zone(crop)
    assert r.text == "25/12/2018" and r.confidence > 0.8 and r.engine == "rapid"
    digits = engine.read_zone(crop, charset="0123456789")
    assert digits.text == "25122018" and digits.confidence <= 0.5  # '/' dropped: doubtful


def test_blank_zone_is_empty(engine: RapidOcrEngine) -> None:
    r = engine.read_zone(np.full((60, 300), 255, np.uint8))
    assert r.text == "" and r.confidence == 0.0
    assert engine.read_page(np.full((100, 100), 255, np.uint8)) == []


def test_proportional_split_when_no_word_boxes() -> None:
    line = {"box": [[0, 10], [100, 10], [100, 30], [0, 30]], "text": "AB CDEFGH", "score": 0.9}
    words = lines_to_words([line])
    assert [w.text for w in words] == ["AB", "CDEFGH"]
    assert words[0].bbox == (0, 10, 22, 30) and words[1].bbox[0] == 33
    assert split_line("", (0, 0, 10, 10), 1.0) == []
