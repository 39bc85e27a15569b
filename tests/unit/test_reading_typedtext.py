"""Typed lines whose reads agree once the field's usual misreads are put right: a street
address scored by that agreement, an e-mail address vouched for by the names. Pure
functions over the reads a line's vote made; no engines."""

from __future__ import annotations

from functools import partial

from taskmaster.apps.schema import FieldDef
from taskmaster.reading import text
from taskmaster.reading.crossfield import NAMED_DIGITS, NAMED_READ, VOUCHED, settle_email
from taskmaster.reading.recognise import Recognised
from taskmaster.reading.result import FieldReading
from taskmaster.reading.typedtext import (
    EMAIL_AGREED,
    STREET_AGREED_CAP,
    email_agreed,
    street_near_miss,
    street_score,
)

BOX = (0, 0, 10, 10)
STREET = FieldDef(name="address_street", kind="text", type="string", bbox=BOX)
EMAIL = FieldDef(name="email", kind="text", type="email", bbox=BOX)


def _rec(chosen: str, *texts: str, char: float = 0.99, space: float = 0.3) -> Recognised:
    """A typed read `chosen` among the vote's `texts`, its letters at `char`, its spaces
    at `space` (Tesseract gives a space its word's confidence)."""
    chars = tuple(space if c == " " else char for c in chosen)
    return Recognised(chosen, 0.5, "ocr", chars, texts=texts or (chosen, chosen))


def _street(rec: Recognised) -> float | None:
    value = text.repaired_line(STREET, rec.text)
    return street_score(STREET, rec, value, partial(text.repaired_line, STREET))


def test_street_reads_alike_once_repaired_score_by_agreement() -> None:
    # A lost word gap, a direction read as its digit, debris at the end: the repaired
    # reads agree and the street list explains every word.
    for rec in (
        _rec("2530 SFIRST ST", "2530 S FIRST ST", "2530 SFIRST ST", "2530 SFIRST ST"),
        _rec("97 5 MILL AVE", "97 S MILL AVE", "97 5 MILL AVE", "97 5 MILL AVE"),
        _rec("13 EHWYCT", "13 EHWYCT", "13 EHWYCT :", "13 E HWY CT"),
        _rec("8247 EST CT", space=0.32),  # word confidence low: no dictionary has EST
    ):
        assert _street(rec) == STREET_AGREED_CAP, rec.texts
    # A read that lost the gap before an S and took the S for its 5, beside two with
    # the gap (a fax, seed 8801): the same address.
    glued = _rec("381 S MAPLE LN", "381 S MAPLE LN", "3815 MAPLE LN", "381 5 MAPLE LN")
    assert _street(glued) == STREET_AGREED_CAP
    # Every character only just sure: lower, still by agreement.
    low = _street(_rec("232 N PKWY DR", char=0.85))
    assert low is not None and 0.9 <= low < STREET_AGREED_CAP


def test_street_not_scored_without_agreement_list_or_sure_characters() -> None:
    for rec in (
        # The repaired reads still differ.
        _rec("3265 S STE DR", "3265 S STE DR", "3285 S STEDR .", "3265 STE DR"),
        # The glued read beside only one with the gap: 3815 may be the number.
        _rec("381 S MAPLE LN", "381 S MAPLE LN", "3815 MAPLE LN"),
        _rec("3815 MAPLE LN", "3815 MAPLE LN", "3815 MAPLE LN", "381 S MAPLE LN"),
        # One read only (a sure first read stops the vote: it is scored as before).
        _rec("2530 SFIRST ST", "2530 SFIRST ST"),
        # A word the street list lacks, no number first, no suffix last.
        _rec("1214 UR DR"),
        _rec("MAIN ST"),
        _rec("12 MAIN ST 4"),
        # A character under SURE_CHAR.
        _rec("2530 SFIRST ST", char=0.7),
    ):
        assert _street(rec) is None, rec.texts
    # A read of the hand-print path, or a field that is not an address.
    hand = _rec("2530 SFIRST ST")
    hand.typed = False
    assert _street(hand) is None
    city = FieldDef(name="city", kind="text", type="string", bbox=BOX)
    rec = _rec("2530 S FIRST ST")
    assert street_score(city, rec, rec.text, lambda t: t) is None


def _canonical(read: str) -> str:
    return text.canonical(EMAIL, read)


def test_email_reads_alike_once_the_domain_is_put_right() -> None:
    texts = ("dmcintyre@gmail.com", "dmcintyre@gmailcom", "dmcintyre@gmailcom")
    rec = _rec("dmcintyre@gmailcom", *texts)
    # The character where the domain's dot was lost is unsure: the domain list settles it.
    rec.char_confidences = tuple(0.38 if i == 15 else 0.99 for i in range(len(rec.text)))
    assert email_agreed(rec, _canonical)
    assert email_agreed(
        _rec("dbanks@gmail..com", "dbanks@gmail.com", "dbanks@gmail..com"), _canonical
    )
    # The local parts differ, a local character is unsure, an uncommon domain, no '@'.
    assert not email_agreed(
        _rec("fholmes@icloud.com", "tholmes@icloud.com", "fholmes@icloud.com"), _canonical
    )
    assert not email_agreed(_rec("dbanks@gmail.com", char=0.5), _canonical)
    assert not email_agreed(_rec("dbanks@mail.example.org"), _canonical)
    assert not email_agreed(
        _rec("dbanksegmail.com", "dbanksegmail.com", "dbanks@gmail.com"), _canonical
    )


