"""The calibration procedure: labelled reader scores in, calibrated curves and accept
thresholds with a stated error bound out. Pure numpy; docs/calibration.md explains why.

1. Curves: per (field, source, style) a binned estimate of P(right | score), shrunk
   towards its (field, source) pool, that towards its (kind, source) pool, that towards
   its kind, that towards all labels; then made monotone (pool-adjacent-violators), so
   "accept if p >= level" is "accept if score >= t" per field, source and style (the
   page's fill: typed or hand).
2. Threshold: learn-then-test with fixed-sequence testing, cross-fitted. Documents are
   split in two folds by a stable hash; each fold is judged by the curves fitted on the
   other, so no label tests a rule it helped to make. Candidate levels go from strict to
   loose; a level is kept while the one-sided Clopper-Pearson upper bound of the error
   among the labels it accepts stays <= max_error, and the first failure stops the
   sequence. The loosest level kept is applied to the curves fitted on all labels; none
   kept: nothing is accepted. `fit.build` certifies a level per group of fields and
   style, judged on that style's labels only.
"""

from __future__ import annotations

import bisect
import hashlib
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

EDGES = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995)
LEVELS = (
    0.9999,
    0.9995,
    0.999,
    0.998,
    0.997,
    0.996,
    0.995,
    0.994,
    0.993,
    0.992,
    0.99,
    0.988,
    0.985,
    0.98,
    0.975,
    0.97,
    0.96,
    0.95,
    0.94,
    0.92,
    0.9,
    0.85,
    0.8,
)
PRIOR = 20.0  # pseudo-labels a pool lends the pool below it, per bin
FOLDS = 2
TYPED, HAND = "typed", "hand"  # a form page's fill, as the readers judged it
UNJUDGED = "unjudged"  # no judgement: a layout page, or a label stored before styles

Key = tuple[str, str, str]  # (field, source, style): one curve, one threshold


@dataclass(frozen=True)
class Label:
    """One machine reading whose rightness is known."""

    field: str
    kind: str
    source: str  # "ocr" | "icr" | "omr" | "barcode" | "empty" (nothing read)
    score: float  # the reader's confidence at recognition time
    right: bool
    doc: str  # the document (or truth file) it came from: keeps a document in one part
    style: str = UNJUDGED  # TYPED | HAND: how its page was filled in, as the readers judged

    @property
    def key(self) -> Key:
        return (self.field, self.source, self.style)


def fold_of(doc: str) -> int:
    """The fold of a document's labels (a stable hash: the same on every refit)."""
    h = int.from_bytes(hashlib.sha256(doc.encode()).digest()[:8], "big")
    return h % FOLDS


