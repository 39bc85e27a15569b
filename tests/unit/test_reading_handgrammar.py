"""The shape of hand-printed list lines (`reading.handgrammar`, through
`handtext.resolve`): a medication's frequency, full stops after listed words, the ICR's
read where only it is a well-formed line, a dose's lost digit, two units, an '@' on a
list line. Reads the two engines gave on fresh tuning pages (bench/fresh_forms.py, seeds
7931 and 8413). Pure functions."""

from __future__ import annotations

from taskmaster.reading import handdose, handgrammar, handstreet, handtext, lexicon
from taskmaster.reading.recognise import HAND_CAP, Recognised
from taskmaster.reading.result import PROPOSED

MEDS = lexicon.for_field("medications")[0]  # type: ignore[index]
STREETS = lexicon.for_field("address_street")[0]  # type: ignore[index]
ALLERGIES = lexicon.for_field("allergy_details")[0]  # type: ignore[index]


def _resolve(field: str, ocr: str, icr: str) -> Recognised:
    r = Recognised(text=icr, confidence=0.5, source="icr", typed=False, reads=(ocr, icr))
    return handtext.resolve(field, r)


def test_a_medications_frequency_is_the_phrase_nearest_all_its_reads() -> None:
    cases = [
        ("LAMOTR/IGINC BO ML 47 NIGHT", "LAMOTRIGINC 50 MG AT NIGHT", "AT NIGHT"),
        ("CLOAN/IINE 5 Me PAIN", "CLONIDINE S MG DAILY", "DAILY"),
        ("CIPFOFLOXACIN S M6 TWICE DAL Y", "CIPROT-LOXACIN 5 MG TWLCE DALL Y", "TWICE DAILY"),
        ("AT ORVASTATN 5 mb ZT NIGHT", "ATORVASTATIN 5 MG MT NIGHT", "AT NIGHT"),
        ("CLAN/DINE /O MG &T NEdT", "CLQNIDINE 10 MG GT NIGHT", "AT NIGHT"),
    ]
    for ocr, icr, tail in cases:
        r = _resolve("medications", ocr, icr)
        assert r.text.endswith(" MG " + tail), (ocr, r.text)
        assert r.confidence <= HAND_CAP
    # No phrase is a clear call: the words stay as settled.
    words = ["ASPIRIN", "5", "MG", "WITH", "FOOD"]
    assert handgrammar.frequency(words, "ASPIRIN 5 MG WITH FOOD", "ASPIRIN 5 MG WITH FOOD") == words
    # No unit after a number: no frequency to find.
    assert handgrammar.frequency(["DAILY", "DAIN"], "DAILY DAIN", "DAILY DAIN") == ["DAILY", "DAIN"]


def test_a_full_stop_after_a_listed_word_or_a_number_is_dropped() -> None:
    assert handgrammar.dotless(["4484.", "N", "WAY", "CT"], STREETS) == ["4484", "N", "WAY", "CT"]
    assert handgrammar.dotless(["ASPIRIN,", "CODEINE."], ALLERGIES) == ["ASPIRIN,", "CODEINE"]
    # A word in no list keeps its full stop: it may be an abbreviation.
    assert handgrammar.dotless(["JR."], STREETS) == ["JR."]
    r = _resolve("address_street", "8317. S LENTH OT:", "8314. S TENTH CT")
    assert r.text == "8314 S TENTH CT"
    assert r.confidence <= HAND_CAP
    r = _resolve(
        "medications", "SUL/AMETHOXAICLE 50 MG #T all&6HT", "SULFAMETHOXAZOLE. 5 O MG AT NIGHT"
    )
    assert r.text == "SULFAMETHOXAZOLE 50 MG AT NIGHT"
    # Both engines read the full stop: dropped all the same, the line otherwise as read.
    both = Recognised(
        text="ASPIRIN, CODEINE.",
        confidence=0.93,
        source="icr",
        typed=False,
        reads=("ASPIRIN, CODEINE.", "ASPIRIN, CODEINE."),
    )
    assert handtext.resolve("allergy_details", both).text == "ASPIRIN, CODEINE"


def test_the_icr_read_where_only_it_is_a_well_formed_line() -> None:
    cases = [
        ("address_street", "3oVIT AVE", "635 E UNIT AUC", "635 E UNIT AVE"),
        ("address_street", "231DRIENE IN", "5237 E DRIVE LN", "5237 E DRIVE LN"),
        ("address_street", "525%WAWLZT RO", "5255 E WALNUT RD", "5255 E WALNUT RD"),
        ("address_street", "HI48 HWY 87", "4148 C HWY ST", "4148 E HWY ST"),
        ("address_street", "2A C (LoOR FD", "992 C FLOOR RD", "992 E FLOOR RD"),
        ("medications", "CAPSULE S MAG #7 N/GHT", "CAPSULF 5 MG AT NIGHT", "CAPSULE 5 MG AT NIGHT"),
    ]
    for field, ocr, icr, want in cases:
        r = _resolve(field, ocr, icr)
        assert r.text == want, (icr, r.text)
        assert r.confidence <= HAND_CAP
    # A line that parses as settled is left alone; a read that does not parse is no proposal.
    assert (
        handgrammar.explained("address_street", ["12", "OAK", "ST"], "", "12 OAK ST", STREETS)
        is None
    )
    assert (
        handgrammar.explained("address_street", ["1X", "ZZQ", "ST"], "", "12 ZZQ ST", STREETS)
        is None
    )
    assert handgrammar.explained("first_name", ["MPRK"], "MPRK", "MARK", STREETS) is None


