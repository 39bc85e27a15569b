"""What an operator types, turned into the field's canonical value (BRIEF.md).

Operators type what they see on paper: `09/03/1984`, `(555) 123-4567`, `ny`. The
station sends that text; the canonical value (`1984-03-09`, `5551234567`, `NY`) is what
gets validated, stored and exported. Anything we cannot make sense of is kept as typed so
validation can say what is wrong with it. `display` is the other way round: the stored
value as the form prints it (a date in the form's own order), so an untouched entry
reads back as the value it came from.

A multi-line field (`lines` > 1: medications, one a line) keeps its line breaks; only
the spaces within each line are normalised, and empty lines dropped.
"""

from __future__ import annotations

import re
from typing import Any

from taskmaster.apps.schema import FieldDef

_DIGITS = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")
_LINE_SPACES = re.compile(r"[^\S\n]+")  # whitespace except the line break
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TRUE = {"1", "y", "yes", "true", "x", "on"}
_FALSE = {"0", "n", "no", "false", "off"}


def _date(text: str, fmt: str | None) -> str:
    """ISO date from ISO, or from the form's own order (DD/MM/YYYY, DDMMYYYY, ...)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    parts = [p for p in re.split(r"[^\d]+", text) if p]
    order = (
        "DMY"
        if not fmt or fmt.upper().startswith("D")
        else ("MDY" if fmt.upper().startswith("M") else "YMD")
    )
    if len(parts) == 1 and len(parts[0]) == 8:  # typed without separators
        d = parts[0]
        parts = [d[:4], d[4:6], d[6:]] if order == "YMD" else [d[:2], d[2:4], d[4:]]
    if len(parts) != 3:
        return text
    by = dict(zip(order, parts, strict=True))
    year = by["Y"]
    if len(year) == 2:  # two-digit years: the past century for anything after today's
        year = ("19" if int(year) > 30 else "20") + year
    if len(year) != 4 or len(by["M"]) > 2 or len(by["D"]) > 2:
        return text
    return f"{year}-{int(by['M']):02d}-{int(by['D']):02d}"


def _choice(field: FieldDef, text: str) -> Any:
    """An option's value from its value, its label, or its 1-based position."""
    low = text.lower()
    for opt in field.options:
        if str(opt.value).lower() == low or (opt.label and opt.label.lower() == low):
            return opt.value
    if text.isdigit() and 1 <= int(text) <= len(field.options):
        return field.options[int(text) - 1].value
    starts = [
        o.value
        for o in field.options
        if str(o.value).lower().startswith(low) or o.label.lower().startswith(low)
    ]
    return starts[0] if len(starts) == 1 else text


def parse_entry(field: FieldDef, entry: Any) -> Any:
    """The canonical value of what the operator entered (None for an empty entry).

    Booleans and None pass through (checkboxes send them); text is normalised by type.
    """
    if entry is None or isinstance(entry, bool):
        return entry
    if multiline(field):
        lines = (_LINE_SPACES.sub(" ", line).strip() for line in str(entry).splitlines())
        return "\n".join(line for line in lines if line) or None
    text = _SPACES.sub(" ", str(entry)).strip()
    if not text:
        return None
    if field.keep_text:
        return text
    t = field.type
    if t == "boolean":
        low = text.lower()
        return True if low in _TRUE else False if low in _FALSE else text
    if t == "enum":
        return _choice(field, text)
    if t == "date":
        return _date(text, field.format)
    if t in ("phone", "zip", "integer"):
        digits = _DIGITS.sub("", text)
        if t == "integer" and text.startswith("-"):
            digits = "-" + digits
        return digits or text
    if t in ("state", "alnum"):
        return text.replace(" ", "").upper()
    if t == "email":
        return text.replace(" ", "").lower()
    if t == "amount":
        return text.replace(",", "").replace("$", "").replace(" ", "")
    return text


def multiline(field: FieldDef) -> bool:
    """A field printed on several lines: a multi-line box in the station."""
    return field.lines > 1


def date_text(iso: str, fmt: str | None) -> str:
    """An ISO date in the form's own format (`DD/MM/YYYY`, `DDMMYYYY`); else unchanged."""
    m = _ISO_DATE.fullmatch(iso)
    if m is None or not fmt or not all(t in fmt.upper() for t in ("DD", "MM", "YYYY")):
        return iso
    parts = dict(zip(("YYYY", "MM", "DD"), m.groups(), strict=True))
    return re.sub("YYYY|MM|DD", lambda t: parts[t.group()], fmt.upper())


def display(value: Any, field: FieldDef | None = None) -> str:
    """How a stored value appears in the entry box (dates in the form's own format).

    `parse_entry(field, display(value, field))` gives `value` back for every value the
    readers produce, so an entry the operator did not touch never changes the value.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field is not None and field.type == "date" and isinstance(value, str):
        return date_text(value, field.format)
    return str(value)
