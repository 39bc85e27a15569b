"""Make a page readable for full-page OCR, then put the words back in page pixels.

Receipts arrive as small, soft phone or fax images (SROIE: ~460 px wide at 150 dpi, text
12-15 px high). Tesseract's LSTM reads such text badly; upscaled to ~1400 px wide with a
slight blur (which smooths the JPEG blocks the upscale would otherwise magnify) it reads
clearly better. Measured on 60 SROIE receipts (bench/receipts.py --ocr-variants): word
recall 0.64 -> 0.69 and dates found 41 -> 48. Full pages that are already large are
left alone, so ordinary 300 dpi scans read exactly as plain Tesseract reads them.
"""

from __future__ import annotations

import cv2
import numpy as np

from taskmaster.engines.base import Gray, OcrEngine, Word

MIN_WIDTH = 1400  # pages narrower than this are upscaled to it
MAX_SCALE = 4.0  # past x4 the upscale only adds blur and time
RETRY_BELOW = 0.75  # median word confidence under which a page is read a second time
PREP_VERSION = 2  # bump when the preparation changes (benchmarks cache on it)


def prepare_page(image: Gray) -> tuple[Gray, float]:
    """The image to OCR and the factor it was scaled by (1.0 = untouched)."""
    width = image.shape[1]
    if width >= MIN_WIDTH or width == 0:
        return image, 1.0
    scale = min(MAX_SCALE, MIN_WIDTH / width)
    big = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return np.asarray(cv2.GaussianBlur(big, (3, 3), 0), dtype=np.uint8), scale


def scale_words(words: list[Word], scale: float) -> list[Word]:
    """Words read on an image scaled by `scale`, with boxes back in original pixels."""
    if scale == 1.0:
        return words
    out = []
    for w in words:
        x0, y0, x1, y1 = w.bbox
        box = (int(x0 / scale), int(y0 / scale), int(round(x1 / scale)), int(round(y1 / scale)))
        out.append(Word(text=w.text, bbox=box, confidence=w.confidence, line=w.line, block=w.block))
    return out


def _evidence(words: list[Word]) -> float:
    """How much was read with some certainty: the summed confidence of likely words."""
    return sum(w.confidence for w in words if w.confidence >= 0.5)


def read_page_words(ocr: OcrEngine, image: Gray) -> list[Word]:
    """Full-page OCR of `image` through `ocr`, prepared for small text, boxes in page pixels.

    Faint or dot-matrix print (dots Tesseract does not join into strokes) reads as
    noise; such a page, recognised by a low median word confidence, is read again with
    its ink thickened (grey erosion) and the reading with more confident text is kept.
    Engines that read small text well as it is (`reads_small_text = True`, RapidOCR)
    get the page untouched.
    """
    if getattr(ocr, "reads_small_text", False):
        return ocr.read_page(image)
    prepared, scale = prepare_page(image)
    words = ocr.read_page(prepared)
    confs = sorted(w.confidence for w in words)
    if not confs or confs[len(confs) // 2] < RETRY_BELOW:
        thick = np.asarray(cv2.erode(prepared, np.ones((3, 3), np.uint8)), dtype=np.uint8)
        again = ocr.read_page(thick)
        if _evidence(again) > _evidence(words):
            words = again
    return scale_words(words, scale)


def layout_ocr_name(ocr_names: list[str | None]) -> str | None:
    """The OCR engine for an application's full-page reads, from its layout page types'
    `ocr:` keys (`ocr_names`, one per layout page type): the engine they all name, else
    None (the default engine).

    A page's full-page OCR runs before its type is known (classification reads it) and
    is stored with the page, so one engine has to serve all of an application's layout
    pages; when the page types disagree, the default keeps classification comparable.
    """
    named = set(ocr_names)
    return named.pop() if len(named) == 1 else None
