"""Date fields written on underlines as DD / MM / YYYY."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import Engines, Gray, IcrEngine, Reading
from taskmaster.engines.icr import decode_date
from taskmaster.engines.icr.segment import segment_line
from taskmaster.reading.combdecode import CHAR_ACCEPT, doubt_cap
from taskmaster.reading.consensus import agreement_score, read_typed
from taskmaster.reading.recognise import recognise
from taskmaster.reading.result import FieldReading, empty
from taskmaster.reading.zones import INK, despeckle, erase_lines, flat_crop, ink_ratio

EMPTY_INK = 0.004
_DIGITS = "0123456789"
JOINT_DIFFERS_CAP = 0.6  # the joint decoding contradicts the engines' value: review (9 of 52 wrong)
RECENT_YEARS = 10  # a visit or signature date lies at most this many years back
# ... and is not dated after the day it is read, give or take this much (time zones, a
# form dated the next morning): a form is captured after it is filled in.
AHEAD = dt.timedelta(days=7)
OUT_OF_RANGE_CAP = 0.3  # a date outside the field's years: review (with the invalid ones)

Mask = npt.NDArray[np.bool_]


@runtime_checkable
class GlyphProbabilities(Protocol):
    """An ICR engine that classifies ink masks (the built-in one)."""

    def probabilities(self, masks: Sequence[Mask], charset: str) -> list[dict[str, float]]: ...


def parts(page: Gray, field: FieldDef) -> list[Gray]:
    """The cleaned DD, MM, YYYY zones: above their underline, with a little headroom."""
    out = []
    for x0, y0, x1, y1 in field.parts:
        out.append(despeckle(erase_lines(flat_crop(page, (x0 - 4, y0 - 6, x1 + 4, y1 - 3)))))
    return out


def read(
    page: Gray, field: FieldDef, engines: Engines, *, typed_page: bool = False
) -> FieldReading:
    """ISO date; an impossible date keeps the raw digits with a low confidence.
    `typed_page`: see `recognise`."""
    assert field.bbox is not None
    zones = parts(page, field)
    inked = [ink_ratio(z) >= EMPTY_INK for z in zones]
    if not any(inked):
        return empty(field.bbox, "ocr")
    if not all(inked):
        return FieldReading(
            value=None,
            raw=None,
            confidence=0.3,
            source="ocr",
            bbox=field.bbox,
            messages=["date partly filled in"],
        )
    agreed = _agreed(zones, field, engines) if typed_page else None
    if agreed is not None:
        return agreed
    # Each part on its own: side by side, Tesseract runs DD and MM together.
    reads = [
        recognise(z, engines, charset=_DIGITS, valid=_part_valid(n), typed_page=typed_page)
        for z, n in zip(zones, (2, 2, 4), strict=True)
    ]
    groups = ["".join(r.text.split()) for r in reads]
    raw = "/".join(groups)
    messages = sorted({m for r in reads for m in r.messages})
    confidence = min(r.confidence for r in reads)
    source = "icr" if any(r.source == "icr" for r in reads) else "ocr"
    chars = tuple(c for r in reads for c in r.char_confidences)
    value: str | None = None
    lengths_ok = [len(g) for g in groups] in ([2, 2, 4], [1, 2, 4], [2, 1, 4], [1, 1, 4])
    if lengths_ok:
        try:
            value = dt.date(int(groups[2]), int(groups[1]), int(groups[0])).isoformat()
        except ValueError:
            messages.append(f"not a valid date: {raw}")
    else:
        messages.append(f"expected DD/MM/YYYY, read {raw!r}")
    # The ICR's digit alternatives know hand print, not type: not on a typed page.
    joint = _joint(zones, field, engines.icr) if source == "icr" and not typed_page else None
    if joint is not None and joint.text:
        if joint.text == value:
            confidence = max(confidence, joint.confidence)
        else:
            messages.append(f"valid date from the digits' alternatives: {joint.text}")
            value, confidence = joint.text, min(joint.confidence, JOINT_DIFFERS_CAP)
        chars = joint.char_confidences
        # A digit the ICR doubts sends the date to review, as in a comb (`doubt_cap`).
        threshold = float(getattr(engines.icr, "accept_threshold", CHAR_ACCEPT))
        cap = doubt_cap(chars, threshold)
        if cap is not None:
            confidence = min(confidence, cap)
            messages.append(f"a doubtful digit ({min(chars):.2f})")
        messages = [m for m in messages if not m.startswith(("not a valid", "expected"))]
    if value is None:
        confidence = min(confidence, 0.3)
    elif len(groups[0]) < 2 or len(groups[1]) < 2:
        # The form asks for DD and MM: a lone digit more often means one was missed.
        confidence = min(confidence, 0.6)
        messages.append("one-digit day or month")
    if value is not None:
        confidence, messages = _in_years(field, value, confidence, messages)
    return FieldReading(
        value=value,
        raw=raw,
        confidence=round(confidence, 4),
        source=source,
        bbox=field.bbox,
        messages=messages,
        char_confidences=chars if value and len(chars) == 8 else (),
    )


def _agreed(zones: list[Gray], field: FieldDef, engines: Engines) -> FieldReading | None:
    """A typed date whose every part Tesseract read alike twice (`agreement_score`),
    scored by that agreement; None where a part's reads differ or the date is not real.
    Tesseract's word confidence on a typed "08" or "2026" is 0.6-0.9 whether right or
    not, so it is not what a typed date's score stands on."""
    assert field.bbox is not None
    groups: list[str] = []
    scores: list[float] = []
    chars: list[float] = []
    for z, n in zip(zones, (2, 2, 4), strict=True):
        valid = _part_valid(n)
        vote = read_typed(z, engines, charset=_DIGITS, valid=valid, min_reads=2)
        score = agreement_score(vote, valid)
        if score is None:
            # A monospaced "0 2" set wide apart reads "912": the digits set a normal
            # letter gap apart, as a comb's cells are (`comb._side_by_side`).
            vote = read_typed(tighten(z), engines, charset=_DIGITS, valid=valid, min_reads=2)
            score = agreement_score(vote, valid)
        if score is None:
            return None
        r = vote.reading
        groups.append("".join(r.text.split()))
        scores.append(score)
        chars.extend(c for c, ch in zip(r.char_confidences, r.text, strict=False) if ch.strip())
    try:
        value = dt.date(int(groups[2]), int(groups[1]), int(groups[0])).isoformat()
    except ValueError:
        return None
    confidence, messages = _in_years(field, value, min(scores), [])
    return FieldReading(
        value=value,
        raw="/".join(groups),
        confidence=round(confidence, 4),
        source="ocr",
        bbox=field.bbox,
        messages=messages,
        char_confidences=tuple(chars) if len(chars) == 8 else (),
    )


