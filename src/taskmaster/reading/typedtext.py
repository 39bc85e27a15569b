"""Typed lines of a typed page whose reads agree once the field's usual misreads are put
right: a street address and an e-mail address.

Tesseract reads a typed street address as one run where a word gap was narrow ("2530
SFIRST ST", "8247 EST CT") or a direction as its digit look-alike ("97 5 MILL AVE"), and
an e-mail address's domain without its dot ("x@gmailcom"). The field's repair puts
those right (`repair.glued_words`, `street_direction`, `email`), but a repaired value was
capped at `REPAIRED_CAP`, and reads that differ only in such a slip counted as
disagreeing: right values of fresh typed pages (seeds 7601, 7602) sat at 0.28-0.85 in
bins they share with wrong ones. Here the reads are compared once repaired, and the line
is scored by that agreement where the field's list explains every word (a street) or
where the local part of the address, which no list checks, was read surely in every read
and the names on the page vouch for it (`crossfield.settle_email`).

Nothing here reads again: the reads are those the line's vote made (`consensus`).
"""

from __future__ import annotations

from collections.abc import Callable

from taskmaster.apps.schema import FieldDef
from taskmaster.reading import lexicon
from taskmaster.reading.recognise import SURE_CHAR, Recognised, agreed_score
from taskmaster.reading.repair import EMAIL_DOMAINS, STREET_SUFFIXES

# A street address whose reads agree once repaired, every word but its number in the
# street list and a suffix last: at most this (under the 0.96-0.99 of reads alike as read,
# over the 0.85 of repairs nothing else vouches for).
STREET_AGREED_CAP = 0.95
# Said of a typed e-mail line whose reads give one address once its domain is put right,
# the chosen read's local part and '@' read surely: `crossfield` may vouch for it.
EMAIL_AGREED = "typed page: reads agree once the domain is put right, the local part sure"
_LOOK_ALIKE = 0.5  # one look-alike glyph, in `lexicon.distance` units


def street_score(
    field: FieldDef, rec: Recognised, value: str, repaired: Callable[[str], str]
) -> float | None:
    """The score of a typed street address `value` (the line as repaired) whose every
    read, repaired the same way (`repaired`), is `value`: `agreed_score` of the chosen
    read's characters (spaces aside), at most `STREET_AGREED_CAP`. A read that lost the
    gap before an S direction and took it for its 5 (`_glued_direction`) agrees too,
    beside two that give `value`. None unless at least two reads were made and agree
    so, the value is a house number, words of the field's list and a street suffix
    last, and every character of the read is sure."""
    spec = lexicon.for_field(field.name)
    if not field.name.startswith("address") or spec is None or not _typed_reads(rec):
        return None
    reads = [repaired(t) for t in rec.texts]
    glued = _glued_direction(value)
    if reads.count(value) < 2 or any(r not in (value, glued) for r in reads):
        return None
    words = value.split()
    if (
        len(words) < 2
        or not words[0].isdigit()
        or words[-1] not in STREET_SUFFIXES
        or not all(w in spec[0] for w in words[1:])
    ):
        return None
    score = agreed_score(_sure_chars(rec, len(rec.text)))
    return None if score is None else min(score, STREET_AGREED_CAP)


def _glued_direction(value: str) -> str | None:
    """`value` as a read gives it that lost the gap after the house number and took an
    S direction for its look-alike 5 ("3815 MAPLE LN" for "381 S MAPLE LN": a fax, seed
    8801); None where the second word is no S. No repair can undo that read (3815 may be
    the number), but beside two reads with the gap it says the same."""
    words = value.split()
    if len(words) < 3 or words[1] != "S":
        return None
    return " ".join([f"{words[0]}5", *words[2:]])


def street_near_miss(field: FieldDef, value: str) -> tuple[str, str] | None:
    """A two-letter word of a street address (after its number) that the street list
    lacks but has one entry one look-alike from (`UR` for DR: every read of a fax agreed
    on it, at 0.94), with that entry; `lexicon.near_miss` leaves words that short alone,
    but a street's are its directions and suffixes. None for other fields."""
    spec = lexicon.for_field(field.name)
    if not field.name.startswith("address") or spec is None:
        return None
    for word in value.upper().split()[1:]:
        if len(word) != 2 or not word.isalpha() or word in spec[0]:
            continue
        near = [e for e in spec[0] if len(e) == 2 and lexicon.distance(word, e) <= _LOOK_ALIKE]
        if len(near) == 1:
            return word, near[0]
    return None


def email_agreed(rec: Recognised, canonical: Callable[[str], str]) -> bool:
    """Whether every read of a typed e-mail line gives one address once its domain is
    put right (`canonical`), that domain a common one, and the chosen read has the '@'
    and its local part as the address has them, each of those characters sure (the
    domain's own characters may be unsure: the list of domains settles them)."""
    if not _typed_reads(rec):
        return False
    forms = {canonical(t) for t in rec.texts}
    if len(forms) != 1:
        return False
    local, at, domain = forms.pop().rpartition("@")
    cut = rec.text.find("@")
    if not at or not local or domain not in EMAIL_DOMAINS or cut <= 0:
        return False
    if "".join(rec.text[:cut].split()).lower() != local:
        return False
    chars = _sure_chars(rec, cut + 1)
    return bool(chars) and min(chars) >= SURE_CHAR


def _typed_reads(rec: Recognised) -> bool:
    return (
        rec.typed
        and rec.source == "ocr"
        and len(rec.texts) >= 2
        and len(rec.char_confidences) == len(rec.text)
    )


def _sure_chars(rec: Recognised, upto: int) -> tuple[float, ...]:
    """The character confidences of the chosen read's first `upto` characters, spaces
    left out (a space carries its word's confidence, low for a word no dictionary has)."""
    pairs = zip(rec.char_confidences[:upto], rec.text[:upto], strict=True)
    return tuple(c for c, ch in pairs if ch.strip())
