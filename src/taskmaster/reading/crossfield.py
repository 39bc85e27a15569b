"""Fields of one page that explain each other, settled after every field is read.

An e-mail address is hand-printed in lower case, which the ICR cannot read and Tesseract
reads badly ("angoyen" for "anguyen"), but its local part is very often made of the
patient's names (anguyen, sofia.rivera, samuel79). Where the read is close to one such
spelling, and to no other, that spelling is proposed, below the accept threshold: a
person confirms it, with the changed characters marked.
"""

from __future__ import annotations

import re
from dataclasses import replace

from taskmaster.reading import crossdates, lexicon, repair
from taskmaster.reading.recognise import AGREED_DOUBTFUL
from taskmaster.reading.result import PROPOSED, FieldReading
from taskmaster.reading.typedtext import EMAIL_AGREED

ACCEPT = 0.9
PROPOSED_CAP = 0.6  # a value built from other fields is proposed, never accepted alone
_TOLERANCE = 0.3  # of the candidate's length, in `lexicon.distance` units
_MARGIN = 0.25  # the runner-up must be this much further from the read
_LOOK_ALIKE = 0.5  # one look-alike glyph, in `lexicon.distance` units
_INITIAL = 0.5  # a lone initial read as another glyph (`local_distance`)
_OTHER_WEIGHT = 0.5  # of the other read's distance to a spelling's name part
_DIFFER = re.compile(r"hand-print: engines differ \('(.*)' / '(.*)'\)")
_DOUBT_CHAR = 0.4
_SURE_CHAR = 0.9
# A typed address whose agreeing reads are exactly a common name-made spelling at a common
# domain, the names themselves read confidently: two fields read apart vouch for each
# other (fresh typed pages, seed 7501: 5 such addresses, all right, at 0.43-0.60 alone).
VOUCHED = 0.93
# A typed line one of whose reads is exactly the names' spelling, the others close to it
# (fresh typed seeds 7601+7602: 4 right addresses proposed at 0.6, none wrong).
NAMED_READ = 0.91
# The same with a number: the names vouch for its letters only. Every read must give the
# same digits, and the score is a bin of its own (fresh typed seed 7604: `jbarber31` for
# jbarber51, every read of a fax alike; 3 others right).
NAMED_DIGITS = 0.88
# A typed line whose reads agree, one character from the names' spelling where that
# character is its typed look-alike (`sfosterl` for sfoster1, `inguyen` for lnguyen,
# `tolivers3` for toliver53): on fresh typed seeds 7901, 7911 and 7914-7917, 6 such
# proposals, all right; the wrong proposals there dropped or changed other letters.
NAMED_LOOK_ALIKE = 0.88
_TYPED_LOOK_ALIKES = frozenset(
    frozenset(p) for p in ("il", "l1", "i1", "s5", "o0", "z2", "b6", "g9", "q9")
)
# A typed digit as Tesseract reads it among lower-case letters (fresh typed photos and
# scans, seeds 8801+8802: `kchavezl3` for kchavez13, `bfrosts3`, `klongd5`, `ithompsonbd`).
_TAIL_LOOKS = {"0": "o", "1": "li", "2": "z", "4": "d", "5": "s", "6": "b", "8": "b", "9": "gq"}
# Lower-case look-alikes of digits in a hand-printed address's trailing number.
_AS_DIGIT = {"o": "0", "l": "1", "i": "1", "z": "2", "s": "5", "b": "6", "q": "9", "g": "9"}


def _name(value: object) -> str:
    """The first word of a name field, lower case, letters and hyphens only."""
    if not isinstance(value, str) or not value.strip():
        return ""
    return re.sub(r"[^a-z'-]", "", value.split()[0].lower()).replace("'", "")


def _digits(local: str) -> set[str]:
    """Numbers the read may end with: its digits, and its tail with look-alikes read as
    digits ("chloeq4" -> "94")."""
    out = {"", "".join(c for c in local if c.isdigit())}
    m = re.search(r"[0-9oilzsbqg]{1,4}$", local)
    if m and any(c.isdigit() for c in m.group()):
        # Every length of that tail: the name may end in a look-alike ("mcastillol5" is
        # "mcastillo" and "15", not "mcastil" and "1015").
        tail = m.group()
        out |= {"".join(_AS_DIGIT.get(c, c) for c in tail[k:]) for k in range(len(tail))}
    elif m and m.group()[-1] in "li":
        # A final "1" read as "l" ("hrowel" for "hrowe1", "jfrazierll" for
        # "jfrazier11"): the name alone would explain the read by dropping the letters.
        ones = len(re.search(r"[li]+$", local).group())  # type: ignore[union-attr]
        out |= {"1" * k for k in range(1, min(ones, 2) + 1)}
    return out


