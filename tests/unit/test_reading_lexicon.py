"""Field-aware decoding of hand print: vocabulary snapping, word-by-word settling of two
reads, pattern- and date-constrained decoding. Pure functions, no engines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pytest

from taskmaster.apps.schema import FieldDef
from taskmaster.reading import handdose, handtext, lexicon, text
from taskmaster.reading.combdecode import decode_pattern, position_charsets
from taskmaster.reading.date import Mask, years
from taskmaster.reading.recognise import Recognised


def test_lexicons_load_upper_case_without_comments() -> None:
    for name in (
        "first_names",
        "surnames",
        "cities",
        "relationships",
        "languages",
        "insurers",
        "streets",
        "medications",
    ):
        words = lexicon.load(name)
        assert len(words) > 20
        assert all(w == w.upper() and not w.startswith("#") for w in words)
    assert "SISTER" in lexicon.load("relationships")
    assert lexicon.for_field("no_such_field") is None


def test_distance_knows_hand_print_confusions() -> None:
    assert lexicon.distance("SISTER", "sister") == 0
    # S/5 and I/1 are look-alikes, so cheaper than an unrelated letter.
    assert lexicon.distance("515TER", "SISTER") < lexicon.distance("5X5TER", "SISTER")
    # A word gap one engine saw costs less than a letter.
    assert lexicon.distance("KORE AN", "KOREAN") < 0.5
    # A dropped thin stroke (the ICR loses a lone I) costs less than a dropped letter.
    assert (
        lexicon.distance("NDIANAPOLIS", "INDIANAPOLIS")
        < lexicon.distance("INDIANAPOLS", "INDIANAPOLIS") + 0.5
    )


def test_snap_needs_a_close_and_unique_entry() -> None:
    vocab = frozenset({"SISTER", "BROTHER", "SON", "DAUGHTER"})
    s = lexicon.snap(["515TER", "SleTER"], vocab)
    assert s is not None and s.entry == "SISTER" and s.near(0)
    assert lexicon.snap(["GRANDPA"], vocab) is None  # nothing close: left alone
    # Two entries equally close: no guess.
    assert lexicon.snap(["ANN"], frozenset({"ANA", "ANNE"})) is None


def test_align_joins_words_one_read_split() -> None:
    assert handtext.align(["KORE", "AN"], ["KOREAN"]) == [("KOREAN", "KOREAN")]
    pairs = handtext.align(["3945", "&", "WASHINGTON", "DR"], ["3945", "E", "WASHINGTON", "DR"])
    assert [o for o, _ in pairs] == ["3945", "&", "WASHINGTON", "DR"]


def _hand(ocr: str, icr: str) -> Recognised:
    return Recognised(text=ocr, confidence=0.4, source="ocr", typed=False, reads=(ocr, icr))


def test_resolve_snaps_whole_field_values() -> None:
    r = handtext.resolve("emergency_relationship", _hand("SleTER", "515TER"))
    assert r.text == "SISTER" and r.confidence == handtext.SNAP_AGREE
    # Only one read near the entry: the value is proposed, not accepted.
    r = handtext.resolve("city", _hand("NDIANAPOLIS", "XQZWAPOLIS"))
    assert r.text == "INDIANAPOLIS" and r.confidence < 0.9


def test_resolve_word_by_word() -> None:
    # The street number comes from the ICR, the street words from the vocabulary.
    r = handtext.resolve("address_street", _hand("N93 LAKE AVE", "1193 LAKE FNE"))
    assert r.text == "1193 LAKE AVE"
    assert r.confidence < 0.9  # the number was read by one engine only
    assert len(r.char_confidences) == len(r.text)
    # The number and AVE (FNE is no street word) are doubtful, LAKE is not.
    assert max(r.char_confidences[:4]) < 0.5 < min(r.char_confidences[5:9])
    assert max(r.char_confidences[10:]) < 0.5
    # A number only Tesseract read as digits keeps its digits ("5D" is the ICR's slip).
    assert (
        handtext.resolve("medications", _hand("LEVOTHYROXINE 50 MCG", "LEVOTHYROXINE 5D MCG")).text
        == "LEVOTHYROXINE 50 MCG"
    )
    # A split word both engines otherwise agree on is confident.
    r = handtext.resolve("insurance_provider", _hand("UNITEDHEAL THCARE", "UNITEDHEALTHCARE"))
    assert r.text == "UNITEDHEALTHCARE" and r.confidence >= 0.9
    # Reads that agree are left as they are.
    same = _hand("SMITH", "SMITH")
    assert handtext.resolve("last_name", same) is same


def test_settle_typed_only_below_accept() -> None:
    r = Recognised(text="KORE AN", confidence=0.7, source="ocr")
    assert handtext.settle_typed("preferred_language", r).text == "KOREAN"
    sure = Recognised(text="KORE AN", confidence=0.95, source="ocr")
    assert handtext.settle_typed("preferred_language", sure) is sure
    r = Recognised(text="INSULIN GLARG INE 20 UNITS", confidence=0.7, source="ocr")
    assert handtext.settle_typed("medications", r).text == "INSULIN GLARGINE 20 UNITS"


def test_position_charsets() -> None:
    allowed = position_charsets(r"^[A-Z]{3}\d{9}$", 12)
    assert allowed is not None and len(allowed) == 12
    assert allowed[2].isalpha() and allowed[3].isdigit()
    assert position_charsets(r"^[A-Z]{3}\d{9}$", 11) is None
    assert position_charsets(r"^(A|B)\d+$", 3) is None


def test_decode_pattern_reads_look_alikes_by_position() -> None:
    cells = [{"A": 0.9, "4": 0.1}, {"I": 0.6, "1": 0.4}, {"Z": 0.55, "2": 0.45}]
    r = decode_pattern(cells, ["ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "0123456789"])
    assert r.text == "A12"
    assert 0 < r.confidence <= 1 and len(r.char_confidences) == 3


@pytest.mark.parametrize(("name", "recent"), [("visit_date", True), ("date_of_birth", False)])
def test_date_years(name: str, recent: bool) -> None:
    lo, hi = years(FieldDef(name=name, kind="date", bbox=(0, 0, 10, 10)))
    now = dt.date.today().year
    assert lo <= now <= hi
    assert (lo > 1950) is recent


def test_a_lost_word_gap_is_split_into_list_words_for_review() -> None:
    typed = Recognised(text="EMMAKERR", confidence=0.93, source="ocr")
    out = handtext.settle_typed("emergency_name", typed)
    assert out.text == "EMMA KERR" and out.confidence < handtext.ACCEPT
    # A word of the list is left alone, and so is a line with no glued words.
    same = handtext.settle_typed("emergency_name", Recognised("JOHNSON", 0.93, "ocr"))
    assert same.text == "JOHNSON" and same.confidence == 0.93
    meds = handtext.settle_typed("medications", Recognised("LISINOPRIL 10 MG", 0.95, "ocr"))
    assert meds.confidence == 0.95


def test_resolve_keeps_the_comma_the_icr_saw_and_the_icr_number_over_junk() -> None:
    # The list's comma survives snapping the word; Tesseract's "." for it is a doubt.
    r = handtext.resolve("allergy_details", _hand("ASPIAIN. LATEX", "ASPIRIN, LATEX"))
    assert r.text == "ASPIRIN, LATEX" and r.confidence < 0.9
    r = handtext.resolve("allergy_details", _hand("LATEX, ASPIRN", "LATEX, ASPIRIN"))
    assert r.text == "LATEX, ASPIRIN"
    # Lower case and symbols inside a number are Tesseract's misreads of hand print.
    assert handtext.resolve("group_number", _hand("GReT672%73", "GR6969243")).text == "GR6969243"
    assert handtext.resolve("group_number", _hand("77,5385", "677535")).text == "677535"


def test_a_word_before_a_unit_is_a_dose() -> None:
    assert handdose.doses(["EPINEPHRINE", "S", "MG", "DAILY"])[1] == "5"
    assert handdose.doses(["TAKE", "IO", "ML"])[1] == "10"
    assert handdose.doses(["AT", "NIGHT"]) == ["AT", "NIGHT"]  # no unit: left alone
    assert handdose.doses(["SR", "MG"]) == ["SR", "MG"]  # R is no digit's look-alike
    r = handtext.resolve(
        "medications", _hand("EPINEPHRINE S MG TWICE DAILY", "EPIIVEPHRINE S MCJ TWICE DALLY")
    )
    assert r.text.startswith("EPINEPHRINE 5 MG")


class _PieceClassifier:
    """Sure of a digit made of whole pieces: piece k alone is digit k, except pieces 1
    and 2, halves of one broken 6 (sure only together), and piece 5, a speck."""

    def probabilities(self, masks: Sequence[Mask], charset: str) -> list[dict[str, float]]:
        out = []
        for m in masks:
            ids = tuple(int(i) for i in np.flatnonzero(m))
            sure = {(0,): "2", (1, 2): "6", (3,): "0", (4,): "9"}.get(ids)
            out.append(
                {c: (0.97 if c == sure else 0.003) for c in charset}
                if sure
                else {c: 0.1 for c in charset}
            )
        return out


def test_year_digits_from_more_pieces_than_digits() -> None:
    from taskmaster.reading.date import _n_digits

    pieces = [np.eye(6, dtype=bool)[k] for k in range(6)]  # "2", half a 6, half, "0", "9", speck
    tables = _n_digits(pieces, 4, _PieceClassifier())
    assert tables is not None
    assert "".join(max(t, key=lambda c: t[c]) for t in tables) == "2609"
    assert _n_digits(pieces[:3], 4, _PieceClassifier()) is None  # too few pieces


def test_an_email_address_comes_from_the_read_that_makes_one() -> None:
    # Hand print: the ICR's lower case and '@' over Tesseract's l/1 and o/0 mix-ups.
    r = handtext.resolve("email", _hand("jsm1th@gmai1.c0m", "j smith@gmail.com"))
    assert r.text == "jsmith@gmail.com" and r.confidence < 0.9 and r.source == "icr"
    # A typed address on a fax Tesseract was unsure of: only its read is an address.
    r = handtext.resolve("email", _hand("emily66@yahoocom", "amll 56@ ahdd com"))
    # Its domain, and the ICR's "ahdd com", point at yahoo.com together (`handmail`).
    assert r.text == "emily66@yahoo.com" and r.source == "ocr"


def test_a_unit_after_a_dose_and_no_stray_short_words_in_names() -> None:
    assert handdose.doses(["50", "M6", "DAILY"]) == ["50", "MG", "DAILY"]
    assert handdose.doses(["AT", "A7"]) == ["AT", "A7"]  # no number before it
    # A short word only Tesseract saw, in no list: a speck or stroke, dropped.
    r = handtext.resolve("emergency_name", _hand("EVAN SWEENEY EM", "EVAN SWEENEY"))
    assert r.text == "EVAN SWEENEY"
    # A direction in the street list stays.
    assert (
        handtext.resolve("address_street", _hand("9810 N TRL AVE", "9810 TRL AVE")).text
        == "9810 N TRL AVE"
    )


def test_a_house_number_glued_to_a_street_word_is_split_for_review() -> None:
    out = handtext.settle_typed("address_street", Recognised("2545N VIEW ST", 0.95, "ocr"))
    assert out.text == "2545 N VIEW ST" and out.confidence < handtext.ACCEPT
    same = Recognised("2545 VIEW ST", 0.95, "ocr")
    assert handtext.settle_typed("address_street", same) is same


def test_a_typed_word_one_look_alike_from_the_fields_list_is_found() -> None:
    def fd(name: str) -> FieldDef:
        return FieldDef(name=name, kind="text", type="string", bbox=(0, 0, 10, 10))

    assert text.near_listed(fd("address_street"), "44 JACKSON AVF") == ("AVF", "AVE")
    assert text.near_listed(fd("emergency_name"), "RCNALD STOUT") == ("RCNALD", "RONALD")
    # Words of the list, numbers, and fields without a list of words are left alone.
    assert text.near_listed(fd("address_street"), "44 JACKSON AVE") is None
    assert text.near_listed(fd("emergency_name"), "RONALD STOUT") is None
    assert text.near_listed(fd("city"), "SPRINGFIELF") is None
    assert text.near_listed(fd("email"), "a@b.com") is None


def test_the_cost_tables_are_the_costs_of_every_character_pair() -> None:
    chars = [chr(i) for i in range(lexicon._CODES - 1)]
    for a in chars:
        row = lexicon._SUB[ord(a)]
        assert [row[ord(b)] for b in chars] == [lexicon._sub(a, b) for b in chars]
        assert lexicon._INDEL[ord(a)] == lexicon._indel(a)
