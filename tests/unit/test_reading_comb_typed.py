"""Typed combs: a glyph hanging below the line is still type, and reads that agree score
high while reads that differ do not."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.barcode import ZxingBarcodeEngine
from taskmaster.engines.base import Engines, Gray, Reading
from taskmaster.engines.omr import InkOmrEngine
from taskmaster.engines.tesseract import TesseractEngine
from taskmaster.reading import comb, combtyped, date
from taskmaster.reading.consensus import AGREED_FLOOR, WORD_FLOOR, Consensus, agreement_score
from taskmaster.reading.recognise import HAND_CAP

PATTERN = r"^[A-Z]{3}\d{9}$"
BOXES = [(170 + 58 * i, 1842, 228 + 58 * i, 1914) for i in range(12)]


def _member_field() -> FieldDef:
    return FieldDef(
        name="member_id",
        kind="comb",
        type="alnum",
        bbox=(170, 1842, 866, 1914),
        boxes=BOXES,
        pattern=PATTERN,
    )


def _page(text: str, drop: int = 0) -> Gray:
    """The comb's boxes with `text` typed one character per box, the first `drop` px
    low (as a typed J hangs below the line)."""
    img = Image.new("L", (1000, 2000), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=34)
    for i, (ch, (x0, y0, x1, y1)) in enumerate(zip(text, BOXES, strict=True)):
        draw.rectangle((x0, y0, x1, y1), outline=0, width=3)
        y = (y0 + y1) / 2 + (drop if i == 0 else 0)
        draw.text(((x0 + x1) / 2, y), ch, fill=0, font=font, anchor="mm")
    return np.asarray(img, dtype=np.uint8)


def _engines() -> Engines:
    return Engines(ocr=TesseractEngine(), barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())


def test_typed_member_number_is_read_by_agreement_with_a_high_score() -> None:
    r = comb.read(_page("JWM788478281"), _member_field(), _engines(), typed_page=True)
    assert r.value == "JWM788478281"
    assert r.source == "ocr"
    assert r.confidence >= AGREED_FLOOR - 0.05


def test_a_glyph_off_the_line_is_read_as_typed_only_on_a_typed_page() -> None:
    page = _page("JWM788478281", drop=6)
    alone = comb.read(page, _member_field(), _engines())
    assert alone.confidence <= HAND_CAP  # looks hand-printed: one read, for a person
    typed = comb.read(page, _member_field(), _engines(), typed_page=True)
    assert typed.value == "JWM788478281"
    assert typed.source == "ocr" and typed.confidence > HAND_CAP


def _read(text: str, conf: float = 0.99) -> Reading:
    return Reading(text, 0.9, (conf,) * len(text), "tesseract")


def _valid(text: str) -> bool:
    return len(text) == 12


def test_agreement_score_needs_two_alike_and_none_against() -> None:
    two = Consensus(_read("JWM788478281"), 2, 2, ("JWM788478281", "JWM788478281"))
    best = min(AGREED_FLOOR + (1 - AGREED_FLOOR) * 0.99, WORD_FLOOR + (1 - WORD_FLOOR) * 0.9)
    assert agreement_score(two, _valid) == best
    # A third read that split a glyph costs a little; one that reads another value, all.
    split = Consensus(
        _read("JWM788478281"), 2, 3, ("JWM788478281", "JWM7884782811", "JWM788478281")
    )
    score = agreement_score(split, _valid)
    assert score is not None and AGREED_FLOOR - 0.05 < score < best
    other = Consensus(_read("JWM788478281"), 2, 3, ("JWM788478281", "IWM788478281", "JWM788478281"))
    assert agreement_score(other, _valid) is None
    one = Consensus(_read("JWM788478281"), 1, 1, ("JWM788478281",))
    assert agreement_score(one, _valid) is None
    # A shaky character lowers the score.
    shaky = Consensus(_read("JWM788478281", 0.5), 2, 2, ("JWM788478281", "JWM788478281"))
    low = agreement_score(shaky, _valid)
    assert low is not None and low < best
    # So does a low word confidence (a fax's shared misread).
    doubtful = Consensus(
        Reading("JWM788478281", 0.3, (0.99,) * 12, "tesseract"),
        2,
        2,
        ("JWM788478281", "JWM788478281"),
    )
    low = agreement_score(doubtful, _valid)
    assert low is not None and low < best


def test_reads_are_compared_in_the_patterns_form() -> None:
    key = combtyped.form(_member_field(), 12)
    assert key("JWMO884782B1") == "JWM088478281"
    vote = Consensus(_read("JWMO88478281"), 2, 2, ("JWMO88478281", "JWM088478281"))
    assert agreement_score(vote, _valid, key) is not None


PARTS = [(1560, 2930, 1664, 2996), (1696, 2930, 1800, 2996), (1832, 2930, 1992, 2996)]


def _date_page(day: str, month: str, year: str) -> Gray:
    """A date's three parts typed above their underlines."""
    img = Image.new("L", (2100, 3100), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=34)
    for text, (x0, _y0, x1, y1) in zip((day, month, year), PARTS, strict=True):
        draw.line((x0, y1, x1, y1), fill=0, width=3)
        draw.text(((x0 + x1) / 2, y1 - 8), text, fill=0, font=font, anchor="ms")
    return np.asarray(img, dtype=np.uint8)


