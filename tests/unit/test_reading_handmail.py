"""A hand-printed e-mail address: its domain from both engines' reads (`handmail`), its
local part from the names weighed against both reads (`crossfield.settle_email`). Reads
the two engines gave on fresh tuning pages (bench/fresh_forms.py, seed 7501)."""

from __future__ import annotations

from taskmaster.reading import handtext
from taskmaster.reading.crossfield import other_local, settle_email
from taskmaster.reading.handmail import clean_domain, domain_of, joint_domain
from taskmaster.reading.recognise import HAND_CAP, Recognised
from taskmaster.reading.result import FieldReading

BOX = (0, 0, 10, 10)


def test_the_domain_both_reads_point_at() -> None:
    assert domain_of("ceratt@.amaii.c@m") == "amaii.c@m"  # a later '@' is an "o"
    assert domain_of("no address") is None
    assert joint_domain(["cerati@amal.com", "ceratt@.amaii.c@m"]) == "gmail.com"
    assert joint_domain(["iwashine+omv@yal.oo.com", "twashlnrton@yql.od.com"]) == "yahoo.com"
    # A read that is a known domain already is kept as read ("mail.com" is one).
    assert joint_domain(["x@mail.com", "x@mall.com"]) is None
    # Too far from every domain: no call.
    assert joint_domain(["x@qqqqzz.xx", "x@wvwvw.kk"]) is None


def test_a_hand_address_takes_that_domain_for_review() -> None:
    r = Recognised(
        text="x",
        confidence=0.7,
        source="icr",
        typed=False,
        reads=("edolacosa@imall.com", "edelarosa@. .tmaii.com"),
    )
    out = handtext.resolve("email", r)
    # With that domain the ICR's read is an address too: its local part wins.
    assert out.text == "edelarosa@gmail.com"
    assert out.confidence <= HAND_CAP


def _field(value: str, conf: float = 0.6, messages: tuple[str, ...] = ()) -> FieldReading:
    return FieldReading(value, None, conf, "icr", BOX, list(messages))


def test_the_local_part_weighs_the_other_reads_spelling_of_the_name() -> None:
    differ = "hand-print: engines differ ('mshor+GA@yqahoe.com' / 'rshart62@yahoo.com')"
    assert other_local([differ], "rshart62") == "mshorga"
    email = _field("rshart62@yahoo.com", messages=(differ,))
    out = settle_email(email, _field("MICHELLE", 0.95), _field("SHORT", 0.95))
    assert out.value == "mshort62@yahoo.com"
    assert out.confidence <= 0.6
    # Without the other read, the glyph before the surname is the initial the ICR misread
    # ("r" for "m", `crossfield.local_distance`), not a glyph too many: "mshort62",
    # proposed all the same.
    alone = settle_email(_field("rshart62@yahoo.com"), _field("MICHELLE"), _field("SHORT"))
    assert alone.value == "mshort62@yahoo.com"
    assert alone.confidence <= 0.6
    # With no spelling of the names near, nothing is proposed.
    far = settle_email(_field("qqzzxx77@yahoo.com"), _field("MICHELLE"), _field("SHORT"))
    assert far.value == "qqzzxx77@yahoo.com"


def test_a_number_of_ones_read_as_ls() -> None:
    out = settle_email(_field("jtrazierll@outlook.com"), _field("JULIA"), _field("FRAZIER"))
    assert out.value in {"jfrazier1@outlook.com", "jfrazier11@outlook.com"}
    differ = "hand-print: engines differ ('sYratierl@outlcoK.com' / 'jtrazierll@outlook.com')"
    out = settle_email(
        _field("jtrazierll@outlook.com", messages=(differ,)), _field("JULIA"), _field("FRAZIER")
    )
    assert out.value == "jfrazier11@outlook.com"


def test_the_icr_read_made_an_address_by_the_joint_domain_wins_over_tesseracts() -> None:
    r = Recognised(
        text="x",
        confidence=0.7,
        source="icr",
        typed=False,
        reads=("smasZvnoevwowsb2@aloud.com", "smattrvaws62@idloud com"),
    )
    out = handtext.resolve("email", r)
    assert out.text == "smattrvaws62@icloud.com" and out.source == "icr"
    # Tesseract's common domain read but for a dot or a letter: a typed line, its read
    # stands.
    assert clean_domain("kmathews@lcloud.com") and not clean_domain("x@aloud.com")
    typed = Recognised(
        text="x",
        confidence=0.7,
        source="icr",
        typed=False,
        reads=("emily66@yahoocom", "amll 56@ ahdd com"),
    )
    assert handtext.resolve("email", typed).source == "ocr"


def test_a_read_that_lost_its_at_sign_still_spells_the_domain_at_its_end() -> None:
    """Fresh tuning pages, seeds 7404, 7931 and 8413: the ICR lost the '@'."""
    assert joint_domain(["awlse@vahep.cam", "awiseq. yahod.com"]) == "yahoo.com"
    assert joint_domain(["nelani@arma.sl.com", "jnolantqqmafl com"]) == "gmail.com"
    # Its tail weighs half: a shorter, rarer domain it ends like does not win a tie
    # ("lmail.com" ends like mail.com).
    assert joint_domain(["WWEFvmsa@amall.com", "mw 88 n.51 s a lmail.com"]) == "gmail.com"
    # With no read's tail near any domain, no call.
    assert joint_domain(["x@qqqqzz.xx", "zzzzzzzzzzzzz"]) is None
    r = Recognised(
        text="awlse@vahep.cam",
        confidence=0.5,
        source="ocr",
        typed=False,
        reads=("awlse@vahep.cam", "awiseq. yahod.com"),
    )
    out = handtext.resolve("email", r)
    assert out.text == "awlse@yahoo.com"
    assert out.confidence <= HAND_CAP


def test_a_full_stop_before_an_address_is_a_speck() -> None:
    r = Recognised(
        text=".choltuq@ cloud.lqm",
        confidence=0.5,
        source="icr",
        typed=False,
        reads=("cholte9@icloud.com", ".choltuq@ cloud.lqm"),
    )
    assert not handtext.resolve("email", r).text.startswith(".")


def test_a_read_with_no_at_sign_does_not_choose_the_icrs_read() -> None:
    """Development sample 0006: Tesseract's read, with no '@' but shaped like an address
    once repaired, stays the one taken (the names then spell its local part); the other
    read's tail only settles the domain of the read taken."""
    r = Recognised(
        text="x",
        confidence=0.5,
        source="icr",
        typed=False,
        reads=("ANGOYENeOUTLOOK.cOM", "fvqyen@ajtlakcom"),
    )
    out = handtext.resolve("email", r)
    assert out.source == "ocr"
    assert "fvqyen" not in out.text
