"""Field-aware decoding: choose among each character's alternatives so the field is valid.

Every decoder takes one probability table per written character (`CharProbs`, a dict
from character to probability over the field's charset; `None` for an empty cell) and
returns a `Reading`. The confidence of a field is the product of the chosen characters'
probabilities: the chance, if the characters are independent, that all are right.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Sequence
from itertools import product

from taskmaster.engines.base import Reading

CharProbs = dict[str, float]
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Between a letter and a digit inside one word: a switch costs this factor.
SWITCH_PENALTY = 0.05


def _reading(
    chars: Sequence[str], probs: Sequence[float], alternatives: Iterable[tuple[str, float]] = ()
) -> Reading:
    conf = math.prod(probs) if probs else 0.0
    return Reading("".join(chars), conf, tuple(probs), "icr", tuple(alternatives))


def _top(p: CharProbs, k: int, allowed: str) -> list[tuple[str, float]]:
    items = [(c, v) for c, v in p.items() if c in allowed]
    return sorted(items, key=lambda cv: -cv[1])[:k]


def decode_best(cells: Sequence[CharProbs | None]) -> Reading:
    """Each written character's most likely class; empty cells skipped."""
    chars, probs = [], []
    for p in cells:
        if p:
            c, v = max(p.items(), key=lambda cv: cv[1])
            chars.append(c)
            probs.append(v)
    return _reading(chars, probs)


def decode_date(
    cells: Sequence[CharProbs | None], *, years: tuple[int, int] = (1900, 2099), k: int = 3
) -> Reading:
    """A DDMMYYYY comb as an ISO date `YYYY-MM-DD`, the likeliest valid calendar date.

    Tries the top `k` digits of every cell; empty text (confidence 0) when no
    combination is a valid date, so the field goes to review.
    """
    if len(cells) != 8 or any(p is None for p in cells):
        return Reading("", 0.0, engine="icr")
    tops = [_top(p or {}, k, DIGITS) for p in cells]
    # Day, month and year are valid or not on their own (but for the month's length):
    # keep the valid parts first, then combine (the same dates as all k^8 combinations).
    days = [(int(s), ps) for s, ps in _parts(tops[0:2]) if 1 <= int(s) <= 31]
    months = [(int(s), ps) for s, ps in _parts(tops[2:4]) if 1 <= int(s) <= 12]
    yrs = [(int(s), ps) for s, ps in _parts(tops[4:8]) if years[0] <= int(s) <= years[1]]
    found: list[tuple[float, str, tuple[float, ...]]] = []
    for year, py in yrs:
        for month, pm in months:
            last = calendar.monthrange(year, month)[1]
            for day, pd in days:
                if day <= last:
                    probs = pd + pm + py
                    found.append((math.prod(probs), f"{year:04d}-{month:02d}-{day:02d}", probs))
    if not found:
        return Reading("", 0.0, engine="icr")
    found.sort(key=lambda t: -t[0])
    total = sum(t[0] for t in found)
    conf, text, probs = found[0]
    # Renormalise over valid dates only: the invalid ones cannot be the answer.
    conf = conf / total if total > 0 else 0.0
    conf = min(conf, math.prod(probs) ** 0.5)  # never more sure than the ink says
    alts = tuple((t[1], t[0] / total) for t in found[1:4])
    return Reading(text, conf, probs, "icr", alts)


def _parts(tops: Sequence[Sequence[tuple[str, float]]]) -> list[tuple[str, tuple[float, ...]]]:
    """Every string the cells' top digits make, with the digits' probabilities."""
    return [("".join(c for c, _ in combo), tuple(v for _, v in combo)) for combo in product(*tops)]


def decode_lexicon(cells: Sequence[CharProbs | None], lexicon: Iterable[str]) -> Reading:
    """The lexicon entry most likely written in the cells (e.g. a 2-letter state code)."""
    written = [p for p in cells if p]
    scored = []
    for word in lexicon:
        if len(word) != len(written):
            continue
        probs = tuple(p.get(c, 0.0) for c, p in zip(word, written, strict=True))
        scored.append((math.prod(probs), word, probs))
    if not scored:
        return Reading("", 0.0, engine="icr")
    scored.sort(key=lambda t: -t[0])
    total = sum(t[0] for t in scored)
    best, word, probs = scored[0]
    conf = best / total if total > 0 else 0.0
    conf = min(conf, math.prod(probs) ** 0.5)
    return Reading(word, conf, probs, "icr", tuple((w, s / total) for s, w, _ in scored[1:4]))


def decode_fixed(cells: Sequence[CharProbs | None], length: int, charset: str = DIGITS) -> Reading:
    """A field of exactly `length` characters from `charset` (ZIP, phone)."""
    r = decode_best([{c: v for c, v in p.items() if c in charset} if p else None for p in cells])
    if len(r.text) != length:
        return Reading(r.text, 0.0, r.char_confidences, "icr")
    return r


def decode_mixed(cells: Sequence[CharProbs | None], *, prefix: bool = False) -> Reading:
    """Letters and digits, preferring runs: switching class inside a word is penalised.

    A two-state (letter / digit) Viterbi: it reads 'RCM597952683' rather than
    'RCM5979S2683' when the 5 and the S are close, and removes most O/0, I/1, Z/2 errors.
    Letters of either case count as letters; a symbol (`@`, `#`) is a third state that
    costs nothing to enter or leave ('jsmith@mail' reads as two runs). `prefix`: the
    letters a word starts with (a fourth state, "P") run into its digits at no cost, an
    identifier's letter prefix ('A9520420', not '49520420' to save the switch); letters
    after digits cost the switch as before.
    """
    written = [p for p in cells if p]
    if not written:
        return Reading("", 0.0, engine="icr")
    best: dict[str, tuple[float, list[str], list[float]]] = {}
    for i, p in enumerate(written):
        nxt: dict[str, tuple[float, list[str], list[float]]] = {}
        letters = "".join(c for c in p if c.isalpha())
        symbols = "".join(c for c in p if not c.isalnum())
        states = [("L", letters), ("D", DIGITS), ("S", symbols)]
        if prefix:
            states.append(("P", letters))
        for state, allowed in states:
            top = _top(p, 1, allowed) if allowed else []
            if not top:
                continue
            c, v = top[0]
            if i == 0:
                if state != "L" or not prefix:
                    nxt[state] = (math.log(max(v, 1e-12)), [c], [v])
                continue
            cands = []
            for prev, (score, chars, probs) in best.items():
                if state == "P" and prev != "P":
                    continue  # the leading letters: only from the start
                if prefix and prev == "P" and state == "L":
                    continue
                same = prev == state or (prev == "P" and state == "D")
                pen = 0.0 if same or "S" in (prev, state) else math.log(SWITCH_PENALTY)
                cands.append((score + pen + math.log(max(v, 1e-12)), chars + [c], probs + [v]))
            if cands:
                nxt[state] = max(cands, key=lambda t: t[0])
        best = nxt
    _, chars, probs = max(best.values(), key=lambda t: t[0])
    return _reading(chars, probs)
