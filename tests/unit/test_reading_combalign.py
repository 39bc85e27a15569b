"""Typed digit combs whose line reads part on several characters or came back a glyph
long or short: the read of the comb's length that explains the others stands only where
its cells, read again between their neighbours, give its characters."""

from __future__ import annotations

from taskmaster.engines.base import Reading
from taskmaster.reading import comb, combalign, combdecode, combtyped
from taskmaster.reading.consensus import Consensus
from tests.unit.test_reading_comb_typed import PATTERN, _member_field
from tests.unit.test_reading_comb_typed import _page as _member_page
from tests.unit.test_reading_combcell import DIGITS, _engines, _page, _phone_field


def _vote(texts: tuple[str, ...]) -> Consensus:
    best = max(texts, key=lambda t: (len(t) == 10, texts.count(t)))
    return Consensus(Reading(best, 0.8, (0.9,) * len(best), "tesseract"), 1, 3, texts)


def _settle(truth: str, texts: tuple[str, ...]) -> combtyped.Typed | None:
    fd = _phone_field()
    used = comb.cells(_page(truth), fd)
    key = combtyped.form(fd, 10)
    return combalign.settle_by_cells(
        _vote(texts), key, used, _engines(), [DIGITS] * 10, comb._side_by_side
    )


def test_doubts_are_where_reads_part_or_hold_a_glyph_more_or_less() -> None:
    # Fresh typed fax 8802_047's ZIP: one glyph doubled, one split (cells 4 and 5).
    assert combalign._doubts("64365", ["64365", "643656", "643685"]) == {3, 4}
    # Its date of birth: two characters apart, and two glyphs more.
    assert combalign._doubts("03091954", ["03091954", "03621954", "0360921954"]) == {1, 2, 3, 4}
    # A glyph lost beside its twin: either of the two 7s.
    assert combalign._doubts("7732295324", ["7732295324", "732295324"]) == {0, 1}
    # A read no glyph doubled, split or lost explains.
    # A glyph split in two others (fresh typed fax 8915_032's 9 read 03).
    assert combalign._doubts("18041988", ["18041988", "180410388"]) == {4, 5, 6}
    for other in ("5431", "64365666", "643", "", "9431"):
        assert combalign._doubts("64365", ["64365", other]) is None, other
    # One of the comb's length is explained by its differing cells, each then in doubt.
    assert combalign._doubts("64365", ["64365", "71111"]) == {0, 1, 2, 3, 4}


def test_reads_of_the_wrong_length_settled_by_the_cells_read_again() -> None:
    # Fresh typed fax 8801_002's home phone: three reads, no two alike.
    truth = "3098074507"
    out = _settle(truth, (truth, "3085674507", "30698074507"))
    assert out is not None and out.text == truth
    assert out.score == combalign.CELLS_SETTLED
    assert "read again in their cells" in out.messages[-1]


def test_a_read_its_cells_contradict_is_left_for_review() -> None:
    # The cells hold ...793; every read of the comb's length says 78x: not settled.
    assert _settle("3097445793", ("3097445783", "3097445788", "30974457833")) is None
    # A blank or far-off read, or reads all alike, are for the other rules.
    truth = "3098074507"
    assert _settle(truth, (truth, "", "30698074507")) is None
    assert _settle(truth, (truth, "3012345678", "30698074507")) is None
    assert _settle(truth, (truth, truth, truth)) is None


def test_a_cell_is_read_among_neighbours_either_side_where_the_comb_has_them() -> None:
    assert combalign.window(10, 4, 3) == (3, 6)
    assert combalign.window(10, 4, 5) == (2, 7)
    # A first or last cell: the window shifted in, so it still has two neighbours.
    assert combalign.window(10, 0, 3) == (0, 3)
    assert combalign.window(10, 9, 5) == (5, 10)
    assert combalign.window(5, 4, 3) == (2, 5)
    # A comb shorter than the window: all of it.
    assert combalign.window(2, 1, 5) == (0, 2)


def test_a_member_number_whose_reads_hold_a_ghost_digit_is_settled_by_its_cells() -> None:
    # Fresh typed photo 8801_013: two reads see a 6 between the last 9 and 0.
    fd = _member_field()
    truth = "FRF781877890"
    used = comb.cells(_member_page(truth), fd)
    per = combdecode.position_charsets(PATTERN, 12)
    assert per is not None
    texts = ("FRF7818778960", truth, "FRF7818778960")
    vote = Consensus(Reading(truth, 0.6, (0.9,) * 12, "tesseract"), 1, 3, texts)
    out = combalign.settle_by_cells(
        vote, combtyped.form(fd, 12), used, _engines(), per, comb._side_by_side
    )
    assert out is not None and out.text == truth and out.score == combalign.CELLS_SETTLED
    # A letter in doubt that its cell does not give: not settled.
    wrong = ("FRF7818778960", "FRE781877890", "FRF7818778960")
    vote = Consensus(Reading("FRE781877890", 0.6, (0.9,) * 12, "tesseract"), 1, 3, wrong)
    assert (
        combalign.settle_by_cells(
            vote, combtyped.form(fd, 12), used, _engines(), per, comb._side_by_side
        )
        is None
    )