def email_candidates(first: str, last: str, local: str) -> dict[str, float]:
    """Local parts people make of their names, with the number the read ends with, and
    a small cost for the less common patterns (it breaks ties such as "chloe94" /
    "chloec4" for a read "chloeq4")."""
    f, la = first, last
    stems = {
        f"{f}.{la}": 0.0,
        f + la: 0.0,
        f[0] + la: 0.0,
        f: 0.0,
        f"{f}_{la}": 0.1,
        f"{f}-{la}": 0.2,
        la: 0.2,
        f"{f[0]}.{la}": 0.2,
        f + la[0]: 0.3,
        la + f: 0.3,
        la + f[0]: 0.3,
        f"{la}.{f}": 0.3,
    }
    out: dict[str, float] = {}
    for stem, cost in stems.items():
        for d in _digits(local):
            out[stem + d] = min(cost, out.get(stem + d, cost))
    return out


def settle_email(email: FieldReading, first: FieldReading, last: FieldReading) -> FieldReading:
    """`email` with its local part replaced by the one name-made spelling it is close
    to; unchanged when it has no '@', no single spelling is close, or it is confident
    and more than one look-alike from that spelling."""
    if not isinstance(email.value, str):
        return email
    f, la = _name(first.value), _name(last.value)
    local, at, domain = email.value.rpartition("@")
    if not (f and la and at and local):
        return email
    # The other engine's read weighs in on the name it spells, not on its number (the
    # ICR reads hand-printed digits far better).
    other = _stem(other_local(email.messages, local))
    cands = email_candidates(f, la, local)
    scored = sorted(
        (
            local_distance(local, c, f)
            + prior
            + (_OTHER_WEIGHT * other_distance(other, _stem(c), f) if other else 0.0),
            c,
        )
        for c, prior in cands.items()
    )
    best, cand = scored[0]
    if other:
        # Both hand-printed reads weigh in; the one taken must still be near the value.
        best = local_distance(local, cand, f) + cands[cand]
    if cand == local and best == 0.0 and _vouched(email, first, last, domain):
        return replace(
            email,
            confidence=max(email.confidence, VOUCHED),
            messages=[*email.messages, f"local part spelt from the names: {cand!r}"],
        )
    named = _named_read(email, first, last, f, la)
    if named is not None:
        return named
    if cand == local or best > _TOLERANCE * len(cand):
        return email
    if email.confidence >= ACCEPT and (best > _LOOK_ALIKE or len(cand) != len(local)):
        # A confident read is kept unless it is one look-alike from a name spelling
        # ("isandoval" for "lsandoval": typed l and i read alike and agree).
        return email
    if len(scored) > 1 and scored[1][0] - best < _MARGIN:
        return email
    value = f"{cand}@{domain}"
    if one_look_alike(local, cand) and _typed_alike(email, first, last, domain):
        return replace(
            email,
            value=value,
            confidence=NAMED_LOOK_ALIKE,
            messages=[
                *email.messages,
                f"local part one look-alike from the names' spelling: {cand!r} (read {local!r})",
            ],
        )
    chars = tuple(_DOUBT_CHAR if i < len(cand) else _SURE_CHAR for i in range(len(value)))
    return replace(
        email,
        value=value,
        confidence=min(email.confidence, PROPOSED_CAP),
        char_confidences=chars,
        messages=[
            *email.messages,
            f"{PROPOSED}local part from the names: {cand!r} (read {local!r})",
        ],
    )


def local_distance(local: str, cand: str, first: str) -> float:
    """`lexicon.distance` of a read local part and a spelling of the names, where a
    first glyph read as another before the rest of a spelling that starts with the first
    name's initial costs a look-alike: a lone hand-printed lower-case initial ("jorr",
    "rwashington") is the glyph the ICR reads worst ("dorr", "hwashington")."""
    d = lexicon.distance(local, cand)
    if len(local) > 1 and len(cand) > 1 and cand[0] == first[:1] and local[0] != cand[0]:
        d = min(d, _INITIAL + lexicon.distance(local[1:], cand[1:]))
    return d


def other_distance(other: str, stem: str, first: str) -> float:
    """`lexicon.distance` of the other read's local part and a spelling's stem, where a
    stem starting with the first name's initial may have lost it: Tesseract drops a
    hand-printed lower-case initial ("orr" for "jorr", "wals" for "jwalls")."""
    d = lexicon.distance(other, stem)
    if len(stem) > 1 and stem[0] == first[:1]:
        d = min(d, lexicon.distance(other, stem[1:]))
    return d


def _stem(local: str) -> str:
    """A local part without the number it ends with."""
    return re.sub(r"[0-9]+$", "", local)


def other_local(messages: list[str], local: str) -> str:
    """The local part of the hand-printed line's other read (`recognise` says both reads
    when the engines differ), "" where there is none or it is the value's own."""
    for m in messages:
        found = _DIFFER.fullmatch(m)
        if not found:
            continue
        for read in found.groups():
            text = repair.email("".join(read.split()))[0]
            if "@" in text:
                mine = re.sub(r"[^a-z0-9._-]", "", text.partition("@")[0])
                if mine and mine != local:
                    return mine
    return ""