def _date_field() -> FieldDef:
    return FieldDef(
        name="signature_date",
        kind="date",
        type="date",
        bbox=(1560, 2930, 1992, 2996),
        parts=PARTS,
    )


def test_a_typed_date_read_alike_scores_high_on_a_typed_page() -> None:
    field = _date_field()
    page = _date_page("08", "04", "2026")
    r = date.read(page, field, _engines(), typed_page=True)
    assert r.value == "2026-04-08"
    assert r.source == "ocr" and r.confidence >= AGREED_FLOOR - 0.05
    assert len(r.char_confidences) == 8


class LettersMisread(TesseractEngine):
    """The real Tesseract engine, except that a line read with letters alone allowed
    comes back as `letters` (as a J read afresh differs from the line's I)."""

    def __init__(self, letters: str) -> None:
        super().__init__()
        self.letters = letters

    def read_zone(
        self, image: Gray, *, charset: str | None = None, multiline: bool = False
    ) -> Reading:
        if charset == comb.CHARSETS["state"]:
            return Reading(self.letters, 0.9, (0.9,) * len(self.letters), self.name)
        return super().read_zone(image, charset=charset, multiline=multiline)


def test_letters_read_alone_must_agree_with_the_line() -> None:
    page = _page("JWM788478281")
    same = Engines(ocr=LettersMisread("JWMBB"), barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())
    r = comb.read(page, _member_field(), same, typed_page=True)
    assert r.value == "JWM788478281" and r.confidence >= AGREED_FLOOR - 0.05
    other = Engines(ocr=LettersMisread("IWMB"), barcode=ZxingBarcodeEngine(), omr=InkOmrEngine())
    r = comb.read(page, _member_field(), other, typed_page=True)
    assert r.value == "JWM788478281" and r.confidence <= combtyped.LETTERS_DIFFER_CAP
    assert any("letters only" in m for m in r.messages)


def test_tighten_sets_wide_apart_digits_a_letter_gap_apart() -> None:
    zone = np.full((40, 200), 255, np.uint8)
    zone[10:30, 20:30] = 0  # a "0"
    zone[10:30, 80:90] = 0  # a "2" 50 px further
    out = date.tighten(zone)
    assert out.shape == (40, 3 * date.LETTER_GAP + 20)  # margins and the gap cut, ink kept
    cols = (out < 128).any(axis=0)
    assert int(cols.sum()) == 20  # every ink column kept
    assert date.tighten(np.full((40, 5), 255, np.uint8)).shape == (40, 5)