def _in_years(
    field: FieldDef, value: str, confidence: float, messages: list[str]
) -> tuple[float, list[str]]:
    """A date outside the field's years (`years`) goes to review: reads can share a
    fax's 6/8 (a visit in 2028), the ICR a hand-printed 2 read 9 (a visit in 2094)."""
    lo, hi = years(field)
    year = int(value[:4])
    if lo <= year <= hi:
        return confidence, messages
    return min(confidence, OUT_OF_RANGE_CAP), [*messages, f"year {year} outside {lo}-{hi}"]


LETTER_GAP = 8  # px of white between typed digits set close (`tighten`)


def tighten(zone: Gray) -> Gray:
    """`zone` with every run of white columns wider than `LETTER_GAP` cut to that width."""
    ink = np.count_nonzero(zone < INK, axis=0)
    keep = np.ones(zone.shape[1], dtype=bool)
    run = 0
    for x in range(zone.shape[1]):
        run = 0 if ink[x] else run + 1
        keep[x] = run <= LETTER_GAP
    return np.ascontiguousarray(zone[:, keep])


def years(field: FieldDef) -> tuple[int, int]:
    """The years a date field can hold: a birth date any time since 1900, other dates
    (visit, signature) recent ones, none of them in a year still to come (`AHEAD`)."""
    today = dt.date.today()
    if "birth" in field.name:
        return 1900, today.year
    return today.year - RECENT_YEARS, (today + AHEAD).year


def _joint(zones: list[Gray], field: FieldDef, icr: IcrEngine | None) -> Reading | None:
    """DD, MM and YYYY decoded together: the likeliest valid date among each digit's
    alternatives (a 7 read as 1 makes no 21st of a month impossible, but a 9 read as 4
    in a year of 2029 does); where the likeliest way to cut each part into digits makes
    no date, the likeliest other cuts (a 0 broken in two read as "22" makes no recent
    year, the 0 whole does); None when the parts do not cut into 2, 2 and 4 digits."""
    if not isinstance(icr, GlyphProbabilities):
        return None
    options = []
    for z, n in zip(zones, (2, 2, 4), strict=True):
        masks = [g.mask for g in segment_line(z).glyphs if not g.punct]
        cuts = _digit_cuts(masks, n, icr)
        if not cuts:
            return None
        options.append(cuts)
    best: tuple[float, Reading] | None = None
    for n, combo in enumerate(itertools.product(*options)):
        tables = [t for _, part in combo for t in part]
        r = decode_date(tables, years=years(field))
        if not r.text:
            continue
        if n == 0:
            return r  # the likeliest cuts make a date: other cuts are tried only if not
        # The cuts' own scores, with each digit's best class swapped for the one read.
        score = sum(s for s, _ in combo) + sum(
            math.log(max(p, 1e-9)) - math.log(max(max(t.values()), 1e-9))
            for p, t in zip(r.char_confidences, tables, strict=True)
        )
        if best is None or score > best[0]:
            best = (score, r)
    return best[1] if best else Reading("", 0.0, engine="icr")


