"""Hand-printed medication lines settled from two reads: the unit of a dose, a word both
reads miss, a word split in two (`reading.handtext`, `reading.handwords`). Reads the two
engines gave on fresh tuning pages (bench/fresh_forms.py, seed 7501). Pure functions."""

from __future__ import annotations

from taskmaster.reading import handdose, handtext, lexicon
from taskmaster.reading.handwords import rejoined, snap_both
from taskmaster.reading.recognise import HAND_CAP, Recognised


def _resolve(ocr: str, icr: str) -> Recognised:
    r = Recognised(text=icr, confidence=0.5, source="icr", typed=False, reads=(ocr, icr))
    return handtext.resolve("medications", r)


def test_the_icr_unit_wins_over_tesseract_digits_after_a_dose() -> None:
    r = _resolve("ISUrROFEN /O 76 TWICE DAILY", "IBUPROFEN 10 MG TWICE DAILY")
    assert r.text == "IBUPROFEN 10 MG TWICE DAILY"
    assert r.confidence <= HAND_CAP
    assert _resolve("PREDNISONE 20 7775 TWICE DAILY", "PREDNISONE 20 MG TWICE DAILY").text == (
        "PREDNISONE 20 MG TWICE DAILY"
    )


def test_a_dose_and_its_unit_both_read_as_look_alikes() -> None:
    assert handdose.doses(["MAGNESIUM", "SO", "M6", "TWICE"]) == ["MAGNESIUM", "50", "MG", "TWICE"]
    # A word with no digit in it is no unit's look-alike here: "SO ME" stays.
    assert handdose.doses(["SO", "ME"]) == ["SO", "ME"]
    r = _resolve("MAGA/ EC SIUM SO 776 TWICE DALLY", "MAGNFSIUM SO M6 TWICE DAILY")
    assert r.text == "MAGNESIUM 50 MG TWICE DAILY"


def test_the_entry_nearest_both_reads_when_each_alone_is_a_tie() -> None:
    vocabulary, _ = lexicon.for_field("medications") or (frozenset(), "")
    assert snap_both("DANY", "DMILY", vocabulary) == "DAILY"
    assert snap_both("DANY", "D4ILY", vocabulary) is None  # a digit: no word to snap
    assert _resolve("SILDENAFIL IO MG TWICE DANY", "SILDENAFIL 10 MG TWICL- DMILY").text == (
        "SILDENAFIL 10 MG TWICE DAILY"
    )


def test_a_word_split_in_two_is_joined_where_together_they_are_one_entry() -> None:
    vocabulary, _ = lexicon.for_field("medications") or (frozenset(), "")
    assert rejoined(["SER7", "RALINE", "50", "MG"], vocabulary) == ["SERTRALINE", "50", "MG"]
    assert rejoined(["TWICE", "DAILY"], vocabulary) == ["TWICE", "DAILY"]
    r = _resolve("SEAT RALING 80 YN AT WZI6HT", "SER7 RALINE 50 MG AT NIGHT")
    assert r.text == "SERTRALINE 50 MG AT NIGHT"
    assert r.confidence <= HAND_CAP


def test_the_icr_number_wins_over_a_tesseract_read_with_hardly_a_digit() -> None:
    # Tesseract's "/" would be a thin stroke the ICR dropped, but "/QO" is no number.
    r = _resolve("PREDWVISOLONE /QO ME AT N/ERT", "PREDNISOLONE 10 MG AT N16HT")
    assert r.text == "PREDNISOLONE 10 MG AT NIGHT"
    assert _resolve("SOLUTION /O0 Me AT NIGHT", "SOLUTION 10 MG AT NIGHT").text == (
        "SOLUTION 10 MG AT NIGHT"
    )
    # An identifier: the ICR's mostly-digit read over Tesseract's letters ("22" alone).
    r = Recognised(
        text="x", confidence=0.5, source="icr", typed=False, reads=("CRCZHNIF22", "GR6947922")
    )
    assert handtext.resolve("group_number", r).text == "GR6947922"


def test_the_icrs_e_in_two_pieces() -> None:
    def resolve(field: str, ocr: str, icr: str) -> str:
        r = Recognised(text=icr, confidence=0.5, source="icr", typed=False, reads=(ocr, icr))
        return handtext.resolve(field, r).text

    assert resolve("preferred_language", "BNERME SE", "BURML- SE") == "BURMESE"
    assert resolve("emergency_name", "TRE RESA WHNVT EHEARA", "THERESA WHITL- HEAD") == (
        "THERESA WHITEHEAD"
    )
    # A hyphen Tesseract read too is written: the ICR's read is taken as it is.
    assert "HALL-SMITH" in resolve("emergency_name", "ANNE HALL-SMITH", "ANNE HALL-SMITH")


def test_a_whole_value_both_reads_point_at_together() -> None:
    def resolve(field: str, ocr: str, icr: str) -> Recognised:
        r = Recognised(text=icr, confidence=0.7, source="icr", typed=False, reads=(ocr, icr))
        return handtext.resolve(field, r)

    r = resolve("insurance_provider", "ACT N&", "METNG")
    assert r.text == "AETNA" and r.confidence <= 0.6
    assert resolve("preferred_language", "COACH N", "K.ORCAN").text == "KOREAN"
    # Two reads of nothing alike: no entry is a clear call.
    assert resolve("preferred_language", "QXZ", "WVY").text not in lexicon.load("languages")


def test_symbols_in_a_hand_printed_name_read_as_the_letters_they_look_like() -> None:
    vocabulary = lexicon.load("first_names")
    assert snap_both("(ARTNEN", "LARMEN", vocabulary) == "CARMEN"
    assert snap_both("AMayOp", "AMGN.DA", vocabulary) == "AMANDA"
