"""Group numbers (identifiers nothing checks): a look-alike letter inside the digits is
the digit, one right before them is for a person to tell."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from taskmaster.apps.registry import AppRegistry
from taskmaster.apps.schema import FieldDef
from taskmaster.engines.barcode import ZxingBarcodeEngine
from taskmaster.engines.base import Engines, Gray
from taskmaster.engines.omr import InkOmrEngine
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.reading import identifier, text


def test_a_look_alike_letter_between_digits_is_the_digit() -> None:
    assert identifier.inner_digits("A1B76782") == ("A1876782", True)
    assert identifier.inner_digits("GR42O0S19") == ("GR4200519", True)
    # Prefix letters, other letters inside, and words that are no identifier stay.
    for same in ("GR924279", "A2570R08", "ABB98325", "A1B2", "SUITE B12", "2973458"):
        assert identifier.inner_digits(same) == (same, False), same


def test_a_letter_among_the_digits_or_a_look_alike_before_them_is_doubtful() -> None:
    for value in ("AB703356", "ABB98325", "Al1292196", "S1234567", "A2570R08", "A158152B"):
        assert identifier.doubtful(value) is not None, value
    for value in ("GR924279", "A8703356", "2973458", "GR4253209", "ABC", "4 MAIN ST"):
        assert identifier.doubtful(value) is None, value


def _group_field() -> FieldDef:
    return FieldDef(
        name="group_number",
        kind="text",
        type="string",
        bbox=(100, 100, 660, 174),
        style="box",
    )


def _page(value: str) -> Gray:
    img = Image.new("L", (800, 300), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((100, 100, 660, 174), outline=0, width=3)
    draw.text((130, 137), value, fill=0, font=ImageFont.load_default(size=40), anchor="lm")
    return np.asarray(img, dtype=np.uint8)


def test_only_free_text_without_a_list_or_pattern_is_an_identifier() -> None:
    assert text.free_identifier(_group_field())
    box = (100, 100, 660, 174)
    assert not text.free_identifier(FieldDef(name="city", kind="text", type="string", bbox=box))
    coded = FieldDef(name="code", kind="text", type="string", bbox=box, pattern=r"^[A-Z]\d+$")
    assert not text.free_identifier(coded)


def test_a_typed_group_number_with_a_look_alike_before_its_digits_goes_to_review() -> None:
    engines = Engines(ocr=TesseractEngine(), barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())
    doubt = text.read(_page("AB703356"), _group_field(), engines, typed_page=True)
    assert doubt.value == "AB703356"
    assert doubt.confidence <= text.NEAR_MISS_CAP
    assert any("before the digits" in m for m in doubt.messages)
    clear = text.read(_page("GR924279"), _group_field(), engines, typed_page=True)
    assert clear.value == "GR924279" and clear.confidence > text.NEAR_MISS_CAP


def test_the_intake_forms_alnum_group_number_keeps_the_identifier_rules() -> None:
    """The intake form declares its group number `alnum` (capitals and digits): it is
    still an identifier nothing checks, so its look-alikes are settled and doubted."""
    app = AppRegistry().get("intake").app
    group = {f.name: f for _, f in app.fields_of(app.document_types[0])}["group_number"]
    assert group.type == "alnum" and text.free_identifier(group)
    assert text.repaired_line(group, "a1b76782") == "A1876782"
    engines = Engines(ocr=TesseractEngine(), barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())
    field = group.model_copy(update={"bbox": _group_field().bbox})
    doubt = text.read(_page("AB703356"), field, engines, typed_page=True)
    assert doubt.value == "AB703356" and doubt.confidence <= text.NEAR_MISS_CAP