MAX_PIECES = 3  # cut pieces that may make one digit (a 5's flag, a broken 0, a split 6)
SKIP_COST = math.log(0.2)  # leaving a piece out (a speck, a stray stroke) of the digits
CUTS = 3  # ways of cutting each part into digits tried against the calendar

Cut = tuple[float, list[dict[str, float]]]


def _n_digits(masks: list[Mask], n: int, icr: GlyphProbabilities) -> list[dict[str, float]] | None:
    """Probability tables of exactly `n` digits from the cut pieces, the likeliest cut
    (`_digit_cuts`); None when they cannot make n."""
    cuts = _digit_cuts(masks, n, icr, 1)
    return cuts[0][1] if cuts else None


def _digit_cuts(masks: list[Mask], n: int, icr: GlyphProbabilities, keep: int = CUTS) -> list[Cut]:
    """The `keep` likeliest ways to make exactly `n` digits of the cut pieces, best
    first, with their log-scores: neighbouring pieces joined into one digit, or a piece
    left out, scored by how sure the classifier is of each digit (dynamic programming
    over the pieces left to right); empty when they cannot make n."""
    split = _split_touching(masks, n)
    if split is None:
        return []
    masks = split
    m = len(masks)
    if m > MAX_PIECES * n + 2:
        return []
    spans = [(i, j) for i in range(m) for j in range(i + 1, min(i + MAX_PIECES, m) + 1)]
    joined = []
    for i, j in spans:
        mask = masks[i].copy()
        for k in range(i + 1, j):
            mask |= masks[k]
        joined.append(mask)
    table = dict(zip(spans, icr.probabilities(joined, _DIGITS), strict=True))
    # best[i][k]: the `keep` best log-scores of the first i pieces made into k digits.
    Paths = list[tuple[float, list[tuple[int, int]]]]
    best: list[list[Paths]] = [[[] for _ in range(n + 1)] for _ in range(m + 1)]
    best[0][0] = [(0.0, [])]
    for i in range(m):
        for k in range(n + 1):
            for score, path in best[i][k]:
                best[i + 1][k].append((score + SKIP_COST, path))
                if k == n:
                    continue
                for j in range(i + 1, min(i + MAX_PIECES, m) + 1):
                    s = score + math.log(max(max(table[(i, j)].values()), 1e-9))
                    best[j][k + 1].append((s, [*path, (i, j)]))
        for row in best[i + 1]:  # complete: only rows up to i add to row i + 1
            row.sort(key=lambda sp: -sp[0])
            del row[keep:]
    return [(score, [table[span] for span in path]) for score, path in best[m][n]]


TOUCHING_WIDTH = 0.8  # a piece this many times as wide as tall may be two digits


def _split_touching(masks: list[Mask], n: int) -> list[Mask] | None:
    """The pieces, with the widest cut in two at its thinnest column near the middle
    while there are fewer than `n` (two digits written touching, "20" of a year, make one
    piece); None when the widest is no wider than one digit."""
    out = list(masks)
    while len(out) < n:
        if not out or out[0].ndim != 2:
            return None
        spans = []
        for mk in out:
            cols, rows = np.flatnonzero(mk.any(axis=0)), np.flatnonzero(mk.any(axis=1))
            spans.append(
                (cols[-1] + 1 - cols[0], cols[0], rows[-1] + 1 - rows[0])
                if len(cols)
                else (0, 0, 1)
            )
        k = max(range(len(out)), key=lambda i: spans[i][0])
        width, x0, height = spans[k]
        if width < TOUCHING_WIDTH * height or width < 6:
            return None
        profile = out[k][:, x0 : x0 + width].sum(axis=0)
        lo, hi = width // 4, width - width // 4
        cut = x0 + lo + int(np.argmin(profile[lo:hi]))
        left, right = out[k].copy(), out[k].copy()
        left[:, cut:] = False
        right[:, :cut] = False
        out[k : k + 1] = [left, right]
    return out


def _part_valid(digits: int) -> Callable[[str], bool]:
    """The form asks for DD, MM and YYYY: a read with fewer digits missed one (Courier's
    "11" and "17" come out as one glyph), so it does not stop the reading early."""

    def valid(text: str) -> bool:
        t = "".join(text.split())
        return t.isdigit() and len(t) == digits

    return valid
