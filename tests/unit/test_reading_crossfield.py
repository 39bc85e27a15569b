"""Fields of one page settled together: an e-mail address's local part from the names,
and hand-print slips in common e-mail domains. Pure functions, no engines."""

from __future__ import annotations

from dataclasses import replace

from taskmaster.reading import repair
from taskmaster.reading.crossfield import (
    NAMED_LOOK_ALIKE,
    VOUCHED,
    local_distance,
    one_look_alike,
    other_distance,
    settle_email,
    settle_page,
)
from taskmaster.reading.recognise import AGREED_DOUBTFUL
from taskmaster.reading.result import PROPOSED, FieldReading

BOX = (0, 0, 10, 10)


def _r(value: object, confidence: float = 0.4) -> FieldReading:
    return FieldReading(value=value, raw=str(value), confidence=confidence, source="ocr", bbox=BOX)


def test_email_local_part_from_the_names() -> None:
    first, last = _r("ANH"), _r("NGUYEN")
    out = settle_email(_r("angoyen@outlook.com"), first, last)
    assert out.value == "anguyen@outlook.com"
    assert out.confidence < 0.9 and "from the names" in out.messages[-1]
    assert len(out.char_confidences) == len(str(out.value))
    # The number at the end is kept, its look-alikes read as digits.
    assert (
        settle_email(_r("chloeq4@comcast.net"), _r("CHLOE"), _r("CHEN")).value
        == "chloe94@comcast.net"
    )
    assert (
        settle_email(_r("samoel79@icloud.com"), _r("SAMUEL"), _r("SILVA")).value
        == "samuel79@icloud.com"
    )


def test_email_final_one_read_as_l() -> None:
    # A typed "1" after the name read "l": the name plus "1", not the name alone.
    assert (
        settle_email(_r("hrowel@outlook.com", 0.6), _r("Harold"), _r("Rowe")).value
        == "hrowe1@outlook.com"
    )
    assert (
        settle_email(_r("epaull@yahoo.com", 0.6), _r("Emma"), _r("Paul")).value
        == "epaul1@yahoo.com"
    )
    assert (
        settle_email(_r("mcastillol5@gmail.com", 0.6), _r("Maria"), _r("Castillo")).value
        == "mcastillo15@gmail.com"
    )
    # A name that ends in "l" is its own spelling.
    kept = _r("samuel@yahoo.com", 0.6)
    assert settle_email(kept, _r("Samuel"), _r("Lee")) is kept


def test_email_left_alone() -> None:
    first, last = _r("MARIA"), _r("GARCIA")
    for kept in (
        _r("maria.garcia@gmail.com"),  # already a name spelling
        _r("wdriagi@outlook.com"),  # nothing close
        _r("mgarcha@gmail.com", 0.95),  # confident, and more than a look-alike away
        _r(None),
        _r("no-at-sign"),
    ):
        assert settle_email(kept, first, last) is kept
    # Without both names there is nothing to settle with.
    page = {"email": _r("angoyen@outlook.com"), "first_name": _r(None), "last_name": _r("X")}
    assert settle_page(page)["email"] is page["email"]


def test_email_domain_hand_print_slips() -> None:
    assert repair.email("samuel79@iclon.com") == ("samuel79@icloud.com", True)
    assert repair.email("ithompson@yakoo_com") == ("ithompson@yahoo.com", True)
    assert repair.email("tyler_johnson@qmail_com") == ("tyler_johnson@gmail.com", True)
    assert repair.email("a.b@clinic-example.org") == ("a.b@clinic-example.org", False)


def test_a_confident_read_one_look_alike_from_the_names_is_proposed() -> None:
    # Typed l and i read alike in every read, so the reads agree on the wrong one.
    out = settle_email(_r("isandoval@yahoo.com", 0.98), _r("Lucia"), _r("Sandoval"))
    assert out.value == "lsandoval@yahoo.com"
    assert out.confidence <= 0.6


def _typed(value: str, confidence: float = 0.6, *messages: str) -> FieldReading:
    return FieldReading(
        value=value.lower(),
        raw=value,
        confidence=confidence,
        source="ocr",
        bbox=BOX,
        messages=list(messages),
    )


