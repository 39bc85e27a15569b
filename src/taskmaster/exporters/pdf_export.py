"""Searchable PDF: each page image with an invisible text layer at the OCR word boxes.

The text is drawn in render mode 3 (neither filled nor stroked), so the page looks
exactly like the scan while viewers can search, select and copy its words; each word is
sized to its box height and stretched (Tz) to its box width so a selection highlights
the printed word. Built with pikepdf (qpdf), the PDF library OCRmyPDF is made of.

Not PDF/A: the invisible text uses the standard Helvetica font, which PDF/A would
require to be embedded. For archival PDF/A run the result through OCRmyPDF
(`ocrmypdf --skip-text --output-type pdfa`), which keeps this text layer.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

from taskmaster.engines.base import Gray, Word
from taskmaster.errors import TaskmasterError

# Average Helvetica advance width in text space units per 1 pt of font size; the Tz
# stretch corrects each word to its box, so this only sets the starting point.
_HELVETICA_EM = 0.5
_JPEG_QUALITY = 85


def _image_xobject(pdf: pikepdf.Pdf, image: Gray) -> pikepdf.Stream:
    """Pure black-and-white pages as 1-bit Flate (lossless, small); others as JPEG."""
    h, w = image.shape
    if np.isin(image, (0, 255)).all():
        bits = np.packbits(image > 127, axis=1)   # 1 = white with the default /Decode
        stream = pikepdf.Stream(pdf, zlib.compress(bits.tobytes()))
        stream.Filter, stream.BitsPerComponent = pikepdf.Name.FlateDecode, 1
    else:
        buf = io.BytesIO()
        Image.fromarray(image, "L").save(buf, "JPEG", quality=_JPEG_QUALITY, optimize=True)
        stream = pikepdf.Stream(pdf, buf.getvalue())
        stream.Filter, stream.BitsPerComponent = pikepdf.Name.DCTDecode, 8
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width, stream.Height = w, h
    stream.ColorSpace = pikepdf.Name.DeviceGray
    return stream


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _text_layer(words: Sequence[Word], height_px: int, scale: float) -> bytes:
    """Content stream operators that draw `words` invisibly; `scale` = pt per pixel."""
    ops = [b"BT", b"3 Tr"]
    for i, w in enumerate(words):
        text = w.text.strip()
        x0, y0, x1, y1 = w.bbox
        if not text or x1 <= x0 or y1 <= y0:
            continue
        size = (y1 - y0) * scale
        natural = len(text) * _HELVETICA_EM * size
        # An explicit space after a word that has a neighbour on its line: text
        # extractors otherwise guess word breaks from gaps and glue narrow ones.
        if i + 1 < len(words) and words[i + 1].line == w.line:
            text += " "
        stretch = 100.0 * (x1 - x0) * scale / natural if natural else 100.0
        # Baseline about a fifth of the box above its bottom (descenders below it).
        base_y = (height_px - y1) * scale + 0.2 * size
        ops.append(b"/F1 %.2f Tf %.2f Tz 1 0 0 1 %.2f %.2f Tm %s Tj" % (
            size, stretch, x0 * scale, base_y, _pdf_string(text)))
    ops.append(b"ET")
    return b"\n".join(ops)


def write_searchable_pdf(pages: list[tuple[Gray, int, list[Word]]], out: Path) -> None:
    """Write `pages` (grey image, its dpi, its OCR words in that image's pixels) to `out`."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica,
        Encoding=pikepdf.Name.WinAnsiEncoding))
    for image, dpi, words in pages:
        if image.ndim != 2 or image.dtype != np.uint8:
            raise TaskmasterError("searchable PDF pages must be 2-D uint8 grey images")
        h, w = image.shape
        scale = 72.0 / float(dpi or 300)
        width_pt, height_pt = w * scale, h * scale
        content = b"q %.3f 0 0 %.3f 0 0 cm /Im0 Do Q\n" % (width_pt, height_pt)
        content += _text_layer(words, h, scale)
        page = pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, width_pt, height_pt],
            Resources=pikepdf.Dictionary(
                XObject=pikepdf.Dictionary(Im0=_image_xobject(pdf, image)),
                Font=pikepdf.Dictionary(F1=font)),
            Contents=pikepdf.Stream(pdf, content)))
        pdf.pages.append(page)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["xmp:CreatorTool"] = "Taskmaster"
        meta["pdf:Producer"] = f"Taskmaster (pikepdf {pikepdf.__version__})"
    try:
        pdf.save(out, compress_streams=True)
    except (OSError, pikepdf.PdfError) as exc:
        raise TaskmasterError(f"cannot write {out}: {exc}") from exc
