"""Searchable PDF and PDF/A: each page image under an invisible text layer of our words.

Taskmaster builds a PDF of the stored page images (pikepdf) and hands it to OCRmyPDF
with its own recognised words in place of an OCR engine (`ocrmypdf_words`): OCRmyPDF
draws the text layer (Unicode, embedded fonts with ToUnicode maps, so `Łukasz`, `王`
and `€` extract as written) and, for archives, converts to PDF/A-2b with an sRGB output
intent and `pdfaid` XMP. No page is read twice.

PDF/A conversion uses OCRmyPDF's `internal` backend (pikepdf; no Ghostscript needed)
unless `backend` asks for `ghostscript`/`auto` (then the `gs` program must be installed).
"""

from __future__ import annotations

import io
import json
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import ocrmypdf
import pikepdf
from ocrmypdf.exceptions import ExitCodeException, MissingDependencyError
from PIL import Image

from taskmaster.engines.base import Gray, Word
from taskmaster.errors import ConfigError, TaskmasterError
from taskmaster.exporters import ocrmypdf_words

_JPEG_QUALITY = 85
BACKENDS = ("internal", "ghostscript", "auto")


def _image_xobject(pdf: pikepdf.Pdf, image: Gray) -> pikepdf.Stream:
    """Pure black-and-white pages as 1-bit Flate (lossless, small); others as JPEG."""
    h, w = image.shape
    if np.isin(image, (0, 255)).all():
        bits = np.packbits(image > 127, axis=1)  # 1 = white with the default /Decode
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


def _image_pdf(pages: Sequence[tuple[Gray, float, list[Word]]], out: Path) -> None:
    """The page images alone, each page sized by its dpi."""
    pdf = pikepdf.new()
    for image, dpi, _ in pages:
        if image.ndim != 2 or image.dtype != np.uint8:
            raise TaskmasterError("searchable PDF pages must be 2-D uint8 grey images")
        h, w = image.shape
        scale = 72.0 / float(dpi or 300)
        content = b"q %.3f 0 0 %.3f 0 0 cm /Im0 Do Q\n" % (w * scale, h * scale)
        pdf.pages.append(
            pikepdf.Page(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Page,
                    MediaBox=[0, 0, w * scale, h * scale],
                    Resources=pikepdf.Dictionary(
                        XObject=pikepdf.Dictionary(Im0=_image_xobject(pdf, image))
                    ),
                    Contents=pikepdf.Stream(pdf, content),
                )
            )
        )
    pdf.save(out)


def write_searchable_pdf(
    pages: Sequence[tuple[Gray, float, list[Word]]],
    out: Path,
    *,
    pdfa: bool = False,
    backend: str = "internal",
    title: str | None = None,
) -> None:
    """Write `pages` (grey image, its dpi, its words in that image's pixels) to `out`:
    a searchable PDF, or PDF/A-2b when `pdfa`."""
    if backend not in BACKENDS:
        raise ConfigError(f"PDF/A backend {backend!r} is not one of {', '.join(BACKENDS)}")
    if not pages:
        raise TaskmasterError("a PDF needs at least one page")
    with tempfile.TemporaryDirectory(prefix="taskmaster-pdf-") as tmp:
        images, words = Path(tmp) / "images.pdf", Path(tmp) / "words.json"
        _image_pdf(pages, images)
        words.write_text(
            json.dumps(
                [
                    {
                        "width": int(image.shape[1]),
                        "height": int(image.shape[0]),
                        "words": [
                            {"text": w.text, "bbox": list(w.bbox), "line": w.line, "block": w.block}
                            for w in ws
                        ],
                    }
                    for image, _, ws in pages
                ]
            ),
            encoding="utf-8",
        )
        try:
            code = ocrmypdf.ocr(
                images,
                out,
                plugins=[ocrmypdf_words.__name__],
                ocr_engine=ocrmypdf_words.ENGINE,
                taskmaster_words=str(words),
                output_type="pdfa-2" if pdfa else "pdf",
                pdfa_backend=backend,
                optimize=0,
                jobs=1,
                use_threads=True,
                progress_bar=False,
                title=title,
                rotate_pages=False,
                deskew=False,
            )
        except MissingDependencyError as exc:
            raise ConfigError(f"PDF/A with the {backend} backend: {exc}") from exc
        except (ExitCodeException, OSError, pikepdf.PdfError) as exc:
            raise TaskmasterError(f"cannot write {out.name}: {exc}") from exc
    if code != ocrmypdf.ExitCode.ok:
        raise TaskmasterError(f"OCRmyPDF could not write {out.name} ({code.name})")
