"""Calibration per fill style (typed, hand): the bound holds for each kind of paper.

Readers are simulated with a known P(right | score) per field; hand-printed pages are
read worse at the same score than typed ones. The level certified per style keeps each
style's true error among accepted fields under max_error, where one level certified on
the mix lets the hand-printed pages exceed it and holds the typed ones back.
"""

from __future__ import annotations

import json

import numpy as np

from taskmaster.apps.registry import AppRegistry
from taskmaster.calibration.certify import certify
from taskmaster.calibration.fit import Fit, build, decode_labels, encode_labels
from taskmaster.calibration.procedure import HAND, TYPED, UNJUDGED, Key, Label
from taskmaster.calibration.store import SHIPPED, read_fit
from taskmaster.pipeline.recognize import fill_style
from taskmaster.reading import FieldReading

# field -> (kind, source, how much worse than the pool its reader is at the same score)
FIELDS = {f"t{i}": ("text", "ocr", i * 0.4) for i in range(6)} | {
    f"c{i}": ("checkbox", "omr", i * 0.3) for i in range(4)
}
KINDS = {n: k for n, (k, _, _) in FIELDS.items()}
HAND_HANDICAP = 1.8  # hand print: as a field this much worse at the same score
MAX_ERROR, CONFIDENCE = 0.01, 0.90


def p_right(score: np.ndarray, handicap: float) -> np.ndarray:
    logit = 1.5 + 7.5 * (score - 0.5) / 0.5 - handicap
    return np.asarray(1 / (1 + np.exp(-logit)))


def handicap(name: str, style: str) -> float:
    return FIELDS[name][2] + (HAND_HANDICAP if style == HAND else 0.0)


def simulate(rng: np.random.Generator, docs: int, styles: tuple[str, ...]) -> list[Label]:
    """Documents alternating between the styles, every field of each labelled."""
    out = []
    for d in range(docs):
        style = styles[d % len(styles)]
        for name, (kind, source, _) in FIELDS.items():
            score = float(np.clip(rng.beta(8, 1.2), 0, 1))
            right = bool(rng.random() < p_right(np.array([score]), handicap(name, style))[0])
            out.append(Label(name, kind, source, score, right, f"d{d}", style))
    return out


def true_figures(
    th: dict[Key, float], style: str, rng: np.random.Generator
) -> tuple[float | None, float]:
    """The exact error among the accepted fields of a style's pages, and the share of its
    fields accepted, by integration over a large fresh sample of scores."""
    wrong = accepted = total = 0.0
    for name, (_, source, _) in FIELDS.items():
        scores = np.clip(rng.beta(8, 1.2, 20000), 0, 1)
        total += len(scores)
        t = th.get((name, source, style))
        if t is None:
            continue
        mask = scores >= t
        accepted += mask.sum()
        wrong += (1 - p_right(scores[mask], handicap(name, style))).sum()
    return (wrong / accepted if accepted else None), accepted / total


def test_the_bound_holds_for_each_style_where_a_pooled_level_breaks_it_on_hand() -> None:
    rng = np.random.default_rng(11)
    budgets = {n: MAX_ERROR for n in FIELDS}
    rounds = 30
    over = {TYPED: 0, HAND: 0}
    pooled_over_hand = typed_accepting = 0
    typed_share, pooled_typed_share = [], []
    for _ in range(rounds):
        labels = simulate(rng, 300, (TYPED, HAND))
        choices, th = certify(labels, KINDS, budgets, CONFIDENCE)
        assert sorted(c.style for c in choices) == [HAND, TYPED]
        for style in (TYPED, HAND):
            err, share = true_figures(th, style, rng)
            over[style] += err is not None and err > MAX_ERROR
            if style == TYPED:
                typed_accepting += err is not None
                typed_share.append(share)
        # The same labels without their style: one level for the mix, applied to both.
        mix = [
            Label(lab.field, lab.kind, lab.source, lab.score, lab.right, lab.doc) for lab in labels
        ]
        _, th_mix = certify(mix, KINDS, budgets, CONFIDENCE)
        as_style = {s: {(n, src, s): t for (n, src, _), t in th_mix.items()} for s in (TYPED, HAND)}
        err, _ = true_figures(as_style[HAND], HAND, rng)
        pooled_over_hand += err is not None and err > MAX_ERROR
        pooled_typed_share.append(true_figures(as_style[TYPED], TYPED, rng)[1])
    # At 90% stated confidence Binomial(30, 0.1) exceeds 8 with probability < 1%.
    assert over[TYPED] <= 8 and over[HAND] <= 8, over
    assert pooled_over_hand > 8, "the mix's level should break the bound on hand pages"
    assert typed_accepting >= rounds * 2 // 3
    assert np.mean(typed_share) > np.mean(pooled_typed_share)  # typed no longer held back


