"""Free-text fields in a box or on an underline, one or several lines."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import BBox, Engines, Gray
from taskmaster.reading import handtext, identifier, lexicon, repair, typedtext
from taskmaster.reading.recognise import Recognised, recognise
from taskmaster.reading.repair import REPAIRED_CAP
from taskmaster.reading.result import FieldReading, empty
from taskmaster.reading.zones import clean_paper, despeckle, erase_lines, flat_crop, ink_ratio

BOX_INSET = 9  # past the 3 px box line plus registration slack
NEAR_MISS_CAP = 0.3  # a typed word one look-alike from a word of the field's list (low: a fit
# maps a score bin by every read in it, and 0.6-0.9 hold many right typed reads)
EMPTY_INK = 0.002  # share of ink under which a zone is blank paper
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"
CHARSETS = {
    "string": _UPPER + _UPPER.lower() + _DIGITS + " .,-'/&#()@:+%",
    "email": _UPPER + _UPPER.lower() + _DIGITS + "@._%+-",
    "integer": _DIGITS,
    # An identifier (a group number): capitals and digits, no spaces (`canonical`).
    "alnum": _UPPER + _DIGITS,
    # What the ICR reads in an e-mail address: hand print in lower case, and `@`.
    "email_hand": _UPPER.lower() + _DIGITS + "@._-",
    "amount": _DIGITS + ".,",
}


_DEBRIS = set(":;|!()[]{}-_'\"`.,~")


def strip_debris(text: str) -> str:
    """Whitespace normalised, and lone punctuation tokens at either end dropped: they are
    the remains of a box line or speckle at the zone's edge, not something written."""
    words = text.split()
    while words and set(words[0]) <= _DEBRIS:
        words.pop(0)
    while words and set(words[-1]) <= _DEBRIS:
        words.pop()
    return " ".join(words)


def line_bands(field: FieldDef) -> list[BBox]:
    """The field's bbox cut into `lines` equal horizontal bands (one per text line)."""
    assert field.bbox is not None
    x0, y0, x1, y1 = field.bbox
    n = max(1, field.lines)
    step = (y1 - y0) / n
    return [(x0, round(y0 + i * step), x1, round(y0 + (i + 1) * step)) for i in range(n)]


def zone(page: Gray, band: BBox, style: str | None) -> Gray:
    """The cleaned zone of one line: inside the box, or above the underline."""
    if style == "underline":
        x0, y0, x1, y1 = band
        # Text sits on the line and its ascenders may rise above the nominal bbox.
        z = flat_crop(page, (x0, y0 - 6, x1, y1 - 4), 0)
    else:
        z = flat_crop(page, band, BOX_INSET)
    return clean_paper(despeckle(erase_lines(z)))


def read(
    page: Gray, field: FieldDef, engines: Engines, *, typed_page: bool = False
) -> FieldReading:
    """Read a text field: whitespace normalised, lines joined with "\\n", e-mail lower
    case; a blank zone is None. `typed_page`: see `recognise` (on a typed page, typed
    reads that agree are scored by their agreement)."""
    assert field.bbox is not None
    charset = CHARSETS.get(field.type, CHARSETS["string"])
    texts: list[str] = []
    confs: list[float] = []
    chars: list[float] = []
    messages: list[str] = []
    sources: set[str] = set()
    recs: list[Recognised] = []
    for band in line_bands(field):
        z = zone(page, band, field.style)
        if ink_ratio(z) < EMPTY_INK:
            continue
        email = field.type == "email"
        rec = recognise(
            z,
            engines,
            charset=charset,
            any_case=email or lexicon.settles_case(field.name),
            icr_charset=CHARSETS["email_hand"] if email else None,
            typed_page=typed_page,
            agreement=partial(canonical, field),
            confirm=partial(listed, field),
        )
        recs.append(rec)
        r = handtext.resolve(field.name, rec)
        if rec.agreed is not None and r.text == rec.text and checked(field):
            # Reads that agree, which the field's list did not move: scored by agreement.
            r = replace(r, confidence=max(r.confidence, rec.agreed))
        miss = near_listed(field, r.text) if r.typed else None
        if miss is not None:
            # One look-alike from an entry of the field's list and not one itself
            # ("AVF" for AVE, "RCNALD" for RONALD, every read alike on a fax): review.
            note = f"{miss[0]!r} is one look-alike from {miss[1]!r} of the list"
            r = replace(
                r, confidence=min(r.confidence, NEAR_MISS_CAP), messages=[*r.messages, note]
            )
        line = strip_debris(r.text)
        if not line:
            messages.append("ink but no text read")
            confs.append(0.3)
            continue
        if chars:
            chars.append(min(chars[-1], r.char_confidences[0]) if r.char_confidences else 0.0)
        texts.append(line)
        confs.append(r.confidence)
        chars.extend(
            r.char_confidences
            if len(r.char_confidences) == len(line)
            else [r.confidence] * len(line)
        )
        sources.add(r.source)
        messages.extend(m for m in r.messages if m not in messages)
    if not texts and not confs:
        return empty(field.bbox, "ocr")
    raw = "\n".join(texts)
    value: str | None = raw or None
    confidence = min(confs)
    if value is not None:
        value, repaired = _repair(field, value)
        if repaired:
            confidence = min(confidence, REPAIRED_CAP)
            messages.append(f"repaired from {raw!r}")
        if typed_page and len(recs) == 1 and len(texts) == 1:
            confidence = _typed_line(field, recs[0], value, confidence, messages)
        why = identifier.doubtful(value) if free_identifier(field) else None
        if why is not None:
            messages.append(why)
            confidence = min(confidence, NEAR_MISS_CAP)
    one = typed_page and field.type == "email" and len(recs) == 1
    return FieldReading(
        value=value,
        raw=raw or None,
        confidence=round(confidence, 4),
        source="icr" if "icr" in sources else "ocr",
        bbox=field.bbox,
        messages=messages,
        char_confidences=tuple(chars) if len(chars) == len(raw) else (),
        reads=tuple(canonical(field, t) for t in recs[0].texts) if one else (),
    )


