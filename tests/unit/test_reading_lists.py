"""A text field declared a list (`list_format`): items joined by its separator, a lost or
misread separator put back between items of its word list, for a person to confirm."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from pydantic import ValidationError

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.barcode import ZxingBarcodeEngine
from taskmaster.engines.base import Engines, Gray
from taskmaster.engines.omr import InkOmrEngine
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.reading import handtext, lexicon, repair, text
from taskmaster.reading.recognise import Recognised, agreed_score, settles
from taskmaster.reading.repair import REPAIRED_CAP

ALLERGENS = lexicon.load("allergens")
BOX = [40, 40, 900, 114]


@pytest.mark.parametrize(
    ("read", "want", "guessed"),
    [
        ("CODEINE SULFA", "CODEINE, SULFA", True),  # the comma lost
        ("PENICILLIN. CODEINE", "PENICILLIN, CODEINE", True),  # read as a period
        ("LATEX BEE STINGS", "LATEX, BEE STINGS", True),  # an item of two words
        ("CODEINE ,SULFA", "CODEINE, SULFA", False),  # only the spacing of a comma read
        ("Codeine; latex", "Codeine, latex", False),
        ("ASPIRIN", "ASPIRIN", False),
        # A word outside the list, or a period that is no separator: as read.
        ("PENICILLIN AND SULFA", "PENICILLIN AND SULFA", False),
        ("ST. JOHNS WORT", "ST. JOHNS WORT", False),
        ("ASPIRIN.", "ASPIRIN.", False),
    ],
)
def test_list_items(read: str, want: str, guessed: bool) -> None:
    assert repair.list_items(read, ", ", ALLERGENS) == (want, guessed)


def test_a_run_cut_in_several_ways_stays_as_read() -> None:
    items = frozenset({"TREE", "NUTS", "TREE NUTS"})
    assert repair.list_items("TREE NUTS", ", ", items) == ("TREE NUTS", False)


def test_settling_a_typed_line_keeps_the_comma_read() -> None:
    # "SULFA" read at 0.8 sends the line to the field's list; "CODEINE," is no misread.
    r = Recognised("CODEINE, SULFA", 0.8, "ocr")
    assert handtext.settle_typed("allergy_details", r).text == "CODEINE, SULFA"


def test_list_format_is_checked() -> None:
    base = {"name": "allergies", "kind": "text", "bbox": [0, 0, 10, 10]}
    f = FieldDef.model_validate({**base, "list_format": {"items": "allergens"}})
    assert f.list_format is not None and f.list_format.separator == ", "
    with pytest.raises(ValidationError, match="items"):
        FieldDef.model_validate({**base, "list_format": {"separator": ", "}})
    with pytest.raises(ValidationError, match="separator"):
        FieldDef.model_validate({**base, "list_format": {"separator": "", "items": "x"}})
    with pytest.raises(ValueError, match="no word list 'pets'.*allergens"):
        lexicon.load("pets")


ENGINES = Engines(ocr=TesseractEngine(), barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())


def _page(line: str) -> Gray:
    img = Image.new("L", (1000, 160), 255)
    ImageDraw.Draw(img).text((70, 58), line, font=ImageFont.load_default(size=36), fill=0)
    return np.asarray(img, dtype=np.uint8)


def test_a_typed_address_its_reads_agree_on_is_scored_by_that_on_a_typed_page() -> None:
    # Tesseract's word confidence counts the address's absence from its dictionary.
    field = FieldDef.model_validate(
        {"name": "email", "kind": "text", "type": "email", "bbox": [40, 40, 900, 114]}
    )
    page = _page("rbrandt@outlook.com")
    alone = text.read(page, field, ENGINES)
    typed = text.read(page, field, ENGINES, typed_page=True)
    assert alone.value == typed.value == "rbrandt@outlook.com"
    assert alone.confidence < 0.9 < 0.95 <= typed.confidence


def test_the_agreement_of_reads_does_not_score_free_text_nothing_checks() -> None:
    # The same line in a plain text field (no word list, pattern or format): two reads of
    # one engine share their misreads, so Tesseract's own confidence stands.
    field = FieldDef.model_validate(
        {"name": "requester", "kind": "text", "bbox": [40, 40, 900, 114]}
    )
    assert not text.checked(field)
    page = _page("rbrandt@outlook.com")
    alone = text.read(page, field, ENGINES)
    typed = text.read(page, field, ENGINES, typed_page=True)
    assert typed.value == "rbrandt@outlook.com"
    assert typed.confidence == alone.confidence < 0.9
    listed = FieldDef.model_validate({"name": "last_name", "kind": "text", "bbox": BOX})
    patterned = FieldDef.model_validate(
        {"name": "group", "kind": "text", "bbox": BOX, "pattern": "^[A-Z0-9]+$"}
    )
    assert text.checked(listed) and text.checked(patterned)


def test_a_typed_list_whose_comma_was_lost_is_read_with_it_for_review() -> None:
    field = FieldDef.model_validate(
        {
            "name": "allergy_details",
            "kind": "text",
            "bbox": [40, 40, 900, 114],
            "style": "box",
            "list_format": {"separator": ", ", "items": "allergens"},
        }
    )
    r = text.read(_page("PENICILLIN LATEX"), field, ENGINES, typed_page=True)
    assert r.value == "PENICILLIN, LATEX"
    assert r.confidence <= REPAIRED_CAP
    assert any(m.startswith("repaired from") for m in r.messages)


def test_agreeing_reads_score_by_their_least_sure_character() -> None:
    assert agreed_score((0.99, 1.0, 0.98)) == pytest.approx(0.981, abs=1e-3)
    assert agreed_score((1.0,) * 5) == pytest.approx(0.99)
    assert agreed_score((0.8, 1.0)) == pytest.approx(0.90)
    # A character read doubtfully: the reads may share its misread; no score.
    assert agreed_score((1.0, 0.79, 1.0)) is None
    assert agreed_score(()) is None


def test_reads_are_compared_in_the_field_s_canonical_form() -> None:
    email = FieldDef.model_validate({"name": "email", "kind": "text", "type": "email", "bbox": BOX})
    name = FieldDef.model_validate({"name": "first_name", "kind": "text", "bbox": BOX})
    # Case, spacing and a dot the domain list restores make no other address.
    assert text.canonical(email, "Jburnett@gmailcom") == "jburnett@gmail.com"
    assert text.canonical(email, "jburnett @gmail.com") == "jburnett@gmail.com"
    assert text.canonical(email, "jbumett@gmail.com") != "jburnett@gmail.com"
    # Elsewhere case is written: "Raj" and "RAJ" are two reads.
    assert text.canonical(name, " Raj  ") == "Raj" != text.canonical(name, "RAJ")


def test_two_reads_of_three_the_field_s_list_has_settle_the_vote() -> None:
    rel = FieldDef.model_validate({"name": "emergency_relationship", "kind": "text", "bbox": BOX})
    street = FieldDef.model_validate({"name": "address_street", "kind": "text", "bbox": BOX})
    assert text.listed(rel, "NEPHEW") and not text.listed(rel, "NFPHEW")
    assert text.listed(street, "9159 S COURT ST") and not text.listed(street, "9159 5 COURT ST -")
    same, has = partial(text.canonical, rel), partial(text.listed, rel)
    assert settles(("NFPHEW", "NEPHEW", "NEPHEW"), "NEPHEW", same, has)
    # The list has a dissenting read too, or not the chosen one: no settling.
    assert not settles(("NIECE", "NEPHEW", "NEPHEW"), "NEPHEW", same, has)
    assert not settles(("NEPHEW", "NFPHEW", "NFPHEW"), "NFPHEW", same, has)
    # A field without a list settles nothing.
    group = FieldDef.model_validate({"name": "group_number", "kind": "text", "bbox": BOX})
    assert not text.listed(group, "GR4383908")
