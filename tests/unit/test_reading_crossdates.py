"""The visit date and the signature's date settled from each other (`reading.crossdates`)."""

from __future__ import annotations

from taskmaster.reading import crossfield
from taskmaster.reading.crossdates import PROPOSED_CAP, UNREAD_CAP, merge, settle
from taskmaster.reading.result import PROPOSED, FieldReading

BOX = (0, 0, 10, 10)


def _date(
    value: str | None, conf: float, chars: tuple[float, ...] = (), raw: str | None = "x"
) -> FieldReading:
    return FieldReading(value, raw, conf, "icr", BOX, [], chars)


def test_the_surer_digit_of_each_read_makes_the_date() -> None:
    # Written DDMMYYYY: the visit's day doubtful, the signature's year doubtful.
    visit = _date("2026-05-01", 0.7, (0.9, 0.5) + (0.99,) * 6)
    sig = _date("2020-05-05", 0.8, (0.99,) * 7 + (0.4,))
    assert merge(visit, sig) == "2026-05-05"
    a, b = settle(visit, sig, ("visit_date", "signature_date"))
    assert a.value == b.value == "2026-05-05"
    assert a.confidence <= PROPOSED_CAP and b.confidence <= PROPOSED_CAP
    assert any("surer digits" in m for m in a.messages)


def test_the_unchanged_date_keeps_its_score() -> None:
    visit = _date("2026-12-13", 1.0)
    sig = _date("2021-12-13", 0.7)
    a, b = settle(visit, sig, ("visit_date", "signature_date"))
    assert (a.value, a.confidence) == ("2026-12-13", 1.0)
    assert (b.value, b.confidence) == ("2026-12-13", PROPOSED_CAP)


def test_an_unread_date_is_proposed_from_the_other_but_a_blank_one_stays_blank() -> None:
    visit = _date("2025-01-24", 0.95)
    unread = _date(None, 0.3, raw="2/01/20")
    _, b = settle(visit, unread, ("visit_date", "signature_date"))
    assert b.value == "2025-01-24" and b.confidence == UNREAD_CAP
    blank = _date(None, 0.97, raw=None)
    _, b = settle(visit, blank, ("visit_date", "signature_date"))
    assert b.value is None


def test_agreeing_dates_are_untouched_and_the_page_settles_them() -> None:
    visit = _date("2025-03-09", 0.8)
    sig = _date("2025-03-09", 0.7)
    assert merge(visit, sig) is None
    page = crossfield.settle_page({"visit_date": visit, "signature_date": _date("2022-03-09", 0.5)})
    assert page["signature_date"].value == "2025-03-09"
    assert page["visit_date"] is visit


def test_two_dates_read_surely_apart_are_two_days() -> None:
    # A patient who signed on another day (the samples' intake_0019: visit 05, signed 03).
    visit = _date("2024-03-05", 0.99, (0.99,) * 8)
    sig = _date("2024-03-03", 0.99, (0.98,) * 8)
    assert merge(visit, sig) is None
    assert settle(visit, sig, ("visit_date", "signature_date")) == (visit, sig)


def test_a_proposed_date_says_so_for_validate() -> None:
    visit = _date("2026-05-01", 0.7, (0.9, 0.5) + (0.99,) * 6)
    sig = _date("2026-05-05", 0.8, (0.99,) * 8)
    a, _ = settle(visit, sig, ("visit_date", "signature_date"))
    assert a.value == "2026-05-05" and a.messages[-1].startswith(PROPOSED)


def test_two_dates_read_surely_years_apart_both_go_to_a_person() -> None:
    # One visit: a year apart is a misread year (fresh pages: 2022 for 2026 at 0.97).
    visit = _date("2022-06-16", 0.99, (0.99,) * 8)
    sig = _date("2026-06-16", 0.99, (0.99,) * 8)
    a, b = settle(visit, sig, ("visit_date", "signature_date"))
    assert (a.value, b.value) == ("2022-06-16", "2026-06-16")  # as read
    assert a.messages[-1].startswith(PROPOSED) and b.messages[-1].startswith(PROPOSED)
    assert "1461 days from signature_date" in a.messages[-1]


def test_dates_read_surely_years_apart_take_the_surer_digit_and_both_go_to_a_person() -> None:
    # Fresh hand pages (tuning seed 8433): the signature's year 2026 read 2021 at 0.96,
    # the visit's 6 read surer: the visit's year is taken, and both are proposed.
    visit = _date("2026-08-06", 0.99, (0.99,) * 8)
    sig = _date("2021-08-06", 0.96, (0.99,) * 7 + (0.96,))
    assert merge(visit, sig) == "2026-08-06"
    a, b = settle(visit, sig, ("visit_date", "signature_date"))
    assert a.value == b.value == "2026-08-06"
    assert a.confidence == 0.99  # the read itself is not changed, only sent to a person
    assert a.messages[-1].startswith(PROPOSED) and "1826 days apart" in a.messages[-1]
    assert b.confidence <= PROPOSED_CAP and b.messages[-1].startswith(PROPOSED)
    # A few days apart, both sure: two days, as before (`merge` keeps out of it).
    near = _date("2026-08-04", 0.99, (0.95,) + (0.99,) * 7)
    assert merge(visit, near) is None
    assert settle(visit, near, ("visit_date", "signature_date")) == (visit, near)