def test_what_a_line_of_each_list_field_is() -> None:
    assert handgrammar.parses("address_street", ["518", "S", "LAKE", "ST"], STREETS)
    assert not handgrammar.parses("address_street", ["4148", "HWY", "87"], STREETS)
    assert not handgrammar.parses("address_street", ["LAKE", "ST"], STREETS)
    assert handgrammar.parses("medications", ["METFORMIN", "500", "MG", "DAILY"], MEDS)
    assert not handgrammar.parses("medications", ["CAPSULES", "MG", "AT", "NIGHT"], MEDS)
    assert not handgrammar.parses("medications", ["METFORMIN", "500", "DAILY"], MEDS)
    assert handgrammar.parses("allergy_details", ["ASPIRIN,", "CODEINE"], ALLERGIES)
    assert not handgrammar.parses("allergy_details", ["ASPIRIN", "5"], ALLERGIES)
    assert handstreet.nearest_suffix(["AUC", "AVE"]) == "AVE"
    assert handstreet.nearest_suffix(["QQQQ"]) is None


def test_a_dose_tesseract_read_short_is_the_icrs_and_two_units_are_the_icrs() -> None:
    r = _resolve("medications", "INTELTVNON 0 MG 7WICE DR/LY", "INJECTION SO MG TWICE DAILY")
    assert r.text == "INJECTION 50 MG TWICE DAILY"
    assert r.confidence <= HAND_CAP
    r = _resolve("medications", "MON TELUKAST 30 G RT NIGHT", "MONTELUKAST 50 MG AT NIGHT")
    assert r.text.startswith("MONTELUKAST") and " MG AT NIGHT" in r.text
    assert r.confidence <= HAND_CAP


def test_an_at_sign_tesseract_read_on_a_list_line_is_no_email_address() -> None:
    r = _resolve(
        "medications", "VWETHOCARBAMOL @ ME TWICE DAILY", "METHOCARBAMOL 10 MG TWICE DAILY"
    )
    assert r.text == "METHOCARBAMOL 10 MG TWICE DAILY"
    assert r.confidence <= HAND_CAP
    r = _resolve("medications", "GLIPRVE 1@ YIWG AT MIGHT", "GLIPIZIDE 10 MG AT NIGHT")
    assert r.text == "GLIPIZIDE 10 MG AT NIGHT"
    # In an e-mail field (no word list) Tesseract's '@' still makes an address of the line.
    mail = _resolve("email", "jorr@gmail.com", "jorrgmail.com")
    assert "@" in mail.text


def test_a_house_number_with_a_full_stop_and_a_glyph_after_it() -> None:
    assert handgrammar.house_number(["1151.I", "W", "THIRD", "LN"]) == ["1151", "W", "THIRD", "LN"]
    # A full stop inside the number is a speck: "870.9" is 8709 (seed 7402).
    assert handgrammar.house_number(["870.9", "N", "PARKWAY", "CT"])[0] == "8709"
    # A word, or a number with no full stop, is left alone.
    assert handgrammar.house_number(["APT.", "4"]) == ["APT.", "4"]
    assert handgrammar.house_number(["4", "N", "OAK", "ST"]) == ["4", "N", "OAK", "ST"]
    r = _resolve("address_street", "//SE &W TRIRD LN", "1151.I W THIRD LN")
    assert r.text == "1151 W THIRD LN"
    assert r.confidence <= HAND_CAP


def test_a_line_only_tesseract_read_one_glyph_from_one_name_or_with_symbols() -> None:
    def typed(field: str, text: str, confidence: float = 0.78) -> Recognised:
        r = Recognised(text=text, confidence=confidence, source="ocr", typed=True)
        return handtext.resolve(field, r)

    r = typed("first_name", "MPRK")
    assert r.text == "MARK"
    assert r.confidence <= handtext.SNAP_ONE
    r = typed("emergency_relationship", "W/ EE")
    assert r.text == "WIFE"
    assert r.confidence <= handtext.SNAP_ONE
    # Read confidently, or far from every entry, a line stays as read.
    assert typed("first_name", "MPRK", 0.95).text == "MPRK"
    assert typed("emergency_relationship", "Q/ ZZ").text == "Q/ ZZ"


