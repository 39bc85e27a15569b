"""validate: check canonical values against their field's type, format and rules.

`check_value` returns the problems of one value; `field_status` turns value, confidence
and problems into the field status of BRIEF.md (ok | needs_review | invalid | missing).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from taskmaster.apps.schema import FieldDef
from taskmaster.db.status import FieldStatus
from taskmaster.validation.lexicons import AREA_FIRST, US_STATES

_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    # North American numbers (`AREA_FIRST`): `1732187877`, every read of a fax agreeing
    # on a 7 read as 1, is no number.
    "phone": (
        re.compile(rf"^[{AREA_FIRST}]\d{{9}}$"),
        "a phone number has 10 digits, its area code starting with 2-9",
    ),
    "zip": (re.compile(r"^\d{5}$"), "a ZIP code has 5 digits"),
    "alnum": (re.compile(r"^[A-Z0-9]+$"), "only capital letters and digits"),
    "email": (re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"), "not an e-mail address"),
    "integer": (re.compile(r"^-?\d+$"), "not a whole number"),
}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def check_value(field: FieldDef, value: Any) -> list[str]:
    """Problems of a non-empty canonical value (empty list: valid)."""
    if field.keep_text:
        return [] if isinstance(value, str) else ["expected text"]
    problems: list[str] = []
    t = field.type
    if t == "boolean":
        if not isinstance(value, bool):
            problems.append("expected true or false")
        return problems
    if t == "enum":
        allowed = [o.value for o in field.options]
        if value not in allowed:
            problems.append(f"not one of {', '.join(map(str, allowed))}")
        return problems
    if not isinstance(value, str):
        return [f"expected text, got {type(value).__name__}"]
    if t == "date":
        try:
            d = date.fromisoformat(value)
            if not 1900 <= d.year <= 2100:
                problems.append(f"implausible year {d.year}")
        except ValueError:
            problems.append(f"{value!r} is not a valid date")
    elif t == "state":
        if value not in US_STATES:
            problems.append(f"{value!r} is not a US state code")
    elif t == "amount":
        try:
            Decimal(value)
        except InvalidOperation:
            problems.append(f"{value!r} is not an amount")
    elif t in _FORMATS:
        rx, why = _FORMATS[t]
        if not rx.match(value):
            problems.append(why)
    if field.pattern and not re.search(field.pattern, value):
        problems.append(f"does not match {field.pattern}")
    if field.checksum in ("luhn", "mod10") and (not value.isdigit() or not luhn_ok(value)):
        problems.append("checksum does not match")
    return problems


def absent(field: FieldDef, value: Any) -> bool:
    """Whether a value leaves the field empty: None, or an unmarked required consent box
    or an unsigned required signature (both read as False, and both must be there)."""
    return value is None or (
        value is False and field.required and field.kind in ("checkbox", "signature")
    )


def field_status(
    field: FieldDef, value: Any, confidence: float, threshold: float | None, problems: list[str]
) -> str:
    """ok | needs_review | invalid | missing, for a machine-read value.

    `threshold` is the lowest confidence accepted without a person (None: none is); a
    field's `min_confidence` is a floor under it. A required field left empty is
    `missing` whatever the confidence, so its document waits for a person.
    """
    if problems:
        return FieldStatus.INVALID
    if absent(field, value) and field.required:
        return FieldStatus.MISSING
    floor = field.min_confidence if field.min_confidence is not None else 0.0
    if threshold is None or confidence < max(threshold, floor):
        return FieldStatus.NEEDS_REVIEW
    return FieldStatus.OK
