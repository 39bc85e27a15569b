"""Machine-print OCR with RapidOCR (PP-OCRv6 small detector + recogniser on onnxruntime).

The `rapidocr` wheel bundles its ONNX models (~31 MB) and depends on
opencv-python-headless, so it runs offline and never downloads a model as long as the
bundled PP-OCRv6 det/rec pair is used (any other model name would be fetched at first
use: we never ask for one). On SROIE receipts (150 dpi thermal and dot-matrix prints)
it reads words far better than Tesseract (bench/ocr_words.py, docs/receipts.md).

The angle classifier is off: on upright pages it flips long lines upside down and
garbles them (CER 5-8 % in /work/shared/ENGINES.md), and pages reach OCR deskewed.

RapidOCR detects text *lines*; with `return_word_box` it also splits each line into
words at the recogniser's character positions (CTC frames), which `read_page` uses.
A line it cannot split that way is split proportionally to character positions.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from importlib.metadata import version as _pkg_version
from typing import Any

import numpy as np

from taskmaster.engines.base import BBox, Gray, Reading, Word
from taskmaster.errors import EngineError
from taskmaster.hookspecs import hookimpl

_MIN_INK_PIXELS = 12
# A line the recogniser is less sure of than this is noise (a logo, a stamp); RapidOCR's
# own default.
TEXT_SCORE = 0.5


def _quad_box(quad: Any) -> BBox:
    pts = np.asarray(quad, dtype=float).reshape(-1, 2)
    return (
        int(np.floor(pts[:, 0].min())),
        int(np.floor(pts[:, 1].min())),
        int(np.ceil(pts[:, 0].max())),
        int(np.ceil(pts[:, 1].max())),
    )


def _ascii_forms(text: str) -> str:
    """Fullwidth punctuation and letters as their ASCII forms (NFKC): the recogniser is
    also a CJK one and reads a Latin receipt's '(' or ':' as '（' or '：' at times."""
    return unicodedata.normalize("NFKC", text)


def split_line(text: str, box: BBox, score: float) -> list[tuple[str, BBox, float]]:
    """Words of a line read as one string, each given the share of the line's width its
    characters take (monospace assumption: good enough to place a word on the row)."""
    x0, y0, x1, y1 = box
    n = max(1, len(text))
    out: list[tuple[str, BBox, float]] = []
    pos = 0
    for tok in text.split(" "):
        if tok:
            a = x0 + (x1 - x0) * pos / n
            b = x0 + (x1 - x0) * (pos + len(tok)) / n
            out.append((tok, (int(a), y0, int(round(b)), y1), score))
        pos += len(tok) + 1
    return out


def line_words(line: dict[str, Any]) -> list[tuple[str, BBox, float]]:
    """One detected line (`{"box", "text", "score", "words"}`) as words with boxes.

    The recogniser's own word split is used when its words spell the line's text;
    otherwise the line is split proportionally.
    """
    text = _ascii_forms(str(line["text"])).strip()
    box = _quad_box(line["box"])
    score = float(line["score"])
    words = [
        (_ascii_forms(str(w[0])).strip(), _quad_box(w[2]), float(w[1]))
        for w in line.get("words", [])
        if str(w[0]).strip()
    ]
    if words and " ".join(w[0] for w in words).split() == text.split():
        # A word's box from the CTC frames spans only its glyph centres; give it the
        # line's full height so rows group the same way as Tesseract's words.
        return [(t, (b[0], min(b[1], box[1]), b[2], max(b[3], box[3])), c) for t, b, c in words]
    return split_line(text, box, score)


def lines_to_words(lines: list[dict[str, Any]]) -> list[Word]:
    """RapidOCR line records (see `RapidOcrEngine.read_lines`) as `Word`s in reading
    order: each detected line is one `line` index, all in block 0 (the layout step
    rebuilds rows and blocks from the boxes anyway)."""
    out: list[Word] = []
    for i, ln in enumerate(lines):
        for text, box, conf in line_words(ln):
            out.append(
                Word(text=text, bbox=box, confidence=max(0.0, min(1.0, conf)), line=i, block=0)
            )
    return out


class RapidOcrEngine:
    """`OcrEngine` on RapidOCR's bundled PP-OCRv6 small models (Latin + CJK)."""

    name = "rapid"
    # Reads 12-px receipt text as it comes: `locating.read_page_words` must not upscale
    # or re-read pages for it (that preparation is for Tesseract).
    reads_small_text = True

    def __init__(self, *, threads: int | None = None) -> None:
        # onnxruntime's default is every core; a server runs several workers, each
        # should take `TASKMASTER_OCR_THREADS` (or what it is given).
        env = os.environ.get("TASKMASTER_OCR_THREADS")
        self._threads = threads if threads is not None else int(env) if env else -1
        self._local = threading.local()

    def version(self) -> str:
        """`rapidocr <version> PP-OCRv6-small`."""
        return f"rapidocr {_pkg_version('rapidocr')} PP-OCRv6-small"

    def _ocr(self) -> Any:
        # RapidOCR keeps per-call parameters on the instance: one per thread.
        ocr = getattr(self._local, "ocr", None)
        if ocr is None:
            try:
                from rapidocr import RapidOCR

                ocr = RapidOCR(
                    params={
                        "Global.use_cls": False,
                        "Global.log_level": "warning",
                        "Global.text_score": TEXT_SCORE,
                        "EngineConfig.onnxruntime.intra_op_num_threads": self._threads,
                        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                    }
                )
            except Exception as exc:  # ImportError, model load errors of onnxruntime
                raise EngineError(f"cannot start RapidOCR: {exc}") from exc
            self._local.ocr = ocr
        return ocr

    def read_lines(self, image: Gray) -> list[dict[str, Any]]:
        """The detected lines of a page: `{"box": 4 corner points, "text", "score",
        "words": [[text, score, 4 corner points], ...]}` in RapidOCR's reading order.
        JSON-serialisable, so benchmarks can cache it."""
        if image.size == 0:
            return []
        try:
            res = self._ocr()(
                np.ascontiguousarray(image, dtype=np.uint8), use_cls=False, return_word_box=True
            )
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"RapidOCR failed: {exc}") from exc
        if getattr(res, "boxes", None) is None or getattr(res, "txts", None) is None:
            return []
        word_results = getattr(res, "word_results", None) or [()] * len(res.txts)
        return [
            {
                "box": np.asarray(box).tolist(),
                "text": str(txt),
                "score": float(sc),
                "words": [[str(w[0]), float(w[1]), np.asarray(w[2]).tolist()] for w in wr],
            }
            for box, txt, sc, wr in zip(res.boxes, res.txts, res.scores, word_results, strict=False)
        ]

    def read_page(self, image: Gray) -> list[Word]:
        """Full-page OCR into words with boxes (page pixels), line by detected line."""
        return lines_to_words(self.read_lines(image))

    def read_zone(
        self, image: Gray, *, charset: str | None = None, multiline: bool = False
    ) -> Reading:
        """Read one zone. One line: the recogniser alone on the crop; `multiline`: detect
        lines first and join them with "\\n". The recogniser cannot be restricted to a
        character set, so characters outside `charset` are dropped and the confidence
        is capped at 0.5 when any was (the reading is then doubtful)."""
        if image.size == 0 or int(np.count_nonzero(image < 128)) < _MIN_INK_PIXELS:
            return Reading("", 0.0, engine=self.name)
        img = np.ascontiguousarray(image, dtype=np.uint8)
        try:
            if multiline:
                lines = self.read_lines(img)
                texts = [_ascii_forms(str(ln["text"])).strip() for ln in lines]
                scores = [float(ln["score"]) for ln in lines]
            else:
                res = self._ocr()(img, use_det=False, use_cls=False, use_rec=True)
                texts = [_ascii_forms(str(t)).strip() for t in (res.txts or ())]
                scores = [float(s) for s in (res.scores or ())]
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"RapidOCR failed: {exc}") from exc
        text = "\n".join(t for t in texts if t) if multiline else " ".join(t for t in texts if t)
        conf = min(scores) if scores and text else 0.0
        if charset is not None:
            allowed = set(charset) | {" ", "\n"}
            kept = "".join(c for c in text if c in allowed)
            if kept != text:
                text, conf = kept.strip(), min(conf, 0.5)
        return Reading(text=text, confidence=conf, engine=self.name)


ENGINE = RapidOcrEngine


@hookimpl
def taskmaster_ocr_engines() -> dict[str, type[RapidOcrEngine]]:
    """Register RapidOCR as the OCR engine `rapid`."""
    return {"rapid": RapidOcrEngine}
