"""Full-page OCR words of a page: computed once, stored with the page as JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from taskmaster.db.models import Page
from taskmaster.engines.base import Word
from taskmaster.locating import read_page_words
from taskmaster.locating.ocr_prep import layout_ocr_name
from taskmaster.pipeline.services import Services


def words_to_json(words: list[Word]) -> list[dict[str, Any]]:
    return [
        {
            "text": w.text,
            "bbox": list(w.bbox),
            "confidence": round(w.confidence, 4),
            "line": w.line,
            "block": w.block,
        }
        for w in words
    ]


def words_from_json(data: list[dict[str, Any]]) -> list[Word]:
    return [
        Word(
            text=d["text"],
            bbox=tuple(d["bbox"]),
            confidence=d["confidence"],
            line=d.get("line", 0),
            block=d.get("block", 0),
        )
        for d in data
    ]


def layout_ocr(svc: Services, apps: list[str]) -> str | None:
    """The OCR engine the layout page types of `apps` ask for (None: the default one).

    A page is read once, before its type is known, so one engine serves them all.
    """
    return layout_ocr_name(
        [pt.ocr for name in apps for pt in svc.apps.get(name).app.page_types if not pt.reference]
    )


def page_words(
    svc: Services, page: Page, apps: list[str], image: np.ndarray | None = None
) -> list[Word]:
    """The page's words, from the database if already read, else by full-page OCR."""
    if page.words is not None:
        return words_from_json(page.words)
    if image is None:
        image = svc.store.get_image(page.image)
    return read_page_words(svc.ocr(layout_ocr(svc, apps)), image)
