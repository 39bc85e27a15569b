"""Typed digit combs whose line reads split two against one on one character: the
character is read again in its cell, and only reads that back one side settle it."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.barcode import ZxingBarcodeEngine
from taskmaster.engines.base import Engines, Gray, Reading
from taskmaster.engines.omr import InkOmrEngine
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.reading import comb, combcell, combtyped
from taskmaster.reading.consensus import AGREED_FLOOR, Consensus

BOXES = [(170 + 58 * i, 1244, 228 + 58 * i, 1316) for i in range(10)]
DIGITS = "0123456789"


def _phone_field() -> FieldDef:
    return FieldDef(
        name="phone_mobile", kind="comb", type="phone", bbox=(170, 1244, 750, 1316), boxes=BOXES
    )


def _drawn(text: str, boxes: list[tuple[int, int, int, int]]) -> Gray:
    """A page with `boxes` drawn and `text` typed one character per box."""
    img = Image.new("L", (1000, 2000), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=34)
    for ch, (x0, y0, x1, y1) in zip(text, boxes, strict=True):
        draw.rectangle((x0, y0, x1, y1), outline=0, width=3)
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), ch, fill=0, font=font, anchor="mm")
    return np.asarray(img, dtype=np.uint8)


def _page(text: str) -> Gray:
    return _drawn(text, BOXES)


def _engines() -> Engines:
    return Engines(ocr=TesseractEngine(), barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())


def _vote(texts: tuple[str, ...]) -> Consensus:
    best = max(texts, key=texts.count)
    return Consensus(Reading(best, 0.9, (0.99,) * len(best), "tesseract"), 2, 3, texts)


def _settle(truth: str, texts: tuple[str, ...]) -> combtyped.Typed | None:
    fd = _phone_field()
    used = comb.cells(_page(truth), fd)
    valid, key = combtyped.length(10), combtyped.form(fd, 10)
    return combcell.settle_by_cell(
        _vote(texts), valid, key, used, _engines(), [DIGITS] * 10, comb._side_by_side
    )


def test_disputed_is_two_alike_against_one_on_one_character() -> None:
    valid, key = combtyped.length(5), combtyped.form(_phone_field(), 5)
    assert combcell.disputed(_vote(("71036", "71038", "71036")), valid, key) == (
        "71036",
        "71038",
        4,
    )
    # Three texts, two characters apart, one lone read, or a wrong-length read only.
    for texts in (
        ("71036", "71038", "71035"),
        ("71036", "71088", "71036"),
        ("71036", "71036"),
        ("71036", "7103", "71036"),
    ):
        assert combcell.disputed(_vote(texts), valid, key) is None, texts


def test_the_cell_read_again_backs_the_two_alike() -> None:
    truth = "3097847794"
    out = _settle(truth, (truth, "3007847794", truth))
    assert out is not None and out.text == truth
    assert AGREED_FLOOR - 0.1 < out.score < AGREED_FLOOR
    assert "read again in its cell" in out.messages[-1]


def test_the_cell_read_again_can_side_with_the_one_read_that_differs() -> None:
    truth = "3097605863"
    wrong = "3087605863"
    out = _settle(truth, (truth, wrong, wrong))
    assert out is not None and out.text == truth
    majority = _settle(truth, (truth, "3037605863", truth))
    assert majority is not None and out.score < majority.score


def test_a_cell_that_backs_neither_read_is_left_for_review() -> None:
    # The cell holds a 9; the reads split between 4 and 1 there.
    assert _settle("3097847794", ("3047847794", "3017847794", "3047847794")) is None


def test_a_typed_phone_on_a_typed_page_goes_through_the_cell_rule() -> None:
    # End to end: a clean typed comb reads alike at once and never needs the cell rule.
    r = comb.read(_page("3097847794"), _phone_field(), _engines(), typed_page=True)
    assert r.value == "3097847794" and r.confidence >= AGREED_FLOOR - 0.05
    assert not any("read again in its cell" in m for m in r.messages)


MEMBER_BOXES = [(170 + 58 * i, 1842, 228 + 58 * i, 1914) for i in range(12)]


MEMBER_FIELD = FieldDef(
    name="member_id",
    kind="comb",
    type="alnum",
    bbox=(170, 1842, 866, 1914),
    boxes=MEMBER_BOXES,
    pattern=r"^[A-Z]{3}\d{9}$",
)


def _member_cells(text: str) -> list[Gray]:
    return comb.cells(_drawn(text, MEMBER_BOXES), MEMBER_FIELD)


def test_a_lone_i_read_again_in_its_cell_as_a_letter_that_lost_its_bars() -> None:
    # The line read the J as a bare I; its cell alone is a J.
    used = _member_cells("JMW788478281")
    assert combcell.lone_i_by_cell("IMW788478281", 3, used, _engines()) == "JMW788478281"


def test_a_lone_i_that_is_an_i_in_its_cell_stays_for_review() -> None:
    used = _member_cells("IMW788478281")
    assert combcell.lone_i_by_cell("IMW788478281", 3, used, _engines()) is None
    # A cell read as a letter no I is left of (an M): not settled either.
    assert (
        combcell.lone_i_by_cell("MIW788478281", 3, _member_cells("MMW788478281"), _engines())
        is None
    )
    # No I among the letters, or cells that are not the text's.
    assert combcell.lone_i_by_cell("JMW788478281", 3, used, _engines()) is None
    assert combcell.lone_i_by_cell("IMW788478281", 3, used[:11], _engines()) is None


def test_a_member_numbers_digit_split_is_read_again_but_not_its_letters() -> None:
    used = _member_cells("NYH452161950")
    valid, key = combtyped.length(12), combtyped.form(MEMBER_FIELD, 12)
    per = [combtyped.UPPER] * 3 + [DIGITS] * 9
    digit = _vote(("NYH452161950", "NYH4R2161950", "NYH452161950"))
    out = combcell.settle_by_cell(digit, valid, key, used, _engines(), per, comb._side_by_side)
    assert out is not None and out.text == "NYH452161950"
    letter = _vote(("NYH452161950", "NXH452161950", "NYH452161950"))
    assert (
        combcell.settle_by_cell(letter, valid, key, used, _engines(), per, comb._side_by_side)
        is None
    )


STATE_BOXES = [(170 + 58 * i, 1244, 228 + 58 * i, 1316) for i in range(2)]


def _state_line(code: str) -> Gray:
    fd = FieldDef(
        name="state", kind="comb", type="state", bbox=(170, 1244, 286, 1316), boxes=STATE_BOXES
    )
    return comb._side_by_side(comb.cells(_drawn(code, STATE_BOXES), fd))


def _blank_vote(texts: tuple[str, ...]) -> Consensus:
    best = max((t for t in texts if t), key=texts.count)
    return Consensus(Reading(best, 0.9, (0.99,) * len(best), "tesseract"), 1, 3, texts)


def test_a_comb_with_blank_line_reads_is_read_again_shrunk() -> None:
    valid, key = combtyped.length(2), combtyped.form(_phone_field(), 2)

    def settle(texts: tuple[str, ...], code: str) -> combtyped.Typed | None:
        vote = _blank_vote(texts)
        return combcell.settle_blank(
            vote, valid, key, _state_line(code), _engines(), combtyped.UPPER
        )

    out = settle(("", "", "IN"), "IN")
    assert out is not None and out.text == "IN" and 0.8 < out.score < 1.0
    # Reads that differ, none blank, or a line that reads otherwise shrunk: not settled.
    assert settle(("", "IN", "IA"), "IN") is None
    assert settle(("IN", "IN", "IA"), "IN") is None
    assert settle(("", "", "IN"), "IA") is None
