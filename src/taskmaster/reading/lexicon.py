"""Closed and open vocabularies for hand-printed text, and snapping a read onto them.

Hand print read by two engines that disagree is often one or two glyphs away from a
word of the field's vocabulary (SOMA / SOFIA, 515TER / SISTER, NDIANAPOLIS /
INDIANAPOLIS). A read is moved ("snapped") to a vocabulary entry only when the entry is
close to a read by a distance that knows hand-print confusions (`distance`), and no
other entry is about as close: a name outside the list is not forced onto its neighbour.

The word lists in `lexicons/` are general public lists (common US given names and
surnames, languages, insurers, street and medication words) plus the clinic's catchment
cities, which are customer configuration; none is drawn from the sample forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

LEXICON_DIR = Path(__file__).with_name("lexicons")

# Field name -> (lexicons, mode). "whole": the field's value is one entry (a city, an
# insurer). "words": each word is checked on its own (a name, a street address).
FIELD_LEXICONS: dict[str, tuple[tuple[str, ...], str]] = {
    "first_name": (("first_names",), "words"),
    "last_name": (("surnames",), "words"),
    "emergency_name": (("first_names", "surnames"), "words"),
    "patient_name": (("first_names", "surnames"), "words"),
    "city": (("cities",), "whole"),
    "emergency_relationship": (("relationships",), "whole"),
    "preferred_language": (("languages",), "whole"),
    "insurance_provider": (("insurers",), "whole"),
    "address_street": (("streets",), "words"),
    "medications": (("medications",), "words"),
    "allergy_details": (("medications", "allergens"), "words"),
}

# Hand-print look-alikes: substituting one for the other costs `_CONFUSED`.
_GROUPS = (
    "O0DQUC",
    "I1LJT7/",
    "S5",
    "Z2",
    "B83R",
    "G6C&",
    "A4R",
    "MNWH",
    "UVWY",
    "EF",
    "PRD",
    "KX",
    "94Q",
    "HN",
    "QG",
)
_CONFUSED = 0.5
_THIN = "I1.-'/"  # glyphs the ICR's segmentation drops or Tesseract invents
_THIN_COST = 0.6
_SPACE_COST = 0.3  # a word gap one engine saw and the other did not
_PAIRS = {(a, b) for g in _GROUPS for a in g for b in g if a != b}


@cache
def load(name: str) -> frozenset[str]:
    """The entries of `lexicons/NAME.txt` (upper case, comment lines skipped)."""
    path = LEXICON_DIR / f"{name}.txt"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in LEXICON_DIR.glob("*.txt")))
        raise ValueError(f"no word list {name!r} (there are: {known})")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        " ".join(ln.split()).upper() for ln in lines if ln.strip() and not ln.startswith("#")
    )


@cache
def for_field(name: str) -> tuple[frozenset[str], str] | None:
    """The vocabulary of field `name` and its mode, None when it has none."""
    spec = FIELD_LEXICONS.get(name)
    if spec is None:
        return None
    names, mode = spec
    return frozenset().union(*(load(n) for n in names)), mode


def near_miss(word: str, vocabulary: frozenset[str]) -> str | None:
    """The one entry `word` (not in the vocabulary) misses by a dropped thin stroke or a
    single look-alike ("DALY" -> "DAILY", "JOHNSDN" -> "JOHNSON"): the slips both
    engines make alike. None when no entry, or more than one, is that close."""
    w = word.upper()
    if w in vocabulary or len(w) < 3 or not w.isalpha():
        return None
    found = [e for e in vocabulary if abs(len(e) - len(w)) <= 1 and distance(w, e) <= _THIN_COST]
    return found[0] if len(found) == 1 else None


def settles_case(name: str) -> bool:
    """Whether field `name`'s vocabulary settles its value whatever case Tesseract read
    it in: one entry per field (a city) or one name; not free text, where a typed
    lower-case line read again by the ICR only gains errors."""
    spec = FIELD_LEXICONS.get(name)
    return spec is not None and (
        spec[1] == "whole" or len(spec[0]) == 1 and spec[0][0] in ("first_names", "surnames")
    )


def _sub(a: str, b: str) -> float:
    if a == b:
        return 0.0
    return _CONFUSED if (a, b) in _PAIRS else 1.0


def _indel(c: str) -> float:
    if c == " ":
        return _SPACE_COST
    return _THIN_COST if c in _THIN else 1.0


def distance(a: str, b: str) -> float:
    """Edit distance of two reads, upper-cased, in which hand-print look-alikes, thin
    strokes and word gaps cost less than other edits."""
    a, b = a.upper(), b.upper()
    prev = [0.0]
    for cb in b:
        prev.append(prev[-1] + _indel(cb))
    for ca in a:
        cur = [prev[0] + _indel(ca)]
        for j, cb in enumerate(b, 1):
            cur.append(
                min(prev[j - 1] + _sub(ca, cb), prev[j] + _indel(ca), cur[j - 1] + _indel(cb))
            )
        prev = cur
    return prev[-1]


_CODES = 512  # characters past this share one code that matches nothing


def _code(c: str) -> int:
    return min(ord(c), _CODES - 1)


def _cost_tables() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """`_sub` and `_indel` of every code, built from the pairs (a 512 x 512 table cell by
    cell cost 0.3 s of every process's start-up)."""
    sub = np.ones((_CODES, _CODES))
    for a, b in _PAIRS:
        if max(ord(a), ord(b)) < _CODES:
            sub[ord(a), ord(b)] = _CONFUSED
    np.fill_diagonal(sub, 0.0)
    return sub, np.array([_indel(chr(i)) for i in range(_CODES)])


_SUB, _INDEL = _cost_tables()


@lru_cache(maxsize=64)
def _sorted(vocabulary: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(vocabulary))


@lru_cache(maxsize=64)
def _entries_table(entries: tuple[str, ...]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The entries as a padded matrix of character codes, and their lengths."""
    width = max((len(e) for e in entries), default=0)
    codes = np.full((len(entries), width), _CODES - 1, dtype=np.int64)
    for n, e in enumerate(entries):
        codes[n, : len(e)] = [_code(c) for c in e.upper()]
    return codes, np.array([len(e) for e in entries], dtype=np.int64)


def distances(read: str, entries: tuple[str, ...]) -> npt.NDArray[np.float64]:
    """`distance(read, entry)` for every entry at once: the same
    dynamic programme, one row per character of the read, across all entries."""
    codes, lengths = _entries_table(entries)
    ein = _INDEL[codes]
    prev = np.zeros((len(entries), codes.shape[1] + 1))
    prev[:, 1:] = np.cumsum(ein, axis=1)
    for ca in read.upper():
        k = _code(ca)
        best = np.minimum(prev[:, :-1] + _SUB[k][codes], prev[:, 1:] + _INDEL[k])
        cur = np.empty_like(prev)
        cur[:, 0] = prev[:, 0] + _INDEL[k]
        for j in range(codes.shape[1]):
            cur[:, j + 1] = np.minimum(best[:, j], cur[:, j] + ein[:, j])
        prev = cur
    return prev[np.arange(len(entries)), lengths]


def tolerance(entry: str) -> float:
    """How far a read may be from `entry` and still be taken for it."""
    return max(1.0, 0.25 * len(entry.replace(" ", "")))


@dataclass(frozen=True)
class Snap:
    """A vocabulary entry chosen for some reads, and how close each read was."""

    entry: str
    distances: tuple[float, ...]  # one per read, in the order given

    def near(self, i: int) -> bool:
        """Read `i` is within tolerance of the entry."""
        return self.distances[i] <= tolerance(self.entry)


def snap(reads: list[str], vocabulary: frozenset[str], *, margin: float = 0.5) -> Snap | None:
    """The entry closest to any of `reads`, when it is within tolerance and no other
    entry comes within `margin` of it; None otherwise."""
    keys = [" ".join(r.split()).upper() for r in reads if r.strip()]
    if not keys:
        return None
    shortest = min(len(k) for k in keys)
    table = _sorted(vocabulary)
    near = np.min([distances(k, table) for k in keys], axis=0)
    # Entries whose length alone puts them out of reach are left out.
    scored = [
        (d, e)
        for d, e in zip(near.tolist(), table, strict=True)
        if abs(len(e) - shortest) * _SPACE_COST <= tolerance(e) + 2
    ]
    if not scored:
        return None
    scored.sort()
    best, entry = scored[0]
    if best > tolerance(entry):
        return None
    # Spellings of one entry ("UNITEDHEALTHCARE", "UNITED HEALTHCARE") are no rivals.
    rivals = [d for d, e in scored[1:] if e.replace(" ", "") != entry.replace(" ", "")]
    if rivals and rivals[0] - best < margin:
        return None
    return Snap(entry, tuple(distance(" ".join(r.split()).upper(), entry) for r in reads))
