"""A visit or signature date is not dated in a year still to come (`reading.date.years`):
a form is captured after it is filled in, so the ICR's year `2027` for a hand-printed
`2025` read in 2026 is no date that field can hold."""

from __future__ import annotations

import datetime as dt

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.icr import decode_date
from taskmaster.reading.date import AHEAD, OUT_OF_RANGE_CAP, _in_years, years

VISIT = FieldDef(name="visit_date", kind="date", bbox=(0, 0, 10, 10))


def test_a_visit_date_is_not_in_a_year_still_to_come() -> None:
    today = dt.date.today()
    lo, hi = years(VISIT)
    assert hi == (today + AHEAD).year  # next year only in the last days of December
    assert lo < today.year <= hi
    conf, messages = _in_years(VISIT, f"{hi + 1}-01-15", 0.99, [])
    assert conf == OUT_OF_RANGE_CAP and messages == [f"year {hi + 1} outside {lo}-{hi}"]
    assert _in_years(VISIT, today.isoformat(), 0.99, []) == (0.99, [])


def test_the_joint_decoding_takes_no_year_after_the_fields_last() -> None:
    _, hi = years(VISIT)
    later, sooner = str(hi + 1), str(hi - 1)
    # DD MM YYYY: 17 08 then a year whose digits read `hi + 1` a little surer than `hi - 1`.
    cells = [{"1": 1.0}, {"7": 1.0}, {"0": 1.0}, {"8": 1.0}]
    cells += [{a: 0.6, b: 0.4} if a != b else {a: 1.0} for a, b in zip(later, sooner, strict=True)]
    r = decode_date(cells, years=years(VISIT))
    assert r.text == f"{sooner}-08-17"
    assert decode_date(cells, years=(hi - 10, hi + 1)).text == f"{later}-08-17"
