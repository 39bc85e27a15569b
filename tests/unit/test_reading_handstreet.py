"""The suffix ending a hand-printed street address (`reading.handstreet`): reads the two
engines gave on fresh tuning pages (bench/fresh_forms.py, seed 7501). Pure functions."""

from __future__ import annotations

from taskmaster.reading import handtext
from taskmaster.reading.handstreet import suffix
from taskmaster.reading.recognise import HAND_CAP, Recognised


def _resolve(ocr: str, icr: str) -> Recognised:
    r = Recognised(text=icr, confidence=0.5, source="icr", typed=False, reads=(ocr, icr))
    return handtext.resolve("address_street", r)


def test_the_last_word_is_the_suffix_both_reads_point_at() -> None:
    r = _resolve("SI 5 LAKE 57", "518 S LAKE ST")
    assert r.text == "518 S LAKE ST"
    assert r.confidence <= HAND_CAP
    assert _resolve("70%0 fOURTH N", "7080 FOURTH IN").text == "7080 FOURTH LN"
    assert _resolve("2667 2K DK", "3667 OAK DK").text == "3667 OAK DR"


def test_a_line_with_a_suffix_or_a_unit_number_keeps_its_last_word() -> None:
    assert suffix(["123", "MAIN", "ST", "N"], "N", "N") is None
    assert suffix(["12", "ELM", "APT", "5"], "5", "5") is None
    assert suffix(["45", "OAK", "7"], "7", "7") is None  # no suffix is that near
    assert suffix(["45", "OAK", "RO"], "RO", "RO") == "RD"
