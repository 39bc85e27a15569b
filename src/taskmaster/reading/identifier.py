"""Identifiers with no pattern (a group number): one word of a few letters then digits,
where a fax makes a digit read as its letter look-alike and nothing checks it.

`A1B76782` for A1876782, `AB703356` for A8703356, `ABB98325` for A8898325: on fresh
typed faxes (seeds 7901, 7911, 7914-7917) four group numbers were accepted wrong that
way, at 0.82-0.90. A look-alike letter between two digits is that digit (no group
number of the samples has a letter inside its digits). A look-alike letter just before
the digits is either (`AB703356` or `A8703356`): only a person can tell, so the value
goes to review.
"""

from __future__ import annotations

import re

from taskmaster.reading.repair import TO_DIGIT

# Letters a typed digit is read as on a fax (no A, T, J, U: their digits, 4, 7, 3 and 0,
# are not read as them often enough to doubt every group number starting with an A).
LOOK_ALIKES = frozenset("BODQSILZGlo")
MIN_DIGITS = 4  # an identifier's digits at least: fewer, and the word is not one
_WORD = re.compile(r"[A-Za-z]{0,4}\d[A-Za-z\d]*")


def inner_digits(value: str) -> tuple[str, bool]:
    """`value` with each look-alike letter between two digits made that digit, and
    whether one was; any other value as it is."""
    if not _is_identifier(value):
        return value, False
    chars = list(value)
    for i in range(1, len(chars) - 1):
        c = chars[i]
        if c in LOOK_ALIKES and chars[i - 1].isdigit() and _next_digit(chars, i):
            chars[i] = TO_DIGIT[c.upper()]
    fixed = "".join(chars)
    return fixed, fixed != value


def doubtful(value: str) -> str | None:
    """Why an identifier's reading is doubtful: a letter among its digits (after the
    first digit), or a look-alike letter right before its first digit; None if not."""
    if not _is_identifier(value):
        return None
    first = next(i for i, c in enumerate(value) if c.isdigit())
    inner = [c for c in value[first:] if c.isalpha()]
    if inner:
        return f"a letter among the digits of {value!r}: {''.join(inner)!r}"
    if first and value[first - 1] in LOOK_ALIKES:
        c = value[first - 1]
        return f"{c!r} before the digits of {value!r} may be a {TO_DIGIT[c.upper()]!r}"
    return None


def _is_identifier(value: str) -> bool:
    return _WORD.fullmatch(value) is not None and sum(c.isdigit() for c in value) >= MIN_DIGITS


def _next_digit(chars: list[str], i: int) -> bool:
    """Whether the next character that is not a look-alike letter after `i` is a digit
    (`ABB98325`'s inner run, `5O0` with two look-alikes in a row)."""
    for c in chars[i + 1 :]:
        if c.isdigit():
            return True
        if c not in LOOK_ALIKES:
            return False
    return False
