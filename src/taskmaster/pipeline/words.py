"""Full-page OCR words of a page: computed once, stored with the page as JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from taskmaster.db.models import Page
from taskmaster.engines.base import Word
from taskmaster.extraction import read_page_words
from taskmaster.pipeline.services import Services


def words_to_json(words: list[Word]) -> list[dict[str, Any]]:
    return [{"text": w.text, "bbox": list(w.bbox), "confidence": round(w.confidence, 4),
             "line": w.line, "block": w.block} for w in words]


def words_from_json(data: list[dict[str, Any]]) -> list[Word]:
    return [Word(text=d["text"], bbox=tuple(d["bbox"]), confidence=d["confidence"],
                 line=d.get("line", 0), block=d.get("block", 0)) for d in data]


def page_words(svc: Services, page: Page, image: np.ndarray | None = None) -> list[Word]:
    """The page's words, from the database if already read, else by full-page OCR."""
    if page.words is not None:
        return words_from_json(page.words)
    if image is None:
        image = svc.store.get_image(page.image)
    return read_page_words(svc.engines.ocr, image)
