"""A text field of type `alnum` (the intake form's group number) is an identifier:
capitals and digits, so the space a reader puts where the writer left a wider gap
("GR555 7753"), and lower case the ICR's letters of a wider charset take, are not part
of the value. Read with the real Tesseract on a rendered line."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from taskmaster.apps.registry import AppRegistry
from taskmaster.apps.schema import FieldDef
from taskmaster.engines.barcode import ZxingBarcodeEngine
from taskmaster.engines.base import Engines, Gray
from taskmaster.engines.omr import InkOmrEngine
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.reading import text
from taskmaster.validation import check_value

BOX = (50, 40, 610, 114)


def _field(kind_type: str) -> FieldDef:
    return FieldDef.model_validate(
        {"name": "group_number", "kind": "text", "type": kind_type, "bbox": BOX, "style": "box"}
    )


def _page(line: str) -> Gray:
    img = Image.new("L", (700, 160), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle(BOX, outline=0, width=3)
    draw.text((80, 58), line, font=ImageFont.load_default(size=36), fill=0)
    return np.asarray(img, dtype=np.uint8)


def test_an_identifier_keeps_no_spaces_and_no_lower_case() -> None:
    field = _field("alnum")
    assert text.canonical(field, " GR555 7753\n") == "GR5557753"
    assert text.canonical(field, "a3417587") == "A3417587"
    assert text.repaired_line(field, "A34175 87") == "A3417587"
    # Free text keeps its words apart.
    assert text.canonical(_field("string"), "GR555  7753") == "GR555 7753"


def test_a_group_number_written_with_a_gap_reads_as_one_identifier() -> None:
    engines = Engines(ocr=TesseractEngine(), barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())
    page = _page("GR555    7753")
    free = text.read(page, _field("string"), engines)
    assert free.value == "GR555 7753"  # as free text: two words
    r = text.read(page, _field("alnum"), engines)
    assert r.value == "GR5557753"
    assert check_value(_field("alnum"), r.value) == []


def test_the_intake_forms_group_number_is_an_identifier() -> None:
    app = AppRegistry().get("intake").app
    fields = {f.name: f for _, f in app.fields_of(app.document_types[0])}
    assert fields["group_number"].type == "alnum"
    assert (
        text.CHARSETS["alnum"].isalnum()
        and text.CHARSETS["alnum"].upper() == (text.CHARSETS["alnum"])
    )