def test_a_two_against_one_split_is_settled_by_letters_and_digits_read_alone() -> None:
    field = _member_field()
    line = comb._side_by_side(comb.cells(_page("JWM788478281"), field))
    valid, key = combtyped.length(12), combtyped.form(field, 12)
    right, other = "JWM788478281", "JWM788478231"
    split = Consensus(_read(right), 2, 3, (right, other, right))
    out = combtyped.settle(field, split, valid, key, line, _engines())
    assert out is not None and out.text == right
    assert AGREED_FLOOR - 0.1 < out.score < AGREED_FLOOR
    # The two siding against what the line reads alone: not settled.
    wrong = Consensus(_read(other), 2, 3, (other, right, other))
    assert combtyped.settle(field, wrong, valid, key, line, _engines()) is None


def test_a_typed_date_outside_the_fields_years_goes_to_review() -> None:
    field = _date_field()
    far = str(date.years(field)[1] + 2)
    r = date.read(_date_page("08", "04", far), field, _engines(), typed_page=True)
    assert r.value == f"{far}-04-08"
    assert r.confidence <= date.OUT_OF_RANGE_CAP
    assert any("outside" in m for m in r.messages)


def test_more_than_one_digit_made_a_letter_goes_to_review() -> None:
    assert combtyped.repaired_cap("JWMO88478281", "JWM088478281", 0.97) == 0.97
    assert combtyped.repaired_cap("WZMOB2238469", "WZM082238469", 0.97) == 0.97
    assert (
        combtyped.repaired_cap("751438182044", "TSI438182044", 0.97) == combtyped.MULTI_REPAIR_CAP
    )


def _glyph(ch: str) -> Gray:
    """One comb cell (42 x 56) with a typed capital drawn in a sans font."""
    img = Image.new("L", (42, 56), 255)
    font = ImageFont.load_default(size=34)
    ImageDraw.Draw(img).text((21, 28), ch, fill=0, font=font, anchor="mm")
    return np.asarray(img, dtype=np.uint8)


def test_a_bare_stroke_is_a_bar_and_other_capitals_are_not() -> None:
    assert combtyped.is_bar(_glyph("I"))
    for ch in "WLMOTJ":
        assert not combtyped.is_bar(_glyph(ch)), ch
    assert not combtyped.is_bar(np.full((56, 42), 255, np.uint8))


def test_a_typed_state_whose_reads_lost_its_i_is_read_with_the_bar() -> None:
    cells = [_glyph("W"), _glyph("I")]
    r = Reading("W", 0.0, (0.97,), "tesseract")
    lost: tuple[tuple[str, ...], ...] = (("W", "WW", "WW"), ("WI", "W", "WI"), ("W",) * 4)
    for read in lost:
        out = combtyped.state_with_bars(Consensus(r, 1, len(read), read), cells)
        assert out is not None and out.text == "WI"
        assert out.score == combtyped.BARS_SCORE
    # One read is not enough; reads that give two codes, a code no state has, or no bar
    # at all (every cell a bar: which read letter is which?) leave the comb as it was.
    cases: tuple[tuple[tuple[str, ...], str], ...] = (
        (("W", "MM"), "WI"),
        (("W",), "WI"),
        (("WA", "WA"), "WI"),
        (("W", "W"), "WA"),
        (("I", "I"), "II"),
        (("QQ", "QQ"), "QI"),
    )
    for texts, glyphs in cases:
        got = combtyped.state_with_bars(
            Consensus(r, 1, len(texts), texts), [_glyph(c) for c in glyphs]
        )
        assert got is None, (texts, glyphs)


