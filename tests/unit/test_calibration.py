"""The calibration procedure on synthetic labelled scores: the bound it states holds.

Readers are simulated with a known P(right | score) per field, so the true error among
the fields a fitted threshold accepts can be computed exactly and compared with the
stated `max_error` over many simulated rounds.
"""

from __future__ import annotations

import numpy as np
import pytest

from taskmaster.calibration.fit import decode_labels, encode_labels
from taskmaster.calibration.procedure import (
    EDGES,
    UNJUDGED,
    Key,
    Label,
    bin_of,
    choose_level,
    clopper_pearson_upper,
    cross_fit,
    fit_curves,
    thresholds_at,
)

# field -> (kind, source, how much worse than the pool its reader is at the same score)
FIELDS = (
    {f"t{i}": ("text", "ocr", i * 0.4) for i in range(6)}
    | {f"c{i}": ("checkbox", "omr", i * 0.3) for i in range(4)}
    | {"hand": ("text", "icr", 2.0)}
)
KINDS = {n: k for n, (k, _, _) in FIELDS.items()}


def p_right(score: np.ndarray, handicap: float) -> np.ndarray:
    """Truth of the simulation: right 99.9% near score 1, 80% at 0.5, worse per field."""
    logit = 1.5 + 7.5 * (score - 0.5) / 0.5 - handicap
    return np.asarray(1 / (1 + np.exp(-logit)))


def simulate(rng: np.random.Generator, docs: int) -> list[Label]:
    out = []
    for d in range(docs):
        for name, (kind, source, handicap) in FIELDS.items():
            score = float(np.clip(rng.beta(8, 1.2), 0, 1))
            right = bool(rng.random() < p_right(np.array([score]), handicap)[0])
            out.append(Label(name, kind, source, score, right, f"d{d}"))
    return out


def true_error(th: dict[Key, float], rng: np.random.Generator) -> float | None:
    """The exact error among accepted fields of a threshold set, by integration over a
    large fresh sample of scores (the fit never sees it)."""
    wrong = accepted = 0.0
    for name, (_, source, handicap) in FIELDS.items():
        t = th.get((name, source, UNJUDGED))
        if t is None:
            continue
        scores = np.clip(rng.beta(8, 1.2, 20000), 0, 1)
        mask = scores >= t
        accepted += mask.sum()
        wrong += (1 - p_right(scores[mask], handicap)).sum()
    return wrong / accepted if accepted else None


def fit_round(labels: list[Label], max_error: float, confidence: float) -> dict[Key, float]:
    """The procedure as `fit.build` runs it: cross-fitted level, curves of all labels."""
    choice = choose_level(cross_fit(labels, KINDS), max_error, confidence)
    curves = fit_curves(labels, KINDS)
    return {} if choice.level is None else thresholds_at(curves, choice.level)


def test_clopper_pearson_matches_known_values() -> None:
    # No error in n: the bound solves (1 - u)^n = 1 - confidence.
    assert clopper_pearson_upper(0, 600, 0.95) == pytest.approx(1 - 0.05 ** (1 / 600), rel=1e-6)
    assert clopper_pearson_upper(0, 600, 0.95) < 0.005 < clopper_pearson_upper(0, 590, 0.95)
    # One in 100 at 95%, one-sided: 0.0466 (tables of the exact binomial bound).
    assert clopper_pearson_upper(1, 100, 0.95) == pytest.approx(0.0466, abs=2e-4)
    assert clopper_pearson_upper(0, 0, 0.95) == 1.0


def test_bound_holds_over_many_simulated_rounds() -> None:
    """At 90% stated confidence, at most ~10% of rounds may end above max_error; the
    procedure must also accept something in most rounds (refusing all is no answer)."""
    rng = np.random.default_rng(7)
    max_error, confidence, rounds = 0.01, 0.90, 60
    over = accepting = 0
    for _ in range(rounds):
        th = fit_round(simulate(rng, docs=150), max_error, confidence)
        err = true_error(th, rng)
        if err is not None:
            accepting += 1
            over += err > max_error
    # Binomial(60, 0.1) exceeds 12 with probability < 1%.
    assert over <= 12, f"{over} of {rounds} rounds broke the bound"
    assert accepting >= rounds // 2


def test_fields_without_evidence_are_never_accepted() -> None:
    rng = np.random.default_rng(3)
    labels = [lab for lab in simulate(rng, docs=200) if lab.kind == "text"]
    kinds = KINDS | {"new_box": "checkbox"}
    curves = fit_curves(labels, kinds)
    th = thresholds_at(curves, 0.5)
    assert ("t0", "ocr", UNJUDGED) in th
    assert not any(name in ("new_box", "c0") for name, _, _ in th)


def test_too_few_labels_certify_nothing() -> None:
    rng = np.random.default_rng(5)
    assert fit_round(simulate(rng, docs=10), 0.005, 0.95) == {}


def test_stored_labels_keep_every_bin_and_verdict() -> None:
    """The compact storage of a fit's labels (thousandths, rounded down) puts no label in
    another score bin, so a refit from a shipped fit certifies what the original did."""
    rng = np.random.default_rng(9)
    labels = (
        simulate(rng, docs=30)
        + [Label("t0", "text", "ocr", edge, True, "edge") for edge in EDGES]
        + [Label("t1", "text", "ocr", edge - 1e-7, False, "below") for edge in EDGES[1:]]
        + [Label("c0", "checkbox", "omr", 1.0, True, "top")]
    )
    back = decode_labels(encode_labels(labels))
    assert sorted((lab.field, lab.doc, bin_of(lab.score), lab.right) for lab in back) == sorted(
        (lab.field, lab.doc, bin_of(lab.score), lab.right) for lab in labels
    )
    old = [
        [lab.field, lab.kind, lab.source, lab.score, int(lab.right), lab.doc] for lab in labels[:5]
    ]
    assert decode_labels(old) == labels[:5]
