"""Read a blank form into pages: a 300 dpi reference image and the printed text lines.

A PDF's pages are rendered without their form fields by the imaging loader and their
text comes from the PDF's own text layer (exact, no OCR); a page without text (a scan
saved as PDF) and every image file are read by OCR. Images are normalised, turned
upright and deskewed as a scanned page would be before identification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pypdfium2 as pdfium

from taskmaster.apps.onboard.model import BBox, FoundPage, Text
from taskmaster.engines.base import Word
from taskmaster.errors import CorruptFile
from taskmaster.imaging.formats import sniff
from taskmaster.imaging.loader import PageImage
from taskmaster.imaging.prepare import prepare

DPI = 300
SCALE = DPI / 72.0
# Decodes an untrusted file into its pages: `Services.decode_pages` (the sandbox).
Decode = Callable[[bytes, str], list[PageImage]]
_MIN_WORD_CONF = 0.3  # OCR words under this are speckle, shading or line debris


@dataclass(frozen=True)
class PdfFrame:
    """Maps PDF user-space rectangles of one page to pixels of its rendered image."""

    crop: tuple[float, float, float, float]  # x0, y0, x1, y1 in points
    rotation: int  # the page's /Rotate, clockwise degrees

    def to_px(self, rect: tuple[float, float, float, float]) -> BBox:
        """A rectangle (any corner order) as a pixel box, origin top left."""
        cx0, cy0, cx1, cy1 = self.crop
        w, h = cx1 - cx0, cy1 - cy0
        xs = (rect[0] - cx0, rect[2] - cx0)
        ys = (cy1 - rect[1], cy1 - rect[3])  # top-left origin, unrotated
        pts = [(u, v) for u in xs for v in ys]
        rot = self.rotation % 360
        if rot == 90:
            pts = [(h - v, u) for u, v in pts]
        elif rot == 180:
            pts = [(w - u, h - v) for u, v in pts]
        elif rot == 270:
            pts = [(v, w - u) for u, v in pts]
        us = [p[0] * SCALE for p in pts]
        vs = [p[1] * SCALE for p in pts]
        return round(min(us)), round(min(vs)), round(max(us)), round(max(vs))


def read_blank(data: bytes, name: str, decode: Decode) -> tuple[list[FoundPage], bytes | None]:
    """The pages of a blank form, and the PDF's bytes when it is a PDF (for its widgets).

    A page whose text is still to be read by OCR has `texts` empty: OCR reads it best
    once its rules are erased, which needs the drawing (see `onboard.propose`).
    """
    kind = sniff(data)
    pages = []
    if kind == "pdf":
        images = decode(data, name)
        _, texts = pdf_text(data)
        for i, page in enumerate(images):
            lines = texts[i] if i < len(texts) else []
            pages.append(FoundPage(number=i + 1, image=page.image, texts=lines))
        return pages, data
    for page in decode(data, name):
        pages.append(FoundPage(number=page.index, image=prepare(page).image, texts=[]))
    return pages, None


def pdf_frames(pdf: pdfium.PdfDocument) -> list[PdfFrame]:
    """The pixel frame of every page of an open PDF."""
    out = []
    for i in range(len(pdf)):
        page = pdf[i]
        try:
            out.append(PdfFrame(tuple(page.get_cropbox()), page.get_rotation()))
        finally:
            page.close()
    return out


def pdf_text(data: bytes) -> tuple[list[PdfFrame], list[list[Text]]]:
    """Each page's frame and its text layer as lines in pixels."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise CorruptFile("damaged PDF (cannot be parsed)") from exc
    try:
        frames = pdf_frames(pdf)
        texts = []
        for i, frame in enumerate(frames):
            page = pdf[i]
            try:
                tp = page.get_textpage()
                runs = []
                for r in range(tp.count_rects()):
                    rect = tp.get_rect(r)
                    text = " ".join(tp.get_text_bounded(*rect).split())
                    box = frame.to_px(rect)
                    if text and not _vertical(text, box):
                        runs.append(Text(text, box))
                texts.append(merge_runs(runs))
            finally:
                page.close()
        return frames, texts
    finally:
        pdf.close()


def _vertical(text: str, box: BBox) -> bool:
    """Text set sideways (a margin note): never a field's label."""
    return len(text) > 2 and box[3] - box[1] > 2 * (box[2] - box[0])


def merge_runs(runs: list[Text]) -> list[Text]:
    """Join runs that continue each other on one line (a PDF breaks lines at font
    changes: "2 " + "Business name ..."), so a label is one piece of text."""
    out: list[Text] = []
    for run in sorted(runs, key=lambda t: (t.bbox[1] + t.bbox[3], t.bbox[0])):
        for i, prev in enumerate(out):
            if _continues(prev.bbox, run.bbox):
                box = (
                    min(prev.bbox[0], run.bbox[0]),
                    min(prev.bbox[1], run.bbox[1]),
                    max(prev.bbox[2], run.bbox[2]),
                    max(prev.bbox[3], run.bbox[3]),
                )
                out[i] = Text(f"{prev.text} {run.text}", box)
                break
        else:
            out.append(run)
    return out


def _continues(a: BBox, b: BBox) -> bool:
    ha, hb = a[3] - a[1], b[3] - b[1]
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    if overlap < 0.5 * min(ha, hb):
        return False
    gap = b[0] - a[2]
    return -0.5 * max(ha, hb) <= gap <= 1.2 * max(ha, hb)


def ocr_lines(words: list[Word]) -> list[Text]:
    """OCR words as text runs: words of one line, split where the gap is a column gap.
    Words set sideways and words of unusual height (a misread mark) are left out."""
    runs: list[Text] = []
    heights = sorted(w.bbox[3] - w.bbox[1] for w in words) or [0]
    tall = 2.5 * heights[len(heights) // 2]
    kept = [
        w
        for w in words
        if w.confidence >= _MIN_WORD_CONF
        and any(c.isalnum() for c in w.text)
        and w.bbox[3] - w.bbox[1] <= tall
        and not _vertical(w.text, w.bbox)
    ]
    for w in sorted(kept, key=lambda w: (w.line, w.bbox[0])):
        runs.append(Text(w.text, w.bbox))
    return merge_runs(runs)
