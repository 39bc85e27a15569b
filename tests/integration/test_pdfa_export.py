"""The `pdfa` exporter: PDF/A-2b from our own words, made by OCRmyPDF, read back by
independent tools (pdfminer.six and PDFium extract the text; pikepdf reads the XMP,
the output intent and the fonts). No veraPDF here: these are the checks it would start
with."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from pdfminer.high_level import extract_text

from taskmaster.engines.base import Word
from taskmaster.errors import ConfigError
from taskmaster.exporters import ExportTarget, PageContent
from taskmaster.exporters.pdf_export import write_searchable_pdf
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.runner import run_batch
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import create_batch
from taskmaster.settings import Settings
from tests.conftest import BLANK, blank_form
from tests.integration.test_queue import MINI_APP, install_mini_app

NAMES = ["Łukasz", "Wiśniewski", "王", "小明", "Straße", "€12,50"]


def _words() -> list[Word]:
    words, x = [], 200
    for text in NAMES:
        width = 60 * len(text)
        words.append(Word(text=text, bbox=(x, 300, x + width, 360), confidence=0.9, line=0))
        x += width + 40
    words.append(Word(text="Zoë", bbox=(200, 500, 380, 560), confidence=0.9, line=1))
    return words


def _page() -> PageContent:
    return PageContent(image=blank_form(), dpi=300.0, words=_words())


def _export(tmp_path: Path, **options: object) -> bytes:
    from taskmaster.exporters.pdfa_export import PdfaExporter

    target = ExportTarget(
        root=tmp_path,
        database_url="sqlite://",
        options=options,
        pages=lambda: [_page(), PageContent(blank_form(), 300.0, [])],
    )
    result = {"document": "d-1", "type": "intake-v1"}
    where = PdfaExporter().export(result, target)
    assert where == str(tmp_path / "d-1.pdf")
    return (tmp_path / "d-1.pdf").read_bytes()


def _fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every font dictionary in the file."""
    return [
        obj
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"
    ]


def _check_pdfa(data: bytes) -> None:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        assert meta.pdfa_status == "2B"
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        assert len(intent.DestOutputProfile.read_bytes()) > 0  # an embedded ICC profile
        fonts = _fonts(pdf)
        assert fonts, "no text layer"
        for font in fonts:
            if "/FontDescriptor" in font:
                desc = font.FontDescriptor
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
                    f"{font.get('/BaseFont')} is not embedded"
                )
            if font.get("/Subtype") == "/Type0":
                assert "/ToUnicode" in font
        assert len(pdf.pages) == 2
        width, height = (float(v) for v in pdf.pages[0].MediaBox[2:])
        image = blank_form()
        assert width == pytest.approx(image.shape[1] * 72 / 300, abs=0.5)
        assert height == pytest.approx(image.shape[0] * 72 / 300, abs=0.5)


def _check_text(data: bytes) -> None:
    mined = extract_text(io.BytesIO(data))
    pdfium_text = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    for name in [*NAMES, "Zoë"]:
        assert name in mined, (name, mined)
        assert name in pdfium_text, (name, pdfium_text)
    assert pdfium.PdfDocument(data)[1].get_textpage().get_text_range().strip() == ""


def test_pdfa_export_is_pdfa_2b_with_our_unicode_words(tmp_path: Path) -> None:
    data = _export(tmp_path)
    _check_pdfa(data)
    _check_text(data)


@pytest.mark.skipif(
    shutil.which("gs") is None and not os.environ.get("CI"),
    reason="Ghostscript (Debian ghostscript) is not installed",
)
def test_the_ghostscript_backend_makes_pdfa_too(tmp_path: Path) -> None:
    data = _export(tmp_path, backend="ghostscript")
    _check_pdfa(data)
    _check_text(data)


def test_the_searchable_pdf_has_the_same_unicode_layer(tmp_path: Path) -> None:
    out = tmp_path / "doc.pdf"
    write_searchable_pdf([(_page().image, 300, _words())], out)
    text = pdfium.PdfDocument(out)[0].get_textpage().get_text_range()
    assert all(name in text for name in NAMES), text
    with pikepdf.open(out) as pdf:
        assert pdf.open_metadata().pdfa_status == ""  # not claimed: a plain PDF


def test_a_bad_backend_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="backend 'veraPDF'"):
        _export(tmp_path, backend="veraPDF")


def test_a_batch_exports_a_pdfa_with_the_pages_words(home: Path) -> None:
    install_mini_app(home)
    app = home / "apps" / "mini" / "app.yaml"
    exports = MINI_APP[MINI_APP.index("exports:") : MINI_APP.index("document_types:")]
    app.write_text(MINI_APP.replace(exports, "exports:\n  - {kind: pdfa}\n"))
    svc = Services.create(Settings(home=home, hot_folder=False))
    try:
        batch = create_batch(svc, [("form.png", BLANK.read_bytes())], ["mini"])
        assert run_batch(svc, TaskContext(batch_id=batch)) == "done"
        [pdf] = list((home / "exports" / "mini").glob("d-*.pdf"))
        data = pdf.read_bytes()
    finally:
        svc.close()
    with pikepdf.open(io.BytesIO(data)) as doc:
        assert doc.open_metadata().pdfa_status == "2B"
    # The form's printed words, as our OCR read them (stored with the page for later).
    text = extract_text(io.BytesIO(data))
    assert "PATIENT" in text.upper(), text[:500]