def test_a_style_without_labels_is_not_accepted() -> None:
    rng = np.random.default_rng(5)
    labels = simulate(rng, 300, (TYPED,))
    choices, th = certify(labels, KINDS, {n: MAX_ERROR for n in FIELDS}, CONFIDENCE)
    assert [c.style for c in choices] == [TYPED] and choices[0].level is not None
    assert th and all(style == TYPED for _, _, style in th)
    # Through a fit: hand-printed and unjudged readings of the same fields go to review.
    app = AppRegistry().get("intake").app
    names = {"t0": "last_name", "t1": "first_name", "c0": "diabetes", "c1": "sex"}
    named = [
        Label(names[lab.field], lab.kind, lab.source, lab.score, lab.right, lab.doc, lab.style)
        for lab in labels + simulate(rng, 600, (TYPED,))
        if lab.field in names
    ]
    fit = build(app, named)
    assert {g["style"] for g in fit.data["groups"]} == {TYPED}
    assert fit.threshold("last_name", "ocr", TYPED) is not None
    assert fit.threshold("last_name", "ocr", HAND) is None
    assert fit.threshold("last_name", "ocr", UNJUDGED) is None
    assert fit.probability("last_name", "ocr", 0.99, HAND) is None
    styles = fit.data["fields"]["last_name"]["styles"]
    assert styles[TYPED]["labels"] == sum(lab.field == "last_name" for lab in named)


def test_labels_keep_their_style_and_old_labels_are_unjudged() -> None:
    rng = np.random.default_rng(9)
    labels = simulate(rng, 10, (TYPED, HAND)) + [Label("t0", "text", "ocr", 0.9, True, "old")]
    stored = encode_labels(labels)
    assert "t0|text|ocr" in stored["groups"] and "t0|text|ocr|hand" in stored["groups"]
    back = decode_labels(json.loads(json.dumps(stored)))
    assert sorted((lab.doc, lab.field, lab.style) for lab in back) == sorted(
        (lab.doc, lab.field, lab.style) for lab in labels
    )
    assert {lab.style for lab in back if lab.doc == "old"} == {UNJUDGED}


def test_a_fit_made_before_styles_applies_to_every_style() -> None:
    """The shipped intake fit (no styles yet) accepts typed and hand readings alike."""
    shipped = read_fit(AppRegistry().get("intake").folder / SHIPPED)
    if "styles" in shipped.data:  # refitted since: the compatibility is on a fit of its own
        shipped = Fit({"fields": {"last_name": {"thresholds": {"ocr": 0.9}, "curves": {}}}})
    name, f = next((n, f) for n, f in shipped.data["fields"].items() if f["thresholds"])
    source, t = next(iter(f["thresholds"].items()))
    for style in (TYPED, HAND, UNJUDGED):
        assert shipped.threshold(name, source, style) == t
    if "labels" in shipped.data:
        assert {lab.style for lab in shipped.labels()} == {UNJUDGED}


def _reading(source: str, messages: list[str] | None = None) -> FieldReading:
    return FieldReading("X", "X", 0.9, source, (0, 0, 1, 1), messages or [])


def test_a_document_is_judged_typed_or_hand_on_its_readings() -> None:
    typed = {f"f{i}": _reading("ocr") for i in range(8)} | {"d": _reading("icr")}
    hand = {f"f{i}": _reading("icr") for i in range(8)} | {
        "t": _reading("ocr", ["hand-print: merged"])
    }
    assert fill_style(typed) == TYPED
    assert fill_style(hand) == HAND
    assert fill_style({}) is None  # layout pages only: not judged
