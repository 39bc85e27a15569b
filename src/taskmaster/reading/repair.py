"""Field-aware repair of typed OCR: the usual glyph confusions undone where the field's
type says which reading is possible.

Every repair returns the new text and whether it changed anything; a reader that takes
a repaired value caps its confidence at `REPAIRED_CAP` (below the accept threshold), so
a person confirms it: the repair makes the proposed value right more often, it does
not make it certain.
"""

from __future__ import annotations

import re
from itertools import product

from taskmaster.reading.lexicon import snap
from taskmaster.validation.lexicons import US_STATES

REPAIRED_CAP = 0.85

# Letter <-> digit look-alikes in typed fonts after a fax or a phone camera.
TO_DIGIT = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "5",
    "G": "6",
    "B": "8",
    "T": "7",
    "A": "4",
    "J": "3",
}
TO_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B", "7": "T", "4": "A"}
_MAX_AMBIGUOUS = 12  # confusable positions tried against a pattern (2**12 candidates)

# Domains common enough on patient forms that a one-letter slip in them is a misread.
EMAIL_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "aol.com",
    "comcast.net",
    "live.com",
    "msn.com",
    "att.net",
    "me.com",
    "protonmail.com",
    "verizon.net",
    "sbcglobal.net",
    "mail.com",
)
_AT_LOOKALIKES = "ea©&"


def to_pattern(text: str, pattern: str) -> tuple[str, bool]:
    """The reading of `text` that matches `pattern` with the fewest look-alike swaps.

    `text` unchanged when it matches already, or when no swap of letter/digit
    look-alikes makes it match (then it is simply wrong, and validation says so).
    """
    rx = re.compile(pattern)
    if rx.fullmatch(text):
        return text, False
    options = [
        [c] + [alt for alt in (TO_DIGIT.get(c.upper()), TO_LETTER.get(c)) if alt] for c in text
    ]
    if sum(len(o) > 1 for o in options) > _MAX_AMBIGUOUS:
        return text, False
    best: tuple[int, str] | None = None
    for combo in product(*options):
        cand = "".join(combo)
        if rx.fullmatch(cand):
            swaps = sum(a != b for a, b in zip(cand, text, strict=True))
            if best is None or swaps < best[0]:
                best = (swaps, cand)
    if best is None:
        return text, False
    return best[1], True


def letter_words(text: str) -> tuple[str, bool]:
    """Digits inside words that are otherwise letters read as the letters they resemble
    ("0'Brien" -> "O'Brien", "JEFFERS0N" -> "JEFFERSON"); "5T" and "A1C" stay (too few
    letters to outvote the digit), and so do ordinals and units ("2ND", "10MG")."""
    out, changed = [], False
    for word in text.split(" "):
        letters = sum(c.isalpha() for c in word)
        digits = [c for c in word if c.isdigit()]
        if (
            digits
            and letters >= 3
            and letters > 2 * len(digits)
            and all(d in TO_LETTER for d in digits)
            and not re.fullmatch(r"\d+(ST|ND|RD|TH|MG|MCG|ML|G|KG|LB|LBS|X)", word, re.IGNORECASE)
        ):
            fixed = "".join(_as_letter(word, i) if c.isdigit() else c for i, c in enumerate(word))
            out.append(fixed)
            changed = True
        else:
            out.append(word)
    # "Q'Brien": Q before an apostrophe at a name's start is the O of O'Name.
    joined = re.sub(r"(?<![A-Za-z])Q'(?=[A-Z])", "O'", " ".join(out))
    return joined, changed or joined != " ".join(out)


# After a word, before a dose's unit: not a street's "331 S UNIT AVE".
_DOSE = re.compile(r"(?<=[A-Za-z] )([OSIlZBG])(?= (?i:MG|MCG|ML|MEQ)\b)")


def dose_numbers(text: str) -> tuple[str, bool]:
    """A lone letter that is a digit's look-alike before a dose's unit read as that digit
    ("RANITIDINE S MG" -> "RANITIDINE 5 MG": a fax's 5, every read alike)."""
    fixed = _DOSE.sub(lambda m: TO_DIGIT[m.group(1).upper()], text)
    return fixed, fixed != text


def _as_letter(word: str, i: int) -> str:
    """The letter digit `word[i]` resembles, in the case of the nearest letter after it
    (before it at the word's end): "0'Brien" -> "O", "c0m" -> "o"."""
    near = [c for c in word[i + 1 :] if c.isalpha()] or [c for c in word[:i] if c.isalpha()][::-1]
    letter = TO_LETTER[word[i]]
    return letter.lower() if near and near[0].islower() else letter