def _named_read(
    email: FieldReading, first: FieldReading, last: FieldReading, f: str, la: str
) -> FieldReading | None:
    """A typed e-mail line one of whose reads (`email.reads`) is exactly a spelling its
    names make, at a common domain, and no read another such spelling, the names read
    confidently and every read close to it: that read, at `NAMED_READ` (a misread that
    makes exactly the spelling the names make is rare; "whautista | wbautista" for
    W. Bautista), `NAMED_DIGITS` where it has a number, which every read must give,
    as its digits or at its end in their typed look-alikes (`_gives`). None where the chosen read is
    confident and says otherwise."""
    if not email.reads or min(first.confidence, last.confidence) < ACCEPT:
        return None
    found = set()
    for read in email.reads:
        local, at, domain = read.rpartition("@")
        if (
            at
            and local
            and domain in repair.EMAIL_DOMAINS
            and local in email_candidates(f, la, local)
        ):
            found.add(read)
    if len(found) != 1:
        return None
    value = found.pop()
    cand = value.rpartition("@")[0]
    if any(
        lexicon.distance(r.rpartition("@")[0], cand) > _TOLERANCE * len(cand) for r in email.reads
    ):
        return None
    if value == email.value and email.confidence >= NAMED_READ:
        return None
    if value != email.value and email.confidence >= ACCEPT:
        return None
    digits = _digits_of(cand)
    if digits and not all(_gives(r.rpartition("@")[0], digits) for r in email.reads):
        return None
    return replace(
        email,
        value=value,
        confidence=NAMED_DIGITS if digits else NAMED_READ,
        char_confidences=email.char_confidences if value == email.value else (),
        messages=[
            *email.messages,
            f"a read spelt from the names: {cand!r} (reads: {' | '.join(email.reads)})",
        ],
    )


def one_look_alike(read: str, spelling: str) -> bool:
    """Whether `read` is `spelling` with one character read as its typed look-alike (an
    l as i or 1, a 1 as l, a 5 as s, a 0 as o): same length, that one place apart."""
    if len(read) != len(spelling):
        return False
    diffs = [(a, b) for a, b in zip(read, spelling, strict=True) if a != b]
    return len(diffs) == 1 and frozenset(diffs[0]) in _TYPED_LOOK_ALIKES


def _typed_alike(email: FieldReading, first: FieldReading, last: FieldReading, domain: str) -> bool:
    """The e-mail line was read by Tesseract as type whose reads did not disagree, at a
    common domain, and both names were read confidently."""
    return (
        email.source == "ocr"
        and not any(m.startswith(("hand-print", "reads disagree")) for m in email.messages)
        and domain in repair.EMAIL_DOMAINS
        and min(first.confidence, last.confidence) >= ACCEPT
    )


def _digits_of(local: str) -> str:
    return "".join(c for c in local if c.isdigit())


def _gives(local: str, digits: str) -> bool:
    """Whether a read local part gives the number `digits`: as its digits (`cscott91l`),
    or as its end, each digit read as itself or as its typed look-alike (`_TAIL_LOOKS`:
    `kchavezl3`, `bfrosts3`, `klongd5`), after a letter. Every read of a line must give
    it for the names to vouch for the rest."""
    if _digits_of(local) == digits:
        return True
    n = len(digits)
    if len(local) <= n or local[-n - 1].isdigit():
        return False
    return all(
        r == d or r in _TAIL_LOOKS.get(d, "") for r, d in zip(local[-n:], digits, strict=True)
    )


def _vouched(email: FieldReading, first: FieldReading, last: FieldReading, domain: str) -> bool:
    """The e-mail line was typed, its domain is a common one, both names were read
    confidently, and either its reads agree character by character (only its word
    confidence was low: `AGREED_DOUBTFUL`) and nothing repaired it, or they agree once
    the domain is put right and its local part was read surely, as is (`EMAIL_AGREED`:
    "x@gmailcom" and "x@gmail.com"; on fresh typed seeds 7601 and 7602 five right
    addresses at 0.00-0.23 alone)."""
    raw = "".join((email.raw or "").split()).lower()
    as_read = AGREED_DOUBTFUL in email.messages and raw == email.value
    local = str(email.value).rpartition("@")[0]
    domain_fixed = EMAIL_AGREED in email.messages and raw.rpartition("@")[0] == local
    return (
        (as_read or domain_fixed)
        and domain in repair.EMAIL_DOMAINS
        and min(first.confidence, last.confidence) >= ACCEPT
    )


def settle_page(readings: dict[str, FieldReading]) -> dict[str, FieldReading]:
    """Every cross-field settling this page's fields allow (e-mail from the names, the
    visit date and the signature's date from each other: `crossdates`)."""
    out = crossdates.settle_page(readings)
    if {"email", "first_name", "last_name"} <= out.keys():
        out["email"] = settle_email(out["email"], out["first_name"], out["last_name"])
    return out
