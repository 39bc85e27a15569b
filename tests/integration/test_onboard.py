"""Onboarding small forms that have what real forms have: the fillable PDF read widget
by widget, and the same form without widgets (flat PDF, scan) read from its drawing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pikepdf
import pytest

from taskmaster.apps.loader import load_application
from taskmaster.apps.onboard import onboard, propose
from taskmaster.apps.onboard.model import Found, union
from taskmaster.apps.onboard.source import Decode
from taskmaster.engines.base import OcrEngine
from taskmaster.imaging.loader import Limits, PageImage, load_pages
from taskmaster.imaging.sandbox import Budget, DecoderPool
from taskmaster.plugins import create
from tests.fillable import FIELDS, blank_pdf, to_px


@pytest.fixture(scope="module")
def decoders() -> Iterator[DecoderPool]:
    pool = DecoderPool(Budget())
    yield pool
    pool.close()


def sandboxed(pool: DecoderPool, data: bytes, name: str) -> list[PageImage]:
    """Decode a blank as `Services.decode_pages` does: in a decoder process."""
    return [p.page_image() for p in pool.decode(data, name, Limits())]


@pytest.fixture
def decode(decoders: DecoderPool) -> Decode:
    return lambda data, name: sandboxed(decoders, data, name)


@pytest.fixture(scope="module")
def ocr() -> OcrEngine:
    engine: OcrEngine = create("ocr_engines", "tesseract")
    return engine


def iou(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def truth_box(spec: dict[str, object]) -> tuple[int, int, int, int]:
    if "options" in spec:
        return union([to_px(r) for r in spec["options"].values()])  # type: ignore[attr-defined]
    return to_px(spec["rect"])  # type: ignore[arg-type]


def test_fillable_pdf_fields_are_its_widgets(
    tmp_path: Path, ocr: OcrEngine, decode: Decode
) -> None:
    pages = propose(blank_pdf(tmp_path / "form.pdf").read_bytes(), "form.pdf", ocr, decode)
    assert len(pages) == 1 and pages[0].source == "acroform"
    by_pdf = {f.pdf_name: f for f in pages[0].fields}
    assert set(by_pdf) == set(FIELDS)
    for name, spec in FIELDS.items():
        f = by_pdf[name]
        assert f.bbox == truth_box(spec), name
    named = {f.pdf_name: (f.name, f.kind, f.type) for f in pages[0].fields}
    assert named == {
        "f1_1[0]": ("last_name", "text", "string"),  # label before the box
        "Text2": ("street_address", "text", "string"),  # label above, tooltip "undefined"
        "f1_3[0]": ("first_name", "comb", "string"),  # a letter comb
        "Text7[0]": ("date_of_birth_mm", "comb", "integer"),  # a date over three widgets
        "Text8[0]": ("date_of_birth_dd", "comb", "integer"),
        "Text9[0]": ("date_of_birth_yyyy", "comb", "integer"),
        "RadioButton1": ("sex", "checkbox", "enum"),  # radio group: one field
        "CheckBox3": ("contact_by", "checkbox", "enum"),  # checkboxes sharing a name
        "c1_1[0]": ("i_agree_to_the_terms", "checkbox", "boolean"),  # a lone checkbox
        "f1_9[0]": ("daytime_phone", "comb", "phone"),  # label below, tooltip "Phone"
        "ZipCode": ("zip_code", "comb", "zip"),  # a PDF name that says something
        "f2_1[0]": ("e_mail_address", "text", "email"),
        "Sig1": ("sig1", "signature", "boolean"),
    }
    assert len(by_pdf["f1_3[0]"].boxes) == 20
    assert by_pdf["f1_3[0]"].boxes[0][2] - by_pdf["f1_3[0]"].boxes[0][0] == 75  # 18 pt cells
    sex = by_pdf["RadioButton1"]
    assert [(o.value, o.label) for o in sex.options] == [("M", "M"), ("F", "F")]
    assert [o.value for o in by_pdf["CheckBox3"].options] == ["Phone", "Post"]
    assert [o.value for o in by_pdf["c1_1[0]"].options] == ["Yes"]
    assert [
        f.format
        for f in pages[0].fields
        if f.pdf_name and f.pdf_name.startswith("Text") and f.kind == "comb"
    ] == ["MM", "DD", "YYYY"]


def _matches(found: list[Found], name: str) -> Found | None:
    box = truth_box(FIELDS[name])
    best = max(found, key=lambda f: iou(f.bbox, box))
    return best if iou(best.bbox, box) >= 0.5 else None


def test_flat_pdf_fields_come_from_the_drawing(
    tmp_path: Path, ocr: OcrEngine, decode: Decode
) -> None:
    data = blank_pdf(tmp_path / "flat.pdf", widgets=False).read_bytes()
    [page] = propose(data, "flat.pdf", ocr, decode)
    assert page.source == "drawing"
    kinds = {
        "text": "text",
        "comb": "comb",
        "radio": "checkbox",
        "checkboxes": "checkbox",
        "checkbox": "checkbox",
        "signature": "signature",
    }
    for name, spec in FIELDS.items():
        f = _matches(page.fields, name)
        assert f is not None, f"{name} not found"
        assert f.kind == kinds[spec["kind"]], name
        if f.kind == "comb":
            assert len(f.boxes) == spec["maxlen"], name
    sex = _matches(page.fields, "RadioButton1")
    assert sex is not None and [o.value for o in sex.options] == ["M", "F"]
    assert _matches(page.fields, "Text7[0]").name == "date_of_birth_mm"  # type: ignore[union-attr]
    office = [f for f in page.fields if f.bbox[1] > to_px((0, 140, 0, 140))[1]]
    assert office and all(f.confidence < 0.8 for f in office)  # marked, not trusted
    assert all(f.confidence >= 0.8 for f in page.fields if f not in office)


def test_a_noisy_skewed_scan_of_the_blank(tmp_path: Path, ocr: OcrEngine, decode: Decode) -> None:
    """The flat form printed and scanned: a little turned, grey paper, speckle, and a
    shaded band a fax turned into dots."""
    data = blank_pdf(tmp_path / "flat.pdf", widgets=False).read_bytes()
    img: npt.NDArray[Any] = load_pages(data, "flat.pdf")[0].image.astype(np.float32)
    h, w = img.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), 0.8, 1.0)
    img = cv2.warpAffine(img, turn, (w, h), borderValue=255.0)
    rng = np.random.default_rng(7)
    img = img * 0.85 + 20 + rng.normal(0, 12, img.shape)
    img[rng.random(img.shape) < 0.002] = 0
    band = img[280:1100, 200:2350]  # shading behind the first rows, dithered by a fax
    band[(rng.random(band.shape) < 0.15) & (band > 128)] = 0
    path = tmp_path / "scan.png"
    cv2.imwrite(str(path), np.clip(img, 0, 255).astype(np.uint8))
    [page] = propose(path.read_bytes(), "scan.png", ocr, decode)
    found = [n for n in FIELDS if _matches(page.fields, n) is not None]
    assert len(found) >= len(FIELDS) - 1, sorted(set(FIELDS) - set(found))
    names = {f.name for f in page.fields}
    assert {"street_address", "first_name", "sex", "contact_by", "daytime_phone"} <= names, names


def test_pages_become_page_types_of_one_document(
    tmp_path: Path, ocr: OcrEngine, decode: Decode
) -> None:
    """A fillable form with an instructions page: two page types, in order; the page
    without widgets gets no guessed fields; the result validates as written."""
    form = pikepdf.open(blank_pdf(tmp_path / "form.pdf"))
    notes = pikepdf.new()
    content = (
        b"BT /F1 12 Tf 72 700 Td (Instructions: print in capitals.) Tj ET 72 690 m 540 690 l S"
    )
    notes.pages.append(
        pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=pikepdf.Array([0, 0, 612, 792]),
                Contents=notes.make_stream(content),
            )
        )
    )
    form.pages.extend(notes.pages)
    form.save(tmp_path / "two.pdf")
    summary = onboard(
        (tmp_path / "two.pdf").read_bytes(),
        "two.pdf",
        "loan",
        tmp_path / "apps",
        ocr,
        decode=decode,
        title="Loan",
    )
    assert summary.pages == 2 and summary.sources == ["acroform", "drawing"]
    app = load_application(tmp_path / "apps" / "loan" / "app.yaml")
    assert [p.name for p in app.page_types] == ["loan-p1", "loan-p2"]
    assert [(s.type, s.optional) for s in app.document_types[0].pages] == [
        ("loan-p1", False),
        ("loan-p2", True),
    ]
    assert len(app.page_types[0].fields) == len(FIELDS) and app.page_types[1].fields == []
    assert app.page_types[1].size == app.page_types[0].size  # letter at 300 dpi, both


def test_odd_widgets(tmp_path: Path, ocr: OcrEngine, decode: Decode) -> None:
    """A one-character box, a hidden widget, a push button, a widget sticking out of the
    page: read as one cell, left out, left out, clipped to the page."""
    pdf = pikepdf.new()
    pdf.pages.append(
        pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=pikepdf.Array([0, 0, 612, 792]),
                Contents=pdf.make_stream(b"72 600 20 20 re S"),
            )
        )
    )

    def widget(name: str, rect: list[float], **keys: Any) -> pikepdf.Dictionary:
        return pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Widget,
                T=pikepdf.String(name),
                Rect=pikepdf.Array(rect),
                **keys,
            )
        )

    widgets = [
        widget("Initial", [72, 600, 92, 620], FT=pikepdf.Name.Tx, MaxLen=1),
        widget("Secret", [200, 600, 300, 620], FT=pikepdf.Name.Tx, F=2),
        widget("Print", [320, 600, 400, 620], FT=pikepdf.Name.Btn, Ff=1 << 16),
        widget("Wide", [500, 500, 700, 520], FT=pikepdf.Name.Tx),
    ]
    pdf.pages[0].obj.Annots = pikepdf.Array(widgets)
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(widgets))
    pdf.save(tmp_path / "odd.pdf")
    [page] = propose((tmp_path / "odd.pdf").read_bytes(), "odd.pdf", ocr, decode)
    by_pdf = {f.pdf_name: f for f in page.fields}
    assert set(by_pdf) == {"Initial", "Wide"}
    initial = by_pdf["Initial"]
    assert initial.kind == "comb" and initial.boxes == [to_px((72, 600, 92, 620))]
    assert by_pdf["Wide"].bbox == (
        to_px((500, 500, 700, 520))[0],
        to_px((0, 500, 0, 520))[1],
        page.image.shape[1],
        to_px((0, 500, 0, 520))[3],
    )