def email(text: str) -> tuple[str, bool]:
    """An e-mail address with a misread '@' or a one-letter slip in a common domain
    put right: 'rcheneoutlook.com' -> 'rchen@outlook.com', 'x@amail.com' ->
    'x@gmail.com', 'x@yahoocom' -> 'x@yahoo.com'."""
    t = text.strip().lower()
    if "@" in t:
        local, _, domain = t.rpartition("@")
        fixed = _domain(domain)
        return (f"{local}@{fixed}", True) if fixed and fixed != domain else (t, False)
    # No '@': it was read as one of its look-alikes just before a known domain.
    for dom in EMAIL_DOMAINS:
        for at in _AT_LOOKALIKES:
            if t.endswith(at + dom) and len(t) > len(dom) + 1:
                return f"{t[: -len(dom) - 1]}@{dom}", True
    return t, False


def _domain(domain: str) -> str | None:
    """The common domain `domain` is one substitution, or one missing dot, away from."""
    if domain in EMAIL_DOMAINS:
        return domain
    near = [
        d
        for d in EMAIL_DOMAINS
        if (len(d) == len(domain) and sum(a != b for a, b in zip(d, domain, strict=True)) == 1)
        or d.replace(".", "") == domain.replace(".", "")
    ]
    if len(near) == 1:
        return near[0]
    # Hand print: more than one slip ("iclon.com", "yakoo_com"), by the look-alike
    # distance, when one domain alone is that close and the read ends like a domain.
    if not re.search(r"[._]\w{2,4}$", domain):
        return None
    found = snap([domain], frozenset(EMAIL_DOMAINS))
    return found.entry.lower() if found is not None else None


def glued_words(
    text: str, vocabulary: frozenset[str], *, number_first: bool = False
) -> tuple[str, bool]:
    """Words whose gap was lost put apart where the field's vocabulary explains the run
    in exactly one way with the fewest words: "ESTECT" -> "E STE CT", "SSTE" -> "S STE"
    (not "S ST E"), "VIEWCT" -> "VIEW CT", "DIGOXIN50" ->
    "DIGOXIN 50"; with `number_first` (a street address) also a house number glued to
    the word after it, "3165N" -> "3165 N". Words of the vocabulary, and runs it splits
    in no way or in several, stay as read.

    Typed condensed and bold fonts set word gaps little wider than letter gaps; after a
    scan or a fax Tesseract's line reader drops them.
    """
    joined = "\n".join(
        " ".join(_unglue(w, vocabulary, number_first) or w for w in line.split(" "))
        for line in text.split("\n")
    )
    return joined, joined != text


def _unglue(word: str, vocabulary: frozenset[str], number_first: bool) -> str | None:
    w = word.upper()
    if not w or w in vocabulary:
        return None
    m = re.fullmatch(r"([A-Z]+)(\d+)", w) or (
        re.fullmatch(r"(\d+)([A-Z]+)", w) if number_first else None
    )
    if m:
        letters = m.group(1) if m.group(1).isalpha() else m.group(2)
        if letters in vocabulary or _segments(letters, vocabulary):
            inner = _unglue(letters, vocabulary, False)
            k = len(m.group(1))
            head, tail = word[:k], word[k:]
            if letters == m.group(1):
                return f"{inner or head} {tail}"
            return f"{head} {inner or tail}"
        return None
    if not w.isalpha() or len(w) < 3:
        return None
    found = _segments(w, vocabulary)
    fewest = min((len(f) for f in found), default=0)
    found = [f for f in found if len(f) == fewest]
    if len(found) != 1:
        return None
    cuts, start = [], 0
    for part in found[0]:
        cuts.append(word[start : start + len(part)])
        start += len(part)
    return " ".join(cuts)


def _segments(w: str, vocabulary: frozenset[str], parts: int = 3) -> list[list[str]]:
    """Every way of cutting `w` into 2..`parts` entries of the vocabulary."""
    found: list[list[str]] = []
    for k in range(1, len(w)):
        head, rest = w[:k], w[k:]
        if head not in vocabulary:
            continue
        if rest in vocabulary:
            found.append([head, rest])
        if parts > 2:
            found.extend([head, *tail] for tail in _segments(rest, vocabulary, parts - 1))
    return found


