"""Hand-printed lines settled from two reads, and the scores of doubtful hand fields.

The reads are ones the two engines gave on fresh tuning pages (bench/fresh_forms.py,
seeds 7201 and 7202). Pure functions, no engines."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from taskmaster.reading import handdose, handtext
from taskmaster.reading.combdecode import CHAR_ACCEPT, doubt_cap
from taskmaster.reading.date import Mask, _digit_cuts, _n_digits, _split_touching
from taskmaster.reading.recognise import Recognised


def _resolve(field: str, ocr: str, icr: str) -> Recognised:
    r = Recognised(text=ocr, confidence=0.4, source="ocr", typed=False, reads=(ocr, icr))
    return handtext.resolve(field, r)


def test_a_street_direction_the_icr_read_as_a_letter_is_kept() -> None:
    # Tesseract's digit for the ICR's listed letter, and a letter only the ICR saw.
    assert _resolve("address_street", "7053 3 FOURTH JT", "9053 S FOURTH ST").text == (
        "9053 S FOURTH ST"
    )
    r = _resolve("address_street", "S592 PLACE Sr", "5592 E PWACE ST")
    assert r.text == "5592 E PLACE ST" and r.confidence < handtext.ACCEPT
    assert _resolve("address_street", "763 V/ wW/LLOW AQ", "8963 N WILLOW DR").text == (
        "8963 N WILLOW DR"
    )
    # A lone medication letter does not replace Tesseract's digit ("A" is a list word).
    assert _resolve("medications", "TAKE 5 MG", "TAKE A MG").text == "TAKE 5 MG"


def test_symbols_only_tesseract_saw_are_specks_and_split_names_are_joined() -> None:
    assert _resolve("last_name", "PACHC & 0d", "PACHECO").text == "PACHECO"
    assert _resolve("first_name", "ALE TAM DRA", "ALEJANDRA").text == "ALEJANDRA"
    assert _resolve("emergency_name", "ART #UR DANEWNI ORT", "ARTHUR DAVENP ORT").text == (
        "ARTHUR DAVENPORT"
    )
    # Two words of the list stay two words.
    assert _resolve("emergency_name", "JUN Y0RK", "JUN YORK").text == "JUN YORK"


def test_a_digit_tesseract_doubled_is_the_icrs_number_but_not_a_lost_one() -> None:
    r = _resolve("medications", "SITAGCLIPTIN 55 mc DAILY", "SITAGLIPTIN 5 M6 DAILY")
    assert r.text == "SITAGLIPTIN 5 MG DAILY"
    assert _resolve("address_street", "27714 MAN ST", "3714 MAIN ST").text == "3714 MAIN ST"
    # Tesseract's extra glyph is a thin stroke the ICR may have dropped: the two merged.
    assert _resolve("group_number", "45304671", "4530467").text == "45304671"
    # The ICR's "S" before a unit is a 5 before it meets Tesseract's read, for review.
    r = _resolve("medications", "WHALER Ss W& DAIL)", "INHALER S MG DAILY")
    assert r.text == "INHALER 5 MG DAILY" and r.confidence < handtext.ACCEPT
    assert handdose.doses(["20", "OG", "DAILY"]) == ["20", "MG", "DAILY"]
    assert handdose.doses(["20", "XY", "DAILY"]) == ["20", "XY", "DAILY"]
    # A street word after a house number is no unit; Tesseract's "." for a digit goes.
    assert _resolve("address_street", "A80LF FL CT", "9808 FL C.T").text == "9808 FL CT"
    assert _resolve("address_street", "398. S CHVROH PVE", "3981 S CHURCH AUE").text == (
        "3981 S CHURCH AVE"
    )


def test_a_word_both_read_alike_one_glyph_off_the_list_goes_to_review() -> None:
    r = _resolve("first_name", "JONG THAN", "JONGTHAN")
    assert r.text == "JONATHAN" and r.confidence < handtext.ACCEPT
    # Read alike from the start: the same doubt (the engines share look-alike slips).
    r = _resolve("first_name", "JONGTHAN", "JONGTHAN")
    assert r.text == "JONATHAN" and r.confidence < handtext.ACCEPT
    r = Recognised(text="CRY", confidence=0.95, source="icr", typed=False, reads=("CRY", "CRY"))
    out = handtext.resolve("last_name", r)
    assert out.text == "CRY" and out.confidence < handtext.ACCEPT  # FRY, CRAY: several
    # Agreed and in the list: confident.
    r = _resolve("first_name", "JOHN SON", "JOHNSON")
    assert r.text == "JOHNSON" and r.confidence >= handtext.ACCEPT


def test_a_doubtful_character_caps_the_field_by_its_confidence() -> None:
    assert doubt_cap([0.999, 0.99, CHAR_ACCEPT]) is None
    assert doubt_cap([]) is None
    sure_ish, unsure = doubt_cap([0.999, 0.97]), doubt_cap([0.999, 0.4])
    assert sure_ish is not None and unsure is not None
    # Below every score of a field read with every character sure, and graded.
    assert unsure < sure_ish < 0.8


def test_two_touching_digits_are_cut_where_the_ink_is_thinnest() -> None:
    mask = np.zeros((30, 60), bool)
    mask[5:25, 5:25] = True  # one digit
    mask[5:25, 33:53] = True  # another
    mask[14:16, 25:33] = True  # a thin bridge between them
    left, right = _split_touching([mask], 2) or []
    assert left[:, :25].any() and not left[:, 33:].any()
    assert right[:, 33:].any() and not right[:, :25].any()
    narrow = np.zeros((30, 60), bool)
    narrow[5:25, 20:32] = True  # a single digit is not cut
    assert _split_touching([narrow], 2) is None
    assert _split_touching([mask, narrow], 2) == [mask, narrow]


class _Pieces:
    """Sure of digit k for piece k alone (1-D toy masks), unsure of joined pieces."""

    def probabilities(self, masks: Sequence[Mask], charset: str) -> list[dict[str, float]]:
        out = []
        for m in masks:
            ids = tuple(int(i) for i in np.flatnonzero(m))
            sure = str(ids[0] % 10) if len(ids) == 1 else None
            out.append(
                {c: (0.9 if c == sure else 0.01) for c in charset}
                if sure
                else {c: 0.1 for c in charset}
            )
        return out


def test_the_likeliest_cuts_of_a_part_into_digits_best_first() -> None:
    pieces = [np.eye(5, dtype=bool)[k] for k in range(5)]  # five sure digits, four wanted
    cuts = _digit_cuts(pieces, 4, _Pieces(), 3)
    assert len(cuts) == 3
    scores = [s for s, _ in cuts]
    assert scores == sorted(scores, reverse=True)
    best = _n_digits(pieces, 4, _Pieces())
    assert best is not None and best == cuts[0][1]
    # Every cut is four digits; the others leave out another piece or join two.
    assert all(len(tables) == 4 for _, tables in cuts)
    assert _digit_cuts(pieces[:2], 4, _Pieces()) == []
