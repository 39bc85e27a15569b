"""TesseractEngine on text rendered with PIL: zones, charsets, lines, full pages, threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from taskmaster.engines import tesseract
from taskmaster.engines.base import OcrEngine
from taskmaster.engines.tesseract import TesseractEngine


def _render(lines: list[str], size: int = 40, width: int = 1000) -> np.ndarray:
    font = ImageFont.load_default(size=size)
    img = Image.new("L", (width, 30 + len(lines) * int(size * 1.8)), 255)
    draw = ImageDraw.Draw(img)
    for i, text in enumerate(lines):
        draw.text((20, 15 + i * int(size * 1.8)), text, font=font, fill=0)
    return np.asarray(img, dtype=np.uint8)


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return TesseractEngine()


def test_implements_interface(engine: TesseractEngine) -> None:
    assert isinstance(engine, OcrEngine)
    assert engine.version().startswith("5.")


def test_read_zone_single_line(engine: TesseractEngine) -> None:
    r = engine.read_zone(_render(["KOWALSKI MARIA 42"]))
    assert r.text == "KOWALSKI MARIA 42"
    assert r.confidence > 0.85
    assert len(r.char_confidences) == len(r.text)
    assert all(0.0 <= c <= 1.0 for c in r.char_confidences)


def test_read_zone_multiline(engine: TesseractEngine) -> None:
    r = engine.read_zone(_render(["METFORMIN 500 MG", "LISINOPRIL 10 MG"]), multiline=True)
    assert r.text == "METFORMIN 500 MG\nLISINOPRIL 10 MG"
    assert len(r.char_confidences) == len(r.text)


def test_charset_restricts_output(engine: TesseractEngine) -> None:
    r = engine.read_zone(_render(["2175550142"]), charset="0123456789")
    assert r.text == "2175550142"
    garbled = engine.read_zone(_render(["HELLO"]), charset="0123456789")
    assert set(garbled.text) <= set("0123456789 ")


def test_blank_zone(engine: TesseractEngine) -> None:
    r = engine.read_zone(np.full((80, 600), 255, np.uint8))
    assert r.text == "" and r.confidence == 0.0
    assert engine.read_zone(np.zeros((0, 0), np.uint8)).text == ""


def test_read_page_words_in_reading_order(engine: TesseractEngine) -> None:
    page = _render(["Patient intake form", "Riverside Community Health"], size=48)
    words = engine.read_page(page)
    assert [w.text for w in words] == [
        "Patient",
        "intake",
        "form",
        "Riverside",
        "Community",
        "Health",
    ]
    assert [w.line for w in words] == [0, 0, 0, 1, 1, 1]
    for w in words:
        x0, y0, x1, y1 = w.bbox
        assert 0 <= x0 < x1 <= page.shape[1] and 0 <= y0 < y1 <= page.shape[0]
        assert 0.5 < w.confidence <= 1.0
    assert words[0].bbox[0] < words[1].bbox[0]


def test_one_api_per_thread(engine: TesseractEngine) -> None:
    imgs = [_render([f"INVOICE {n:04d}"]) for n in range(8)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        texts = list(pool.map(lambda im: engine.read_zone(im).text, imgs))
    assert texts == [f"INVOICE {n:04d}" for n in range(8)]


def test_a_zone_read_again_is_not_read_twice(
    engine: TesseractEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    zone = _render(["PHILIP SIMON"])
    first = engine.read_zone(zone)
    assert first.text == "PHILIP SIMON"
    assert engine.read_zone(zone.copy()) is first  # the same pixels: the reading remembered
    digits = engine.read_zone(zone, charset="0123456789")
    assert digits is not first and set(digits.text) <= set("0123456789 ")
    assert engine.read_zone(zone, multiline=True) is not first
    # The memory is bounded: the oldest reading goes first.
    monkeypatch.setattr(tesseract, "_MEMO_SIZE", 2)
    others = [engine.read_zone(_render([w])) for w in ("ALPHA", "BRAVO")]
    assert [r.text for r in others] == ["ALPHA", "BRAVO"]
    again = engine.read_zone(zone)
    assert again is not first and again == first