def test_a_frequency_the_reads_split_into_more_words_than_the_settled_line() -> None:
    # Tesseract "TWEET DAT LY", the ICR "TW CC DAFLY": their words after the unit, not
    # as many last words as the settled line has (seed 7402).
    r = _resolve("medications", "CABNENTIN /O Me TWEET DAT LY", "GABAPENTIN 10 MG TW CC DAFLY")
    assert r.text == "GABAPENTIN 10 MG TWICE DAILY"
    assert r.confidence <= HAND_CAP


def test_a_number_the_icr_cut_in_two_before_a_unit() -> None:
    assert handdose.split_number(["IRBESARTAN", "S", "0", "MG"]) == ["IRBESARTAN", "S0", "MG"]
    # Two letters, or no unit after them, are no number.
    assert handdose.split_number(["A", "S", "MG"]) == ["A", "S", "MG"]
    assert handdose.split_number(["5", "0", "DAILY"]) == ["5", "0", "DAILY"]
    r = _resolve("medications", "TRBELRFT AN SO Ma TWICE DAILY", "IRBESARTAN S 0 MG TWICE DAILY")
    assert r.text == "IRBESARTAN 50 MG TWICE DAILY"
    assert r.confidence <= HAND_CAP


def test_a_listed_word_the_icr_read_where_tesseract_made_digits() -> None:
    r = _resolve("emergency_name", "208 MURrH/", "ZOE MURPHY")
    assert r.text == "ZOE MURPHY"
    assert r.confidence <= HAND_CAP


def test_a_direction_only_the_icr_read() -> None:
    r = _resolve("address_street", "HI48 HWY 87", "4148 C HWY ST")
    assert r.text == "4148 E HWY ST"
    assert handgrammar.explained(
        "address_street", ["12", "OAK", "ST"], "12 OAK ST", "12 N OAK ST", STREETS
    ) == ["12", "N", "OAK", "ST"]
    # A word other than a direction is not added so.
    assert (
        handgrammar.explained(
            "address_street", ["12", "OAK", "ST"], "12 OAK ST", "12 OAK PARK ST", STREETS
        )
        is None
    )


def test_lines_both_engines_read_alike_a_doses_look_alikes_or_near_one_entry() -> None:
    def alike(field: str, text: str) -> Recognised:
        r = Recognised(text=text, confidence=0.93, source="icr", typed=False, reads=(text, text))
        return handtext.resolve(field, r)

    r = alike("medications", "NAPROXEN SO MG DAILY")
    assert r.text == "NAPROXEN 50 MG DAILY"
    assert r.confidence <= handtext.SNAP_ONE
    r = alike("emergency_relationship", "SISTER INLA")
    assert r.text == "SISTER-IN-LAW"
    assert r.confidence <= handtext.SNAP_ONE
    # A listed value, or one near no entry, stays as both read it.
    assert alike("emergency_relationship", "SISTER").confidence == 0.93
    assert alike("emergency_relationship", "QQXZ VB").text == "QQXZ VB"
    assert alike("medications", "NAPROXEN 50 MG DAILY").confidence == 0.93


def test_a_name_has_no_digits_and_no_full_stop_after_a_listed_name() -> None:
    assert handgrammar.no_digits(["MARY", "4"]) == ["MARY"]
    assert handgrammar.no_digits(["4"]) == ["4"]  # nothing else: left for a person
    r = _resolve("first_name", "VAY 4", "MARY")
    assert r.text == "MARY"
    assert r.confidence <= HAND_CAP
    r = _resolve("last_name", "HH RRFEF", "HARPEA.")
    assert r.text == "HARPER"
    assert r.confidence <= HAND_CAP
    # A street keeps its numbers.
    assert _resolve("address_street", "518 S LAKE ST", "518 S LAKE ST").text == "518 S LAKE ST"


def test_every_line_a_shape_rule_changed_waits_for_a_person() -> None:
    """`reading.result.PROPOSED` sends a value to review whatever a calibration fit says
    of its score: the shape rules' values carry it; a line they leave alone does not."""

    def proposed(r: Recognised) -> bool:
        return any(m.startswith(PROPOSED) for m in r.messages)

    assert proposed(_resolve("medications", "CLOAN/IINE 5 Me PAIN", "CLONIDINE S MG DAILY"))
    assert proposed(_resolve("address_street", "3oVIT AVE", "635 E UNIT AUC"))
    both = Recognised(
        text="SISTER INLA", confidence=0.93, source="icr", typed=False, reads=("SISTER INLA",) * 2
    )
    assert proposed(handtext.resolve("emergency_relationship", both))
    typed = Recognised(text="MPRK", confidence=0.78, source="ocr", typed=True)
    assert proposed(handtext.resolve("first_name", typed))
    # A near miss of the list (an old rule, no guess) and a line left alone: no proposal.
    typed = Recognised(text="SLVA", confidence=0.78, source="ocr", typed=True)
    assert not proposed(handtext.resolve("last_name", typed))
    assert not proposed(_resolve("address_street", "518 S LAKE ST", "518 S LAKE ST"))
