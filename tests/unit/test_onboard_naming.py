"""Onboarding's names and types: from printed labels, PDF names and tooltips, conservative."""

from __future__ import annotations

from taskmaster.apps.onboard import clip
from taskmaster.apps.onboard.model import Found, FoundPage, Option, Text
from taskmaster.apps.onboard.naming import infer_type, name_page, opaque, snake, unique
from taskmaster.apps.onboard.source import PdfFrame


def test_snake_takes_the_first_clause_without_numbering() -> None:
    assert snake("1 Name (as shown on your income tax return). Name is required") == "name"
    assert (
        snake("2 Business name/disregarded entity name, if different")
        == "business_name_disregarded_entity_name"
    )
    assert snake("City, state, and ZIP code") == "city_state_and_zip_code"
    assert snake("Requester’s name and address (optional)") == "requesters_name_and_address"
    assert snake("Individual/sole proprietor or") == "individual_sole_proprietor"
    assert snake("FirstName") == "first_name"
    assert snake("3 Date of birth:") == "date_of_birth"
    assert snake("2024 total") == "f_2024_total"


def test_opaque_pdf_names() -> None:
    for name in (
        "topmostSubform[0].Page1[0].f1_1[0]",
        "c1_1[3]",
        "Text7",
        "Check Box12",
        "undefined",
        "RadioButton1",
        "x",
    ):
        assert opaque(name), name
    for name in ("ZipCode", "form1.applicant.last_name", "DOB_Month"):
        assert not opaque(name), name


def test_types_stay_plain_unless_the_reader_yields_them() -> None:
    def comb(label: str, n: int, tooltip: str | None = None) -> Found:
        return Found(
            "comb", (0, 0, 10 * n, 10), boxes=[(0, 0, 1, 1)] * n, label=label, tooltip=tooltip
        )

    assert infer_type(comb("ZIP", 5)) == "zip"
    assert infer_type(comb("ZIP", 9)) == "integer"  # ZIP+4: digits, not a 5-digit ZIP
    assert infer_type(comb("", 10, tooltip="Phone number")) == "phone"
    assert infer_type(comb("", 10, tooltip="undefined")) == "string"
    assert infer_type(comb("State", 2)) == "state"
    assert infer_type(comb("Last name", 20)) == "string"
    assert infer_type(comb("Social security number", 3)) == "integer"
    assert infer_type(Found("text", (0, 0, 9, 9), label="E-mail address")) == "email"
    # A date in one text box stays text: the text reader does not make ISO dates.
    assert infer_type(Found("text", (0, 0, 9, 9), label="Date of birth")) == "string"
    assert infer_type(Found("text", (0, 0, 9, 9), label="City, state, and ZIP code")) == "string"
    two = [Option("M", (0, 0, 9, 9)), Option("F", (20, 0, 29, 9))]
    assert infer_type(Found("checkbox", (0, 0, 29, 9), options=two)) == "enum"
    assert infer_type(Found("checkbox", (0, 0, 9, 9), options=two[:1])) == "boolean"


def test_parts_drawn_apart_share_the_label_and_take_their_hint() -> None:
    parts = [
        Found("comb", (700, 940, 860, 1026), boxes=[(0, 0, 1, 1)] * 2),
        Found("comb", (900, 940, 1060, 1026), boxes=[(0, 0, 1, 1)] * 2),
        Found("comb", (1100, 940, 1410, 1026), boxes=[(0, 0, 1, 1)] * 4),
    ]
    texts = [
        Text("Date of birth", (300, 960, 560, 1000)),
        Text("MM", (750, 1040, 790, 1065)),
        Text("DD", (950, 1040, 990, 1065)),
        Text("YYYY", (1200, 1040, 1290, 1065)),
    ]
    page = FoundPage(1, None, texts, parts)  # type: ignore[arg-type]
    name_page(page, set())
    assert [f.name for f in parts] == ["date_of_birth_mm", "date_of_birth_dd", "date_of_birth_yyyy"]
    assert [f.format for f in parts] == ["MM", "DD", "YYYY"]
    assert all(f.type == "integer" for f in parts)


def test_unique_names() -> None:
    taken: set[str] = set()
    assert [unique("phone", taken) for _ in range(3)] == ["phone", "phone_2", "phone_3"]


def test_pdf_rectangles_map_to_reference_pixels() -> None:
    letter = PdfFrame((0, 0, 612, 792), 0)
    assert letter.to_px((72, 720, 144, 756)) == (300, 150, 600, 300)
    # /Rotate 90 shows the page landscape, turned clockwise: its bottom-left corner comes
    # to the top left (checked against PDFium's rendering).
    turned = PdfFrame((0, 0, 612, 792), 90)
    assert turned.to_px((0, 0, 72, 36)) == (0, 0, 150, 300)
    shifted = PdfFrame((36, 36, 648, 828), 0)
    assert shifted.to_px((36, 792, 108, 828)) == (0, 0, 300, 150)


def test_widgets_off_the_page_are_clipped_or_dropped() -> None:
    out = Found("text", (2400, 100, 2700, 160))
    assert clip(out, 2550, 3300) and out.bbox == (2400, 100, 2550, 160)
    assert not clip(Found("text", (2600, 100, 2700, 160)), 2550, 3300)
    assert not clip(Found("text", (10, 10, 12, 200)), 2550, 3300)  # no width to write in
    group = Found(
        "checkbox",
        (0, 0, 1, 1),
        options=[Option("A", (10, 10, 40, 40)), Option("B", (2560, 10, 2590, 40))],
    )
    assert clip(group, 2550, 3300)
    assert [o.value for o in group.options] == ["A"] and group.bbox == (10, 10, 40, 40)
