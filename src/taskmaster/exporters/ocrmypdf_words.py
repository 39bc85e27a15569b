"""An OCRmyPDF plugin whose "OCR engine" hands OCRmyPDF the words Taskmaster already read.

OCRmyPDF then does what it is good at — the Unicode text layer (its fpdf2 renderer with
embedded fonts and ToUnicode maps), PDF/A conversion and metadata — without a second OCR
pass. OCRmyPDF loads this module by name (`plugins=[__name__]`); the words travel in a
JSON file named by its `--taskmaster-words` option, because OCRmyPDF may call the engine
in another thread or process:

    [{"width": 2550, "height": 3300, "words": [{"text": ..., "bbox": [x0, y0, x1, y1],
      "line": 0, "block": 0}, ...]}, ...]      # one entry per page, boxes in its pixels
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from itertools import groupby
from pathlib import Path
from typing import Any

import ocrmypdf
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOptions
from ocrmypdf.hocrtransform import BoundingBox, OcrClass, OcrElement
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence
from PIL import Image
from pydantic import BaseModel

ENGINE = "taskmaster"
TESSERACT_PLUGIN = "ocrmypdf.builtin_plugins.tesseract_ocr"


class WordsOptions(BaseModel):
    """This plugin's OCRmyPDF options (namespace `taskmaster`)."""

    words: str | None = None


@ocrmypdf.hookimpl
def initialize(plugin_manager: Any) -> None:
    # Tesseract is not used; its plugin would insist on the tesseract program.
    plugin_manager.set_blocked(TESSERACT_PLUGIN)


@ocrmypdf.hookimpl
def register_options() -> dict[str, type[BaseModel]]:
    # OCRmyPDF's option checks read the `tesseract` namespace whatever the engine.
    return {ENGINE: WordsOptions, "tesseract": TesseractOptions}


@ocrmypdf.hookimpl
def add_options(parser: ArgumentParser) -> None:
    parser.add_argument("--taskmaster-words", help="JSON file of Taskmaster's words")


def _box(bbox: list[float], sx: float, sy: float) -> BoundingBox:
    x0, y0, x1, y1 = bbox
    return BoundingBox(left=x0 * sx, top=y0 * sy, right=x1 * sx, bottom=y1 * sy)


def page_element(
    page: dict[str, Any], width: int, height: int, dpi: float, number: int
) -> OcrElement:
    """One page of words as OCRmyPDF's OCR tree, scaled to the image it rasterised."""
    sx, sy = width / page["width"], height / page["height"]
    root = OcrElement(
        ocr_class=OcrClass.PAGE, bbox=BoundingBox(0, 0, width, height), dpi=dpi, page_number=number
    )
    words = [
        w
        for w in page["words"]
        if w["text"].strip() and w["bbox"][2] > w["bbox"][0] and w["bbox"][3] > w["bbox"][1]
    ]
    for _, group in groupby(words, key=lambda w: (w.get("block", 0), w.get("line", 0))):
        line_words = list(group)
        bbox = [
            min(w["bbox"][0] for w in line_words),
            min(w["bbox"][1] for w in line_words),
            max(w["bbox"][2] for w in line_words),
            max(w["bbox"][3] for w in line_words),
        ]
        line = OcrElement(ocr_class=OcrClass.LINE, bbox=_box(bbox, sx, sy))
        line.children = [
            OcrElement(
                ocr_class=OcrClass.WORD, text=w["text"].strip(), bbox=_box(w["bbox"], sx, sy)
            )
            for w in line_words
        ]
        root.children.append(line)
    return root


class TaskmasterWords(OcrEngine):
    """Answers OCRmyPDF's OCR requests with the words stored for each page."""

    @staticmethod
    def version() -> str:
        return "1"

    @staticmethod
    def creator_tag(options: Any) -> str:
        return "Taskmaster"

    def __str__(self) -> str:
        return "Taskmaster's recognised words"

    @staticmethod
    def languages(options: Any) -> set[str]:
        return {"eng"}

    @staticmethod
    def get_orientation(input_file: Path, options: Any) -> OrientationConfidence:
        return OrientationConfidence(angle=0, confidence=0.0)  # pages are upright already

    @staticmethod
    def get_deskew(input_file: Path, options: Any) -> float:
        return 0.0

    @staticmethod
    def supports_generate_ocr() -> bool:
        return True

    @staticmethod
    def generate_ocr(
        input_file: Path, options: Any, page_number: int = 0
    ) -> tuple[OcrElement, str]:
        pages = json.loads(Path(options.taskmaster.words).read_text(encoding="utf-8"))
        with Image.open(input_file) as img:
            width, height = img.size
            dpi = float(img.info.get("dpi", (300, 300))[0])
        page = page_element(pages[page_number], width, height, dpi, page_number)
        text = "\n".join(" ".join(w.text for w in line.children) for line in page.children)
        return page, text

    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options: Any) -> None:
        raise NotImplementedError("Taskmaster's words come through generate_ocr")

    @staticmethod
    def generate_pdf(input_file: Path, output_pdf: Path, output_text: Path, options: Any) -> None:
        raise NotImplementedError("Taskmaster's words come through generate_ocr")


@ocrmypdf.hookimpl(tryfirst=True)
def get_ocr_engine(options: Any) -> OcrEngine | None:
    return TaskmasterWords() if getattr(options, "ocr_engine", None) == ENGINE else None