def _typed_line(
    field: FieldDef, rec: Recognised, value: str, confidence: float, messages: list[str]
) -> float:
    """A typed line's score where its reads agree once the field's usual misreads are
    put right (`typedtext`): a street address scored by that agreement; an e-mail
    address noted for `crossfield.settle_email` to vouch for."""
    if field.type == "email":
        if confidence < typedtext.STREET_AGREED_CAP and typedtext.email_agreed(
            rec, partial(canonical, field)
        ):
            messages.append(typedtext.EMAIL_AGREED)
        return confidence
    miss = typedtext.street_near_miss(field, value)
    if miss is not None:
        messages.append(f"{miss[0]!r} is one look-alike from {miss[1]!r} of the list")
        return min(confidence, NEAR_MISS_CAP)
    score = typedtext.street_score(field, rec, value, partial(repaired_line, field))
    if score is None or score <= confidence:
        return confidence
    messages[:] = [m for m in messages if not m.startswith("reads disagree")]
    messages.append(f"typed page: reads agree once repaired: {' | '.join(rec.texts)}")
    return score


def repaired_line(field: FieldDef, read: str) -> str:
    """One read of a line as the field's value would be made of it (`_repair`)."""
    return _repair(field, strip_debris(read))[0]


def canonical(field: FieldDef, read: str) -> str:
    """The form in which two reads of a line of `field` are the same value: whitespace
    normalised; an e-mail address without spaces, in lower case, its domain put right."""
    if field.type == "email":
        return repair.email("".join(read.split()).lower())[0]
    if field.type == "alnum":
        return "".join(read.split()).upper()
    return " ".join(read.split())


def checked(field: FieldDef) -> bool:
    """Whether a value of `field` is checked against more than its reads: a word list, a
    pattern, or a type with a format (an e-mail address). Only then does the agreement of
    typed reads score a line: two reads of one engine share their misreads (a faxed
    `LUIS` read `LUTS` by both), and on free text nothing else catches them."""
    return (
        field.type != "string"
        or field.pattern is not None
        or lexicon.for_field(field.name) is not None
    )


def free_identifier(field: FieldDef) -> bool:
    """Whether a value of `field` may be an identifier nothing checks: free text with
    no pattern and no word list: free text, or an `alnum` line (a group number;
    `identifier`)."""
    return (
        field.type in ("string", "alnum")
        and not field.pattern
        and lexicon.for_field(field.name) is None
    )


def listed(field: FieldDef, read: str) -> bool:
    """Whether the field's vocabulary has `read`: the whole value (a city), or every word
    but numbers (a name, a street address, a medication line); False without one."""
    spec = lexicon.for_field(field.name)
    if spec is None or not read.strip():
        return False
    vocabulary, mode = spec
    if mode == "whole":
        return read.upper() in vocabulary
    return all(w.isdigit() or w.upper() in vocabulary for w in read.split())


def near_listed(field: FieldDef, read: str) -> tuple[str, str] | None:
    """A word of the line that the field's list (words mode) lacks but has an entry one
    dropped thin stroke or look-alike from (`lexicon.near_miss`), with that entry."""
    spec = lexicon.for_field(field.name)
    if spec is None or spec[1] != "words":
        return None
    for word in read.split():
        w = word.strip(".,")
        if w.upper() in spec[0]:
            continue
        entry = lexicon.near_miss(w, spec[0])
        if entry is not None:
            return w, entry
    return None


def _repair(field: FieldDef, value: str) -> tuple[str, bool]:
    """The value with the field type's usual misreads undone (see `repair`)."""
    if field.type == "email":
        return repair.email(re.sub(r"\s+", "", value).lower())
    if field.type == "alnum":
        value = canonical(field, value)
        return identifier.inner_digits(value) if free_identifier(field) else (value, False)
    if field.type == "string":
        spec = lexicon.for_field(field.name)
        changed = False
        if spec is not None and spec[1] == "words":
            # Before `letter_words`, which would take DIGOXIN50's digits for letters.
            value, changed = repair.glued_words(
                value, spec[0], number_first=field.name.startswith("address")
            )
        if field.name.startswith("address"):
            value, direction = repair.street_direction(value)
            changed = changed or direction
        if not field.name.startswith("address"):
            value, dose = repair.dose_numbers(value)
            changed = changed or dose
        lines = [repair.letter_words(line) for line in value.split("\n")]
        value = "\n".join(t for t, _ in lines)
        changed = changed or any(c for _, c in lines)
        if field.pattern:
            value, by_pattern = repair.to_pattern(value, field.pattern)
            changed = changed or by_pattern
        if free_identifier(field):
            value, inner = identifier.inner_digits(value)
            changed = changed or inner
        if field.list_format is not None:
            fmt = field.list_format
            value, guessed = repair.list_items(value, fmt.separator, lexicon.load(fmt.items))
            changed = changed or guessed
        return value, changed
    return value, False
