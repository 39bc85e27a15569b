"""Template-free extraction on word lists: rows, classification, locators, confidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskmaster.apps.loader import load_application
from taskmaster.apps.schema import PageType
from taskmaster.engines.base import Word
from taskmaster.locating import (
    classify_layout_page,
    extract_fields,
    group_blocks,
    group_lines,
    reading_order,
)
from taskmaster.locating.located import calibrate
from taskmaster.locating.ocr_prep import prepare_page, scale_words

APP = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "taskmaster"
    / "apps"
    / "builtin"
    / "receipts"
    / "app.yaml"
)


@pytest.fixture(scope="module")
def receipt_type() -> PageType:
    return load_application(APP).page_type("receipt")


def page(
    rows: list[str | tuple[str, str]], *, height: int = 20, gap: int = 8, conf: float = 0.95
) -> list[Word]:
    """Words of a synthetic page: one row per entry; a tuple puts its second text at the
    right margin (as receipts print amounts), in a separate Tesseract block."""
    words: list[Word] = []
    y = 10
    for n, row in enumerate(rows):
        left, right = (row, "") if isinstance(row, str) else row
        x = 20
        for t in left.split():
            words.append(Word(t, (x, y, x + 11 * len(t), y + height), conf, line=n, block=0))
            x += 11 * len(t) + 10
        if right:
            words.append(
                Word(
                    right,
                    (400, y + 2, 400 + 11 * len(right), y + height + 2),
                    conf,
                    line=100 + n,
                    block=1,
                )
            )
        y += height + gap
    return words


RECEIPT: list[str | tuple[str, str]] = [
    "TAN WOON YANN",
    "BOOK TA .K (TAMAN DAYA) SDN BHD",
    "(789417-W)",
    "NO.53 55,57 & 59, JALAN SAGU 18,",
    "TAMAN DAYA,",
    "81100 JOHOR BAHRU,",
    "JOHOR.",
    "DOCUMENT NO : TD01167104",
    "DATE: 25/12/2018 8:13:39 PM",
    "CASHIER: MANIS",
    "CASH BILL",
    ("KF MODELLING CLAY KIDDY FISH", "9.00"),
    ("SUB TOTAL:", "9.00"),
    ("GST 6%", "0.51"),
    ("ROUNDED TOTAL (RM):", "9.50"),
    ("CASH", "10.00"),
    ("CHANGE", "0.50"),
    "THANK YOU PLEASE COME AGAIN",
]


def test_rows_rebuilt_from_boxes_across_blocks() -> None:
    lines = group_lines(page(RECEIPT))
    assert lines[14].text == "ROUNDED TOTAL (RM): 9.50"
    assert len(lines) == len(RECEIPT)
    ordered = reading_order(page(RECEIPT))
    assert [w.text for w in ordered[:3]] == ["TAN", "WOON", "YANN"]
    assert ordered[-1].line == len(RECEIPT) - 1


def test_blocks_split_on_large_gaps() -> None:
    words = page(["FIRST LINE", "SECOND LINE"]) + [
        Word("FAR", (20, 300, 60, 320), 0.9),
        Word("BELOW", (70, 300, 130, 320), 0.9),
    ]
    blocks = group_blocks(group_lines(words))
    assert [len(b.lines) for b in blocks] == [2, 1]


def test_receipt_fields_as_printed(receipt_type: PageType) -> None:
    found = extract_fields(page(RECEIPT), (600, 600), receipt_type)
    assert found["company"].value == "BOOK TA .K (TAMAN DAYA) SDN BHD"
    assert found["address"].value == (
        "NO.53 55,57 & 59, JALAN SAGU 18, TAMAN DAYA, 81100 JOHOR BAHRU, JOHOR."
    )
    assert found["date"].value == "25/12/2018"
    assert found["total"].value == "9.50"
    for loc in found.values():
        assert 0.0 <= loc.confidence <= 1.0 and loc.bbox is not None


def test_total_box_is_the_amount_word(receipt_type: PageType) -> None:
    found = extract_fields(page(RECEIPT), (600, 600), receipt_type)
    x0, y0, x1, y1 = found["total"].bbox or (0, 0, 0, 0)
    assert x0 == 400 and x1 - x0 == 44


def test_missing_fields_are_none_with_a_message(receipt_type: PageType) -> None:
    found = extract_fields(page(["HELLO WORLD"]), (600, 100), receipt_type)
    assert found["date"].value is None and found["date"].confidence == 0.0
    assert found["date"].messages
    assert found["total"].value is None


def test_date_forms_and_digit_repair(receipt_type: PageType) -> None:
    for printed, want in [
        ("DATE : 05 MAR 2018 18:24", "05 MAR 2018"),
        ("DATE: 18-11-18", "18-11-18"),
        ("2018-01-05 22:55:25", "2018-01-05"),
        ("DATE 25/12/2O18", "25/12/2018"),
        ("12/28/2017", "12/28/2017"),
    ]:
        found = extract_fields(page([printed]), (600, 100), receipt_type)
        assert found["date"].value == want, printed


def test_classifier_tells_receipts_from_forms(receipt_type: PageType) -> None:
    assert classify_layout_page(page(RECEIPT), receipt_type) >= 0.8
    intake = page(
        [
            "PATIENT INTAKE FORM",
            "LAST NAME FIRST NAME",
            "DATE OF BIRTH",
            "INSURANCE PROVIDER POLICY NUMBER",
            "ALLERGIES MEDICATIONS",
            "SIGNATURE DATE",
        ]
    )
    assert classify_layout_page(intake, receipt_type) < 0.2
    assert classify_layout_page([], receipt_type) == 0.0
    letter = page(["Dear Sir,", "Thank you for your letter of 3 March.", "Yours faithfully"])
    assert classify_layout_page(letter, receipt_type) < 0.5


def test_calibration_table_interpolates() -> None:
    table = [[0.2, 0.1], [0.6, 0.5], [0.9, 0.98]]
    assert calibrate(0.0, table) == 0.1
    assert calibrate(0.4, table) == pytest.approx(0.3)
    assert calibrate(1.0, table) == 0.98
    assert calibrate(0.7, None) == 0.7


def test_small_pages_are_upscaled_and_boxes_mapped_back() -> None:
    import numpy as np

    small = np.full((100, 350), 255, np.uint8)
    big, scale = prepare_page(small)
    assert scale == 4.0 and big.shape == (400, 1400)
    large = np.full((100, 2000), 255, np.uint8)
    assert prepare_page(large)[1] == 1.0
    w = scale_words([Word("X", (40, 80, 120, 160), 0.9)], 4.0)[0]
    assert w.bbox == (10, 20, 30, 40)


def test_total_confirmed_by_tendered_less_change(receipt_type: PageType) -> None:
    # The keyword amount is the pre-rounding total; cash - change and total + rounding
    # both say 60.30, which is printed on the page (after a misread 'RM').
    rows: list[str | tuple[str, str]] = [
        "INDAH GIFT & HOME DECO",
        ("TOTAL AMT....", "60.31"),
        ("ROUNDING ADJ", "-0.01"),
        ("RH", "60.30"),
        ("CASH,", "70.30"),
        ("CHANGE..", "10.00"),
    ]
    found = extract_fields(page(rows), (600, 300), receipt_type)
    assert found["total"].value == "60.30"


def test_total_search_not_ended_by_a_table_header_above(receipt_type: PageType) -> None:
    rows: list[str | tuple[str, str]] = [
        "FUYI MINIMARKET",
        "Qty UOM U.Price Amt Inc.Tax Code",
        ("1 KOTAI 8.49", "9.00"),
        ("Total Includes GST 6%", "9.00"),
        ("Cash", "50.00"),
        ("Change", "41.00"),
        "GST Summary Amount Tax",
        ("SR 8.49", "0.51"),
    ]
    found = extract_fields(page(rows), (600, 300), receipt_type)
    assert found["total"].value == "9.00"


def test_dates_glued_or_without_separators(receipt_type: PageType) -> None:
    for printed, want in [
        ("Date:5/3/201822:52:33", "5/3/2018"),
        ("27032018 No.:CS-20242", "27/03/2018"),
        ("01:34PM 568017 05 02-18", "05-02-18"),
    ]:
        found = extract_fields(page([printed]), (600, 100), receipt_type)
        assert found["date"].value == want, printed
    # a damaged date is only a fallback: a whole one wins, and neither is taken blind
    found = extract_fields(page(["27032018", "DATE: 28/03/2018"]), (600, 100), receipt_type)
    assert found["date"].value == "28/03/2018"


def test_company_continued_on_the_next_line_and_handwriting_skipped(receipt_type: PageType) -> None:
    rows: list[str | tuple[str, str]] = [
        "tan woon yann",
        "LIAN CHI PU TIAN VEGETARIAN",
        "RESTAURANT SDN BHD",
        "(1095514-X)",
        "54,JALANSS23/11.",
        "TAMAN SEA,47400",
        "PETALING JAYA,SELANGOR",
        "TEL: 03-1234",
    ]
    found = extract_fields(page(rows), (600, 300), receipt_type)
    assert found["company"].value == "LIAN CHI PU TIAN VEGETARIAN RESTAURANT SDN BHD"
    assert found["address"].value == "54,JALAN SS23/11, TAMAN SEA,47400 PETALING JAYA,SELANGOR"
    spaced = extract_fields(
        page(["S.H.H.MOTOR(SUNGAI RENGIT)SDN.BHD. (801349-X)"]), (600, 100), receipt_type
    )
    assert spaced["company"].value == "S.H.H.MOTOR (SUNGAI RENGIT) SDN. BHD."


def test_address_leaves_out_branch_names_and_registration_numbers(receipt_type: PageType) -> None:
    rows: list[str | tuple[str, str]] = [
        "SYARIKAT PERNIAGAAN GIN KEE",
        "(81109-A)",
        "NO 290, JALAN AIR PANAS.",
        "SETAPAK,",
        "53200, KUALA LUMPUR.",
        "TEL:03-40210276",
    ]
    found = extract_fields(page(rows), (600, 300), receipt_type)
    assert found["address"].value == "NO 290, JALAN AIR PANAS, SETAPAK, 53200, KUALA LUMPUR."
    rows = [
        "IKEA (M) SDN BHD",
        "IKEA CHERAS",
        "NO 2A JALAN COCHRANE",
        "TAMAN MALURI",
        "55100 KUALA LUMPUR",
        "GST ID: 000115154944",
    ]
    found = extract_fields(page(rows), (600, 300), receipt_type)
    assert found["address"].value == "NO 2A JALAN COCHRANE TAMAN MALURI 55100 KUALA LUMPUR"


def test_layout_ocr_name() -> None:
    from taskmaster.locating.ocr_prep import layout_ocr_name

    assert layout_ocr_name(["rapid"]) == "rapid"
    assert layout_ocr_name(["rapid", "rapid"]) == "rapid"
    assert layout_ocr_name(["rapid", None]) is None
    assert layout_ocr_name([]) is None


def test_values_read_by_another_engine_are_not_trusted(receipt_type: PageType) -> None:
    assert receipt_type.ocr == "rapid"
    trusted = extract_fields(page(RECEIPT), (600, 600), receipt_type, ocr="rapid")
    other = extract_fields(page(RECEIPT), (600, 600), receipt_type, ocr="tesseract")
    assert other["date"].value == trusted["date"].value == "25/12/2018"
    assert trusted["date"].confidence > 0.9 and other["date"].confidence <= 0.5
    assert any("calibrated for rapid" in m for m in other["date"].messages)