def test_names_vouch_for_an_address_whose_reads_agree_once_its_domain_is_put_right() -> None:
    first = FieldReading("Donna", "Donna", 0.95, "ocr", BOX)
    last = FieldReading("McIntyre", "McIntyre", 0.95, "ocr", BOX)

    def email(raw: str, *messages: str) -> FieldReading:
        value = text.canonical(EMAIL, raw)
        return FieldReading(value, raw, 0.0, "ocr", BOX, messages=list(messages))

    assert (
        settle_email(email("dmcintyre@gmailcom", EMAIL_AGREED), first, last).confidence == VOUCHED
    )
    # Without the note, or a local part the repair changed, or a doubtful name: as read.
    assert settle_email(email("dmcintyre@gmailcom"), first, last).confidence == 0.0
    changed = FieldReading("dmcintyre@gmail.com", "dmclntyre@gmailcom", 0.0, "ocr", BOX)
    changed.messages.append(EMAIL_AGREED)
    assert settle_email(changed, first, last).confidence < VOUCHED
    unsure = FieldReading("Donna", "Donna", 0.6, "ocr", BOX)
    assert settle_email(email("dmcintyre@gmailcom", EMAIL_AGREED), unsure, last).confidence == 0.0


def test_a_typed_read_spelt_exactly_from_the_names_is_taken() -> None:
    first = FieldReading("Wendy", "Wendy", 0.95, "ocr", BOX)
    last = FieldReading("Bautista", "Bautista", 0.95, "ocr", BOX)

    def email(value: str, reads: tuple[str, ...], confidence: float = 0.6) -> FieldReading:
        return FieldReading(value, value, confidence, "icr", BOX, reads=reads)

    reads = ("wbautista@yahoo.com", "whautista@yahoo.com", "whautista@yahoo.com")
    out = settle_email(email("wbautlsq@yahoo.com", reads), first, last)
    assert out.value == "wbautista@yahoo.com" and out.confidence == NAMED_READ
    # No read is the spelling; two reads are two spellings (the surname alone too); a
    # read far from it; a doubtful name; a confident read that says otherwise; no reads
    # (not a typed page).
    for got in (
        email("whautista@yahoo.com", ("whautista@yahoo.com",) * 2),
        email("bautista@yahoo.com", ("wbautista@yahoo.com", "bautista@yahoo.com")),
        email("wbautista@yahoo.com", ("wbautista@yahoo.com", "xyzzy@yahoo.com")),
        email("whautista@yahoo.com", reads, confidence=0.97),
        email("whautista@yahoo.com", ()),
    ):
        assert settle_email(got, first, last).confidence != NAMED_READ, got
    unsure = FieldReading("Wendy", "Wendy", 0.6, "ocr", BOX)
    assert settle_email(email("wbautlsq@yahoo.com", reads), unsure, last).confidence < 0.9


def test_a_two_letter_street_word_one_look_alike_from_the_list_is_a_near_miss() -> None:
    assert street_near_miss(STREET, "1214 UR DR") == ("UR", "DR")
    assert street_near_miss(STREET, "500 N SI") == ("SI", "ST")
    # Listed words, a word two entries are that close to (PO, RD), longer words (the
    # list's own near-miss check), the house number, and other fields: nothing.
    for value in ("1214 DR DR", "12 RO ST", "12 MAIN ST", "12 ELMX ST", "0R MAIN ST"):
        assert street_near_miss(STREET, value) is None, value
    assert street_near_miss(FieldDef(name="city", kind="text", bbox=BOX), "12 UR DR") is None


def test_a_name_made_read_with_a_number_needs_every_read_to_give_it() -> None:
    first = FieldReading("Jane", "Jane", 0.95, "ocr", BOX)
    last = FieldReading("Barber", "Barber", 0.95, "ocr", BOX)

    def email(reads: tuple[str, ...]) -> FieldReading:
        return FieldReading("jbarbe@icloud.com", "jbarbe@icloud.com", 0.5, "icr", BOX, reads=reads)

    alike = ("jbarber31@icloud.com", "jbarber31l@icloud.com", "jbarber31@icloud.com")
    out = settle_email(email(alike), first, last)
    assert out.value == "jbarber31@icloud.com" and out.confidence == NAMED_DIGITS < NAMED_READ
    differ = ("jbarber31@icloud.com", "jbarberg1@icloud.com", "jbarber31@icloud.com")
    assert settle_email(email(differ), first, last).confidence not in (NAMED_DIGITS, NAMED_READ)


def test_a_read_may_give_the_number_as_its_digits_typed_look_alikes() -> None:
    # Tesseract reads a typed 1 among lower-case letters as l, a 4 as d, a 5 as s (fresh
    # typed scans and photos): the reads end in the number all the same.
    first = FieldReading("Kathryn", "Kathryn", 0.95, "ocr", BOX)
    last = FieldReading("Chavez", "Chavez", 0.95, "ocr", BOX)

    def email(*reads: str) -> FieldReading:
        return FieldReading(
            "kchavezi3@outlook.com", "kchavezi3@outlook.com", 0.6, "icr", BOX, reads=reads
        )

    out = settle_email(
        email("kchavez13@outlook.com", "kchavezl3@outlook.com", "kchavezl3@outlook.com"),
        first,
        last,
    )
    assert out.value == "kchavez13@outlook.com" and out.confidence == NAMED_DIGITS
    four = email("kchavez45@outlook.com", "kchavezd5@outlook.com", "kchavezs5@outlook.com")
    assert settle_email(four, first, last).confidence != NAMED_DIGITS  # s is no 4
    more = email("kchavez13@outlook.com", "kchavez113@outlook.com", "kchavez13@outlook.com")
    assert settle_email(more, first, last).confidence != NAMED_DIGITS  # a digit too many