def bin_of(score: float) -> int:
    return bisect.bisect_right(EDGES, score) - 1


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0 if k < n else 1.0
    lp, lq = math.log(p), math.log1p(-p)
    terms = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq
        for i in range(k + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def clopper_pearson_upper(errors: int, n: int, confidence: float) -> float:
    """One-sided upper bound of an error rate seen `errors` times in `n` at `confidence`."""
    if n == 0 or errors >= n:
        return 1.0
    delta, lo, hi = 1 - confidence, errors / n, 1.0
    for _ in range(60):  # bisection: the CDF falls as p rises
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if binomial_cdf(errors, n, mid) > delta else (lo, mid)
    return hi


def _pav(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Non-decreasing least-squares fit (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for v, w in zip(values.tolist(), weights.tolist(), strict=True):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return np.array([b[0] for b in blocks for _ in range(int(b[2]))])


def _counts(labels: Sequence[Label]) -> tuple[np.ndarray, np.ndarray]:
    """Labels and right ones per score bin."""
    if not labels:
        return np.zeros(len(EDGES)), np.zeros(len(EDGES))
    bins = np.searchsorted(EDGES, [lab.score for lab in labels], side="right") - 1
    right = np.array([lab.right for lab in labels], dtype=float)
    return (
        np.bincount(bins, minlength=len(EDGES)).astype(float),
        np.bincount(bins, weights=right, minlength=len(EDGES)),
    )


def _base(labels: Sequence[Label]) -> np.ndarray:
    """All labels' curve: each bin's rate, lightly shrunk to the overall rate (a bin of
    3 right is not certain), empty bins carrying the bin below; then monotone."""
    n, r = _counts(labels)
    overall = (r.sum() + 1) / (n.sum() + 2)
    rate = (r + 2 * overall) / (n + 2)
    for b in range(1, len(rate)):
        if n[b] == 0:
            rate[b] = rate[b - 1]
    return _pav(rate, n + 2)


@dataclass
class Curves:
    """P(right | score) per (field, source, style), and which fields have evidence."""

    curves: dict[Key, list[float]] = field(default_factory=dict)
    evidence: dict[str, int] = field(default_factory=dict)  # field -> labels of it or its kind

    def p(self, name: str, source: str, style: str, score: float) -> float | None:
        curve = self.curves.get((name, source, style))
        return None if curve is None else curve[bin_of(score)]


def fit_curves(labels: Sequence[Label], fields: Mapping[str, str]) -> Curves:
    """Curves for every field (name -> kind), every source seen with its kind and every
    style seen at all (a style a field has no labels of has its (field, source) curve)."""
    by: dict[tuple[str, ...], list[Label]] = defaultdict(list)
    for lab in labels:
        for key in [
            ("all",),
            ("k", lab.kind),
            ("ks", lab.kind, lab.source),
            ("fs", lab.field, lab.source),
            ("fss", lab.field, lab.source, lab.style),
            ("f", lab.field),
        ]:
            by[key].append(lab)
    styles = sorted({lab.style for lab in labels})
    base = _base(by[("all",)])
    out = Curves()

    counts = {key: _counts(labs) for key, labs in by.items()}
    none = (np.zeros(len(EDGES)), np.zeros(len(EDGES)))

    def shrink(parent: np.ndarray, key: tuple[str, ...]) -> np.ndarray:
        n, r = counts.get(key, none)
        return (r + PRIOR * parent) / (n + PRIOR)

    for name, kind in fields.items():
        out.evidence[name] = len(by.get(("f", name), [])) + len(by.get(("k", kind), []))
        p_kind = shrink(base, ("k", kind))
        for source in sorted({lab.source for lab in by.get(("k", kind), [])}):
            p_ks = shrink(p_kind, ("ks", kind, source))
            p_fs = shrink(p_ks, ("fs", name, source))
            for style in styles:
                p_fss = shrink(p_fs, ("fss", name, source, style))
                n_fss, _ = counts.get(("fss", name, source, style), none)
                out.curves[(name, source, style)] = [
                    round(float(v), 6) for v in _pav(p_fss, n_fss + PRIOR)
                ]
    return out


def thresholds_at(curves: Curves, level: float) -> dict[Key, float]:
    """Lowest score accepted per (field, source, style) at `level` (absent: never)."""
    out: dict[Key, float] = {}
    for (name, source, style), curve in curves.curves.items():
        if curves.evidence.get(name, 0) == 0:
            continue
        for b, p in enumerate(curve):
            if p >= level:
                out[(name, source, style)] = EDGES[b]
                break
    return out


def accepted(lab: Label, thresholds: Mapping[Key, float]) -> bool:
    t = thresholds.get(lab.key)
    return t is not None and lab.score >= t


@dataclass
class Choice:
    """The certified level of one group of fields (those sharing one max_error) on the
    labels of one style."""

    max_error: float
    level: float | None
    style: str = UNJUDGED
    accepted: int = 0  # test labels accepted at `level`
    errors: int = 0
    bound: float = 1.0
    tested: list[tuple[float, int, int, float]] = field(default_factory=list)


def cross_fit(
    labels: Sequence[Label], fields: Mapping[str, str]
) -> list[tuple[Curves, list[Label]]]:
    """(curves fitted without a fold, that fold's labels) for every fold."""
    return [
        (
            fit_curves([lab for lab in labels if fold_of(lab.doc) != k], fields),
            [lab for lab in labels if fold_of(lab.doc) == k],
        )
        for k in range(FOLDS)
    ]


def choose_level(
    folds: Sequence[tuple[Curves, Sequence[Label]]],
    max_error: float,
    confidence: float,
    style: str = UNJUDGED,
) -> Choice:
    """Learn-then-test, fixed sequence: the loosest level whose bound holds, and all
    stricter ones with it. Levels that accept too few labels for any bound to reach
    `max_error` are passed over (that depends on the scores only, not the labels)."""
    n_min = math.ceil(math.log(1 - confidence) / math.log(1 - max_error))
    prepared = []
    for curves, test in folds:
        keys = sorted({lab.key for lab in test})
        index = {k: i for i, k in enumerate(keys)}
        prepared.append(
            (
                curves,
                keys,
                np.array([index[lab.key] for lab in test], dtype=int),
                np.array([lab.score for lab in test]),
                np.array([not lab.right for lab in test]),
            )
        )
    choice = Choice(max_error=max_error, level=None, style=style)
    for level in LEVELS:
        n = errors = 0
        for curves, keys, idx, scores, wrong in prepared:
            th = thresholds_at(curves, level)
            limit = np.array([th.get(k, np.inf) for k in keys] or [np.inf])
            hit = scores >= limit[idx] if len(idx) else np.zeros(0, dtype=bool)
            n, errors = n + int(hit.sum()), errors + int(wrong[hit].sum())
        if n < n_min:
            continue
        bound = clopper_pearson_upper(errors, n, confidence)
        choice.tested.append((level, n, errors, bound))
        if bound > max_error:
            break
        choice.level, choice.accepted, choice.errors, choice.bound = level, n, errors, bound
    return choice
