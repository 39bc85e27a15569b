"""Field-aware repair of typed OCR, the OCR/ICR merge and the typed-look test: pure
functions, no engines."""

from __future__ import annotations

import numpy as np

from taskmaster.reading import lexicon, repair
from taskmaster.reading.comb import looks_typed
from taskmaster.reading.recognise import fuse
from taskmaster.reading.zones import flatten


def test_email_at_and_domains() -> None:
    assert repair.email("rcheneoutlook.com") == ("rchen@outlook.com", True)
    assert repair.email("luis.obrien@amail.com") == ("luis.obrien@gmail.com", True)
    assert repair.email("emily66@yahoocom") == ("emily66@yahoo.com", True)
    # Unknown domains and plausible addresses are left alone.
    assert repair.email("a.b@clinic-example.org") == ("a.b@clinic-example.org", False)
    assert repair.email("anguven@icloud.com") == ("anguven@icloud.com", False)


def test_letter_words() -> None:
    assert repair.letter_words("0'Brien") == ("O'Brien", True)
    assert repair.letter_words("Keisha Q'Brien") == ("Keisha O'Brien", True)
    assert repair.letter_words("JEFFERS0N c0mcast")[0] == "JEFFERSON comcast"
    for kept in ("9660 N JEFFERSON 5T", "A1C", "10MG 2ND", "APT 4"):
        assert repair.letter_words(kept) == (kept, False)


def test_to_pattern() -> None:
    pat = r"^[A-Z]{3}\d{9}$"
    assert repair.to_pattern("UTWB46694242", pat) == ("UTW846694242", True)
    assert repair.to_pattern("PNNO49509549", pat) == ("PNN049509549", True)
    assert repair.to_pattern("RCM597952683", pat) == ("RCM597952683", False)
    assert repair.to_pattern("RCM59795268", pat) == ("RCM59795268", False)  # too short


def test_fuse_keeps_ocr_insertions_and_icr_substitutions() -> None:
    assert fuse("CHINESE", "CHNESE") == "CHINESE"  # the ICR dropped the thin "I"
    assert fuse("SAPNEL", "SAMUEL") == "SAMUEL"  # same length: the ICR's letters
    assert fuse("ST. LOUIS", "ST LOUIS") == "ST. LOUIS"  # punctuation only Tesseract knows


def _glyphs(offsets: list[int]) -> list[np.ndarray]:
    out = []
    for dy in offsets:
        cell = np.full((60, 40), 255, np.uint8)
        cell[10 + dy : 45 + dy, 15:22] = 0
        out.append(cell)
    return out


def test_looks_typed() -> None:
    assert looks_typed(_glyphs([0, 0, 1, 0, 2]))
    assert not looks_typed(_glyphs([0, 6, -3, 2, 9]))


def test_flatten_whitens_grey_paper_and_keeps_blank_blank() -> None:
    page = np.full((80, 200), 190, np.uint8)
    page[:, :100] = 160  # uneven light
    page[30:50, 40:45] = 100  # faint ink on the darker side
    flat = flatten(page)
    assert flat[5, 150] >= 250 and flat[5, 20] >= 250
    assert flat[40, 42] < 128
    blank = np.full((80, 200), 200, np.uint8) + np.random.default_rng(0).integers(
        0, 8, (80, 200)
    ).astype(np.uint8)
    assert flatten(blank).min() > 200


def test_glued_words_split_where_the_vocabulary_explains_them() -> None:
    streets = lexicon.for_field("address_street")
    meds = lexicon.for_field("medications")
    assert streets is not None and meds is not None
    for read, want in (
        ("5386 ESTECT", "5386 E STE CT"),
        ("1952 EAPT CT", "1952 E APT CT"),
        ("3165N ELM LN", "3165 N ELM LN"),
        ("4565 N VIEWCT", "4565 N VIEW CT"),
        # Two cuts, one with fewer words: S STE, not S ST E (a typed scan, seed 8802).
        ("6933 SSTE CT", "6933 S STE CT"),
    ):
        assert repair.glued_words(read, streets[0], number_first=True) == (want, True)
    assert repair.glued_words("DIGOXIN50 MG\nFERROUS 5 MG TWICEDAILY", meds[0]) == (
        "DIGOXIN 50 MG\nFERROUS 5 MG TWICE DAILY",
        True,
    )
    # List words, runs the list does not explain, and units after a number stay.
    for kept in ("9660 N JEFFERSON ST", "12 MAPLEWOOD DR", "8551 SARTCT"):
        assert repair.glued_words(kept, streets[0], number_first=True) == (kept, False)
    assert repair.glued_words("LISINOPRIL 10MG", meds[0]) == ("LISINOPRIL 10MG", False)
    assert repair.glued_words("3165N", streets[0]) == ("3165N", False)  # not an address


def test_state_codes_put_right_by_one_look_alike() -> None:
    assert repair.state("MQ") == ("MO", True)
    assert repair.state("WL") == ("WI", True)
    assert repair.state("0H") == ("OH", True)
    for kept in ("NY", "MO", "XX", "W", "ILL"):  # a state, no state near, not two letters
        assert repair.state(kept) == (kept, False)


def test_a_direction_read_as_its_look_alike_is_put_right() -> None:
    assert repair.street_direction("6944 F ELM LN") == ("6944 E ELM LN", True)
    assert repair.street_direction("12 5 MAIN ST") == ("12 S MAIN ST", True)
    assert repair.street_direction("4 VV OAK AVE") == ("4 W OAK AVE", True)
    assert repair.street_direction("8393 5 TER DR") == ("8393 S TER DR", True)  # TER, DR
    # A direction, a street named F, or no street name after it: as read.
    for kept in (
        "6944 E ELM LN",
        "500 F ST NW",
        "55 F STREET",
        "12 F",
        "100 F 2ND ST",
        "9 F CT NW",
    ):
        assert repair.street_direction(kept) == (kept, False)


def test_a_dose_read_as_a_letter_before_its_unit() -> None:
    assert repair.dose_numbers("RANITIDINE S MG TWICE DAILY") == (
        "RANITIDINE 5 MG TWICE DAILY",
        True,
    )
    assert repair.dose_numbers("A O mg\nB l ML")[0] == "A 0 mg\nB 1 ML"
    kept_as_read = ("VITAMIN B 12 MG", "ASPIRIN 81 MG", "TAKE S MGX", "GS MG", "331 S UNIT AVE")
    for kept in (*kept_as_read, "S MG", "12 S MG"):
        assert repair.dose_numbers(kept) == (kept, False)