# Read -> what a typed capital read so on a fax or a phone photo most likely was.
_READ_AS = {
    "Q": "O",
    "D": "O",
    "0": "OD",
    "C": "OG",
    "O": "DQC",
    "I": "LJT",
    "L": "I",
    "1": "IL",
    "J": "I",
    "T": "I",
    "M": "N",
    "N": "MH",
    "E": "F",
    "F": "EP",
    "P": "RF",
    "R": "PB",
    "V": "YU",
    "Y": "V",
    "U": "VO",
    "B": "RE",
    "8": "B",
    "5": "S",
    "2": "Z",
    "6": "G",
    "G": "CO",
    "H": "N",
    "K": "X",
    "X": "K",
}


def state(text: str) -> tuple[str, bool]:
    """A two-letter state code read with one look-alike ("MQ" -> "MO"), put right where
    exactly one state is that close; a code that is a state, or is close to none or to
    several, stays as read."""
    t = text.upper()
    if len(t) != 2 or t in US_STATES:
        return text, False
    near = {t[:i] + c + t[i + 1 :] for i, ch in enumerate(t) for c in _READ_AS.get(ch, "")}
    near &= US_STATES
    return (near.pop(), True) if len(near) == 1 else (text, False)


_ITEM_WORDS = 3  # the most words one item of a list may have ("LOCAL ANESTHETICS")


def list_items(text: str, separator: str, items: frozenset[str]) -> tuple[str, bool]:
    """A list read from a line ("CODEINE SULFA", "PENICILLIN. CODEINE") with its items
    joined by `separator` ("CODEINE, SULFA"), and whether a separator was guessed.

    Commas and semicolons read are separators. Between them, a run of words is cut
    into entries of `items` where it can be cut in exactly one way, a word read with a
    period after it ending an entry: the comma was lost (small, it drops out of a fax)
    or read as a period. A run with a word outside `items`, or one that can be cut in
    several ways, stays as read. Only the spacing around separators read changes
    without a guess.
    """
    guessed = False
    lines = []
    for line in text.split("\n"):
        groups = [g.split() for g in re.split(r"[,;]", line)]
        out = []
        for words in groups:
            if not words:
                continue
            cut = _cut(words, items)
            if cut is None or len(cut) == 1:
                out.append(" ".join(words))
            else:
                out.extend(cut)
                guessed = True
        lines.append(separator.join(out))
    return "\n".join(lines), guessed


def _cut(words: list[str], items: frozenset[str]) -> list[str] | None:
    """The one way of cutting `words` into entries of `items` (a word ending in a period
    ends an entry; the period is dropped), None when there is none or more than one."""
    bare = [w.rstrip(".") for w in words]
    ends = [w.endswith(".") for w in words]
    # ways[i]: the cuts of words[i:], up to two of them (two is enough to say "several").
    ways: list[list[list[str]]] = [[] for _ in words] + [[[]]]
    for i in range(len(words) - 1, -1, -1):
        for j in range(i + 1, min(i + _ITEM_WORDS, len(words)) + 1):
            if any(ends[i : j - 1]) or not bare[j - 1]:
                break  # a period inside an entry
            entry = " ".join(bare[i:j])
            if entry.upper() in items:
                ways[i].extend([entry, *rest] for rest in ways[j][:2])
        ways[i] = ways[i][:2]
    return ways[0][0] if len(ways[0]) == 1 else None


# A street address's direction after the house number, and the glyphs a typed one is
# read as on a fax or a phone photo (E's middle bar lost: F; S as 5 or $; W as VV).
_DIRECTION_LOOKALIKES = {"F": "E", "5": "S", "$": "S", "VV": "W"}
STREET_SUFFIXES = frozenset(
    [
        "ST",
        "STREET",
        "AVE",
        "AVENUE",
        "RD",
        "ROAD",
        "DR",
        "DRIVE",
        "LN",
        "LANE",
        "CT",
        "COURT",
        "BLVD",
        "PL",
        "WAY",
        "TER",
        "CIR",
        "PKWY",
        "HWY",
    ]
)


def street_direction(text: str) -> tuple[str, bool]:
    """A street address whose word after the house number is a look-alike of a
    direction put right ("6944 F ELM LN" -> "6944 E ELM LN"), when a street name and its
    suffix follow; anything else as read ("500 F ST NW": F is the street's name). A
    name that is a suffix too is a name where a suffix comes later ("8393 5 TER DR")."""
    m = re.fullmatch(r"(\d+) (\S+)( ([A-Za-z]\S*) \S.*)", text)
    if m is None or m.group(2).upper() not in _DIRECTION_LOOKALIKES:
        return text, False
    later = m.group(3).upper().split()[1:]
    if m.group(4).upper() in STREET_SUFFIXES and not STREET_SUFFIXES.intersection(later):
        return text, False
    return f"{m.group(1)} {_DIRECTION_LOOKALIKES[m.group(2).upper()]}{m.group(3)}", True