def test_typed_reads_that_agree_on_a_name_made_address_are_vouched_for() -> None:
    first, last = _r("Kim", 0.95), _r("FREEMAN", 0.95)
    out = settle_email(_typed("Kfreeman8@yahoo.com", 0.434, AGREED_DOUBTFUL), first, last)
    assert out.value == "kfreeman8@yahoo.com"
    assert out.confidence == VOUCHED
    # Not where the reads disagreed, a name was doubtful, the domain is uncommon, the
    # spelling is a less usual one, or a repair made the value.
    for email, f, la in (
        (_typed("kfreeman8@yahoo.com", 0.434), first, last),
        (_typed("kfreeman8@yahoo.com", 0.434, AGREED_DOUBTFUL), _r("Kim", 0.6), last),
        (_typed("kfreeman8@yahoo.co.uk", 0.434, AGREED_DOUBTFUL), first, last),
        (_typed("freemankim@yahoo.com", 0.434, AGREED_DOUBTFUL), first, last),
    ):
        assert settle_email(email, f, la).confidence == 0.434
    repaired = FieldReading(
        value="kfreeman8@yahoo.com",
        raw="kfreeman8@yahoocom",
        confidence=0.434,
        source="ocr",
        bbox=BOX,
        messages=[AGREED_DOUBTFUL],
    )
    assert settle_email(repaired, first, last).confidence == 0.434


def test_a_lone_initial_misread_or_lost_before_the_surname() -> None:
    """The ICR misreads a hand-printed lower-case initial and Tesseract drops it (fresh
    tuning pages, seeds 7931 and 8413): the spelling with the first name's initial is
    proposed, not the surname alone."""
    differ = "hand-print: engines differ ('orr@agwmatl.com' / 'd orr@qmail.com')"
    email = FieldReading(
        value="dorr@gmail.com",
        raw="dorr@gmail.com",
        confidence=0.5,
        source="icr",
        bbox=BOX,
        messages=[differ],
    )
    out = settle_email(email, _r("JAMAL"), _r("ORR"))
    assert out.value == "jorr@gmail.com"
    assert out.confidence <= 0.6
    differ = "hand-print: engines differ ('wals@amatZ.com' / 'iwalls@gma li.com')"
    email = replace(email, value="iwalls@gmail.com", raw="iwalls@gmail.com", messages=[differ])
    assert settle_email(email, _r("JACK"), _r("WALLS")).value == "jwalls@gmail.com"
    # The distances themselves: a first glyph other than the initial costs a look-alike;
    # Tesseract's read without the initial costs nothing more.
    assert local_distance("dorr", "jorr", "jamal") == 0.5
    assert local_distance("dorr", "orr", "jamal") == 1.0
    assert other_distance("orr", "jorr", "jamal") == 0.0
    assert other_distance("orr", "jorr", "kim") == 1.0


def test_a_typed_read_one_look_alike_from_the_names_spelling_is_taken() -> None:
    first, last = _r("Sam", 0.95), _r("FOSTER", 0.95)
    out = settle_email(_typed("sfosterl@gmail.com", 0.98), first, last)
    assert out.value == "sfoster1@gmail.com"
    assert out.confidence == NAMED_LOOK_ALIKE
    assert not any(m.startswith(PROPOSED) for m in out.messages)
    letter = settle_email(_typed("inguyen@outlook.com", 0.98), _r("Lan", 0.95), _r("Nguyen", 0.95))
    assert letter.value == "lnguyen@outlook.com" and letter.confidence == NAMED_LOOK_ALIKE


def test_a_read_more_than_one_look_alike_away_or_read_as_hand_print_is_proposed() -> None:
    first, last = _r("Sam", 0.95), _r("FOSTER", 0.95)
    for read, messages in (
        ("sfosterl@gmail.com", ("hand-print: engines differ ('a' / 'b')",)),
        ("sfosterl@gmail.com", ("reads disagree: a | b",)),
        ("sfosterl@mail.example", ()),  # an uncommon domain
    ):
        out = settle_email(_typed(read, 0.6, *messages), first, last)
        assert out.confidence <= 0.6, (read, messages)
    # Names read doubtfully vouch for nothing.
    doubtful = settle_email(_typed("sfosterl@gmail.com", 0.98), _r("Sam"), _r("FOSTER"))
    assert doubtful.confidence <= 0.6
    assert one_look_alike("sfosterl", "sfoster1") and one_look_alike("tolivers3", "toliver53")
    assert not one_look_alike("rhales", "rhale")  # a letter more
    assert not one_look_alike("appck7", "apeck7")  # p and e are no look-alikes
    assert not one_look_alike("sfosterll", "sfoster11")  # two places


def test_an_icr_read_one_look_alike_from_the_names_is_still_proposed() -> None:
    icr = replace(_typed("sfosterl@gmail.com", 0.98), source="icr")
    out = settle_email(icr, _r("Sam", 0.95), _r("FOSTER", 0.95))
    assert out.value == "sfoster1@gmail.com" and out.confidence <= 0.6