def test_a_ghost_of_the_first_digit_after_the_letters_is_dropped() -> None:
    fd = _member_field()
    line = comb._side_by_side(comb.cells(_page("PBW017573069"), fd))
    engines = _engines()
    ghosted = ("PBWO017573069",) * 3
    out = combtyped.without_ghost(
        fd, Consensus(_read(ghosted[0]), 0, 3, ghosted), 12, line, engines
    )
    assert out is not None and out.text == "PBW017573069"
    assert out.score == combtyped.GHOST_SCORE and len(out.confs) == 12
    mixed = ("EYUB805236979", "EYUB805236979", "EYU805236979")
    vote = Consensus(_read(mixed[2]), 1, 3, mixed)
    # The letters read alone ("PBW") contradict EYU: left for review.
    assert combtyped.without_ghost(fd, vote, 12, line, engines) is None
    # No look-alike pair at the letters' end, reads that differ, or a ghost read alone.
    for texts in (
        ("PBWX017573069",) * 2,
        ("PBWO017573069", "PBW017573068"),
        ("PBWO017573069",),
        ("PBW017573069", "PBW017573069"),
    ):
        got = combtyped.without_ghost(
            fd, Consensus(_read(texts[0]), 1, len(texts), texts), 12, line, engines
        )
        assert got is None, texts


def test_a_ghost_whose_digit_one_read_gives_as_its_letter_alone() -> None:
    # Two reads with the ghost and its digit, one with the digit read as the letter
    # alone: every read gives one value; no letters-only read is made.
    fd = _member_field()
    line = comb._side_by_side(comb.cells(_page("WUK872671361"), fd))
    texts = ("WUKB72671361", "WUKB872671361", "WUKB872671361")
    out = combtyped.without_ghost(fd, Consensus(_read(texts[0]), 1, 3, texts), 12, line, _engines())
    assert out is not None and out.text == "WUK872671361"
    assert out.score == combtyped.GHOST_ALONE_SCORE < combtyped.GHOST_SCORE
    # The lone read's letter is not the ghosts' digit's look-alike: left for review.
    other = ("WUKS72671361", "WUKB872671361", "WUKB872671361")
    vote = Consensus(_read(other[0]), 1, 3, other)
    assert combtyped.without_ghost(fd, vote, 12, line, _engines()) is None


def test_typed_letters_read_as_a_lone_i_score_in_a_bin_of_their_own() -> None:
    fd = _member_field()
    score, note = combtyped.lone_i(fd, "IMW250102404", 0.989)
    assert score == combtyped.LONE_I_CAP and note is not None
    # An I among the digits' look-alikes is not a letter; a field not letters-then-digits.
    assert combtyped.lone_i(fd, "JMW250102404", 0.989) == (0.989, None)
    state = FieldDef(name="state", kind="comb", type="state", bbox=(0, 0, 10, 10), boxes=BOXES[:2])
    assert combtyped.lone_i(state, "WI", 0.93) == (0.93, None)
    # Through the reader: a typed member number with an I, on a typed page.
    got = comb.read(_page("XGI640643771"), fd, _engines(), typed_page=True)
    assert got.value == "XGI640643771" and got.confidence == combtyped.LONE_I_CAP
    assert "lone I" in got.messages[-1]


def _serif_page(text: str) -> Gray:
    """The member comb typed in a serif face, grey and blurred as a phone photo leaves
    it: the bars of T and E thin and lighter than ink."""
    img = Image.new("L", (1000, 2000), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(SERIF, 30)
    for ch, (x0, y0, x1, y1) in zip(text, BOXES, strict=True):
        draw.rectangle((x0, y0, x1, y1), outline=0, width=3)
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), ch, fill=60, font=font, anchor="mm")
    return np.asarray(cv2.GaussianBlur(np.asarray(img), (0, 0), 1.3), np.uint8)


SERIF = "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"  # fonts-liberation


def test_a_blurred_serif_t_or_e_in_a_member_number_is_not_read_as_an_i() -> None:
    # A serif T's light bar was cut off its stem (and its dark tips whitened as specks):
    # BTN, GEB and NST read BIN, GIB and NSI by every read.
    fd = _member_field()
    for truth in ("BTN890152865", "GEB184949444", "NST308806341"):
        r = comb.read(_serif_page(truth), fd, _engines(), typed_page=True)
        assert r.value == truth
